package filters

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"os"
	"testing"
)

// TestDatatroveParity compares grist's decisions with datatrove's on the
// committed sample (testdata/parity/datatrove.jsonl.gz, written by
// scripts/parity-filters.sh from spam-assassin emails and UDHR articles, all
// processed with datatrove's default English settings): the drop reason must
// agree on at least 98% of documents for each filter, and C4's rewritten
// text must agree as well.
func TestDatatroveParity(t *testing.T) {
	f, err := os.Open("testdata/parity/datatrove.jsonl.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	filters := map[string]Filter{
		"gopher_quality":    newGopherQuality(t, nil),
		"gopher_repetition": newGopherRepetition(t, nil),
		"c4_quality":        newC4Quality(t, nil),
		"fineweb_quality":   newFineWeb(t, nil),
	}
	agree := map[string]int{}
	n := 0
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<26)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		n++
		text := rec["text"].(string)
		for name, flt := range filters {
			want := rec[name].(string)
			res := flt.Apply(text, make([]float64, len(flt.Signals())))
			ok := res.Reason == want
			if ok && name == "c4_quality" && want == "" {
				got := text
				if res.Rewritten {
					got = res.Text
				}
				ok = got == rec["c4_text"].(string)
			}
			if ok {
				agree[name]++
			} else if testing.Verbose() {
				t.Logf("%s %s: grist %q, datatrove %q", rec["id"], name, res.Reason, want)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 1000 {
		t.Fatalf("only %d documents in the golden file", n)
	}
	for name := range filters {
		rate := float64(agree[name]) / float64(n)
		t.Logf("%s: %d/%d agree (%.2f%%)", name, agree[name], n, 100*rate)
		if rate < 0.98 {
			t.Errorf("%s: agreement %.2f%% < 98%%", name, 100*rate)
		}
	}
}
