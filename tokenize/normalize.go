package tokenize

import (
	"bytes"
	"unicode"
	"unicode/utf8"

	"github.com/dlclark/regexp2/v2"
	"golang.org/x/text/unicode/norm"
)

// normalizer rewrites text before pre-tokenization, as a tokenizer.json
// "normalizer" does. normalize appends the normalized form of src to dst and
// returns dst; it must not retain src or dst. tmp is scratch space a
// normalizer may use (and return grown) for intermediate results.
type normalizer interface {
	normalize(dst, src []byte, tmp *normScratch) []byte
}

// normScratch holds the intermediate buffers of a normalizer Sequence.
type normScratch struct {
	a, b, s0, s1 []byte
	inner        *normScratch
}

type nfNormalizer struct{ form norm.Form }

func (n nfNormalizer) normalize(dst, src []byte, _ *normScratch) []byte {
	return n.form.Append(dst, src...)
}

// lowercaseNormalizer maps each character to its full lowercase form as Rust's
// char::to_lowercase does (unconditional mappings, no final-sigma context).
type lowercaseNormalizer struct{}

func (lowercaseNormalizer) normalize(dst, src []byte, _ *normScratch) []byte {
	return appendLower(dst, src)
}

func appendLower(dst, src []byte) []byte {
	for i := 0; i < len(src); {
		c := src[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, src[i])
			i++
			continue
		}
		if r == 'İ' { // the one unconditional multi-character lowercase mapping
			dst = append(dst, "i\u0307"...)
		} else {
			dst = utf8.AppendRune(dst, unicode.ToLower(r))
		}
		i += n
	}
	return dst
}

// stripAccentsNormalizer removes combining marks (general category M).
type stripAccentsNormalizer struct{}

func (stripAccentsNormalizer) normalize(dst, src []byte, _ *normScratch) []byte {
	return filterRunes(dst, src, func(r rune) bool { return !unicode.Is(unicode.M, r) })
}

func filterRunes(dst, src []byte, keep func(rune) bool) []byte {
	for i := 0; i < len(src); {
		if src[i] < utf8.RuneSelf {
			if keep(rune(src[i])) {
				dst = append(dst, src[i])
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(src[i:])
		if (r == utf8.RuneError && n == 1) || keep(r) {
			dst = append(dst, src[i:i+n]...)
		}
		i += n
	}
	return dst
}

// replaceNormalizer replaces every match of a literal string or a regex by content.
type replaceNormalizer struct {
	literal []byte
	re      *regexp2.Regexp
	content []byte
	// spaceRuns replaces runs of two or more ' ' (the regex " {2,}" that
	// converted SentencePiece tokenizers use) without the regex engine.
	spaceRuns bool
}

func (r *replaceNormalizer) normalize(dst, src []byte, _ *normScratch) []byte {
	if r.spaceRuns {
		for i := 0; i < len(src); {
			if src[i] == ' ' && i+1 < len(src) && src[i+1] == ' ' {
				for i < len(src) && src[i] == ' ' {
					i++
				}
				dst = append(dst, r.content...)
				continue
			}
			dst = append(dst, src[i])
			i++
		}
		return dst
	}
	if r.re != nil {
		return regexReplace(dst, src, r.re, r.content)
	}
	if len(r.literal) == 0 {
		return append(dst, src...)
	}
	for {
		i := bytes.Index(src, r.literal)
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(dst, src[:i]...)
		dst = append(dst, r.content...)
		src = src[i+len(r.literal):]
	}
}

func regexReplace(dst, src []byte, re *regexp2.Regexp, content []byte) []byte {
	locs := regexFindAll(re, src)
	prev := 0
	for _, l := range locs {
		dst = append(dst, src[prev:l[0]]...)
		dst = append(dst, content...)
		prev = l[1]
	}
	return append(dst, src[prev:]...)
}

// regexFindAll returns the byte ranges of the successive matches of re in s.
// Invalid UTF-8 is matched as U+FFFD by the regex engine, so ranges are only
// trusted when they fall on the original byte positions.
func regexFindAll(re *regexp2.Regexp, s []byte) [][]int {
	locs, err := re.FindAllStringIndex(string(s), -1)
	if err != nil {
		return nil
	}
	out := locs[:0]
	for _, l := range locs {
		if l[0] >= 0 && l[1] <= len(s) && l[0] <= l[1] {
			out = append(out, l)
		}
	}
	return out
}

// prependNormalizer prepends a string to non-empty text.
type prependNormalizer struct{ prefix []byte }

func (p prependNormalizer) normalize(dst, src []byte, _ *normScratch) []byte {
	if len(src) == 0 {
		return dst
	}
	dst = append(dst, p.prefix...)
	return append(dst, src...)
}

// stripNormalizer removes leading and/or trailing Unicode white space.
type stripNormalizer struct{ left, right bool }

func (s stripNormalizer) normalize(dst, src []byte, _ *normScratch) []byte {
	if s.left {
		src = bytes.TrimLeftFunc(src, unicode.IsSpace)
	}
	if s.right {
		src = bytes.TrimRightFunc(src, unicode.IsSpace)
	}
	return append(dst, src...)
}

// bertNormalizer is BERT's text cleaning: control characters dropped, white
// space mapped to ' ', CJK ideographs padded with spaces, accents stripped
// (NFD then drop Mn) and lowercasing, each optional.
type bertNormalizer struct {
	cleanText, chineseChars, stripAccents, lowercase bool
}

func isBertControl(r rune) bool {
	if r < utf8.RuneSelf {
		return (r < 0x20 || r == 0x7F) && r != '\t' && r != '\n' && r != '\r'
	}
	return unicode.Is(hfOther, r)
}

func isChineseChar(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0x3400 && r <= 0x4DBF) ||
		(r >= 0x20000 && r <= 0x2A6DF) || (r >= 0x2A700 && r <= 0x2B73F) ||
		(r >= 0x2B740 && r <= 0x2B81F) || (r >= 0x2B920 && r <= 0x2CEAF) ||
		(r >= 0xF900 && r <= 0xFAFF) || (r >= 0x2F800 && r <= 0x2FA1F)
}

func (b *bertNormalizer) normalize(dst, src []byte, tmp *normScratch) []byte {
	cur := src
	if b.cleanText || b.chineseChars {
		out := tmp.a[:0]
		for i := 0; i < len(cur); {
			r, n := rune(cur[i]), 1
			if r >= utf8.RuneSelf {
				r, n = utf8.DecodeRune(cur[i:])
			} else if r >= 0x20 && r != 0x7F {
				out = append(out, byte(r)) // printable ASCII is kept as is
				i++
				continue
			}
			raw := cur[i : i+n]
			i += n
			if b.cleanText {
				if r == 0 || (r == utf8.RuneError && n == 3) || isBertControl(r) {
					continue
				}
				if r == '\t' || r == '\n' || r == '\r' || unicode.IsSpace(r) {
					out = append(out, ' ')
					continue
				}
			}
			if b.chineseChars && isChineseChar(r) {
				out = append(out, ' ')
				out = append(out, raw...)
				out = append(out, ' ')
				continue
			}
			out = append(out, raw...)
		}
		tmp.a = out
		cur = out
	}
	if b.stripAccents && !isASCII(cur) {
		d := norm.NFD.Append(tmp.b[:0], cur...)
		tmp.b = d
		out := filterRunes(tmp.a[:0], d, func(r rune) bool { return !unicode.Is(hfMn, r) })
		tmp.a = out
		cur = out
	}
	if b.lowercase {
		return appendLower(dst, cur)
	}
	return append(dst, cur...)
}

// seqNormalizer applies normalizers in order.
type seqNormalizer struct{ list []normalizer }

func (s *seqNormalizer) normalize(dst, src []byte, tmp *normScratch) []byte {
	if len(s.list) == 0 {
		return append(dst, src...)
	}
	// The running result alternates between tmp.s0 and tmp.s1; each step gets
	// tmp.inner as its own scratch. Nested sequences are flattened at load
	// time, so inner is never used by another sequence.
	if tmp.inner == nil {
		tmp.inner = &normScratch{}
	}
	cur := src
	for i, n := range s.list {
		if i == len(s.list)-1 {
			return n.normalize(dst, cur, tmp.inner)
		}
		if i%2 == 0 {
			tmp.s0 = n.normalize(tmp.s0[:0], cur, tmp.inner)
			cur = tmp.s0
		} else {
			tmp.s1 = n.normalize(tmp.s1[:0], cur, tmp.inner)
			cur = tmp.s1
		}
	}
	return dst
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
