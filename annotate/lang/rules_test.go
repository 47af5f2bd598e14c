package lang

import (
	"slices"
	"testing"
)

func TestRuleLanguage(t *testing.T) {
	d := newTestDetector(t, LangOptions{})
	noJa := newTestDetector(t, LangOptions{Languages: []string{"zh", "ko", "en"}})
	tests := []struct {
		d    *Detector
		text string
		want language
	}{
		{d, "漢字とかな", langJapanese},         // kana and Han: Japanese
		{d, "漢字", langChinese},             // Han only
		{noJa, "かな", unknown},              // kana votes ja, not a candidate
		{noJa, "漢字", langChinese},          //
		{d, "straße", langGerman},          // ß
		{d, "straße the the the", unknown}, // unknown votes are at least half
		{d, "straße їжак", unknown},        // tie
		{d, "straße straße їжак", langGerman},
		{d, "the house", unknown},              // no votes
		{d, "ελληνικά και english", langGreek}, // 2 Greek words, unknown is 1 of 3
	}
	for _, tc := range tests {
		sc := new(scratch)
		sc.splitWords(tc.text)
		if got := tc.d.ruleLanguage(sc); got != tc.want {
			t.Errorf("%q: %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestFilterLanguages(t *testing.T) {
	d := newTestDetector(t, LangOptions{})
	names := func(s langSet) []string {
		var out []string
		for _, l := range allLanguages() {
			if s.has(l) {
				out = append(out, isoCode(l))
			}
		}
		return out
	}
	tests := []struct {
		text string
		want []string // nil: all 75
	}{
		{"año niño", []string{"es", "eu"}}, // ñ in every word
		{"hello мир", nil},                 // one Latin, one Cyrillic word: equal counts
		{"привет мир hello", []string{"be", "bg", "kk", "mk", "mn", "ru", "sr", "uk"}}, // Cyrillic
		{"سلام", []string{"ar", "fa", "ur"}},
		{"ሰላም", nil}, // no lingua alphabet
	}
	for _, tc := range tests {
		sc := new(scratch)
		sc.splitWords(tc.text)
		got := names(d.filterLanguages(sc))
		want := tc.want
		if want == nil {
			want = SupportedLanguages()
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%q: %v, want %v", tc.text, got, want)
		}
	}
}
