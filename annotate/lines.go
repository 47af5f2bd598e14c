package annotate

import (
	"math/bits"
	"strings"
	"unicode/utf8"
)

// SplitLines appends the lines of text to dst as Python's str.splitlines
// does: boundaries are \n, \r, \r\n, \v, \f, \x1c, \x1d, \x1e, \x85, U+2028
// and U+2029; a final boundary does not start an empty line; "" has no lines.
func SplitLines(dst []Span, text string) []Span {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	start := 0
	for i := 0; i < len(text); {
		// skip 8 bytes at a time while none is a control or non-ASCII byte
		// (every boundary starts with one); this loop sees every byte. The
		// lowest flagged byte of a word is a true one, so the scan resumes
		// exactly there.
		for i+8 <= len(text) {
			x := load64(text, i)
			if m := ((x-0x20*ones)&^x | x) & highs; m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i >= len(text) {
			break
		}
		c := text[i]
		if byteClass[c]&cLineBreak == 0 {
			i++
			continue
		}
		n := 1
		brk := false
		switch {
		case c == '\n' || c == '\v' || c == '\f' || c == 0x1c || c == 0x1d || c == 0x1e:
			brk = true
		case c == '\r':
			brk = true
			if i+1 < len(text) && text[i+1] == '\n' {
				n = 2
			}
		case c == 0xC2 && i+1 < len(text) && text[i+1] == 0x85: // U+0085
			brk, n = true, 2
		case c == 0xE2 && i+2 < len(text) && text[i+1] == 0x80 && (text[i+2] == 0xA8 || text[i+2] == 0xA9):
			brk, n = true, 3
		}
		if brk {
			dst = append(dst, Span{int32(start), int32(i)})
			start = i + n
		}
		i += n
	}
	if start < len(text) {
		dst = append(dst, Span{int32(start), int32(len(text))})
	}
	return dst
}

// SplitNewlines appends the pieces of text between single '\n' bytes (Python's
// text.split("\n")): n newlines give n+1 pieces, empty ones included.
func SplitNewlines(dst []Span, text string) []Span {
	start := 0
	for {
		k := strings.IndexByte(text[start:], '\n')
		if k < 0 {
			return append(dst, Span{int32(start), int32(len(text))})
		}
		dst = append(dst, Span{int32(start), int32(start + k)})
		start += k + 1
	}
}

// SplitNewlineRuns appends the pieces of text between runs of '\n' (Python's
// re.split("\n+", text)): a leading or trailing run yields an empty piece.
func SplitNewlineRuns(dst []Span, text string) []Span {
	return splitRuns(dst, text, 0, len(text), 1)
}

// SplitParagraphs appends the paragraphs of text as Gopher's repetition rule
// defines them: re.split(r"\n{2,}", text.strip()), so "" gives one empty
// paragraph.
func SplitParagraphs(dst []Span, text string) []Span {
	s, e := TrimSpace(text)
	return splitRuns(dst, text, s, e, 2)
}

// splitRuns splits text[s:e] on runs of at least min '\n' bytes.
func splitRuns(dst []Span, text string, s, e, min int) []Span {
	start := s
	i := s
	for i < e {
		k := strings.IndexByte(text[i:e], '\n')
		if k < 0 {
			break
		}
		j := i + k
		r := j
		for r < e && text[r] == '\n' {
			r++
		}
		if r-j >= min {
			dst = append(dst, Span{int32(start), int32(j)})
			start = r
		}
		i = r
	}
	return append(dst, Span{int32(start), int32(e)})
}

// TrimSpace returns the bounds of text with Python-whitespace stripped at
// both ends (str.strip()).
func TrimSpace(text string) (int, int) {
	s, e := 0, len(text)
	for s < e {
		if c := text[s]; c < utf8.RuneSelf {
			// ASCII by table, without a call: every line goes through here.
			if byteClass[c]&cSpace == 0 {
				break
			}
			s++
			continue
		}
		r, n := firstRune(text[s:e])
		if !IsSpace(r) {
			break
		}
		s += n
	}
	for e > s {
		if c := text[e-1]; c < utf8.RuneSelf {
			if byteClass[c]&cSpace == 0 {
				break
			}
			e--
			continue
		}
		r, n := lastRune(text[s:e])
		if !IsSpace(r) {
			break
		}
		e -= n
	}
	return s, e
}

// TrimLeftSpace is str.lstrip().
func TrimLeftSpace(s string) string {
	a, _ := TrimSpace(s)
	return s[a:]
}

// TrimRightSpace is str.rstrip().
func TrimRightSpace(s string) string {
	for s != "" {
		r, n := lastRune(s)
		if !IsSpace(r) {
			break
		}
		s = s[:len(s)-n]
	}
	return s
}

// IsBlank reports whether s is empty after str.strip().
func IsBlank(s string) bool {
	for i := 0; i < len(s); {
		r, n := rune(s[i]), 1
		if r < utf8.RuneSelf {
			if byteClass[r]&cSpace == 0 {
				return false
			}
			i++
			continue
		}
		r, n = utf8.DecodeRuneInString(s[i:])
		if !IsSpace(r) {
			return false
		}
		i += n
	}
	return true
}

// CountNonOverlapping is Python's str.count: non-overlapping occurrences.
func CountNonOverlapping(s, sub string) int { return strings.Count(s, sub) }

// GopherLineStats are the line ratios of the Gopher quality rules over
// str.splitlines() lines.
type GopherLineStats struct {
	Lines        int
	Bullet       int // lines starting, after lstrip, with "•" or "-"
	EndEllipsis  int // lines ending, after rstrip, with "..." or "…"
	TextHashes   int // occurrences of "#" in the text
	TextEllipses int // occurrences of "..." and "…" in the text
}

// CountGopherLines computes GopherLineStats; lines is scratch.
func CountGopherLines(text string, lines []Span) (GopherLineStats, []Span) {
	lines = SplitLines(lines[:0], text)
	st := GopherLineStats{Lines: len(lines)}
	for _, l := range lines {
		s := text[l.Start:l.End]
		// ASCII whitespace is skipped by table; at a non-ASCII byte the
		// general strip takes over (Unicode spaces, "•", "…").
		a := 0
		for a < len(s) && byteClass[s[a]]&cSpace != 0 {
			a++
		}
		if a < len(s) && s[a] >= utf8.RuneSelf {
			if ls := TrimLeftSpace(s[a:]); strings.HasPrefix(ls, "•") || strings.HasPrefix(ls, "-") {
				st.Bullet++
			}
		} else if a < len(s) && s[a] == '-' {
			st.Bullet++
		}
		b := len(s)
		for b > a && byteClass[s[b-1]]&cSpace != 0 {
			b--
		}
		if b > a && s[b-1] >= utf8.RuneSelf {
			if rs := TrimRightSpace(s[a:b]); strings.HasSuffix(rs, "...") || strings.HasSuffix(rs, "…") {
				st.EndEllipsis++
			}
		} else if strings.HasSuffix(s[a:b], "...") {
			st.EndEllipsis++
		}
	}
	st.TextHashes = strings.Count(text, "#")
	st.TextEllipses = strings.Count(text, "...") + strings.Count(text, "…")
	return st, lines
}
