package annotate

import (
	"math/bits"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/clipperhouse/uax29/v2/words"
)

// Span is a half-open byte range [Start, End) of a text: a word, line or
// paragraph, never a copy of it.
type Span struct{ Start, End int32 }

// Of returns the text the span covers.
func (s Span) Of(text string) string { return text[s.Start:s.End] }

// Len is the span's length in bytes.
func (s Span) Len() int { return int(s.End - s.Start) }

// IsEnglish reports whether lang names English, or is empty (unknown), in
// which case the English rules apply as in datatrove. It accepts ISO 639-1/3
// codes with an optional script or region ("en", "eng", "eng_Latn", "en-US")
// and the name "english", in any case.
func IsEnglish(lang string) bool {
	if lang == "" {
		return true
	}
	if i := strings.IndexAny(lang, "_-"); i >= 0 {
		lang = lang[:i]
	}
	return strings.EqualFold(lang, "en") || strings.EqualFold(lang, "eng") || strings.EqualFold(lang, "english")
}

// Splitter splits text into words. The zero value is ready to use; a
// Splitter keeps a reusable segmenter and is not safe for concurrent use
// (SplitWords pools them).
type Splitter struct {
	seg *words.Iterator[string]
}

var splitterPool = sync.Pool{New: func() any { return new(Splitter) }}

// SplitWords appends the words of text to dst and returns it, with the rules
// for lang (see Splitter.Split). Safe for concurrent use.
func SplitWords(dst []Span, text, lang string) []Span {
	sp := splitterPool.Get().(*Splitter)
	dst = sp.Split(dst, text, lang)
	splitterPool.Put(sp)
	return dst
}

// Split appends the words of text to dst: the English rule splitter when
// IsEnglish(lang), Unicode word segmentation (UAX #29) otherwise. Words never
// contain whitespace; punctuation marks are words of their own.
func (sp *Splitter) Split(dst []Span, text, lang string) []Span {
	if !IsEnglish(lang) {
		return sp.segment(dst, text, 0, len(text))
	}
	i := 0
	for i < len(text) {
		// skip whitespace
		if k := byteClass[text[i]]; k&cSpace != 0 {
			i++
			continue
		} else if k&cHigh != 0 {
			r, n := utf8.DecodeRuneInString(text[i:])
			if IsSpace(r) {
				i += n
				continue
			}
		}
		start := i
		// the common chunk: ASCII letters up to a space or the end.
		i = letterRun(text, i)
		if i == len(text) || byteClass[text[i]]&cSpace != 0 {
			if cuts, ok := isSpecial(text[start:i]); ok {
				dst = emitCuts(dst, start, cuts)
			} else {
				dst = append(dst, Span{int32(start), int32(i)})
			}
			continue
		}
		letters := i
		noSpace, ascii := false, true
		for i < len(text) {
			k := byteClass[text[i]]
			if k&cHigh == 0 {
				if k&cSpace != 0 {
					break
				}
				i++
				continue
			}
			ascii = false
			r, n := utf8.DecodeRuneInString(text[i:])
			if IsSpace(r) {
				break
			}
			if isNoSpaceScript(r) {
				noSpace = true
			}
			i += n
		}
		if ascii {
			var ok bool
			if dst, ok = asciiChunk(dst, text, start, letters, i); ok {
				continue
			}
		}
		if noSpace {
			dst = sp.segment(dst, text, start, i)
		} else {
			dst = englishChunk(dst, text, start, i)
		}
	}
	return dst
}

// letterRun returns the end of the run of ASCII letters starting at i. It
// tests 8 bytes at a time (this loop sees every byte of English text):
// c|0x20 is in 'a'..'z' exactly for the ASCII letters, and adding 0x1f or
// 0x05 to a byte below 0x80 sets its top bit when it is >= 'a' or > 'z',
// without carrying into the next byte.
func letterRun(text string, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for i+8 <= len(text) {
		x := uint64(text[i]) | uint64(text[i+1])<<8 | uint64(text[i+2])<<16 | uint64(text[i+3])<<24 |
			uint64(text[i+4])<<32 | uint64(text[i+5])<<40 | uint64(text[i+6])<<48 | uint64(text[i+7])<<56
		y := (x | 0x20*ones) &^ highs
		letters := (y + 0x1f*ones) &^ (y + 0x05*ones) &^ x & highs
		if other := letters ^ highs; other != 0 {
			return i + bits.TrailingZeros64(other)>>3
		}
		i += 8
	}
	for i < len(text) && byteClass[text[i]]&cLetter != 0 {
		i++
	}
	return i
}

// segment appends the UAX #29 words of text[s:e] that are not whitespace.
func (sp *Splitter) segment(dst []Span, text string, s, e int) []Span {
	if sp.seg == nil {
		sp.seg = words.FromString("")
	}
	sp.seg.SetText(text[s:e])
	for sp.seg.Next() {
		w := sp.seg.Value()
		start := s + sp.seg.Start()
		if hasSpace(w) {
			dst = splitSpaced(dst, w, start)
			continue
		}
		dst = append(dst, Span{int32(start), int32(start + len(w))})
	}
	sp.seg.SetText("")
	return dst
}

// hasSpace reports whether s holds whitespace. It runs on every segment, so
// it decodes only the runes whose lead byte can start whitespace (C2 for
// U+0085 and U+00A0, E1 to E3 for U+1680 to U+3000).
func hasSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < '!' {
			if byteClass[c]&cSpace != 0 {
				return true
			}
		} else if c >= 0xc2 && (c == 0xc2 || c >= 0xe1 && c <= 0xe3) {
			if r, _ := utf8.DecodeRuneInString(s[i:]); IsSpace(r) {
				return true
			}
		}
	}
	return false
}

// splitSpaced appends the words of a UAX #29 segment w (at off in the text)
// that holds whitespace. Such a segment is mostly whitespace with marks that
// WB4 attaches to it (" \u0301": a space cluster, no word), but can go on
// with a word (WB3c: " \u200d🙂") or hold a space inside a word (WB13a/b:
// U+202F is ExtendNumLet in "a\u202fb"). Words end at whitespace, and the
// marks that follow whitespace belong to it.
func splitSpaced(dst []Span, w string, off int) []Span {
	start, white := -1, false
	for i, r := range w {
		switch {
		case IsSpace(r):
			white = true
		case white && attachesToSpace(r):
		default:
			white = false
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			dst = append(dst, Span{int32(off + start), int32(off + i)})
			start = -1
		}
	}
	if start >= 0 {
		dst = append(dst, Span{int32(off + start), int32(off + len(w))})
	}
	return dst
}

// attachesToSpace reports whether r is Extend, Format or ZWJ in UAX #29
// word terms, the runes WB4 joins to the character before them.
func attachesToSpace(r rune) bool {
	if r < 0x300 {
		return r == 0xad // soft hyphen (Cf)
	}
	switch {
	case r == 0x200b: // zero width space: Cf but not Format
		return false
	case r >= 0x1f3fb && r <= 0x1f3ff: // emoji modifiers
		return true
	case unicode.In(r, unicode.Prepended_Concatenation_Mark):
		return false
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc, unicode.Cf, unicode.Other_Grapheme_Extend)
}

// RuneLen is the length of s in code points (Python's len).
func RuneLen(s string) int {
	// ASCII 8 bytes at a time: every text goes through here.
	i := 0
	for i+8 <= len(s) && load64(s, i)&0x8080808080808080 == 0 {
		i += 8
	}
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return i + utf8.RuneCountInString(s[i:])
		}
	}
	return len(s)
}

// RuneLenAtMost reports whether RuneLen(s) <= k, looking at no more than
// about k bytes when they are ASCII.
func RuneLenAtMost(s string, k int) bool {
	if len(s) <= k {
		return true // a code point has at least one byte
	}
	for i := 0; i <= k; i++ {
		if s[i] >= utf8.RuneSelf {
			return RuneLen(s) <= k
		}
	}
	return false // k+1 ASCII code points
}

// load64 is the 8 bytes of s from i, little-endian (one load).
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// IsSymbolWord reports whether every rune of w is in datatrove's
// PUNCTUATION_SET (Gopher does not count such words).
func IsSymbolWord(w string) bool {
	for i := 0; i < len(w); {
		r, n := rune(w[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(w[i:])
		}
		if !IsPunctuation(r) {
			return false
		}
		i += n
	}
	return true
}

// HasAlpha reports whether w has at least one alphabetic rune.
func HasAlpha(w string) bool {
	for i := 0; i < len(w); {
		r, n := rune(w[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(w[i:])
		}
		if IsAlpha(r) {
			return true
		}
		i += n
	}
	return false
}

// WordStats are the per-document word counts of the Gopher quality rules.
type WordStats struct {
	Words          int // all words, punctuation included
	NonSymbol      int // words with a rune outside PUNCTUATION_SET
	NonSymbolRunes int // total code points of the non-symbol words
	Alpha          int // words with an alphabetic rune
}

// CountWords computes WordStats over the words of text in one pass.
func CountWords(text string, ws []Span) WordStats {
	st := WordStats{Words: len(ws)}
	for _, sp := range ws {
		w := text[sp.Start:sp.End]
		// ASCII bytes by table: all punctuation, any letter.
		or, and := uint16(0), ^uint16(0)
		for i := 0; i < len(w); i++ {
			k := byteClass[w[i]]
			or |= k
			and &= k
		}
		var symbol, alpha bool
		runes := len(w)
		if or&cHigh == 0 {
			symbol, alpha = and&cPunct != 0, or&cLetter != 0
		} else {
			symbol, alpha, runes = true, false, 0
			for _, r := range w {
				if symbol && !IsPunctuation(r) {
					symbol = false
				}
				if !alpha && IsAlpha(r) {
					alpha = true
				}
				runes++
			}
		}
		if !symbol {
			st.NonSymbol++
			st.NonSymbolRunes += runes
		}
		if alpha {
			st.Alpha++
		}
	}
	return st
}
