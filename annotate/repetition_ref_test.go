package annotate

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// The references are datatrove's repetition helpers written as plainly as
// possible, with strings in maps (naiveTop and naiveDup in english_test.go,
// refDuplicates here): the optimized Repetition must give exactly their
// results on every input.

// refDuplicates is find_duplicates: pieces equal to an earlier one and
// their total length.
func refDuplicates(pieces []string) (dups, runes int) {
	seen := map[string]bool{}
	for _, p := range pieces {
		if seen[p] {
			dups++
			runes += utf8.RuneCountInString(p)
		} else {
			seen[p] = true
		}
	}
	return dups, runes
}

func spanStrings(text string, spans []Span) []string {
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = s.Of(text)
	}
	return out
}

// checkRepetition compares every Repetition signal of text with the
// reference, calling the n-grams in the filter's order (2..4, then 5..10)
// and out of it, since Repetition reuses work between calls.
func checkRepetition(t *testing.T, r *Repetition, name, text, lang string) bool {
	t.Helper()
	ws := SplitWords(nil, text, lang)
	words := spanStrings(text, ws)
	ok := true
	want := map[int]int{}
	for n := 1; n <= 11; n++ {
		if n <= 4 {
			want[n] = naiveTop(words, n)
		} else {
			want[n] = naiveDup(words, n)
		}
	}
	orders := [][]int{{2, 3, 4, 5, 6, 7, 8, 9, 10}, {10, 4, 9, 3, 8, 2, 7, 5, 6, 1, 11}}
	for _, order := range orders {
		r.Reset(text, ws)
		for _, n := range order {
			var got int
			if n <= 4 {
				got = r.TopNGramRunes(n)
			} else {
				got = r.DupNGramRunes(n)
			}
			if got != want[n] {
				t.Errorf("%s: n=%d (order %v): got %d, want %d", name, n, order, got, want[n])
				ok = false
			}
		}
	}
	for _, pieces := range [][]Span{SplitLines(nil, text), SplitNewlineRuns(nil, text), SplitParagraphs(nil, text)} {
		d, c := r.Duplicates(text, pieces)
		wd, wc := refDuplicates(spanStrings(text, pieces))
		if d != wd || c != wc {
			t.Errorf("%s: duplicates %d %d, want %d %d", name, d, c, wd, wc)
			ok = false
		}
	}
	return ok
}

// TestRepetitionReference checks Repetition against the reference on
// generated texts built to repeat: small vocabularies, words that
// concatenate alike ("ab c" and "a bc"), multi-byte words, long words,
// repeated lines and paragraphs.
func TestRepetitionReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	vocabs := [][]string{
		{"a", "b", "c"},
		{"ab", "c", "a", "bc", "abc", "b"},
		{"the", "of", "and", "cat", "the cat", "é", "ünï", "日本", "—", "...", ".", ","},
		{"abcdefgh", "abcdefghij", "ijk", "abcd", "efgh", "abcdefghijklmnopq", "x"},
		{"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"},
	}
	var r Repetition
	for k := 0; k < 600; k++ {
		vocab := vocabs[k%len(vocabs)]
		var sb strings.Builder
		nw := rng.IntN(200)
		if k%50 == 0 {
			nw = 3000
		}
		for i := 0; i < nw; i++ {
			sb.WriteString(vocab[rng.IntN(len(vocab))])
			switch rng.IntN(12) {
			case 0:
				sb.WriteString("\n")
			case 1:
				sb.WriteString("\n\n")
			default:
				sb.WriteString(" ")
			}
		}
		if k%7 == 0 { // a repeated block
			s := sb.String()
			sb.WriteString(s[:len(s)/2])
		}
		if !checkRepetition(t, &r, "generated", sb.String(), "en") {
			t.Fatalf("text %q", sb.String())
		}
	}
}

// TestRepetitionCorpora checks Repetition against the reference on the
// shared corpora: every spam-assassin e-mail and every 8th UDHR article,
// with its language and without (every article with GRIST_FULL_CORPUS=1).
// Skipped when they are absent.
func TestRepetitionCorpora(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	var r Repetition
	docs := 0
	full := os.Getenv("GRIST_FULL_CORPUS") == "1"
	for _, c := range []struct {
		path, langField string
		every           int
	}{
		{"../../shared/data/spam-assassin.jsonl.gz", "", 1},
		{"../../shared/data/udhr.jsonl.gz", "lang", 8},
	} {
		if full {
			c.every = 1
		}
		f, err := os.Open(c.path)
		if err != nil {
			t.Skip("corpus not available:", err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(zr)
		sc.Buffer(nil, 1<<26)
		for k := 0; sc.Scan(); k++ {
			if k%c.every != 0 {
				continue
			}
			var rec map[string]any
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				t.Fatal(err)
			}
			text, _ := rec["text"].(string)
			id, _ := rec["id"].(string)
			docs++
			if !checkRepetition(t, &r, id, text, "") {
				t.FailNow()
			}
			if lang, _ := rec[c.langField].(string); lang != "" && !IsEnglish(lang) {
				if !checkRepetition(t, &r, id+" "+lang, text, lang) {
					t.FailNow()
				}
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	t.Logf("%d documents agree", docs)
}

// FuzzRepetition checks Repetition against the reference on any text.
func FuzzRepetition(f *testing.F) {
	for _, s := range []string{"a b a b c", "ab c a bc ab c", "x y x y x y x y x y x y", "é é\n\né é", "abcdefgh abcdefghij abcdefgh abcdefghij"} {
		f.Add(s)
	}
	var r Repetition
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) {
			return
		}
		checkRepetition(t, &r, "fuzz", text, "en")
	})
}
