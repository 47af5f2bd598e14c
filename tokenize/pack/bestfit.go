package pack

import "math/bits"

// bestFit is the best-fit-decreasing kernel of the bestfit strategy (Ding et al. 2024,
// "Fewer Truncations Improve Language Modeling"): pieces are taken longest first
// (ties in arrival order) and each goes into the open row with the smallest remaining
// space that still holds it, or opens a new row.
//
// It is hand-written because it runs once per piece on the hot path: pieces are
// ordered by a stable counting sort over lengths (O(n + cap)), and open rows are kept
// in buckets by remaining space with a two-level bitset over the non-empty buckets,
// so "smallest remaining space >= n" is a few word scans (cap 2048: at most 2
// summary words) instead of a tree walk. All slices are reused between rounds.
type bestFit struct {
	cap    int
	pieces []bfPiece
	order  []int32 // piece indices, longest first
	count  []int32 // counting-sort offsets by length
	rows   []bfRow
	bucket [][]int32 // bucket[r]: open rows with r free positions (stack)
	lo     []uint64  // bit r: bucket[r] is non-empty
	hi     []uint64  // bit w: lo[w] != 0
}

type bfPiece struct {
	doc, start, n int32
	next          int32 // next piece of the same row, -1 at the end
}

type bfRow struct {
	head, tail int32 // first and last piece, in placement order
}

func (b *bestFit) init(capacity int) {
	b.cap = capacity
	b.count = make([]int32, capacity+1)
	b.bucket = make([][]int32, capacity+1)
	b.lo = make([]uint64, (capacity+1+63)/64)
	b.hi = make([]uint64, (len(b.lo)+63)/64)
}

func (b *bestFit) reset() {
	b.pieces = b.pieces[:0]
	b.rows = b.rows[:0]
	for w, word := range b.lo {
		for word != 0 {
			r := w<<6 + bits.TrailingZeros64(word)
			b.bucket[r] = b.bucket[r][:0]
			word &= word - 1
		}
	}
	clear(b.lo)
	clear(b.hi)
}

func (b *bestFit) addPiece(doc, start, n int32) {
	b.pieces = append(b.pieces, bfPiece{doc: doc, start: start, n: n, next: -1})
}

// pack assigns every piece to a row; rows are numbered in the order they open.
func (b *bestFit) pack() {
	clear(b.count)
	for i := range b.pieces {
		b.count[b.pieces[i].n]++
	}
	off := int32(0)
	for l := b.cap; l >= 1; l-- {
		c := b.count[l]
		b.count[l] = off
		off += c
	}
	if cap(b.order) < len(b.pieces) {
		b.order = make([]int32, len(b.pieces))
	}
	b.order = b.order[:len(b.pieces)]
	for i := range b.pieces {
		n := b.pieces[i].n
		b.order[b.count[n]] = int32(i)
		b.count[n]++
	}
	for _, pi := range b.order {
		n := int(b.pieces[pi].n)
		var row int32
		r := b.find(n)
		if r < 0 {
			row = int32(len(b.rows))
			b.rows = append(b.rows, bfRow{head: pi, tail: pi})
			r = b.cap
		} else {
			row = b.pop(r)
			b.pieces[b.rows[row].tail].next = pi
			b.rows[row].tail = pi
		}
		if rem := r - n; rem > 0 {
			b.push(rem, row)
		}
	}
}

// find returns the smallest r >= n whose bucket is non-empty, or -1.
func (b *bestFit) find(n int) int {
	w := n >> 6
	if w >= len(b.lo) {
		return -1
	}
	if m := b.lo[w] & (^uint64(0) << (n & 63)); m != 0 {
		return w<<6 + bits.TrailingZeros64(m)
	}
	w++
	for h := w >> 6; h < len(b.hi); h++ {
		m := b.hi[h]
		if h == w>>6 {
			m &= ^uint64(0) << (w & 63)
		}
		if m != 0 {
			lw := h<<6 + bits.TrailingZeros64(m)
			return lw<<6 + bits.TrailingZeros64(b.lo[lw])
		}
	}
	return -1
}

func (b *bestFit) push(r int, row int32) {
	if len(b.bucket[r]) == 0 {
		b.lo[r>>6] |= 1 << (r & 63)
		b.hi[r>>12] |= 1 << ((r >> 6) & 63)
	}
	b.bucket[r] = append(b.bucket[r], row)
}

func (b *bestFit) pop(r int) int32 {
	s := b.bucket[r]
	row := s[len(s)-1]
	b.bucket[r] = s[:len(s)-1]
	if len(s) == 1 {
		b.lo[r>>6] &^= 1 << (r & 63)
		if b.lo[r>>6] == 0 {
			b.hi[r>>12] &^= 1 << ((r >> 6) & 63)
		}
	}
	return row
}
