package filters

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/grist/grist/annotate"
)

func newGopherRepetition(t testing.TB, edit func(o *GopherRepetitionOptions)) *GopherRepetition {
	t.Helper()
	o := withDefaults(&GopherRepetitionOptions{})
	if edit != nil {
		edit(o)
	}
	g, err := NewGopherRepetition(*o)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestGopherRepetitionDatatroveCases(t *testing.T) {
	// datatrove tests/pipeline/filters/test_filters.py::test_gopher_repetition
	g := newGopherRepetition(t, nil)
	runReasons(t, g, []reasonCase{
		{"dup_line_frac", strings.Repeat("I am your father.\n", 4), "dup_line_frac"},
		{"dup_para_frac", strings.Repeat("I am your father.\n\n", 4), "dup_para_frac"},
		{"dup_para_char_frac", "I am groot.\n\nYou are a wizard.\n\nI am your father.\n\n" + strings.Repeat(strings.Repeat("x", 30)+".\n\n", 2), "dup_para_char_frac"},
		{"dup_line_char_frac", "I am groot.\nYou are a wizard.\nI am your father.\n" + strings.Repeat(strings.Repeat("x", 40)+".\n", 2), "dup_line_char_frac"},
		{"top_2_gram", "I am Frank, I am Frank, I am Frank", "top_2_gram"},
		{"top_3_gram", "I am Frank, you are Jhon. I am Frank. I am Frank you are Jhon", "top_3_gram"},
		{"duplicated_5_n_grams", strings.Repeat("I am a solo traveller ", 4) + textLF1, "duplicated_5_n_grams"},
		{"keep", textLF1, ""},
	})
}

func TestGopherRepetitionThresholds(t *testing.T) {
	g := newGopherRepetition(t, func(o *GopherRepetitionOptions) {
		// isolate the line rules
		o.DupLineCharFrac, o.DupParaFrac, o.DupParaCharFrac = nil, nil, nil
		o.Top2GramFrac, o.Top3GramFrac, o.Top4GramFrac = nil, nil, nil
		o.Dup5GramFrac, o.Dup6GramFrac, o.Dup7GramFrac, o.Dup8GramFrac, o.Dup9GramFrac, o.Dup10GramFrac = nil, nil, nil, nil, nil, nil
	})
	uniq := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = "line number " + strings.Repeat("x", i+1)
		}
		return out
	}
	// 10 lines, 3 equal to an earlier one: 0.3 is not above 0.3.
	three := append(uniq(7), "same", "same", "same", "same")[:10]
	three[6] = "same"
	four := append(uniq(6), "same", "same", "same", "same", "same")
	runReasons(t, g, []reasonCase{
		{"3_of_10_keep", strings.Join(three, "\n"), ""},
		{"4_of_11", strings.Join(four, "\n"), "dup_line_frac"},
		// blank runs are one separator: "a\n\n\na" has lines [a, a].
		{"newline_runs", "a\n\n\nb\n\nc\nd", ""},
	})
}

func TestGopherRepetitionSignals(t *testing.T) {
	g := newGopherRepetition(t, nil)
	sig := make([]float64, len(g.Signals()))
	text := "abc\nabc\nxyz" // 11 chars
	g.Apply(text, sig)
	got := map[string]float64{}
	for i, n := range g.Signals() {
		got[n] = sig[i]
	}
	if got["dup_line_frac"] != 1.0/3 || got["dup_line_char_frac"] != 3.0/11 {
		t.Errorf("line signals %v", got)
	}
	if got["dup_para_frac"] != 0 || got["dup_para_char_frac"] != 0 {
		t.Errorf("paragraph signals %v", got)
	}
	// words abc abc xyz: top 2-gram "abc abc" (first among equals), 7 chars.
	if got["top_2_gram"] != 7.0/11 {
		t.Errorf("top_2_gram = %v", got["top_2_gram"])
	}
	g2 := newGopherRepetition(t, func(o *GopherRepetitionOptions) { o.Top2GramFrac = nil })
	g2.Apply(text, sig)
	if !math.IsNaN(sig[4]) {
		t.Errorf("disabled top_2_gram signal = %v, want NaN", sig[4])
	}
}

func BenchmarkGopherRepetition(b *testing.B) {
	benchFilter(b, newGopherRepetition(b, nil))
}

// TestSharedWordsFilled checks that the first word-splitting filter leaves
// the document's words in annotate.SharedWords for the others (a Lookup
// hits, with the words of a fresh split), whichever filter comes first.
func TestSharedWordsFilled(t *testing.T) {
	text := strings.Repeat("I am a solo traveller, and it's 5pm. ", 20) + textLF1
	want := annotate.SplitWords(nil, text, "en")
	for _, f := range []Filter{newGopherQuality(t, nil), newGopherRepetition(t, nil), newFineWeb(t, nil)} {
		annotate.SharedWords.Clear()
		f.Apply(text, make([]float64, len(f.Signals())))
		got, ok := annotate.SharedWords.Lookup(nil, text, "")
		if !ok || !slices.Equal(got, want) {
			t.Errorf("%T: cached %v (%d words, want %d)", f, ok, len(got), len(want))
		}
	}
}
