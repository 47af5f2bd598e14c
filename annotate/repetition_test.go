package annotate

import (
	"os"
	"strings"
	"testing"
)

func TestRepetition(t *testing.T) {
	var r Repetition
	for _, tc := range []struct {
		text       string
		n, top     int
		dupN, dups int
	}{
		// 2-grams "a b"(x2), "b a", "b c": top "a b" = 3 chars x 2.
		{"a b a b c", 2, 6, 2, 2},
		// all unique: the first 2-gram, count 1.
		{"alpha beta gamma", 2, len("alpha beta"), 2, 0},
		// concatenation without separator: "ab"+"c" == "a"+"bc".
		{"ab c a bc", 2, len("ab c"), 2, 3},
		// walk skips n words after a duplicate: x y x y x y -> 2-grams at 0, 1, then 2 (dup, +2 words), 4 (dup).
		{"x y x y x y", 2, 3 * 3, 2, 4},
		{"one", 2, 0, 2, 0},
	} {
		ws := SplitWords(nil, tc.text, "en")
		r.Reset(tc.text, ws)
		if got := r.TopNGramRunes(tc.n); got != tc.top {
			t.Errorf("%q top %d-gram runes = %d, want %d", tc.text, tc.n, got, tc.top)
		}
		if got := r.DupNGramRunes(tc.dupN); got != tc.dups {
			t.Errorf("%q dup %d-gram runes = %d, want %d", tc.text, tc.dupN, got, tc.dups)
		}
	}
	// ties go to the first n-gram seen: "b c" and "a b" both twice.
	text := "b c a b c a b"
	r.Reset(text, SplitWords(nil, text, "en"))
	if got := r.TopNGramRunes(2); got != 6 {
		t.Errorf("tie: %d", got)
	}
}

func TestDuplicates(t *testing.T) {
	var r Repetition
	text := "héllo\nworld\nhéllo\n\nhéllo"
	lines := SplitNewlines(nil, text)
	d, c := r.Duplicates(text, lines)
	if d != 2 || c != 10 {
		t.Errorf("dups %d chars %d, want 2 10", d, c)
	}
}

func TestCountSentences(t *testing.T) {
	for _, tc := range []struct {
		text string
		want int
	}{
		{"One. Two! Three? Four", 4},
		{"Mr. Smith said e.g. this. Done.", 2},
		{"Wait... what?! Yes.", 2},
		{"He said \"Stop.\" Then left.", 2},
		{"One.  Two.", 2},
		{"Hi.  ...", 2}, // spaCy makes a token of the second space
		{"", 0},
		{"这是第一句。这是第二句。", 2},
	} {
		ws := SplitWords(nil, tc.text, "en")
		if got := CountSentences(tc.text, ws); got != tc.want {
			t.Errorf("%q: %d sentences, want %d", tc.text, got, tc.want)
		}
	}
	text := "First one. Second one here! Third"
	got := pieces(text, SentenceSpans(nil, text, SplitWords(nil, text, "en")))
	if got != "First one.| Second one here!| Third" {
		t.Errorf("sentence spans %q", got)
	}
}

func TestStopWords(t *testing.T) {
	sw := NewStopWords(GopherStopWords)
	text := "The cat and the dog, the end of it"
	n, _ := sw.CountDistinct(text, SplitWords(nil, text, "en"), nil)
	if n != 3 { // the, and, of ("The" is not "the")
		t.Errorf("distinct stop words %d", n)
	}
}

func BenchmarkRepetition(b *testing.B) {
	data, err := os.ReadFile("testdata/english.txt")
	if err != nil {
		b.Fatal(err)
	}
	text := string(data)
	docs := strings.Split(text, "\n\n\n")
	var r Repetition
	var ws []Span
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for _, d := range docs {
			ws = SplitWords(ws[:0], d, "en")
			r.Reset(d, ws)
			for n := 2; n <= 4; n++ {
				r.TopNGramRunes(n)
			}
			for n := 5; n <= 10; n++ {
				r.DupNGramRunes(n)
			}
		}
	}
}
