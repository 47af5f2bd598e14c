package annotate

import (
	"sort"
	"strings"
	"unicode"
)

// runeSet is a set of runes: a bitmap for Latin-1, a sorted slice above.
type runeSet struct {
	low  [4]uint64 // runes < 256
	high []rune    // sorted runes >= 256
}

func newRuneSet(rs []rune) *runeSet {
	s := &runeSet{}
	for _, r := range rs {
		if r < 256 {
			s.low[r>>6] |= 1 << (uint(r) & 63)
		} else {
			s.high = append(s.high, r)
		}
	}
	sort.Slice(s.high, func(i, j int) bool { return s.high[i] < s.high[j] })
	return s
}

func (s *runeSet) has(r rune) bool {
	if r < 256 {
		return r >= 0 && s.low[r>>6]&(1<<(uint(r)&63)) != 0
	}
	i := sort.Search(len(s.high), func(i int) bool { return s.high[i] >= r })
	return i < len(s.high) && s.high[i] == r
}

var (
	punctSet       = newRuneSet(punctuationRunes)
	terminalSet    = newRuneSet(terminalPunctuationRunes)
	sentenceEndSet = newRuneSet(sentenceEndRunes)
)

// Byte classes of the ASCII fast paths: every splitter and counter looks a
// byte up once in byteClass instead of testing rune sets and ranges. Bytes
// >= 0x80 have only cHigh (the caller decodes the rune and takes the slow
// path).
const (
	cSpace     uint16 = 1 << iota // IsSpace
	cLower                        // a-z
	cUpper                        // A-Z
	cDigit                        // 0-9
	cPrefix                       // in prefixRunes
	cSuffix                       // in suffixRunes
	cDotAfter                     // in dotAfterRunes
	cQuote                        // in quoteRunes
	cInfix                        // may start an infix match: . + - * ^ , : < > = / ~
	cPunct                        // IsPunctuation
	cUPunct                       // isUnicodePunct
	cSentEnd                      // IsSentenceEnd
	cHigh                         // not ASCII
	cLineBreak                    // may start a str.splitlines boundary (\n \v \f \r \x1c-\x1e, 0xC2, 0xE2)

	cLetter = cLower | cUpper
)

var byteClass = func() *[256]uint16 {
	var t [256]uint16
	for c := 0; c < 256; c++ {
		if c >= 0x80 {
			t[c] = cHigh
			if c == 0xC2 || c == 0xE2 {
				t[c] |= cLineBreak
			}
			continue
		}
		r := rune(c)
		k := uint16(0)
		set := func(b bool, bit uint16) {
			if b {
				k |= bit
			}
		}
		set(IsSpace(r), cSpace)
		set(r >= 'a' && r <= 'z', cLower)
		set(r >= 'A' && r <= 'Z', cUpper)
		set(r >= '0' && r <= '9', cDigit)
		set(prefixRunes.has(r), cPrefix)
		set(suffixRunes.has(r), cSuffix)
		set(dotAfterRunes.has(r), cDotAfter)
		set(quoteRunes.has(r), cQuote)
		set(strings.ContainsRune(".+-*^,:<>=/~", r), cInfix)
		set(IsPunctuation(r), cPunct)
		set(isUnicodePunct(r), cUPunct)
		set(IsSentenceEnd(r), cSentEnd)
		set(strings.ContainsRune("\n\v\f\r\x1c\x1d\x1e", r), cLineBreak)
		t[c] = k
	}
	return &t
}()

// IsSpace reports whether r is whitespace in Python's str.isspace sense:
// Go's unicode.IsSpace plus the information separators U+001C..U+001F.
func IsSpace(r rune) bool {
	if r < 0x80 {
		return r == ' ' || (r >= '\t' && r <= '\r') || (r >= 0x1c && r <= 0x1f)
	}
	return unicode.IsSpace(r)
}

// IsPunctuation reports whether r is in datatrove's PUNCTUATION_SET (ASCII
// punctuation, C0/C1 controls except tab and newline, common CJK and typographic
// punctuation, and every terminal punctuation mark).
func IsPunctuation(r rune) bool { return punctSet.has(r) }

// IsTerminalPunctuation reports whether r is in datatrove's TERMINAL_PUNCTUATION.
func IsTerminalPunctuation(r rune) bool { return terminalSet.has(r) }

// IsSentenceEnd reports whether r is one of the sentence-final marks of the
// sentence splitter (spaCy Sentencizer's punct_chars).
func IsSentenceEnd(r rune) bool { return sentenceEndSet.has(r) }

// IsAlpha reports Python's str.isalpha for one rune: a Unicode letter (L*).
func IsAlpha(r rune) bool {
	if r < 0x80 {
		return (r|0x20) >= 'a' && (r|0x20) <= 'z'
	}
	return unicode.IsLetter(r)
}

// isWordRune is Python re's \w for one rune: letters, numbers and '_'.
func isWordRune(r rune) bool {
	if r < 0x80 {
		return r == '_' || (r >= '0' && r <= '9') || (r|0x20) >= 'a' && (r|0x20) <= 'z'
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

// IsWordRune is Python re's Unicode \w for one rune: letters, numbers and '_'.
func IsWordRune(r rune) bool { return isWordRune(r) }

// isUnicodePunct is spaCy's is_punct test for one rune: general category P*.
func isUnicodePunct(r rune) bool {
	if r < 0x80 {
		switch r {
		case '!', '"', '#', '%', '&', '\'', '(', ')', '*', ',', '-', '.', '/', ':', ';', '?', '@', '[', '\\', ']', '_', '{', '}':
			return true
		}
		return false
	}
	return unicode.IsPunct(r)
}

// isNoSpaceScript reports scripts written without spaces between words, which
// the English splitter hands to Unicode word segmentation.
func isNoSpaceScript(r rune) bool {
	if r < 0x0E00 {
		return false
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai,
		unicode.Lao, unicode.Khmer, unicode.Myanmar, unicode.Tibetan)
}
