package pipeline

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/zeebo/xxh3"
)

func TestHistogramBins(t *testing.T) {
	log2 := NewHistogram(ScaleLog2)
	lin := NewHistogram(ScaleLinear)
	for _, c := range []struct {
		h    *Histogram
		v    float64
		want int
	}{
		{log2, 0, 0}, {log2, 0.5, 0}, {log2, -3, 0}, {log2, 1, 1}, {log2, 1.9, 1}, {log2, 2, 2}, {log2, 3, 2},
		{log2, 4, 3}, {log2, 1023, 10}, {log2, 1024, 11}, {log2, 1e300, Log2Bins - 1},
		{lin, 0, 0}, {lin, 0.049, 0}, {lin, 0.05, 1}, {lin, 0.5, 10}, {lin, 0.999, 19}, {lin, 1, 19}, {lin, 7, 19}, {lin, -1, 0},
	} {
		if got := c.h.Bin(c.v); got != c.want {
			t.Errorf("%s bin of %v = %d, want %d", c.h.Scale, c.v, got, c.want)
		}
		if c.v >= 0 && c.v <= 1e9 && !(c.h.Scale == ScaleLinear && c.v >= 1) {
			lo, hi := c.h.BinBounds(c.want)
			if c.v < lo || c.v >= hi {
				t.Errorf("%s %v not in bin %d bounds [%v, %v)", c.h.Scale, c.v, c.want, lo, hi)
			}
		}
	}
	h := NewHistogram(ScaleLinear)
	for _, v := range []float64{0.1, 0.2, math.NaN(), 0.9} {
		h.Add(v)
	}
	if h.N != 4 || h.NaN != 1 || math.Abs(h.Sum-1.2) > 1e-12 || h.Counts[2] != 1 || h.Counts[4] != 1 || h.Counts[18] != 1 {
		t.Fatalf("%+v", h)
	}
}

// TestHistogramMerge: merging per-task histograms equals one histogram of
// every value.
func TestHistogramMerge(t *testing.T) {
	all := NewHistogram(ScaleLog2)
	parts := []*Histogram{NewHistogram(ScaleLog2), NewHistogram(ScaleLog2), NewHistogram(ScaleLog2)}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 10000; i++ {
		v := float64(rng.IntN(1 << 20))
		all.Add(v)
		parts[i%3].Add(v)
	}
	got := &Stats{}
	for _, p := range parts {
		got.Merge(&Stats{Histograms: map[string]*Histogram{"x": p}})
	}
	m := got.Histograms["x"]
	if m.N != all.N || m.Sum != all.Sum || fmt.Sprint(m.Counts) != fmt.Sprint(all.Counts) {
		t.Fatalf("merged %v %v, all %v %v", m.N, m.Counts, all.N, all.Counts)
	}
	if parts[0].N != 3334 {
		t.Fatalf("merge changed its input: %d", parts[0].N)
	}
}

// TestSampleBottomK: per-task bottom-k samples merged in any grouping and
// order hold the k documents of smallest hash over all of them.
func TestSampleBottomK(t *testing.T) {
	const n, k = 2000, 5
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("doc-%d", i)
	}
	hashes := make([]uint64, n)
	for i, id := range ids {
		hashes[i] = xxh3.HashStringSeed(id, 42)
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return hashes[order[a]] < hashes[order[b]] })
	var want []string
	for _, i := range order[:k] {
		want = append(want, ids[i])
	}
	for _, tasks := range []int{1, 3, 7, 64} {
		sets := make([]*SampleSet, tasks)
		for i := range sets {
			sets[i] = &SampleSet{K: k}
		}
		for i, id := range ids {
			s := sets[i%tasks]
			if s.wants(hashes[i], id) {
				s.offer(SampleDoc{ID: id, Hash: hashes[i]})
			}
		}
		total := &Stats{}
		for j := len(sets) - 1; j >= 0; j-- { // any order
			total.Merge(&Stats{Samples: map[string]*SampleSet{"kept": sets[j]}})
		}
		var got []string
		for _, d := range total.Samples["kept"].Docs {
			got = append(got, d.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%d tasks: %v, want %v", tasks, got, want)
		}
	}
}

func TestThresholdMatches(t *testing.T) {
	for _, c := range []struct {
		key, signal string
		want        bool
	}{
		{"min_words", "words", true},
		{"min_doc_words", "words", true},
		{"short_line_thr", "short_line_ratio", true},
		{"short_line_length", "short_line_ratio", false},
		{"dup_line_frac", "dup_line_frac", true},
		{"dup_line_frac", "dup_line_char_frac", false},
		{"dup_5_gram_frac", "duplicated_5_n_grams", true},
		{"top_2_gram_frac", "top_2_gram", true},
		{"char_duplicates_ratio", "char_dup_ratio", true},
		{"max_non_alpha_words_ratio", "alpha_words_ratio", true},
		{"min_stop_words", "stop_words", true},
		{"language", "words", false},
	} {
		if got := thresholdMatches(c.key, c.signal); got != c.want {
			t.Errorf("%s ~ %s = %v", c.key, c.signal, got)
		}
	}
}

func TestTrimText(t *testing.T) {
	long := ""
	for i := 0; i < 600; i++ {
		long += "é"
	}
	if got := []rune(trimText(long)); len(got) != SampleTextChars {
		t.Fatalf("%d characters kept", len(got))
	}
	if trimText("short") != "short" {
		t.Fatal("short text changed")
	}
}

func BenchmarkCollectSignals(b *testing.B) {
	names := []string{"a_ratio", "b", "c_frac", "d", "e", "f", "g", "h"}
	hs := make([]*Histogram, len(names))
	for i, n := range names {
		if IsRatioSignal(n) {
			hs[i] = NewHistogram(ScaleLinear)
		} else {
			hs[i] = NewHistogram(ScaleLog2)
		}
	}
	sig := []float64{0.3, 120, 0.01, 4.5, 7, 0, 1e6, math.NaN()}
	b.SetBytes(int64(8 * len(sig)))
	for b.Loop() {
		collectSignals(hs, sig)
	}
}

func BenchmarkSampleOffer(b *testing.B) {
	s := &SampleSet{K: SampleKeptK}
	ids := make([]string, 4096)
	for i := range ids {
		ids[i] = fmt.Sprintf("file.jsonl:%d", i)
	}
	b.SetBytes(int64(len(ids[100])))
	i := 0
	for b.Loop() {
		id := ids[i&4095]
		h := xxh3.HashStringSeed(id, 42)
		if s.wants(h, id) {
			s.offer(SampleDoc{ID: id, Hash: h})
		}
		i++
	}
}
