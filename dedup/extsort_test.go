package dedup

import (
	"math/rand/v2"
	"os"
	"slices"
	"testing"
)

func TestExtSorterSpillsAndMerges(t *testing.T) {
	for _, c := range []struct {
		name     string
		n, limit int
		wantRuns int64
	}{
		{"in memory", 1000, 5000, 0},
		{"few runs", 1000, 300, 3},
		{"more runs than fan-in", 20000, 100, 199},
	} {
		t.Run(c.name, func(t *testing.T) {
			sd, cleanup, err := newSpill(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer cleanup()
			rng := rand.New(rand.NewPCG(4, 4))
			s := newExtSorter(bandCodec, sd, "t", c.limit)
			var want []bandRec
			for i := 0; i < c.n; i++ {
				r := bandRec{band: rng.Uint64N(500), g: uint64(i)}
				want = append(want, r)
				if err := s.add(r); err != nil {
					t.Fatal(err)
				}
			}
			slices.SortFunc(want, bandCodec.cmp)
			var got []bandRec
			if err := s.each(func(r bandRec) error { got = append(got, r); return nil }); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("sorted output differs (%d vs %d records)", len(got), len(want))
			}
			if sd.runs.Load() != c.wantRuns {
				t.Errorf("%d runs spilled, want %d", sd.runs.Load(), c.wantRuns)
			}
			if left, _ := os.ReadDir(sd.dir); len(left) != 0 {
				t.Errorf("%d run files left after each", len(left))
			}
		})
	}
}

func BenchmarkExtSorterInMemory(b *testing.B) {
	sd, cleanup, err := newSpill(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer cleanup()
	rng := rand.New(rand.NewPCG(1, 1))
	recs := make([]bandRec, 1<<20)
	for i := range recs {
		recs[i] = bandRec{band: rng.Uint64(), g: uint64(i)}
	}
	b.SetBytes(int64(len(recs) * bandCodec.size))
	for i := 0; i < b.N; i++ {
		s := newExtSorter(bandCodec, sd, "b", len(recs))
		for _, r := range recs {
			_ = s.add(r)
		}
		_ = s.each(func(bandRec) error { return nil })
	}
}

func TestSortBandRecs(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, n := range []int{0, 5, 1000, 1 << 15, 200000} {
		a := make([]bandRec, n)
		for i := range a {
			// few distinct keys in the top bits and ties on band
			a[i] = bandRec{band: rng.Uint64() >> uint(rng.IntN(3)*30), g: rng.Uint64N(1000)}
			if i > 0 && rng.IntN(4) == 0 {
				a[i].band = a[i-1].band
			}
		}
		want := slices.Clone(a)
		slices.SortFunc(want, cmpBandRec)
		sortBandRecs(a)
		if !slices.Equal(a, want) {
			t.Fatalf("n=%d: radix sort differs from comparison sort", n)
		}
	}
}
