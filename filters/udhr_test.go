package filters

import (
	"strings"
	"testing"
)

// TestUDHRNonLatin: UDHR articles in Korean, Japanese, Chinese, Arabic and
// Hindi (testdata/udhr_sample.jsonl, the longest articles after the
// preamble), given their language, are kept by gopher_quality and
// fineweb_quality. The preambles ("-00") are lists of clauses ending in
// commas or semicolons: fineweb_quality drops the English one for
// line_punct_ratio, as it would the others with the same shape.
func TestUDHRNonLatin(t *testing.T) {
	gq := newGopherQuality(t, nil)
	fw := newFineWeb(t, nil)
	sig := make([]float64, 8)
	seen := map[string]bool{}
	for _, d := range loadUDHRSample(t) {
		if strings.HasSuffix(d.ID, "-00") && d.Lang == "en" {
			if r, _ := fw.ApplyLang(d.Text, d.Lang, sig); r.Reason != "line_punct_ratio" {
				t.Errorf("%s preamble: fineweb_quality reason %q, want line_punct_ratio", d.ID, r.Reason)
			}
			continue
		}
		if strings.HasSuffix(d.ID, "-00") {
			continue
		}
		seen[d.Lang] = true
		t.Run(d.ID, func(t *testing.T) {
			if r, _ := gq.ApplyLang(d.Text, d.Lang, sig); r.Reason != "" {
				t.Errorf("gopher_quality dropped %s (%s): %s %v", d.ID, d.Lang, r.Reason, sig)
			}
			if r, _ := fw.ApplyLang(d.Text, d.Lang, sig); r.Reason != "" {
				t.Errorf("fineweb_quality dropped %s (%s): %s %v", d.ID, d.Lang, r.Reason, sig)
			}
		})
	}
	for _, l := range []string{"ko", "ja", "zh", "ar", "hi", "en"} {
		if !seen[l] {
			t.Errorf("no %s article in the sample", l)
		}
	}
}
