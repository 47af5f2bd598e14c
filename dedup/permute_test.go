package dedup

import (
	"slices"
	"testing"
)

func TestPermuteMinKernelsAgree(t *testing.T) {
	m := newTestMinHash(t, func(o *MinHashOptions) { o.Buckets = 13; o.HashesPerBucket = 3 }) // 39: not a multiple of 8
	for _, n := range []int{0, 1, 2, 3, 17, 100} {
		hs := make([]uint64, n)
		x := uint64(n) + 12345
		for i := range hs {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			hs[i] = x
		}
		want := make([]uint64, m.k)
		permuteMinGo(want, m.a, m.b, hs)
		for _, k := range []struct{ avx512, avx2 bool }{{true, false}, {false, true}, {false, false}} {
			if (k.avx512 && !hasAVX512) || (k.avx2 && !hasAVX2) {
				continue
			}
			got := make([]uint64, m.k)
			s512, s2 := useAVX512, useAVX2
			useAVX512, useAVX2 = k.avx512, k.avx2
			permuteMin(got, m.a, m.b, hs)
			useAVX512, useAVX2 = s512, s2
			if !slices.Equal(got, want) {
				t.Fatalf("n=%d kernel avx512=%v avx2=%v differs from portable loop", n, k.avx512, k.avx2)
			}
		}
		for j := range want {
			if n > 0 && want[j] >= mersenne61 {
				t.Fatalf("value %d not reduced mod 2^61-1", want[j])
			}
		}
	}
}
