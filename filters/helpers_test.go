package filters

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TEXT_LF_1 of datatrove's filter tests.
const textLF1 = "I wish it need not have happened in my time,' said Frodo. 'So do I,' said Gandalf, 'and so do all who live to " +
	"see such times. But that is not for them to decide. All we have to decide is what to do with the time that is " +
	"given us.'"

type reasonCase struct {
	name, text, want string
}

func runReasons(t *testing.T, f Filter, cases []reasonCase) {
	t.Helper()
	sig := make([]float64, len(f.Signals()))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := f.Apply(c.text, sig)
			if got.Reason != c.want {
				t.Errorf("reason = %q, want %q (signals %v = %v)", got.Reason, c.want, f.Signals(), sig)
			}
		})
	}
}

func ptrF(v float64) *float64 { return &v }
func ptrI(v int) *int         { return &v }

type udhrDoc struct {
	ID, Text, Lang string
}

func loadUDHRSample(t testing.TB) []udhrDoc {
	t.Helper()
	f, err := os.Open("testdata/udhr_sample.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []udhrDoc
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var d udhrDoc
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// loadHam returns the ham emails of the shared spam-assassin corpus, or
// skips when it is absent.
func loadHam(tb testing.TB) []string {
	tb.Helper()
	f, err := os.Open("../../shared/data/spam-assassin.jsonl.gz")
	if err != nil {
		tb.Skip("spam-assassin corpus not available:", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var d struct {
			Text  string
			Label any
		}
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			tb.Fatal(err)
		}
		if l, ok := d.Label.(string); ok && strings.Contains(strings.ToLower(l), "spam") {
			continue
		}
		if l, ok := d.Label.(float64); ok && l != 0 {
			continue
		}
		out = append(out, d.Text)
	}
	return out
}
