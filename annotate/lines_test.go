package annotate

import (
	"os"
	"strings"
	"testing"
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
