package tokenize

import (
	"unicode"
	"unicode/utf8"
)

// Pre-tokenizers split text into pieces before byte-pair merging. Go's regexp has no
// look-ahead, and the reference patterns need one (`\s+(?!\S)`), so each pattern is
// written out as a hand-made pretokScanner that returns exactly what a backtracking regex
// engine (leftmost match, first alternative wins, greedy quantifiers) returns.
//
// A splitFunc returns the byte length of the first piece of s. s must not be empty and
// the result is always in [1, len(s)]. Invalid UTF-8 is read one byte at a time, each
// invalid byte being one character of no class (neither letter, number nor space), the
// way U+FFFD would be read; so pieces always concatenate back to the input.
type splitFunc func(s []byte) int

// Character classes, as bits of one byte.
const (
	clsL   = 1 << iota // \p{L}
	clsN               // \p{N}
	clsS               // \s: the Unicode White_Space property
	clsNL              // \r or \n
	clsUp              // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] (o200k "upper" run)
	clsLow             // [\p{Ll}\p{Lm}\p{Lo}\p{M}] (o200k "lower" run)
)

// asciiClass holds the classes of the 128 ASCII bytes; bmpClass those of every rune of
// the Basic Multilingual Plane (64 KiB, filled from the unicode range tables at init in
// well under a millisecond). Runes above the BMP are classified through the unicode
// tables directly (emoji, historic scripts, mathematical letters: rare in corpora).
var (
	asciiClass [128]uint8
	bmpClass   [0x10000]uint8
)

func init() {
	set := func(rt *unicode.RangeTable, bits uint8) {
		for _, r := range rt.R16 {
			for c := uint32(r.Lo); c <= uint32(r.Hi); c += uint32(r.Stride) {
				bmpClass[c] |= bits
			}
		}
	}
	set(unicode.L, clsL)
	set(unicode.N, clsN)
	set(unicode.White_Space, clsS)
	set(unicode.Lu, clsUp)
	set(unicode.Lt, clsUp)
	set(unicode.Lm, clsUp|clsLow)
	set(unicode.Lo, clsUp|clsLow)
	set(unicode.M, clsUp|clsLow)
	set(unicode.Ll, clsLow)
	bmpClass['\r'] |= clsNL
	bmpClass['\n'] |= clsNL
	copy(asciiClass[:], bmpClass[:128])
}

// runeClassSlow classifies r from the unicode tables.
func runeClassSlow(r rune) uint8 {
	var c uint8
	if unicode.IsLetter(r) {
		c |= clsL
	}
	if unicode.IsNumber(r) {
		c |= clsN
	}
	if unicode.Is(unicode.White_Space, r) {
		c |= clsS
	}
	if r == '\r' || r == '\n' {
		c |= clsNL
	}
	if unicode.In(r, unicode.Lu, unicode.Lt, unicode.Lm, unicode.Lo, unicode.M) {
		c |= clsUp
	}
	if unicode.In(r, unicode.Ll, unicode.Lm, unicode.Lo, unicode.M) {
		c |= clsLow
	}
	return c
}

// classAt returns the class and byte size of the character at s[i]; size 0 at the end.
func classAt(s []byte, i int) (uint8, int) {
	if i >= len(s) {
		return 0, 0
	}
	if b := s[i]; b < utf8.RuneSelf {
		return asciiClass[b], 1
	}
	r, n := utf8.DecodeRune(s[i:])
	if r == utf8.RuneError && n == 1 {
		return 0, 1 // an invalid byte: one character of no class
	}
	if r < 0x10000 {
		return bmpClass[r], n
	}
	return runeClassSlow(r), n
}

// classRunAny returns the end of the run of characters from i whose class has a bit of mask.
func classRunAny(s []byte, i int, mask uint8) int {
	for i < len(s) {
		if b := s[i]; b < utf8.RuneSelf {
			if asciiClass[b]&mask == 0 {
				return i
			}
			i++
			continue
		}
		c, n := classAt(s, i)
		if c&mask == 0 {
			return i
		}
		i += n
	}
	return i
}

// classRunNone returns the end of the run of characters from i whose class has no bit of mask.
func classRunNone(s []byte, i int, mask uint8) int {
	for i < len(s) {
		if b := s[i]; b < utf8.RuneSelf {
			if asciiClass[b]&mask != 0 {
				return i
			}
			i++
			continue
		}
		c, n := classAt(s, i)
		if c&mask != 0 {
			return i
		}
		i += n
	}
	return i
}

// splitContraction returns the length of the contraction `'s|'t|'re|'ve|'m|'ll|'d` at the
// start of s, or 0. With fold, letters match case-insensitively under Unicode simple
// case folding, as the reference engine's (?i:...) does: S and s, and also U+017F (ſ,
// long s), which folds to s.
func splitContraction(s []byte, fold bool) int {
	if len(s) < 2 || s[0] != '\'' {
		return 0
	}
	lower := func(b byte) byte {
		if fold && 'A' <= b && b <= 'Z' {
			return b + ('a' - 'A')
		}
		return b
	}
	switch lower(s[1]) {
	case 's', 't', 'm', 'd':
		return 2
	case 'r', 'v':
		if len(s) >= 3 && lower(s[2]) == 'e' {
			return 3
		}
	case 'l':
		if len(s) >= 3 && lower(s[2]) == 'l' {
			return 3
		}
	case 0xC5:
		if fold && len(s) >= 3 && s[2] == 0xBF { // U+017F
			return 3
		}
	}
	return 0
}

// splitWhitespace applies the whitespace alternatives shared by every pattern to the run of
// \s characters at the start of s. With newlines (cl100k, o200k, Llama 3) it first tries
// `\s*[\r\n]+`, which ends after the last \r or \n of the run. Then `\s+(?!\S)`: the
// whole run at the end of the text, else the run less its last character when that
// leaves at least one; and last `\s+`, a lone whitespace character before a non-space.
func splitWhitespace(s []byte, newlines bool) int {
	i, last, nl := 0, 0, 0
	for i < len(s) {
		c, n := classAt(s, i)
		if c&clsS == 0 {
			break
		}
		if c&clsNL != 0 {
			nl = i + n
		}
		last = i
		i += n
	}
	switch {
	case newlines && nl > 0:
		return nl
	case i == len(s) || last == 0:
		return i
	default:
		return last
	}
}

// splitR50k is the GPT-2 pattern used by gpt2, r50k_base and p50k_base:
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
func splitR50k(s []byte) int {
	if n := splitContraction(s, false); n > 0 {
		return n
	}
	c, _ := classAt(s, 0)
	p := 0
	if s[0] == ' ' {
		c2, n2 := classAt(s, 1)
		if n2 > 0 && c2&clsS == 0 {
			c, p = c2, 1 // ` ?` takes the space: the next character decides
		}
	}
	switch {
	case c&clsL != 0:
		return classRunAny(s, p, clsL)
	case c&clsN != 0:
		return classRunAny(s, p, clsN)
	case c&clsS == 0:
		return classRunNone(s, p, clsS|clsL|clsN)
	}
	return splitWhitespace(s, false)
}

// splitCL100k is the cl100k_base pattern; Llama 3 uses the very same one:
//
//	(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
//	 ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
func splitCL100k(s []byte) int {
	if n := splitContraction(s, true); n > 0 {
		return n
	}
	c, n := classAt(s, 0)
	if c&(clsNL|clsL|clsN) == 0 {
		if c2, _ := classAt(s, n); c2&clsL != 0 {
			return classRunAny(s, n, clsL)
		}
	}
	switch {
	case c&clsL != 0:
		return classRunAny(s, 0, clsL)
	case c&clsN != 0:
		return splitDigits3(s, n)
	}
	if e := splitPunct(s, c, false); e > 0 {
		return e
	}
	return splitWhitespace(s, true)
}

// splitLlama3 is the Llama 3 pattern, identical to cl100k_base's.
var splitLlama3 splitFunc = splitCL100k

// splitDigits3 returns the end of `\p{N}{1,3}` whose first character, of n bytes, is a number.
func splitDigits3(s []byte, n int) int {
	for k := 1; k < 3; k++ {
		c, m := classAt(s, n)
		if m == 0 || c&clsN == 0 {
			break
		}
		n += m
	}
	return n
}

// splitPunct matches ` ?[^\s\p{L}\p{N}]+[\r\n]*` (with slash, `[\r\n/]*`) at the start of s,
// whose first character has class c; 0 if it does not match.
func splitPunct(s []byte, c uint8, slash bool) int {
	p := 0
	if s[0] == ' ' {
		if c2, n2 := classAt(s, 1); n2 > 0 && c2&(clsS|clsL|clsN) == 0 {
			p = 1
		}
	}
	if p == 0 && c&(clsS|clsL|clsN) != 0 {
		return 0
	}
	j := classRunNone(s, p, clsS|clsL|clsN)
	for j < len(s) && (s[j] == '\r' || s[j] == '\n' || (slash && s[j] == '/')) {
		j++
	}
	return j
}

// splitO200k is the o200k_base pattern:
//
//	[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|
//	[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|
//	\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
//
// Call the two bracket classes U and W. Marks (\p{M}) are in U and W but are not
// letters, so a mark may also be the optional one-character prefix.
func splitO200k(s []byte) int {
	c, n := classAt(s, 0)
	prefix := c&(clsNL|clsL|clsN) == 0
	// First alternative, with the prefix taken, then without it.
	if prefix {
		if e := splitWordUW(s, n); e > 0 {
			return e + splitContraction(s[e:], true)
		}
	}
	if c&(clsUp|clsLow) != 0 {
		if e := splitWordUW(s, 0); e > 0 {
			return e + splitContraction(s[e:], true)
		}
	}
	// Second alternative, likewise.
	if prefix {
		if e := splitWordU(s, n); e > 0 {
			return e + splitContraction(s[e:], true)
		}
	}
	if c&clsUp != 0 {
		if e := splitWordU(s, 0); e > 0 {
			return e + splitContraction(s[e:], true)
		}
	}
	if c&clsN != 0 {
		return splitDigits3(s, n)
	}
	if e := splitPunct(s, c, true); e > 0 {
		return e
	}
	return splitWhitespace(s, true)
}

// splitWordUW matches `U*W+` from p and returns its end, or 0. The greedy U* takes the whole
// run of U; if a lower-case letter (W but not U) follows, W+ runs on from there.
// Otherwise U* gives back characters until W+ can start: the match then ends after the
// last character of the run that is also in W (Lm, Lo or M), or fails if there is none.
func splitWordUW(s []byte, p int) int {
	i, lastW := p, 0
	for i < len(s) {
		c, n := classAt(s, i)
		if c&clsUp == 0 {
			if c&clsLow != 0 {
				return classRunAny(s, i, clsLow)
			}
			break
		}
		i += n
		if c&clsLow != 0 {
			lastW = i
		}
	}
	return lastW
}

// splitWordU matches `U+W*` from p and returns its end, or 0.
func splitWordU(s []byte, p int) int {
	e := classRunAny(s, p, clsUp)
	if e == p {
		return 0
	}
	return classRunAny(s, e, clsLow)
}

// splitAll appends to dst the end offsets of the pieces of s and returns dst.
func splitAll(dst []int, s []byte, split splitFunc) []int {
	off := 0
	for off < len(s) {
		off += split(s[off:])
		dst = append(dst, off)
	}
	return dst
}
