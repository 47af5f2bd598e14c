package pack

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// referenceBFD is a direct O(pieces x rows) best-fit-decreasing: it returns the
// sorted fill of the rows. Ties between rows with equal space do not change the
// multiset of fills, so any tie rule gives the same answer.
func referenceBFD(lens []int, capacity int) []int {
	s := slices.Clone(lens)
	slices.SortStableFunc(s, func(a, b int) int { return b - a })
	var fill []int
	for _, n := range s {
		best := -1
		for r, f := range fill {
			if capacity-f >= n && (best < 0 || f > fill[best]) {
				best = r
			}
		}
		if best < 0 {
			fill = append(fill, n)
		} else {
			fill[best] += n
		}
	}
	slices.Sort(fill)
	return fill
}

func TestBestFitKernelMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, capacity := range []int{1, 7, 63, 64, 65, 200, 2048, 5000} {
		var bf bestFit
		bf.init(capacity)
		for round := 0; round < 5; round++ {
			bf.reset()
			n := 1 + r.IntN(400)
			lens := make([]int, n)
			for i := range lens {
				if r.IntN(3) == 0 {
					lens[i] = 1 + r.IntN(capacity)
				} else {
					lens[i] = 1 + r.IntN(max(1, capacity/8))
				}
				bf.addPiece(int32(i), 0, int32(lens[i]))
			}
			bf.pack()
			var fill []int
			seen := make([]bool, n)
			for _, row := range bf.rows {
				f := 0
				for pi := row.head; pi >= 0; pi = bf.pieces[pi].next {
					if seen[pi] {
						t.Fatalf("piece %d placed twice", pi)
					}
					seen[pi] = true
					f += int(bf.pieces[pi].n)
				}
				if f > capacity {
					t.Fatalf("cap %d: row filled to %d", capacity, f)
				}
				fill = append(fill, f)
			}
			if slices.Contains(seen, false) {
				t.Fatalf("cap %d: a piece was not placed", capacity)
			}
			slices.Sort(fill)
			if want := referenceBFD(lens, capacity); !slices.Equal(fill, want) {
				t.Fatalf("cap %d round %d: fills %v, reference %v", capacity, round, fill, want)
			}
		}
	}
}
