package filters

import (
	"strings"
	"testing"
)

func newFineWeb(t testing.TB, edit func(o *FineWebQualityOptions)) *FineWebQuality {
	t.Helper()
	o := withDefaults(&FineWebQualityOptions{})
	if edit != nil {
		edit(o)
	}
	f, err := NewFineWebQuality(*o)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFineWebDatatroveCases(t *testing.T) {
	// datatrove tests/pipeline/filters/test_filters.py::TestFineWebQualityFilter
	runReasons(t, newFineWeb(t, nil), []reasonCase{
		{"empty", "", "empty"},
		{"blank", " \n\t\n", "empty"},
		{"keeps_quality_text", "This is a well-written paragraph that ends with proper punctuation.\n" +
			"The content here is substantial and has meaningful information.\n" +
			"Quality filtering ensures that only the best documents pass through.\n" +
			"Each line here is long enough and ends with a terminal punctuation mark.\n" +
			"This document should pass all the quality checks applied by the filter.", ""},
	})
	runReasons(t, newFineWeb(t, func(o *FineWebQualityOptions) { o.LinePunctThr = 0.5 }), []reasonCase{
		{"low_punct", "No punctuation here\nAnother line without any\nStill nothing", "line_punct_ratio"},
	})
	runReasons(t, newFineWeb(t, func(o *FineWebQualityOptions) { o.ShortLineThr, o.LinePunctThr = 0.5, 0 }), []reasonCase{
		{"short_lines", "hi.\nbye.\nok.\nno.\nyes.", "short_line_ratio"},
	})
	runReasons(t, newFineWeb(t, func(o *FineWebQualityOptions) {
		o.NewLineRatio, o.LinePunctThr, o.ShortLineThr, o.CharDuplicatesRatio = 0.1, 0, 1, 1
	}), []reasonCase{
		{"list_heavy", strings.Repeat("a\n", 49) + "a", "list_ratio"},
	})
}

func TestFineWebThresholds(t *testing.T) {
	long := func(i int) string { return "This line number " + strings.Repeat("i", i+1) + " is long enough to count" }
	lines := func(n, punct int) string {
		out := make([]string, n)
		for i := range out {
			out[i] = long(i)
			if i < punct {
				out[i] += "."
			}
		}
		return strings.Join(out, "\n")
	}
	f := newFineWeb(t, nil)
	runReasons(t, f, []reasonCase{
		// 3 of 25 = 0.12 is not below 0.12; 2 of 25 is.
		{"punct_0.12_keep", lines(25, 3), ""},
		{"punct_below", lines(25, 2), "line_punct_ratio"},
		// the line is not stripped: a trailing space hides the period.
		{"trailing_space_quirk", strings.ReplaceAll(lines(25, 3), ".", ". "), "line_punct_ratio"},
		{"non_latin_terminal", strings.ReplaceAll(lines(25, 3), ".", "।"), ""},
		{"dup_line", lines(25, 25) + "\n" + long(0) + ".", "char_dup_ratio"},
		// blank lines are not lines, so they are never duplicates.
		{"blank_lines_not_dup", strings.ReplaceAll(lines(25, 25), "\n", "\n\n  \n"), ""},
	})
	// short lines: 2 of 3 = 0.667 is not above 0.67; 3 of 4 is.
	runReasons(t, newFineWeb(t, func(o *FineWebQualityOptions) { o.NewLineRatio = 10 }), []reasonCase{
		{"short_0.667_keep", "Short one.\nShort two.\n" + long(0) + ".", ""},
		{"short_0.75", "Short one.\nShort two.\nShort three.\n" + long(0) + ".", "short_line_ratio"},
		{"30_chars_is_short", strings.Repeat("x", 29) + ".\n" + strings.Repeat("y", 29) + ".\n" + long(0) + ".", ""},
	})
	excl := newFineWeb(t, func(o *FineWebQualityOptions) { o.LinePunctExcludeZero = true })
	runReasons(t, excl, []reasonCase{
		{"zero_excluded", lines(25, 0), ""},
		{"nonzero_below", lines(25, 2), "line_punct_ratio"},
	})
	custom := newFineWeb(t, func(o *FineWebQualityOptions) { o.StopChars = []string{";"} })
	runReasons(t, custom, []reasonCase{
		{"custom_stop_chars", lines(25, 25), "line_punct_ratio"},
	})
}

func BenchmarkFineWebQuality(b *testing.B) {
	benchFilter(b, newFineWeb(b, nil))
}
