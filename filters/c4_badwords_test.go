package filters

import (
	"math"
	"strings"
	"testing"
)

func newBadWords(t testing.TB, edit func(o *C4BadWordsOptions)) *C4BadWords {
	t.Helper()
	o := withDefaults(&C4BadWordsOptions{})
	if edit != nil {
		edit(o)
	}
	c, err := NewC4BadWords(*o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestC4BadWords(t *testing.T) {
	c := newBadWords(t, nil)
	sig := make([]float64, 1)
	for _, tc := range []struct {
		name, text, lang, want string
	}{
		{"clean", "A perfectly clean sentence about gardening.", "", ""},
		{"word", "What the fuck is this.", "", "document_removed_with_badwords"},
		{"uppercase", "WHAT THE FUCK.", "en", "document_removed_with_badwords"},
		{"start_and_end", "fuck", "", "document_removed_with_badwords"},
		{"inside_word", "Scunthorpe is a town.", "", ""},
		{"underscore_is_word_char", "my_fuck_list", "", ""},
		{"punctuation_flanks", "(fuck)", "eng", "document_removed_with_badwords"},
		{"multi_word_entry", "see 2 girls 1 cup here", "en", "document_removed_with_badwords"},
		{"emoji_entry", "hey 🖕 you", "en", "document_removed_with_badwords"},
		{"other_language_list", "What the fuck is this.", "fr", ""},
		{"french", "quel connard celui-là", "fr", "document_removed_with_badwords"},
		{"ja_anywhere", "これはアナルです", "ja", "document_removed_with_badwords"},
		{"ja_allowlist", "女の子がいる", "jpn", ""},
		{"allowlist_all_languages", "the sm size", "en", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := c.ApplyLang(tc.text, tc.lang, sig)
			if err != nil {
				t.Fatal(err)
			}
			if r.Reason != tc.want {
				t.Errorf("reason %q, want %q", r.Reason, tc.want)
			}
			if (sig[0] == 1) != (tc.want != "") {
				t.Errorf("has_badwords = %v", sig[0])
			}
		})
	}
}

func TestC4BadWordsMissingLanguage(t *testing.T) {
	sig := make([]float64, 1)
	strict := newBadWords(t, nil)
	if _, err := strict.ApplyLang("text", "xx", sig); err == nil || !strings.Contains(err.Error(), "fail_on_missing_language") {
		t.Errorf("err = %v", err)
	}
	lenient := newBadWords(t, func(o *C4BadWordsOptions) { o.FailOnMissingLanguage = false })
	if r, err := lenient.ApplyLang("fuck", "xx", sig); err != nil || r.Reason != "" || !math.IsNaN(sig[0]) {
		t.Errorf("lenient: %+v %v %v", r, err, sig[0])
	}
	o := withDefaults(&C4BadWordsOptions{})
	o.DefaultLanguage = "xx"
	if _, err := NewC4BadWords(*o); err == nil || !strings.HasPrefix(err.Error(), "default_language:") {
		t.Errorf("constructor err = %v", err)
	}
}

func TestC4BadWordsKeepFraction(t *testing.T) {
	sig := make([]float64, 1)
	all := newBadWords(t, func(o *C4BadWordsOptions) { o.KeepFraction = 1 })
	if r := all.Apply("fuck this", sig); r.Reason != "" {
		t.Errorf("keep_fraction 1 dropped: %q", r.Reason)
	}
	half := newBadWords(t, func(o *C4BadWordsOptions) { o.KeepFraction = 0.5; o.Seed = 7 })
	kept := 0
	for i := 0; i < 2000; i++ {
		text := "fuck number " + strings.Repeat("x", i%50) + string(rune('a'+i%26)) + strings.Repeat("y", i/50)
		r1 := half.Apply(text, sig)
		if r2 := half.Apply(text, sig); r1 != r2 {
			t.Fatal("keep decision not deterministic")
		}
		if r1.Reason == "" {
			kept++
		}
	}
	if kept < 900 || kept > 1100 {
		t.Errorf("kept %d of 2000 with keep_fraction 0.5", kept)
	}
}

func BenchmarkC4BadWords(b *testing.B) {
	benchFilter(b, newBadWords(b, nil))
}
