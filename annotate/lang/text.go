package lang

import (
	"unicode"
	"unicode/utf8"
)

// runeInfo classifies a rune for word splitting and the script rules: the
// low 5 bits are its alphabet (noAlphabet if none of lingua's), then flags.
type runeInfo uint8

const (
	infoLetter runeInfo = 1 << 5 // Unicode category L
	infoSingle runeInfo = 1 << 6 // Han, Hangul, Hiragana or Katakana: a word of its own
)

func (i runeInfo) alphabet() alphabet { return alphabet(i & 31) }

// bmpInfo is runeInfo for the Basic Multilingual Plane, built once from
// the Unicode tables (64 KiB): one load instead of up to 19 table searches.
var bmpInfo = func() *[0x10000]runeInfo {
	var t [0x10000]runeInfo
	for i := range t {
		t[i] = runeInfo(noAlphabet)
	}
	for a, tab := range alphabetTables {
		forEachRune(tab, func(r rune) {
			if r < 0x10000 {
				t[r] = t[r]&^31 | runeInfo(a)
				if a == int(han) || a == int(hangul) || a == int(hiragana) || a == int(katakana) {
					t[r] |= infoSingle
				}
			}
		})
	}
	forEachRune(unicode.L, func(r rune) {
		if r < 0x10000 {
			t[r] |= infoLetter
		}
	})
	return &t
}()

func forEachRune(tab *unicode.RangeTable, f func(rune)) {
	for _, r := range tab.R16 {
		for c := rune(r.Lo); c <= rune(r.Hi); c += rune(r.Stride) {
			f(c)
		}
	}
	for _, r := range tab.R32 {
		for c := rune(r.Lo); c <= rune(r.Hi); c += rune(r.Stride) {
			f(c)
		}
	}
}

func infoOf(r rune) runeInfo {
	if r < 0x10000 {
		return bmpInfo[r]
	}
	i := runeInfo(noAlphabet)
	for a, tab := range alphabetTables {
		if unicode.Is(tab, r) {
			i = runeInfo(a)
			if alphabet(a) == han || alphabet(a) == hangul || alphabet(a) == hiragana || alphabet(a) == katakana {
				i |= infoSingle
			}
			break
		}
	}
	if unicode.IsLetter(r) {
		i |= infoLetter
	}
	return i
}

// toLower is strings.ToLower's per-rune mapping with an ASCII fast path.
func toLower(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	return unicode.ToLower(r)
}

// isSpaceByte reports ASCII whitespace, where samples are cut.
func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'
}

// samplePieces is how many slices a long document's sample is made of.
const samplePieces = 4

// sampleText returns text when it has at most maxChars code points (or
// maxChars is 0); otherwise samplePieces slices of maxChars/samplePieces
// code points each, starting at evenly spaced offsets (the first at 0),
// each moved forward past the next ASCII whitespace and cut back at the
// last one when there is whitespace nearby, joined by "\n" into dst.
func sampleText(dst []byte, text string, maxChars int) ([]byte, bool) {
	if maxChars <= 0 || len(text) <= maxChars ||
		(len(text) <= 4*maxChars && utf8.RuneCountInString(text) <= maxChars) {
		return dst, false
	}
	dst = dst[:0]
	budget := maxChars / samplePieces
	if budget < 1 {
		budget = 1
	}
	const slack = 64 // bytes searched for a whitespace cut
	for p := 0; p < samplePieces; p++ {
		s := p * len(text) / samplePieces
		if s > 0 {
			for s < len(text) && !utf8.RuneStart(text[s]) {
				s++
			}
			for j := s; j < len(text) && j < s+slack; j++ {
				if isSpaceByte(text[j]) {
					s = j + 1
					break
				}
			}
		}
		e, n := s, 0
		for e < len(text) && n < budget {
			if text[e] < utf8.RuneSelf {
				e++
			} else {
				_, size := utf8.DecodeRuneInString(text[e:])
				e += size
			}
			n++
		}
		if e < len(text) {
			for j := e; j > s && j > e-slack; j-- {
				if isSpaceByte(text[j-1]) {
					e = j - 1
					break
				}
			}
		}
		dst = append(dst, text[s:e]...)
		dst = append(dst, '\n')
	}
	return dst, true
}

// splitWords appends to sc the lower-cased words of text as lingua-go
// splits them (strings.ToLower, then the regexp
// \p{Han}|\p{Hangul}|\p{Hiragana}|\p{Katakana}|\p{L}+): a character of
// the Han, Hangul, Hiragana or Katakana script (letter or not) starting a
// word is a word of its own; any other letter starts a word running over
// all following letters. It
// records each word's alphabet (noAlphabet unless all its letters share one).
func (sc *scratch) splitWords(text string) {
	sc.runes = sc.runes[:0]
	sc.wordEnd = sc.wordEnd[:0]
	sc.wordAlpha = sc.wordAlpha[:0]
	in := false
	var alpha alphabet
	for i := 0; i < len(text); {
		r := rune(text[i])
		if r < utf8.RuneSelf {
			i++
		} else {
			var size int
			r, size = utf8.DecodeRuneInString(text[i:])
			i += size
		}
		r = toLower(r)
		info := infoOf(r)
		if in {
			if info&infoLetter != 0 {
				sc.runes = append(sc.runes, r)
				if info.alphabet() != alpha {
					alpha = noAlphabet
				}
				continue
			}
			sc.endWord(alpha)
			in = false
		}
		switch {
		case info&infoSingle != 0:
			// Any character of these scripts, letter or not (㋶ is So).
			sc.runes = append(sc.runes, r)
			sc.endWord(info.alphabet())
		case info&infoLetter != 0:
			sc.runes = append(sc.runes, r)
			in, alpha = true, info.alphabet()
		}
	}
	if in {
		sc.endWord(alpha)
	}
}

func (sc *scratch) endWord(a alphabet) {
	sc.wordEnd = append(sc.wordEnd, int32(len(sc.runes)))
	sc.wordAlpha = append(sc.wordAlpha, a)
}

// word returns the runes of word i.
func (sc *scratch) word(i int) []rune {
	s := int32(0)
	if i > 0 {
		s = sc.wordEnd[i-1]
	}
	return sc.runes[s:sc.wordEnd[i]]
}
