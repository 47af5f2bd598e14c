package dedup

import "testing"

// TestRandomStateMatchesNumpy checks the permutation parameters against
// numpy.random.RandomState(seed).randint values in the golden file.
func TestRandomStateMatchesNumpy(t *testing.T) {
	g := loadGolden(t)
	for _, seed := range []int64{1, 42} {
		want := g.Params[map[int64]string{1: "1", 42: "42"}[seed]]
		if len(want.A) != 112 {
			t.Fatalf("seed %d: golden params missing", seed)
		}
		m := newTestMinHash(t, func(o *MinHashOptions) { o.Seed = seed })
		for i := range want.A {
			if m.a[i] != want.A[i] || m.b[i] != want.B[i] {
				t.Fatalf("seed %d index %d: got a=%d b=%d, numpy a=%d b=%d", seed, i, m.a[i], m.b[i], want.A[i], want.B[i])
			}
		}
	}
}

// TestRandomStateReference checks the generator against the first outputs
// of the MT19937 reference implementation for init_genrand(5489).
func TestRandomStateReference(t *testing.T) {
	rs := newRandomState(5489)
	for i, want := range []uint32{3499211612, 581869302, 3890346734, 3586334585, 545404204} {
		if got := rs.next32(); got != want {
			t.Fatalf("output %d: %d, want %d", i, got, want)
		}
	}
}
