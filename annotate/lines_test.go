package annotate

import (
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func pieces(text string, spans []Span) string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Of(text))
	}
	return strings.Join(out, "|")
}

func TestSplitLines(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		n        int
	}{
		// Python: "a\nb\r\nc\rd\x0be\u2028f\n".splitlines() == [a b c d e f]
		{"a\nb\r\nc\rd\x0be\u2028f\n", "a|b|c|d|e|f", 6},
		{"a\n\nb", "a||b", 3},
		{"", "", 0},
		{"\n", "", 1},
		{"x\u0085y\x1cz", "x|y|z", 3},
	} {
		got := SplitLines(nil, tc.in)
		if pieces(tc.in, got) != tc.want || len(got) != tc.n {
			t.Errorf("%q: got %q (%d)", tc.in, pieces(tc.in, got), len(got))
		}
	}
}

func TestSplitParagraphsAndRuns(t *testing.T) {
	// re.split(r"\n{2,}", "  a\nb\n\n\nc\n\n ".strip()) == ["a\nb", "c"]
	text := "  a\nb\n\n\nc\n\n "
	if got := pieces(text, SplitParagraphs(nil, text)); got != "a\nb|c" {
		t.Errorf("paragraphs %q", got)
	}
	if got := SplitParagraphs(nil, ""); len(got) != 1 || got[0].Len() != 0 {
		t.Errorf("empty text paragraphs %v", got)
	}
	// re.split("\n+", "\na\n\nb\n") == ["", "a", "b", ""]
	text = "\na\n\nb\n"
	if got := SplitNewlineRuns(nil, text); pieces(text, got) != "|a|b|" || len(got) != 4 {
		t.Errorf("newline runs %q", pieces(text, got))
	}
	// "a\n\nb".split("\n") == ["a", "", "b"]
	if got := SplitNewlines(nil, "a\n\nb"); len(got) != 3 {
		t.Errorf("split newlines %v", got)
	}
}

func TestGopherLineStats(t *testing.T) {
	text := "  • one\n- two...\nthree…  \n#x ... y"
	st, _ := CountGopherLines(text, nil)
	want := GopherLineStats{Lines: 4, Bullet: 2, EndEllipsis: 2, TextHashes: 1, TextEllipses: 3}
	if st != want {
		t.Errorf("got %+v, want %+v", st, want)
	}
	if n := strings.Count(".....", "..."); n != 1 {
		t.Errorf("non-overlapping count %d", n)
	}
}

func TestTrimSpace(t *testing.T) {
	text := "\u00a0\x1c a b \u3000"
	a, b := TrimSpace(text)
	if text[a:b] != "a b" {
		t.Errorf("got %q", text[a:b])
	}
}

func FuzzSplitLines(f *testing.F) {
	for _, s := range []string{"a\nb\r\nc", "\n\n", "x\u2028y\x85", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if got, want := SplitLines(nil, text), refSplitLines(text); !slices.Equal(got, want) {
			t.Fatalf("%q: got %v, want %v", text, got, want)
		}
		prev := int32(0)
		for _, l := range SplitLines(nil, text) {
			if l.Start < prev || l.End < l.Start || int(l.End) > len(text) {
				t.Fatalf("bad line %v in %q", l, text)
			}
			if strings.ContainsAny(l.Of(text), "\n\r\v\f\x1c\x1d\x1e\u2028\u2029\u0085") {
				t.Fatalf("line %q has a break", l.Of(text))
			}
			prev = l.End
		}
	})
}

// refSplitLines is str.splitlines written plainly, rune by rune.
func refSplitLines(text string) []Span {
	var out []Span
	start := 0
	for i, r := range text {
		if i < start {
			continue // the \n of a \r\n
		}
		switch r {
		case '\n', '\v', '\f', '\x1c', '\x1d', '\x1e', '\u0085', '\u2028', '\u2029':
			out = append(out, Span{int32(start), int32(i)})
			start = i + utf8.RuneLen(r)
		case '\r':
			out = append(out, Span{int32(start), int32(i)})
			start = i + 1
			if strings.HasPrefix(text[i+1:], "\n") {
				start++
			}
		}
	}
	if start < len(text) {
		out = append(out, Span{int32(start), int32(len(text))})
	}
	return out
}

// TestSplitLinesReference compares SplitLines with refSplitLines on texts
// with every kind of boundary, tabs and non-ASCII bytes at every offset of
// the 8-byte scan.
func TestSplitLinesReference(t *testing.T) {
	parts := []string{"a", "bc", "defghij", "\n", "\r", "\r\n", "\t", "\v\f", "\x1c", "\x1d\x1e", "\x1f", "\u0085", "\u00c2", "\xc2", "\xe2\x80", "\u2028", "\u2029", "\u2027", "é", "日本", " ", "\x00"}
	rng := rand.New(rand.NewPCG(3, 4))
	for k := 0; k < 3000; k++ {
		var b strings.Builder
		for n := rng.IntN(40); n > 0; n-- {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		text := b.String()
		if got, want := SplitLines(nil, text), refSplitLines(text); !slices.Equal(got, want) {
			t.Fatalf("%q: got %v, want %v", text, got, want)
		}
	}
}

func BenchmarkSplitLines(b *testing.B) {
	data, err := os.ReadFile("testdata/english.txt")
	if err != nil {
		b.Fatal(err)
	}
	text := string(data)
	var ls []Span
	b.SetBytes(int64(len(text)))
	for i := 0; i < b.N; i++ {
		ls = SplitLines(ls[:0], text)
	}
}

// refGopherLines is CountGopherLines written plainly with Python's strip.
func refGopherLines(text string) GopherLineStats {
	lines := refSplitLines(text)
	st := GopherLineStats{Lines: len(lines)}
	for _, l := range lines {
		s := l.Of(text)
		ls := strings.TrimLeftFunc(s, pyIsSpace)
		if strings.HasPrefix(ls, "•") || strings.HasPrefix(ls, "-") {
			st.Bullet++
		}
		rs := strings.TrimRightFunc(s, pyIsSpace)
		if strings.HasSuffix(rs, "...") || strings.HasSuffix(rs, "…") {
			st.EndEllipsis++
		}
	}
	st.TextHashes = strings.Count(text, "#")
	st.TextEllipses = strings.Count(text, "...") + strings.Count(text, "…")
	return st
}

// pyIsSpace is str.isspace for one code point.
func pyIsSpace(r rune) bool { return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f) }

// TestCountGopherLinesReference compares CountGopherLines with the plain
// version on lines mixing ASCII and Unicode spaces, bullets and ellipses.
func TestCountGopherLinesReference(t *testing.T) {
	parts := []string{"-", "•", "...", "…", ".", "a", "word", " ", "\t", "\u00a0", "\u3000", "\x1f", "\n", "\r\n", "\u2028", "é", "#"}
	rng := rand.New(rand.NewPCG(5, 6))
	for k := 0; k < 5000; k++ {
		var b strings.Builder
		for n := rng.IntN(16); n > 0; n-- {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		text := b.String()
		got, _ := CountGopherLines(text, nil)
		if want := refGopherLines(text); got != want {
			t.Fatalf("%q: got %+v, want %+v", text, got, want)
		}
	}
}

// TestTrimSpaceReference compares TrimSpace and IsBlank with
// strings.TrimFunc over str.isspace, ASCII and Unicode spaces mixed.
func TestTrimSpaceReference(t *testing.T) {
	for c := 0; c < 0x80; c++ {
		if got := byteClass[c]&cSpace != 0; got != pyIsSpace(rune(c)) {
			t.Fatalf("byte %#x: table space %v", c, got)
		}
	}
	parts := []string{" ", "\t", "\n", "\x1c", "\x1f", "\u00a0", "\u3000", "\u2028", "\u0085", "a", "é", "\xff", "."}
	rng := rand.New(rand.NewPCG(7, 8))
	for k := 0; k < 5000; k++ {
		var b strings.Builder
		for n := rng.IntN(8); n > 0; n-- {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		text := b.String()
		a, e := TrimSpace(text)
		if want := strings.TrimFunc(text, pyIsSpace); text[a:e] != want {
			t.Fatalf("TrimSpace(%q) = %q, want %q", text, text[a:e], want)
		}
		if got, want := IsBlank(text), strings.TrimFunc(text, pyIsSpace) == ""; got != want {
			t.Fatalf("IsBlank(%q) = %v", text, got)
		}
	}
}

func BenchmarkCountGopherLines(b *testing.B) {
	data, err := os.ReadFile("testdata/english.txt")
	if err != nil {
		b.Fatal(err)
	}
	text := string(data)
	var ls []Span
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_, ls = CountGopherLines(text, ls)
	}
}
