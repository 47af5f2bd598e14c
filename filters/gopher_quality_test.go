package filters

import (
	"math"
	"strings"
	"testing"
)

func newGopherQuality(t testing.TB, edit func(o *GopherQualityOptions)) *GopherQuality {
	t.Helper()
	o := withDefaults(&GopherQualityOptions{})
	if edit != nil {
		edit(o)
	}
	g, err := NewGopherQuality(*o)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// lines of n words each, average word length 4-5, with stop words.
func proseLines(n int, prefix, suffix string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + "the quick brown fox jumps over the lazy dog with care" + suffix
	}
	return out
}

func TestGopherQualityDatatroveCases(t *testing.T) {
	// datatrove tests/pipeline/filters/test_filters.py::test_gopher_quality
	g := newGopherQuality(t, func(o *GopherQualityOptions) { o.MinDocWords, o.MaxDocWords = ptrI(10), ptrI(1000) })
	runReasons(t, g, []reasonCase{
		{"short", "I am too small...", "gopher_short_doc"},
		{"below_avg", strings.Repeat("I am ", 20), "gopher_below_avg_threshold"},
		{"above_avg", strings.Repeat("interconnection ", 20), "gopher_above_avg_threshold"},
		{"hashes", strings.Repeat("# comment ", 20), "gopher_too_many_hashes"},
		{"ellipsis", strings.Repeat("... comment ", 20), "gopher_too_many_ellipsis"},
		{"alpha", strings.Repeat("the ./!*?<><> apple <?////> orange  ++ interconnection !<>??? have", 20), "gopher_below_alpha_threshold"},
		{"keep", textLF1, ""},
	})
}

func TestGopherQualityThresholds(t *testing.T) {
	g := newGopherQuality(t, nil)
	words := func(n int) string {
		return strings.Repeat("the cats sitting on the mats and ", n/7) + strings.Repeat("word ", n%7)
	}
	runReasons(t, g, []reasonCase{
		{"50_words_keep", words(50), ""},
		{"49_words_short", words(49), "gopher_short_doc"},
		{"punctuation_not_counted", words(49) + strings.Repeat(" . , ;", 10), "gopher_short_doc"},
		{"9_bullets_of_10_keep", strings.Join(append(proseLines(9, "- ", ""), proseLines(1, "", "")...), "\n"), ""},
		{"10_bullets_of_10", strings.Join(proseLines(10, "  • ", ""), "\n"), "gopher_too_many_bullets"},
		{"3_end_ellipsis_of_10_keep", strings.Join(append(proseLines(3, "", "..."), proseLines(7, "", ".")...), "\n"), ""},
		{"4_end_ellipsis_of_10", strings.Join(append(proseLines(4, "", "…  "), proseLines(6, "", ".")...), "\n"), "gopher_too_many_end_ellipsis"},
		{"hash_ratio_0.1_keep", strings.Repeat("the cat sat on a mat #tag and more words ", 10), ""},
		{"hash_ratio_over", strings.Repeat("the cat sat on a mat #tag #tag and more words ", 10), "gopher_too_many_hashes"},
		{"one_stop_word", strings.Repeat("the quick brown fox jumps over lazy dogs ", 10), "gopher_enough_stop_words"},
		{"stop_words_case_sensitive", strings.Repeat("The quick brown fox jumps Of lazy dogs ", 10), "gopher_enough_stop_words"},
		{"two_stop_words", strings.Repeat("the quick brown fox jumps of lazy dogs ", 10), ""},
		{"alpha_0.8_keep", strings.Repeat("the cat sat with dogs on mats and 12 34 ", 10), ""},
		{"alpha_below", strings.Repeat("the cats sat with dogs on 123 345 567 ", 10), "gopher_below_alpha_threshold"},
		{"too_long", words(100001), "gopher_long_doc"},
	})
}

func TestGopherQualityDisabledRules(t *testing.T) {
	g := newGopherQuality(t, func(o *GopherQualityOptions) {
		o.MinDocWords, o.MinStopWords, o.MinAvgWordLength = nil, ptrI(0), nil
	})
	runReasons(t, g, []reasonCase{
		{"short_allowed", "I am", ""},
		{"empty", "", ""},
	})
}

func TestGopherQualitySignals(t *testing.T) {
	g := newGopherQuality(t, nil)
	sig := make([]float64, len(g.Signals()))
	text := "Hello world, the end...\n- item one of the list\n# heading with words"
	g.Apply(text, sig)
	// words: Hello world the end item one of the list heading with words = 12
	// (",", "...", "-", "#" are punctuation-only).
	want := map[string]float64{
		"words": 12, "hash_ratio": 1.0 / 16, "ellipsis_ratio": 1.0 / 16,
		"bullet_lines_ratio": 1.0 / 3, "end_ellipsis_lines_ratio": 1.0 / 3,
		"alpha_words_ratio": 12.0 / 16, "stop_words": 3, // the, of, with
	}
	for i, name := range g.Signals() {
		if w, ok := want[name]; ok && math.Abs(sig[i]-w) > 1e-12 {
			t.Errorf("%s = %v, want %v", name, sig[i], w)
		}
	}
	if avg := sig[1]; math.Abs(avg-float64(len("Helloworldtheenditemoneofthelistheadingwithwords"))/12) > 1e-12 {
		t.Errorf("avg_word_length = %v", avg)
	}
}

func TestGopherQualityLanguage(t *testing.T) {
	g := newGopherQuality(t, nil)
	sig := make([]float64, len(g.Signals()))
	// Korean text has none of the English stop words and, split by Unicode
	// words, Hangul words of 2-4 syllables.
	ko := strings.Repeat("모든 사람은 교육을 받을 권리를 가진다. 교육은 최소한 초등 및 기초단계에서는 무상이어야 한다. ", 6)
	if r, _ := g.ApplyLang(ko, "ko", sig); r.Reason != "" {
		t.Errorf("Korean with lang=ko dropped: %q %v", r.Reason, sig)
	}
	if r, _ := g.ApplyLang(ko, "", sig); r.Reason != "gopher_enough_stop_words" {
		t.Errorf("Korean without language: reason %q, want gopher_enough_stop_words (English rules)", r.Reason)
	}
	en := strings.Repeat("the quick brown fox jumps over lazy dogs ", 10)
	if r, _ := g.ApplyLang(en, "eng_Latn", sig); r.Reason != "gopher_enough_stop_words" {
		t.Errorf("English with eng_Latn: reason %q", r.Reason)
	}
}

func TestGopherQualityValidate(t *testing.T) {
	o := withDefaults(&GopherQualityOptions{})
	o.MaxBulletLinesRatio = ptrF(1.5)
	if _, err := NewGopherQuality(*o); err == nil || !strings.HasPrefix(err.Error(), "max_bullet_lines_ratio:") {
		t.Errorf("err = %v", err)
	}
}

func BenchmarkGopherQuality(b *testing.B) {
	benchFilter(b, newGopherQuality(b, nil))
}
