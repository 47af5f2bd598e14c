package annotate

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The English splitter follows the rule-based tokenizer of a blank spaCy
// English pipeline, which is what datatrove uses for English word and
// sentence splitting. It is hand-written instead of a chain of regular
// expressions because it runs on every byte of every document: each rule is
// a constant-time check on the runes around a position. The exact rules are
// in doc.go.

// enSpecials maps a whole string to the byte lengths of its tokens
// (contractions, abbreviations, emoticons: spaCy's English exceptions).
var enSpecials = buildEnglishSpecials()

func buildEnglishSpecials() map[string][]uint8 {
	m := make(map[string][]uint8, 2048)
	add := func(parts ...string) {
		key := strings.Join(parts, "")
		cuts := make([]uint8, len(parts))
		for i, p := range parts {
			cuts[i] = uint8(len(p))
		}
		m[key] = cuts
	}
	title := func(s string) string {
		if s == "" {
			return s
		}
		r, n := utf8.DecodeRuneInString(s)
		return string(unicode.ToUpper(r)) + s[n:]
	}
	both := func(w string, f func(string)) {
		f(w)
		if t := title(w); t != w {
			f(t)
		}
	}
	// Pronoun and wh-word contractions, with and without the apostrophe.
	both("i", func(o string) {
		add(o, "'m")
		add(o, "m")
		add(o, "'m", "a")
		add(o, "m", "a")
	})
	withSuffixes := func(o string, sufs ...[]string) {
		for _, s := range sufs {
			add(append([]string{o}, s...)...)
		}
	}
	ll := [][]string{{"'ll"}, {"ll"}, {"'ll", "'ve"}, {"ll", "ve"}}
	dd := [][]string{{"'d"}, {"d"}, {"'d", "'ve"}, {"d", "ve"}}
	ve := [][]string{{"'ve"}, {"ve"}}
	re := [][]string{{"'re"}, {"re"}}
	ss := [][]string{{"'s"}, {"s"}}
	for _, p := range []string{"i", "you", "he", "she", "it", "we", "they"} {
		both(p, func(o string) { withSuffixes(o, ll...); withSuffixes(o, dd...) })
	}
	for _, p := range []string{"i", "you", "we", "they"} {
		both(p, func(o string) { withSuffixes(o, ve...) })
	}
	for _, p := range []string{"you", "we", "they"} {
		both(p, func(o string) { withSuffixes(o, re...) })
	}
	for _, p := range []string{"he", "she", "it"} {
		both(p, func(o string) { withSuffixes(o, ss...) })
	}
	for _, w := range []string{"who", "what", "when", "where", "why", "how", "there", "that", "this", "these", "those"} {
		plural := w == "these" || w == "those"
		singular := w == "that" || w == "this"
		both(w, func(o string) {
			if !plural {
				withSuffixes(o, ss...)
			}
			withSuffixes(o, ll...)
			if !singular {
				withSuffixes(o, re...)
				withSuffixes(o, ve...)
			}
			withSuffixes(o, dd...)
		})
	}
	// Negations.
	for _, v := range []string{"ca", "could", "do", "does", "did", "had", "may", "might", "must", "need", "ought", "sha", "should", "wo", "would"} {
		both(v, func(o string) {
			withSuffixes(o, []string{"n't"}, []string{"nt"}, []string{"n't", "'ve"}, []string{"nt", "ve"})
		})
	}
	for _, v := range []string{"could", "might", "must", "should", "would"} {
		both(v, func(o string) { withSuffixes(o, ve...) })
	}
	for _, v := range []string{"ai", "are", "is", "was", "were", "have", "has", "dare"} {
		both(v, func(o string) { withSuffixes(o, []string{"n't"}, []string{"nt"}) })
	}
	// Dropped-g forms kept whole, with or without the trailing apostrophe.
	for _, w := range []string{"doin", "goin", "nothin", "nuthin", "ol", "somethin"} {
		both(w, func(o string) { add(o); add(o + "'") })
	}
	for _, w := range []string{"em", "ll", "nuff"} {
		add(w)
		add("'" + w)
	}
	for h := 1; h <= 12; h++ {
		hs := itoa(h)
		for _, p := range []string{"a.m.", "am", "p.m.", "pm"} {
			add(hs, p)
		}
	}
	for _, parts := range [][]string{
		{"y'", "all"}, {"y", "all"}, {"how", "'d", "'y"}, {"How", "'d", "'y"},
		{"not", "'ve"}, {"not", "ve"}, {"Not", "'ve"}, {"Not", "ve"},
		{"can", "not"}, {"Can", "not"}, {"gon", "na"}, {"Gon", "na"},
		{"got", "ta"}, {"Got", "ta"}, {"let", "'s"}, {"Let", "'s"},
		{"c'm", "on"}, {"C'm", "on"},
		{"°", "c", "."}, {"°", "f", "."}, {"°", "k", "."}, {"°", "C", "."}, {"°", "F", "."}, {"°", "K", "."},
	} {
		add(parts...)
	}
	for _, w := range strings.Fields(englishWholeTokens) {
		add(w)
	}
	for _, w := range strings.Fields(emoticons) {
		add(w)
	}
	for c := 'a'; c <= 'z'; c++ {
		add(string(c) + ".")
	}
	for _, w := range []string{"ä.", "ö.", "ü.", "—"} {
		add(w)
	}
	// Forms that are ordinary words, not contractions.
	for _, w := range []string{"Ill", "ill", "Its", "its", "Hell", "hell", "Shell", "shell", "Shed", "shed", "were", "Were", "Well", "well", "Whore", "whore"} {
		delete(m, w)
	}
	return m
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return string(rune('0'+n/10)) + string(rune('0'+n%10))
}

// englishWholeTokens are strings kept as one token although they contain
// affix characters (abbreviations, US states, months, ...).
const englishWholeTokens = `'d a.m. Adm. Bros. co. Co. Corp. D.C. Dr. e.g. E.g. E.G. Gen. Gov. i.e. I.e. I.E.
Inc. Jr. Ltd. Md. Messrs. Mo. Mont. Mr. Mrs. Ms. p.m. Ph.D. Prof. Rep. Rev. Sen. St. vs. v.s.
'S 's ‘S ‘s and/or w/o 're 'Cause 'cause 'cos 'Cos 'coz 'Coz 'cuz 'Cuz 'bout ma'am Ma'am o'clock O'clock
lovin' Lovin' lovin Lovin havin' Havin' havin Havin doin' Doin' doin Doin goin' Goin' goin Goin
Mt. Ak. Ala. Apr. Ariz. Ark. Aug. Calif. Colo. Conn. Dec. Del. Feb. Fla. Ga. Ia. Id. Ill. Ind. Jan.
Jul. Jun. Kan. Kans. Ky. La. Mar. Mass. Mich. Minn. Miss. N.C. N.D. N.H. N.J. N.M. N.Y. Neb. Nebr.
Nev. Nov. Oct. Okla. Ore. Pa. S.C. Sep. Sept. Tenn. Va. Wash. Wis. ' \") <space> '' C++`

const emoticons = `:) :-) :)) :-)) :))) :-))) (: (-: =) (= :] :-] [: [-: [= =] :o) (o: :} :-} 8) 8-)
(-8 ;) ;-) (; (-; :( :-( :(( :-(( :((( :-((( ): )-: =( >:( :') :'-) :'( :'-( :/ :-/ =/ =| :| :-|
]= =[ :1 :P :-P :p :-p :O :-O :o :-o :0 :-0 :() >:o :* :-* :3 :-3 =3 :> :-> :X :-X :x :-x :D :-D
;D ;-D =D xD XD xDD XDD 8D 8-D ^_^ ^__^ ^___^ >.< >.> <.< ._. ;_; -_- -__- v.v V.V v_v V_V o_o
o_O O_o O_O 0_o o_0 0_0 o.O O.o O.O o.o 0.0 o.0 0.o @_@ <3 <33 <333 </3 (^_^) (-_-) (._.) (>_<)
(*_*) (¬_¬) ಠ_ಠ ಠ︵ಠ (ಠ_ಠ) ¯\(ツ)/¯ (╯°□°）╯︵┻━┻ ><(((*>`

// prefixRunes are the single characters split off the front of a token.
var prefixRunes = newRuneSet([]rune("§%=—–…,:;!?¿؟¡()[]{}<>_#*&。？！，、；：～·।،۔؛٪" +
	"'\"”“`‘´’‚„»«「」『』（）〔〕【】《》〈〉〈〉⟦⟧" + "$£€¥฿₽﷼₴"))

// suffixRunes are the single characters split off the end of a token.
var suffixRunes = newRuneSet([]rune("…,:;!?¿؟¡()[]{}<>_#*&。？！，、；：～·।،۔؛٪" +
	"'\"”“`‘´’‚„»«「」『』（）〔〕【】《》〈〉〈〉⟦⟧" + "—–"))

// quoteRunes is spaCy's CONCAT_QUOTES.
var quoteRunes = newRuneSet([]rune("'\"”“`‘´’‚,„»«「」『』（）〔〕【】《》〈〉〈〉⟦⟧"))

// dotAfterRunes are the non-letter characters after which a final '.' splits
// (spaCy's suffix lookbehind: %, ², -, +, the punctuation list and quotes).
var dotAfterRunes = newRuneSet([]rune("%²-+…,:;!?¿؟¡()[]{}<>_#*&。？！，、；：～·।،۔؛٪|\\" +
	"'\"”“`‘´’‚„»«「」『』（）〔〕【】《》〈〉〈〉⟦⟧"))

var units = strings.Fields("km km² km³ m m² m³ dm dm² dm³ cm cm² cm³ mm mm² mm³ ha µm nm yd in ft " +
	"kg g mg µg t lb oz m/s km/h kmh mph hPa Pa mbar mb MB kb KB gb GB tb " +
	"TB T G M K % км км² км³ м м² м³ дм дм² дм³ см см² см³ мм мм² мм³ нм " +
	"кг г мг м/с км/ч кПа Па мбар Кб КБ кб Мб МБ мб Гб ГБ гб Тб ТБ тб")

func isCurrency(r rune) bool {
	switch r {
	case '$', '£', '€', '¥', '฿', '₽', '﷼', '₴':
		return true
	}
	return r >= 0x20A0 && r <= 0x20BF
}

func isIcon(r rune) bool { return r >= 0xA6 && unicode.Is(unicode.So, r) }

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// isUncased approximates spaCy's uncased scripts: letters without case.
func isUncased(r rune) bool {
	return r >= 0x80 && unicode.IsLetter(r) && !unicode.IsUpper(r) && !unicode.IsLower(r) && !unicode.IsTitle(r)
}

func isAlphaLower(r rune) bool {
	if r < 0x80 {
		return r >= 'a' && r <= 'z'
	}
	return unicode.IsLower(r) || isUncased(r)
}

func isAlphaUpper(r rune) bool {
	if r < 0x80 {
		return r >= 'A' && r <= 'Z'
	}
	return unicode.IsUpper(r) || isUncased(r)
}

func firstRune(s string) (rune, int) {
	if s == "" {
		return utf8.RuneError, 0
	}
	if s[0] < utf8.RuneSelf {
		return rune(s[0]), 1
	}
	return utf8.DecodeRuneInString(s)
}

func lastRune(s string) (rune, int) {
	if s == "" {
		return utf8.RuneError, 0
	}
	if s[len(s)-1] < utf8.RuneSelf {
		return rune(s[len(s)-1]), 1
	}
	return utf8.DecodeLastRuneInString(s)
}

// enPrefix returns the byte length of the prefix token at the start of s, 0 if none.
func enPrefix(s string) int {
	if s == "" {
		return 0
	}
	if c := s[0]; c < utf8.RuneSelf {
		switch c {
		case '.', '+', 'U', 'C', 'A':
		default:
			if byteClass[c]&cPrefix != 0 {
				return 1
			}
			return 0
		}
	}
	r, n := firstRune(s)
	switch {
	case r == '.':
		if len(s) > 1 && s[1] == '.' {
			i := 2
			for i < len(s) && s[i] == '.' {
				i++
			}
			return i
		}
		return 0
	case r == '+':
		if len(s) > 1 && isDigit(rune(s[1])) {
			return 0
		}
		return 1
	case prefixRunes.has(r):
		return n
	case r == 'U' && strings.HasPrefix(s, "US$"):
		return 3
	case (r == 'C' || r == 'A') && len(s) > 1 && s[1] == '$':
		return 2
	case isCurrency(r) || isIcon(r):
		return n
	}
	return 0
}

// enSuffix returns the byte length of the suffix token at the end of s, 0 if
// none. All suffix rules are anchored at the end; the one starting leftmost
// (the longest) wins, as with a regular-expression search.
func enSuffix(s string) int {
	r, n := lastRune(s)
	if n == 0 {
		return 0
	}
	best := 0
	rest := s[:len(s)-n]
	p, pn := lastRune(rest) // the rune before the last
	switch {
	case r == '.':
		if p == '.' {
			i := len(s) - 1
			for i > 0 && s[i-1] == '.' {
				i--
			}
			return len(s) - i
		}
		if pn > 0 && (isDigit(p) || isAlphaLower(p) || dotAfterRunes.has(p)) {
			best = 1
		} else if pn > 0 && isAlphaUpper(p) {
			if q, qn := lastRune(rest[:len(rest)-pn]); qn > 0 && isAlphaUpper(q) {
				best = 1
			}
		}
		if (p == 'F' || p == 'f' || p == 'C' || p == 'c' || p == 'K' || p == 'k') && strings.HasSuffix(rest[:len(rest)-pn], "°") {
			best = 1
		}
	case r == '…':
		if p == '…' {
			return 2 * n
		}
		best = n
	case r == 's' || r == 'S':
		if p == '\'' || p == '’' {
			best = n + pn
		}
	case r == '+':
		if pn > 0 && isDigit(p) {
			best = 1
		}
	case suffixRunes.has(r) || isIcon(r):
		best = n
	}
	if best == n && best > 0 {
		// a longer candidate can only come from currency or unit rules.
		if r != '%' && !isCurrency(r) {
			return best
		}
	}
	// (?<=[0-9])(?:currency) and (?<=[0-9])(?:units)
	if isCurrency(r) {
		for _, c := range [...]string{"US$", "C$", "A$"} {
			if strings.HasSuffix(s, c) && len(s) > len(c) && isDigit(rune(s[len(s)-len(c)-1])) && len(c) > best {
				best = len(c)
			}
		}
		if pn > 0 && isDigit(p) && n > best {
			best = n
		}
	}
	if isLetterOrPercent(r) {
		if u := unitAfterDigit(s); u > best {
			best = u
		}
	}
	return best
}

// unitAfterDigit is the byte length of the unit ending s right after an
// ASCII digit, 0 if none: (?<=[0-9])(?:units) anchored at the end. No unit
// contains an ASCII digit, so the only candidate is what follows the last
// digit of s.
func unitAfterDigit(s string) int {
	for i := len(s) - 1; i >= 0 && i >= len(s)-1-maxUnitLen; i-- {
		if byteClass[s[i]]&cDigit != 0 {
			if _, ok := unitSet[s[i+1:]]; ok {
				return len(s) - i - 1
			}
			return 0
		}
	}
	return 0
}

// unitSet holds the units; maxUnitLen is the longest in bytes.
var unitSet, maxUnitLen = func() (map[string]struct{}, int) {
	m := make(map[string]struct{}, len(units))
	n := 0
	for _, u := range units {
		if strings.ContainsAny(u, "0123456789") {
			panic("annotate: unit with a digit: " + u)
		}
		m[u] = struct{}{}
		n = max(n, len(u))
	}
	return m, n
}()

func isLetterOrPercent(r rune) bool {
	return r == '%' || r == '²' || r == '³' || unicode.IsLetter(r)
}

// enInfix finds the next infix match in s at or after byte i. It returns the
// match bounds or (-1, -1).
func enInfix(s string, i int) (int, int) {
	var prev rune = -1
	if i > 0 {
		prev, _ = lastRune(s[:i])
	}
	for i < len(s) {
		if c := s[i]; byteClass[c]&(cInfix|cHigh) == 0 {
			// no infix starts at an ASCII byte outside cInfix.
			prev = rune(c)
			i++
			continue
		}
		// the rune here and the next one, ASCII without a call.
		r, n := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, n = firstRune(s[i:])
		}
		var next rune = -1
		if i+n < len(s) {
			if next = rune(s[i+n]); next >= utf8.RuneSelf {
				next, _ = firstRune(s[i+n:])
			}
		}
		switch {
		case r == '.' && next == '.':
			j := i + 2
			for j < len(s) && s[j] == '.' {
				j++
			}
			return i, j
		case r == '…':
			return i, i + n
		case r >= 0xA6 && isIcon(r):
			return i, i + n
		case (r == '+' || r == '-' || r == '*' || r == '^') && isDigit(prev) && (isDigit(next) || next == '-'):
			return i, i + n
		case r == '.' && (isAlphaLower(prev) || quoteRunes.has(prev)) && (isAlphaUpper(next) || quoteRunes.has(next)):
			return i, i + n
		case r == ',' && IsAlpha(prev) && IsAlpha(next):
			return i, i + n
		case (r == ':' || r == '<' || r == '>' || r == '=' || r == '/') && (IsAlpha(prev) || isDigit(prev)) && IsAlpha(next):
			return i, i + n
		case (r == '-' || r == '–' || r == '—' || r == '~') && (IsAlpha(prev) || isDigit(prev)):
			// (?:-|–|—|--|---|——|~)(?=[alpha]): the first alternative that is
			// followed by a letter.
			for _, h := range [...]string{"-", "–", "—", "--", "---", "——", "~"} {
				if strings.HasPrefix(s[i:], h) {
					if a, an := firstRune(s[i+len(h):]); an > 0 && IsAlpha(a) {
						return i, i + len(h)
					}
				}
			}
		}
		prev = r
		i += n
	}
	return -1, -1
}

// isURL approximates spaCy's URL_MATCH: optional scheme and user info, then
// dotted host labels ending in a lowercase top-level label of 2 or more
// letters, an optional port and an optional path, query or fragment.
func isURL(s string) bool {
	if strings.IndexByte(s, '.') < 0 {
		return false
	}
	if k := strings.Index(s, "://"); k >= 2 {
		ok := true
		for _, r := range s[:k] {
			if !(isWordRune(r) || r == '+' || r == '-' || r == '.') {
				ok = false
				break
			}
		}
		if ok {
			s = s[k+3:]
		}
	}
	if k := strings.LastIndexByte(s, '@'); k > 0 {
		s = s[k+1:]
	}
	end := strings.IndexAny(s, ":/?#")
	host, rest := s, ""
	if end >= 0 {
		host, rest = s[:end], s[end:]
	}
	dot := strings.LastIndexByte(host, '.')
	if dot <= 0 {
		return false
	}
	tld := host[dot+1:]
	nt := 0
	for _, r := range tld {
		if !isAlphaLower(r) {
			return false
		}
		nt++
	}
	if nt < 2 || nt > 63 {
		return false
	}
	for label := range strings.SplitSeq(host[:dot], ".") {
		if label == "" {
			return false
		}
		for j, r := range label {
			hostChar := (r < 0x80 && (isDigit(r) || (r|0x20) >= 'a' && (r|0x20) <= 'z')) || (r >= 0xA1 && r <= 0xFFFF)
			if !hostChar && !((r == '_' || r == '-') && j > 0 && j+utf8.RuneLen(r) < len(label)) {
				return false
			}
		}
	}
	if strings.HasPrefix(rest, ":") {
		j := 1
		for j < len(rest) && isDigit(rune(rest[j])) {
			j++
		}
		if j-1 < 2 || j-1 > 5 {
			return false
		}
		rest = rest[j:]
	}
	return rest == "" || rest[0] == '/' || rest[0] == '?' || rest[0] == '#'
}

// specialFilter is a bitset over (length, first byte, last byte) of the
// special strings: a clear bit proves a string is not special without a map
// lookup.
var specialFilter = func() *[1 << 16 / 64]uint64 {
	var f [1 << 16 / 64]uint64
	for k := range enSpecials {
		h := specialHash(k)
		f[h>>6] |= 1 << (h & 63)
	}
	return &f
}()

func specialHash(s string) uint32 {
	return (uint32(len(s))*0x9E37 ^ uint32(s[0])*0x85EB ^ uint32(s[len(s)-1])*0xC2B3) & 0xFFFF
}

func isSpecial(s string) ([]uint8, bool) {
	if s == "" {
		return nil, false
	}
	h := specialHash(s)
	if specialFilter[h>>6]&(1<<(h&63)) == 0 {
		return nil, false
	}
	cuts, ok := enSpecials[s]
	return cuts, ok
}

// asciiChunk splits the most common shapes of ASCII chunks text[s:e] whose
// first l-s bytes are letters without running the general affix loop, and
// reports whether it did. Each shape's output is what englishChunk gives it:
//
//   - one character: itself;
//   - letters and digits ending in a digit: whole (no affix applies);
//   - letters then one suffix mark (, ; : ! ? ) " ...): the letters (or
//     their special form), then the mark; with ".", only where the suffix
//     rule splits it (after a lowercase letter or two uppercase ones), else
//     whole;
//   - one prefix mark then letters: the mark, then the letters (or their
//     special form).
//
// A chunk that is itself special is emitted by its cuts first.
func asciiChunk(dst []Span, text string, s, l, e int) ([]Span, bool) {
	if e-s == 1 {
		return append(dst, Span{int32(s), int32(e)}), true
	}
	last := text[e-1]
	switch {
	case l == e-1 && l > s && (byteClass[last]&cSuffix != 0 || last == '.'):
		if cuts, ok := isSpecial(text[s:e]); ok {
			return emitCuts(dst, s, cuts), true
		}
		if last == '.' {
			p := byteClass[text[l-1]]
			if p&cLower == 0 && (p&cUpper == 0 || l-1 == s || byteClass[text[l-2]]&cUpper == 0) {
				return append(dst, Span{int32(s), int32(e)}), true
			}
		}
		dst = emitWord(dst, text, s, l)
		return append(dst, Span{int32(l), int32(e)}), true
	case l == s && byteClass[text[s]]&cPrefix != 0:
		for i := s + 1; i < e; i++ {
			if byteClass[text[i]]&cLetter == 0 {
				return dst, false
			}
		}
		if cuts, ok := isSpecial(text[s:e]); ok {
			return emitCuts(dst, s, cuts), true
		}
		dst = append(dst, Span{int32(s), int32(s + 1)})
		return emitWord(dst, text, s+1, e), true
	case byteClass[last]&cDigit != 0:
		for i := l; i < e; i++ {
			if byteClass[text[i]]&(cLetter|cDigit) == 0 {
				return dst, false
			}
		}
		if cuts, ok := isSpecial(text[s:e]); ok {
			return emitCuts(dst, s, cuts), true
		}
		return append(dst, Span{int32(s), int32(e)}), true
	}
	return dst, false
}

// emitWord appends text[s:e], made of letters only, as one token or as its
// special form.
func emitWord(dst []Span, text string, s, e int) []Span {
	if cuts, ok := isSpecial(text[s:e]); ok {
		return emitCuts(dst, s, cuts)
	}
	return append(dst, Span{int32(s), int32(e)})
}

// englishChunk appends the tokens of text[s:e], a run without whitespace.
func englishChunk(dst []Span, text string, s, e int) []Span {
	if cuts, ok := isSpecial(text[s:e]); ok {
		return emitCuts(dst, s, cuts)
	}
	// Fast path: ASCII letters only have no affix, infix or URL.
	plain := true
	for i := s; i < e; i++ {
		if c := text[i] | 0x20; c < 'a' || c > 'z' {
			plain = false
			break
		}
	}
	if plain {
		return append(dst, Span{int32(s), int32(e)})
	}
	var sufBuf [16]int32
	sufs := sufBuf[:0] // start offsets of suffix tokens, last is leftmost
	a, b := s, e
	last := -1
	for a < b && b-a != last {
		if _, ok := isSpecial(text[a:b]); ok {
			break
		}
		last = b - a
		pre := enPrefix(text[a:b])
		if pre != 0 && a+pre < b {
			if _, ok := isSpecial(text[a+pre : b]); ok {
				dst = append(dst, Span{int32(a), int32(a + pre)})
				a += pre
				break
			}
		}
		suf := enSuffix(text[a+pre : b])
		if suf != 0 && b-suf > a {
			if _, ok := isSpecial(text[a : b-suf]); ok {
				sufs = append(sufs, int32(b-suf))
				b -= suf
				break
			}
		}
		switch {
		case pre != 0 && suf != 0:
			dst = append(dst, Span{int32(a), int32(a + pre)})
			sufs = append(sufs, int32(b-suf))
			a += pre
			b -= suf
		case pre != 0:
			dst = append(dst, Span{int32(a), int32(a + pre)})
			a += pre
		case suf != 0:
			sufs = append(sufs, int32(b-suf))
			b -= suf
		}
	}
	if a < b {
		dst = englishCore(dst, text, a, b)
	}
	end := int32(e)
	// suffixes were pushed right to left; emit them left to right.
	for i := len(sufs) - 1; i >= 0; i-- {
		next := end
		if i > 0 {
			next = sufs[i-1]
		}
		dst = append(dst, Span{sufs[i], next})
	}
	return dst
}

// englishCore emits the token(s) of the affix-free core text[a:b].
func englishCore(dst []Span, text string, a, b int) []Span {
	core := text[a:b]
	if cuts, ok := isSpecial(core); ok {
		return emitCuts(dst, a, cuts)
	}
	if !hasInfixByte(core) {
		// no '.' (no URL) and nowhere an infix can start.
		return append(dst, Span{int32(a), int32(b)})
	}
	if isURL(core) {
		return append(dst, Span{int32(a), int32(b)})
	}
	start := 0
	for i := 0; i < len(core); {
		ms, me := enInfix(core, i)
		if ms < 0 {
			break
		}
		if ms != 0 {
			if ms != start {
				dst = append(dst, Span{int32(a + start), int32(a + ms)})
			}
			dst = append(dst, Span{int32(a + ms), int32(a + me)})
			start = me
		}
		i = me
	}
	if start < len(core) {
		dst = append(dst, Span{int32(a + start), int32(b)})
	}
	return dst
}

// hasInfixByte reports a byte of s where an infix may start (cInfix or not ASCII).
func hasInfixByte(s string) bool {
	for i := 0; i < len(s); i++ {
		if byteClass[s[i]]&(cInfix|cHigh) != 0 {
			return true
		}
	}
	return false
}

func emitCuts(dst []Span, s int, cuts []uint8) []Span {
	for _, c := range cuts {
		dst = append(dst, Span{int32(s), int32(s + int(c))})
		s += int(c)
	}
	return dst
}
