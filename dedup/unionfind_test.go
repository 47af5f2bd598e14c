package dedup

import (
	"math/rand/v2"
	"sync"
	"testing"
)

func TestUnionFindConcurrentDeterministic(t *testing.T) {
	const n = 20000
	rng := rand.New(rand.NewPCG(1, 2))
	edges := make([][2]uint32, 30000)
	for i := range edges {
		edges[i] = [2]uint32{uint32(rng.IntN(n)), uint32(rng.IntN(n))}
	}
	// reference: sequential
	ref := newUnionFind(n)
	for _, e := range edges {
		ref.union(e[0], e[1])
	}
	for _, workers := range []int{1, 4, 8} {
		u := newUnionFind(n)
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := len(edges) - 1 - w; i >= 0; i -= workers {
					u.union(edges[i][1], edges[i][0])
				}
			}(w)
		}
		wg.Wait()
		for x := uint32(0); x < n; x++ {
			if got, want := u.find(x), ref.find(x); got != want {
				t.Fatalf("workers=%d: root(%d)=%d, sequential %d", workers, x, got, want)
			}
			if r := u.find(x); r > x {
				t.Fatalf("root %d of %d is not the smallest member", r, x)
			}
		}
	}
}
