package dedup

import "sync/atomic"

// unionFind is a concurrent disjoint-set forest over dense ids 0..n-1. A
// union always links the larger root under the smaller, so the root of every
// set is its smallest id whatever the order or interleaving of unions: the
// final partition and representatives are deterministic. Roots change only
// by compare-and-swap; finds halve paths with CAS, which only ever points a
// node at one of its ancestors.
type unionFind struct {
	parent []uint32
}

func newUnionFind(n int) *unionFind {
	p := make([]uint32, n)
	for i := range p {
		p[i] = uint32(i)
	}
	return &unionFind{parent: p}
}

func (u *unionFind) find(x uint32) uint32 {
	for {
		p := atomic.LoadUint32(&u.parent[x])
		if p == x {
			return x
		}
		gp := atomic.LoadUint32(&u.parent[p])
		if gp != p {
			atomic.CompareAndSwapUint32(&u.parent[x], p, gp)
		}
		x = gp
	}
}

// union merges the sets of a and b; it reports whether they were distinct.
func (u *unionFind) union(a, b uint32) bool {
	for {
		a, b = u.find(a), u.find(b)
		if a == b {
			return false
		}
		if a < b {
			a, b = b, a
		}
		if atomic.CompareAndSwapUint32(&u.parent[a], a, b) {
			return true
		}
	}
}
