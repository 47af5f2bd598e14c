package dedup

import (
	"fmt"
	"slices"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalization modes accepted by the `normalize` option of every dedup
// stage.
const (
	// NormalizeNone hashes the text byte for byte.
	NormalizeNone = "none"
	// NormalizeSimple is datatrove's simplify_text with its default
	// TextNormConfig: lowercase, every run of decimal digits (with at most
	// one inner separator among . , ، ٫ ⎖ ⎗ ⎘) becomes "0", datatrove's
	// punctuation list and ASCII/C1 control characters become spaces,
	// whitespace runs collapse to one space, NFD decomposition with every
	// nonspacing mark (category Mn) removed, and leading/trailing space
	// trimmed.
	NormalizeSimple = "simple"
)

func checkNormalize(key, mode string) error {
	switch mode {
	case NormalizeNone, NormalizeSimple:
		return nil
	}
	return fmt.Errorf("%s: must be %q or %q, got %q", key, NormalizeNone, NormalizeSimple, mode)
}

// punctuationChars is datatrove's PUNCTUATION string (utils/text.py) without
// its control-character ranges, which isPunctASCII/isPunct test by range.
const punctuationChars = "!/\u2014\u201d:\uff05\uff11\u3008&(\u3001\u2501\\\u3010#%\u300c\u300d\uff0c\u3011\uff1b+^]~\u201c\u300a\u201e';\u2019{|\u2236\u00b4[=-`*\uff0e\uff08\u2013\uff1f\uff01\uff1a$\uff5e\u00ab\u3009,><\u300b)?\uff09\u3002\u2026@_.\"}\u25ba\u00bb"

// asciiClass classifies each ASCII byte for the simple normalizer.
const (
	clsKeep  = iota // emitted as is
	clsUpper        // emitted lowercased
	clsDigit        // starts a number, emitted as "0"
	clsSpace        // punctuation, control or whitespace: becomes a separator
)

var (
	asciiClass  [128]uint8
	nonASCIIPun = map[rune]bool{}
)

func init() {
	for c := 0; c < 128; c++ {
		switch {
		case c >= 'A' && c <= 'Z':
			asciiClass[c] = clsUpper
		case c >= '0' && c <= '9':
			asciiClass[c] = clsDigit
		case c < 32 || c == 127 || c == ' ':
			// datatrove translates 0-8, 11-31 and 127 to spaces; \t and \n are
			// whitespace anyway.
			asciiClass[c] = clsSpace
		}
	}
	for _, r := range punctuationChars {
		if r < 128 {
			asciiClass[r] = clsSpace
		} else {
			nonASCIIPun[r] = true
		}
	}
	for c := 0; c < 128; c++ {
		switch asciiClass[c] {
		case clsKeep:
			asciiOut[c] = byte(c)
		case clsUpper:
			asciiOut[c] = byte(c) + ('a' - 'A')
		}
	}
}

// isNumberSep reports the separators datatrove's number pattern allows
// between two digit runs.
func isNumberSep(r rune) bool {
	switch r {
	case '.', ',', '\u060c', '\u066b', '\u2396', '\u2397', '\u2398':
		return true
	}
	return false
}

// appendNormalized appends text normalized by mode to dst.
func appendNormalized(dst []byte, text, mode string) []byte {
	if mode == NormalizeNone {
		return append(dst, text...)
	}
	return appendSimplified(dst, text)
}

// appendSimplified appends datatrove's simplify_text(text) to dst in one
// pass. It is hand-written rather than a chain of regexp/strings calls because
// it runs on every byte of the corpus: ASCII takes a table lookup per byte and
// BMP runes one lookup in a table built once from the unicode tables and NFD;
// only runes above U+FFFF take the slow path.
func appendSimplified(dst []byte, text string) []byte {
	bmpOnce.Do(buildBMP)
	dst = slices.Grow(dst, len(text))
	start := len(dst)
	pending := false // a separator is owed before the next emitted char
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			if o := asciiOut[c]; o != 0 {
				if pending {
					pending = false
					if len(dst) > start {
						dst = append(dst, ' ')
					}
				}
				dst = append(dst, o)
				i++
				continue
			}
			if asciiClass[c] == clsDigit {
				dst = emitSep(dst, start, &pending)
				dst = append(dst, '0')
				i = skipNumber(text, i)
				continue
			}
			pending = true
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		kind, out := uint8(runeSlow), ""
		if r < 0x10000 {
			kind, out = bmpKind[r], bmpOut[r]
		}
		switch kind {
		case runeEmit:
			if out != "" {
				dst = emitSep(dst, start, &pending)
				dst = append(dst, out...)
			}
		case runeSep:
			pending = true
		case runeDigit:
			dst = emitSep(dst, start, &pending)
			dst = append(dst, '0')
			i = skipNumber(text, i)
			continue
		default:
			dst = appendRuneSlow(dst, start, &pending, text, i, r, size)
			if unicode.IsDigit(unicode.ToLower(r)) {
				i = skipNumber(text, i)
				continue
			}
		}
		i += size
	}
	return dst
}

// Per-rune classes of the BMP table.
const (
	runeEmit  = iota // append bmpOut (possibly nothing: a nonspacing mark)
	runeSep          // punctuation, control or whitespace
	runeDigit        // starts a number
	runeSlow         // context-dependent (final sigma) or invalid: slow path
)

var (
	asciiOut [128]byte // output byte of a letter or kept symbol, 0 otherwise
	bmpOnce  sync.Once
	bmpKind  []uint8
	bmpOut   []string
)

func buildBMP() {
	kinds := make([]uint8, 0x10000)
	outs := make([]string, 0x10000)
	var rb [utf8.UTFMax]byte
	for r := rune(0x80); r < 0x10000; r++ {
		lr := unicode.ToLower(r)
		switch {
		case r == 'Σ' || r == utf8.RuneError || (r >= 0xd800 && r < 0xe000):
			kinds[r] = runeSlow
		case unicode.IsDigit(lr):
			kinds[r] = runeDigit
		case isSepRune(r, lr):
			kinds[r] = runeSep
		default:
			p := false
			b := appendNFDStripped(nil, 0, &p, rb[:utf8.EncodeRune(rb[:], lr)])
			if string(b) == string(rb[:utf8.EncodeRune(rb[:], r)]) {
				// unchanged: share the bytes of the rune itself
				outs[r] = string(r)
			} else {
				outs[r] = string(b)
			}
		}
	}
	bmpKind, bmpOut = kinds, outs
}

func isSepRune(r, lr rune) bool {
	return (r >= 0x80 && r < 0xa0) || nonASCIIPun[lr] || unicode.IsSpace(lr)
}

// appendRuneSlow normalizes one non-ASCII rune r = text[i:i+size] without
// the table (digits are handled by the caller).
func appendRuneSlow(dst []byte, start int, pending *bool, text string, i int, r rune, size int) []byte {
	lr := unicode.ToLower(r)
	if r == 'Σ' && isFinalSigma(text, i, size) {
		lr = 'ς' // Python's str.lower applies the Final_Sigma rule
	}
	switch {
	case unicode.IsDigit(lr):
		dst = emitSep(dst, start, pending)
		return append(dst, '0')
	case r == utf8.RuneError && size == 1:
		// invalid UTF-8 byte: Python would not have decoded it; treat as
		// a separator so output stays valid UTF-8.
		*pending = true
		return dst
	case isSepRune(r, lr):
		*pending = true
		return dst
	}
	var rb [utf8.UTFMax]byte
	return appendNFDStripped(dst, start, pending, rb[:utf8.EncodeRune(rb[:], lr)])
}

// isFinalSigma reports whether the capital sigma at text[i:i+size] ends a
// word: preceded by a cased letter and not followed by one.
func isFinalSigma(text string, i, size int) bool {
	prev, _ := utf8.DecodeLastRuneInString(text[:i])
	next, _ := utf8.DecodeRuneInString(text[i+size:])
	return isCased(prev) && !isCased(next)
}

func isCased(r rune) bool {
	return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r)
}

func emitSep(dst []byte, start int, pending *bool) []byte {
	if *pending {
		*pending = false
		if len(dst) > start {
			dst = append(dst, ' ')
		}
	}
	return dst
}

// appendNFDStripped appends the NFD decomposition of one rune (src) without
// its nonspacing marks.
func appendNFDStripped(dst []byte, start int, pending *bool, src []byte) []byte {
	var db [64]byte
	dec := db[:0]
	if norm.NFD.IsNormal(src) {
		dec = append(dec, src...)
	} else {
		dec = norm.NFD.Append(dec, src...)
	}
	for j := 0; j < len(dec); {
		r, size := utf8.DecodeRune(dec[j:])
		if !unicode.Is(unicode.Mn, r) {
			dst = emitSep(dst, start, pending)
			dst = append(dst, dec[j:j+size]...)
		}
		j += size
	}
	return dst
}

// skipNumber returns the index after the number starting at text[i]:
// \p{Nd}+ optionally followed by one separator and \p{Nd}+.
func skipNumber(text string, i int) int {
	i = skipDigits(text, i)
	if i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if isNumberSep(r) && i+size < len(text) {
			r2, _ := utf8.DecodeRuneInString(text[i+size:])
			if unicode.IsDigit(r2) {
				i = skipDigits(text, i+size)
			}
		}
	}
	return i
}

func skipDigits(text string, i int) int {
	for i < len(text) {
		c := text[i]
		if c < utf8.RuneSelf {
			if c < '0' || c > '9' {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsDigit(r) {
			return i
		}
		i += size
	}
	return i
}
