package train

import (
	"cmp"
	"errors"
	"math/bits"
	"slices"
	"sync"
)

// uniText is the text a Unigram model trains on: the distinct word segments,
// sorted, one after another as character ranks (1 = smallest code point),
// each followed by a 0.
type uniText struct {
	text  []uint32
	seg   []int   // first position of each segment
	count []int64 // count of each segment
	segOf []int32 // segment of each position
	runes []rune  // character of rank r at runes[r-1], in code point order
}

// newUniText lays out the segments (sorted, distinct) in characters.
func newUniText(segs []string, counts []int64) (*uniText, error) {
	t := &uniText{count: counts, seg: make([]int, len(segs))}
	seen := map[rune]bool{}
	n := 0
	for _, s := range segs {
		for _, r := range s {
			seen[r] = true
			n++
		}
		n++
	}
	if n >= 1<<31-1 {
		return nil, errors.New("unigram: the distinct words hold more than 2^31 characters")
	}
	for r := range seen {
		t.runes = append(t.runes, r)
	}
	slices.Sort(t.runes)
	rank := make(map[rune]uint32, len(t.runes))
	for i, r := range t.runes {
		rank[r] = uint32(i + 1)
	}
	t.text = make([]uint32, 0, n)
	t.segOf = make([]int32, 0, n)
	last, lastRank := rune(-1), uint32(0)
	for i, s := range segs {
		t.seg[i] = len(t.text)
		for _, r := range s {
			if r != last {
				last, lastRank = r, rank[r]
			}
			t.text = append(t.text, lastRank)
			t.segOf = append(t.segOf, int32(i))
		}
		t.text = append(t.text, 0)
		t.segOf = append(t.segOf, int32(i))
	}
	return t, nil
}

// str spells the n characters at position p.
func (t *uniText) str(p, n int) string {
	b := make([]byte, 0, 3*n)
	for _, c := range t.text[p : p+n] {
		b = append(b, string(t.runes[c-1])...)
	}
	return string(b)
}

// suffixIndex holds the suffixes of a uniText (one per character) sorted by
// their first maxLen characters, and the longest common prefix of neighbours.
type suffixIndex struct {
	sa  []int32  // suffix start positions, sorted
	lcp []uint16 // lcp[i]: common characters of sa[i-1] and sa[i], at most maxLen; lcp[0] = 0
	rem []uint16 // characters from a position to the end of its segment, at most maxLen
}

// newSuffixIndex sorts the suffixes by prefix doubling: first by their first
// k characters packed into one word (an LSD radix sort), then by pairs of
// ranks of h-character prefixes (h, h+h) until maxLen characters are covered
// (one bucket pass each). This is the sort SentencePiece runs over the whole
// text with a suffix array library, over the distinct words only. The order
// of suffixes equal in their first maxLen characters is left as it falls
// (deterministic); nothing read from the index depends on it.
func newSuffixIndex(t *uniText, maxLen, workers int) *suffixIndex {
	text := t.text
	x := &suffixIndex{rem: make([]uint16, len(text))}
	next := 0
	for i := len(text) - 1; i >= 0; i-- {
		if text[i] == 0 {
			next = 0
		} else {
			next = min(next+1, maxLen)
		}
		x.rem[i] = uint16(next)
	}
	n := 0
	for _, c := range text {
		if c != 0 {
			n++
		}
	}
	sa := make([]int32, 0, n)
	for i, c := range text {
		if c != 0 {
			sa = append(sa, int32(i))
		}
	}
	b := max(1, bits.Len(uint(len(t.runes))))
	k := min(64/b, maxLen)
	rank, ranks := sortByPrefix(t, x, sa, b, k, workers)
	// Each doubling step orders the suffixes by (rank of the first h
	// characters, rank of the next h) in one bucket pass (Manber and Myers):
	// a group keeps first its suffixes that end within h characters, then
	// takes the others in the order of the suffix h characters on, which sa
	// already has.
	tmpV := make([]int32, n)
	bucket := make([]uint32, n+1) // by rank, 1..n
	isNew := make([]bool, n)
	for h := k; h < maxLen && ranks < n; h *= 2 {
		for i := n - 1; i >= 0; i-- {
			bucket[rank[sa[i]]] = uint32(i)
		}
		out := tmpV
		for _, p := range sa {
			if int(x.rem[p]) <= h {
				g := rank[p]
				out[bucket[g]] = p
				bucket[g]++
			}
		}
		for _, q := range sa {
			if p := int(q) - h; p >= 0 && t.segOf[p] == t.segOf[q] {
				g := rank[p]
				out[bucket[g]] = int32(p)
				bucket[g]++
			}
		}
		second := func(p int32) uint32 {
			if int(x.rem[p]) > h {
				return rank[int(p)+h]
			}
			return 0
		}
		forChunks(n, workers, func(_, lo, hi int) {
			for i := max(lo, 1); i < hi; i++ {
				a, b := out[i-1], out[i]
				isNew[i] = rank[a] != rank[b] || second(a) != second(b)
			}
		})
		r := uint32(0)
		for i, p := range out {
			if i == 0 || isNew[i] {
				r++
			}
			rank[p] = r
		}
		ranks = int(r)
		sa, tmpV = out, sa
	}
	x.sa = sa
	x.lcp = make([]uint16, n)
	forChunks(n, workers, func(_, lo, hi int) {
		for i := max(lo, 1); i < hi; i++ {
			a, c := int(sa[i-1]), int(sa[i])
			m := int(min(x.rem[a], x.rem[c]))
			l := 0
			for l < m && text[a+l] == text[c+l] {
				l++
			}
			x.lcp[i] = uint16(l)
		}
	})
	return x
}

// parts cuts the sorted suffixes into about n runs of equal length, each
// starting where a suffix shares at most one character with the one before:
// no interval of a piece of two characters or more crosses a cut.
func (x *suffixIndex) parts(n int) []int {
	cuts := []int{0}
	for c := 1; c < n; c++ {
		i := max(len(x.sa)*c/n, cuts[len(cuts)-1]+1)
		for i < len(x.sa) && x.lcp[i] > 1 {
			i++
		}
		if i < len(x.sa) {
			cuts = append(cuts, i)
		}
	}
	return append(cuts, len(x.sa))
}

// minChunk is the fewest items worth a goroutine of forChunks (a variable
// for the tests).
var minChunk = 1 << 13

// chunks is the number of chunks forChunks cuts n items into.
func chunks(n, workers int) int {
	if n < 2*minChunk {
		return 1
	}
	return max(workers, 1)
}

// forChunks runs fn over chunks(n, workers) contiguous chunks of [0, n) at
// once; c numbers the chunk.
func forChunks(n, workers int, fn func(c, lo, hi int)) {
	k := chunks(n, workers)
	if k == 1 {
		fn(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for c := range k {
		wg.Go(func() { fn(c, n*c/k, n*(c+1)/k) })
	}
	wg.Wait()
}

// sortByPrefix sorts the suffixes sa by their first k characters (b bits
// each, packed in one word) and returns the rank of each position's group.
func sortByPrefix(t *uniText, x *suffixIndex, sa []int32, b, k, workers int) ([]uint32, int) {
	text, n := t.text, len(sa)
	keys := make([]uint64, n)
	forChunks(n, workers, func(_, lo, hi int) {
		for j := lo; j < hi; j++ {
			p := int(sa[j])
			var key uint64
			r := int(x.rem[p])
			for c := 0; c < k; c++ {
				key <<= b
				if c < r {
					key |= uint64(text[p+c])
				}
			}
			keys[j] = key
		}
	})
	radixSort(keys, sa, make([]uint64, n), make([]int32, n), b*k, workers)
	rank := make([]uint32, len(text))
	return rank, assignRanks(keys, sa, rank)
}

// assignRanks numbers the groups of equal keys 1, 2, ... in sorted order.
func assignRanks(keys []uint64, sa []int32, rank []uint32) int {
	r := uint32(0)
	for j, p := range sa {
		if j == 0 || keys[j] != keys[j-1] {
			r++
		}
		rank[p] = r
	}
	return int(r)
}

// radixDigit is the digit width of radixSort: 2^11 counters stay in L1 cache.
const radixDigit = 11

// radixSort sorts keys (of the given number of low bits) and vals with them,
// stably, least significant digit first; tmpK and tmpV are scratch of the same
// length. Each pass counts and scatters workers chunks at once (chunk c of
// digit d goes after every smaller digit and after chunks 0..c-1 of d).
func radixSort(keys []uint64, vals []int32, tmpK []uint64, tmpV []int32, nbits, workers int) {
	const buckets = 1 << radixDigit
	n := len(keys)
	if n == 0 {
		return
	}
	counts := make([][buckets]int, chunks(n, workers))
	src, srcV, dst, dstV := keys, vals, tmpK, tmpV
	for shift := 0; shift < nbits; shift += radixDigit {
		forChunks(n, workers, func(w, lo, hi int) {
			c := &counts[w]
			clear(c[:])
			for _, k := range src[lo:hi] {
				c[(k>>shift)&(buckets-1)]++
			}
		})
		same := 0
		for w := range counts {
			same += counts[w][(src[0]>>shift)&(buckets-1)]
		}
		if same == n {
			continue // every key has this digit
		}
		sum := 0
		for d := range buckets {
			for w := range counts {
				v := counts[w][d]
				counts[w][d] = sum
				sum += v
			}
		}
		forChunks(n, workers, func(w, lo, hi int) {
			c := &counts[w]
			for i, k := range src[lo:hi] {
				d := (k >> shift) & (buckets - 1)
				j := c[d]
				c[d] = j + 1
				dst[j], dstV[j] = k, srcV[lo+i]
			}
		})
		src, srcV, dst, dstV = dst, dstV, src, srcV
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
		copy(vals, srcV)
	}
}

// seedPiece is a candidate seed: the substring of n characters that starts
// every suffix in sa[lb:rb], with score count x n.
type seedPiece struct {
	score  int64
	lb, rb int32
	n      int32
}

// seedQueue keeps the candidates that may be among the size best: when it
// holds more than limit, the size-th highest score (found by selection, with
// no string comparison) becomes the floor and those below it go; ties stay
// until the end, where their strings decide (SentencePiece's
// BoundedPriorityQueue, which sorts instead).
type seedQueue struct {
	size, limit int
	floor       int64
	q           []seedPiece
	scratch     []int64
}

func (s *seedQueue) push(p seedPiece) {
	if p.score < s.floor {
		return
	}
	s.q = append(s.q, p)
	if len(s.q) > s.limit {
		s.scratch = s.scratch[:0]
		for _, c := range s.q {
			s.scratch = append(s.scratch, c.score)
		}
		s.floor = kthLargest(s.scratch, s.size)
		kept := s.q[:0]
		for _, c := range s.q {
			if c.score >= s.floor {
				kept = append(kept, c)
			}
		}
		s.q = kept
		s.limit = max(s.limit, 2*len(kept))
	}
}

// kthLargest returns the k-th largest of v (k >= 1), reordering v
// (quickselect).
func kthLargest(v []int64, k int) int64 {
	lo, hi, at := 0, len(v)-1, k-1
	for lo < hi {
		a, b, c := v[lo], v[(lo+hi)/2], v[hi]
		pivot := max(min(a, b), min(max(a, b), c))
		i, j := lo, hi
		for i <= j {
			for v[i] > pivot {
				i++
			}
			for v[j] < pivot {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		switch {
		case at <= j:
			hi = j
		case at >= i:
			lo = i
		default:
			return v[at]
		}
	}
	return v[at]
}

// seedPieces returns the best size substrings of 2 to maxLen characters
// occurring at least twice (word counts included), by count x length, then by
// string, as SentencePiece's MakeSeedSentencePieces ranks its suffix array
// nodes. Each distinct substring is one node of the tree of common prefixes
// of the sorted suffixes: an interval of suffixes with a common prefix of h
// characters, under a parent interval of depth h' < h, holds the substrings of
// h'+1 to h characters, with one count. The walk over those intervals skips
// one whose longest substring cannot enter the queue.
func seedPieces(t *uniText, x *suffixIndex, size, workers int) []seedPiece {
	if size <= 0 || len(x.sa) == 0 {
		return nil
	}
	text, sa := t.text, x.sa
	cuts := x.parts(chunks(len(sa), workers))
	found := make([][]seedPiece, len(cuts)-1)
	var wg sync.WaitGroup
	for c := range found {
		wg.Go(func() { found[c] = seedRun(t, x, size, cuts[c], cuts[c+1]) })
	}
	wg.Wait()
	all := slices.Concat(found...)
	slices.SortFunc(all, func(a, b seedPiece) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		pa, pb := int(sa[a.lb]), int(sa[b.lb])
		return slices.Compare(text[pa:pa+int(a.n)], text[pb:pb+int(b.n)])
	})
	return all[:min(len(all), size)]
}

// seedRun walks the suffixes [lo, hi) of one part and returns the candidates
// that may be among the size best.
func seedRun(t *uniText, x *suffixIndex, size, lo, hi int) []seedPiece {
	sa := x.sa
	q := &seedQueue{size: size, limit: 4 * size, q: make([]seedPiece, 0, 4*size+1), scratch: make([]int64, 0, 4*size+1)}
	emit := func(lb, rb int32, from, to int, count int64) {
		if count < 2 || to < 2 || count*int64(to) < q.floor {
			return
		}
		for l := to; l > max(from, 1); l-- {
			sc := count * int64(l)
			if sc < q.floor {
				return
			}
			q.push(seedPiece{score: sc, lb: lb, rb: rb, n: int32(l)})
		}
	}
	type frame struct {
		h  int
		lb int32
		w  int64
	}
	stack := []frame{{}}
	for i := lo; i < hi; i++ {
		p := sa[i]
		w := t.count[t.segOf[p]]
		prev, next := int(x.lcp[i]), 0
		if i+1 < len(sa) {
			next = int(x.lcp[i+1])
		}
		emit(int32(i), int32(i+1), max(prev, next), int(x.rem[p]), w)
		lb, carry := int32(i), w
		for stack[len(stack)-1].h > next {
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			f.w += carry
			emit(f.lb, int32(i+1), max(stack[len(stack)-1].h, next), f.h, f.w)
			lb, carry = f.lb, f.w
		}
		if top := &stack[len(stack)-1]; top.h < next {
			stack = append(stack, frame{h: next, lb: lb, w: carry})
		} else {
			top.w += carry
		}
	}
	return q.q
}
