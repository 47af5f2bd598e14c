package pipeline

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestSummaryPackingRates: the run summary reports a packing stage's padding
// (of all row positions, [CLS]/[SEP] included) and its split, truncated and
// dropped documents, in percent of the documents it packed.
func TestSummaryPackingRates(t *testing.T) {
	s := &Stats{Read: 10, Written: 10, Examples: 4, Stages: []*StageStats{
		{Step: 0, Name: "length", DocsIn: 10, DocsOut: 10},
		{Step: 1, Name: "pack", DocsIn: 8, DocsOut: 4, Counters: map[string]int64{
			"examples": 4, "tokens": 1500, "padding_tokens": 492, "frame_tokens": 8,
			"split_docs": 2, "truncated_docs": 1,
		}},
	}}
	var buf bytes.Buffer
	s.Summary(&buf, time.Second)
	want := "pack: 4 examples, 1500 tokens; padding 24.60% of positions; documents split 2 (25.00%), truncated 1 (12.50%), dropped 0 (0.00%) of 8\n"
	if !strings.Contains(buf.String(), want) {
		t.Fatalf("summary:\n%s\nwant the line %q", buf.String(), want)
	}
	if strings.Contains(buf.String(), "length:") {
		t.Fatalf("a stage without examples got a packing line:\n%s", buf.String())
	}
}
