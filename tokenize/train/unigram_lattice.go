package train

import (
	"cmp"
	"math"
	"slices"
	"sync"
)

// uniLattice holds every word with the lattice of the seed pieces it contains,
// built once from the suffix index: position k of word w (text position
// pos[w]+k) starts cnt[pos[w]+k] edges, ids of pieces, by length; the edges of
// w follow one another from edge[w]. Pieces only leave the vocabulary, so
// renumbering drops the edges of pieces that left (each word is compacted in
// place; the space freed stays unused).
type uniLattice struct {
	pos   []int
	n     []int32
	count []int64
	edge  []int
	cnt   []uint16
	ids   []int32
	plen  []int32 // characters of each piece
	// a piece's own lattice is the span of its first occurrence: word repW, from character repK
	repW []int32
	repK []int32
}

func (l *uniLattice) words() int { return len(l.n) }

// newUniLattice lays out the lattices of the segments of t: the characters
// (piece ids charID[rank]) and the occurrences of the seed pieces (ids from
// first). A seed is an interval of the sorted suffixes, and those intervals
// nest, so a walk over the suffixes in order with a stack of the intervals
// holding the current one finds the seeds starting at its position, shortest
// first: one visit per position rather than one random write per edge.
func newUniLattice(t *uniText, x *suffixIndex, charID []int32, seeds []seedPiece, first int32, workers int) *uniLattice {
	nw := len(t.seg)
	l := &uniLattice{pos: t.seg, count: t.count, n: make([]int32, nw), edge: make([]int, nw+1)}
	npieces := int(first) + len(seeds)
	l.plen = make([]int32, npieces)
	l.repW = make([]int32, npieces)
	l.repK = make([]int32, npieces)
	for i := range first {
		l.plen[i] = 1
	}
	text, sa := t.text, x.sa
	nested := make([]int32, len(seeds))
	for i, s := range seeds {
		nested[i] = int32(i)
		id := first + int32(i)
		l.plen[id] = s.n
		p := int(sa[s.lb])
		w := int(t.segOf[p])
		l.repW[id], l.repK[id] = int32(w), int32(p-t.seg[w])
	}
	slices.SortFunc(nested, func(a, b int32) int {
		sa, sb := &seeds[a], &seeds[b]
		if c := cmp.Compare(sa.lb, sb.lb); c != 0 {
			return c
		}
		if c := cmp.Compare(sb.rb, sa.rb); c != 0 {
			return c
		}
		return cmp.Compare(sa.n, sb.n)
	})
	// The parts of the suffix index start with an empty stack: they are walked at once.
	cuts := x.parts(chunks(len(sa), workers))
	walk := func(fn func(p int, stack []int32)) {
		var wg sync.WaitGroup
		for c := range len(cuts) - 1 {
			wg.Go(func() {
				var stack, ends []int32
				lo, hi := cuts[c], cuts[c+1]
				j, _ := slices.BinarySearchFunc(nested, int32(lo), func(id, lb int32) int { return cmp.Compare(seeds[id].lb, lb) })
				for i := lo; i < hi; i++ {
					for len(ends) > 0 && int(ends[len(ends)-1]) <= i {
						stack, ends = stack[:len(stack)-1], ends[:len(ends)-1]
					}
					for ; j < len(nested) && int(seeds[nested[j]].lb) == i; j++ {
						stack = append(stack, first+nested[j])
						ends = append(ends, seeds[nested[j]].rb)
					}
					fn(int(sa[i]), stack)
				}
			})
		}
		wg.Wait()
	}
	l.cnt = make([]uint16, len(text))
	walk(func(p int, stack []int32) { l.cnt[p] = uint16(1 + len(stack)) })
	// rel[p]: the first edge of position p, from the start of its word.
	rel := make([]uint32, len(text))
	total := 0
	for w, p := range t.seg {
		n := 0
		off := uint32(0)
		for text[p+n] != 0 {
			rel[p+n] = off
			off += uint32(l.cnt[p+n])
			n++
		}
		l.n[w] = int32(n)
		l.edge[w] = total
		total += int(off)
	}
	l.edge[nw] = total
	l.ids = make([]int32, total)
	walk(func(p int, stack []int32) {
		e := l.edge[t.segOf[p]] + int(rel[p])
		l.ids[e] = charID[text[p]]
		copy(l.ids[e+1:], stack)
	})
	return l
}

// uniTables are the piece weights of one pass over the lattices: prob[id] is
// exp(score) for a piece in the vocabulary, exp(unknown score) for a character
// that left it (it stands for the unknown piece, as in SentencePiece's
// lattice), 0 for any other piece (its edges add nothing); score is the same
// in log space (-Inf for those pieces). pack copies them beside the lengths,
// so an edge reads one table entry.
type uniTables struct {
	prob  []float64
	score []float64
	alive []bool
	plen  []int32
	fw    []weightLen // prob and length
	vw    []weightLen // score and length
}

type weightLen struct {
	w float64
	n int
}

func (tb *uniTables) pack() {
	tb.fw, tb.vw = tb.fw[:0], tb.vw[:0]
	for id, n := range tb.plen {
		tb.fw = append(tb.fw, weightLen{tb.prob[id], int(n)})
		tb.vw = append(tb.vw, weightLen{tb.score[id], int(n)})
	}
}

// Forward-backward runs in linear space, with exact powers of two taken out
// when the values of a word grow small: a sum of products per edge instead of
// a log and an exp (the log-space version spent most of training in them).
// fbTiny is the level below which the values of the edges near a position
// are scaled back up to about 1.
const fbTiny = 0x1p-256

// fbBuf is the scratch of one worker.
type fbBuf struct {
	alpha, beta []float64
	ea          []int // scale exponent of each alpha, once a word was scaled
	best        []float64
	back        []int32
}

func (b *fbBuf) grow(n int) {
	if cap(b.alpha) < n+1 {
		b.alpha = make([]float64, n+1)
		b.beta = make([]float64, n+1)
		b.ea = make([]int, n+1)
		b.best = make([]float64, n+1)
		b.back = make([]int32, n+1)
	}
}

// rescale multiplies v by the power of two that brings its largest value to
// [0.5, 1) when that value is below fbTiny, and returns the exponent used.
func rescale(v []float64) int {
	m := 0.0
	for _, x := range v {
		m = max(m, x)
	}
	if m == 0 || m >= fbTiny {
		return 0
	}
	_, e := math.Frexp(m)
	for i := range v {
		v[i] = math.Ldexp(v[i], -e)
	}
	return -e
}

// marginals adds to exp the expected count of each piece in words [lo, hi):
// the forward-backward marginal of its edges times the word count. Expected
// counts of characters standing for the unknown piece are added too; the M
// step ignores them. Edges of pieces with prob 0 add 0: renumber drops them.
func (l *uniLattice) marginals(tb *uniTables, lo, hi, maxLen int, exp []float64, b *fbBuf) {
	fw, ids := tb.fw, l.ids
	for w := lo; w < hi; w++ {
		n := int(l.n[w])
		b.grow(n)
		cnt := l.cnt[l.pos[w] : l.pos[w]+n]
		alpha := b.alpha[:n+1]
		clear(alpha)
		alpha[0] = 1
		ea, e := b.ea[:n+1], 0
		r := l.edge[w]
		for k, c := range cnt {
			ak := alpha[k]
			if ak < fbTiny {
				e += rescale(alpha[k:min(n+1, k+maxLen)])
				ak = alpha[k]
			}
			ea[k] = e
			for _, id := range ids[r : r+int(c)] {
				x := fw[id]
				alpha[k+x.n] += ak * x.w
			}
			r += int(c)
		}
		ea[n] = e
		z := alpha[n]
		if !(z > 0) || math.IsInf(z, 0) {
			continue // unreachable: a character always has an edge of positive weight
		}
		scale := float64(l.count[w]) / z
		beta := b.beta[:n+1]
		clear(beta)
		beta[n] = 1
		f := 0
		for k := n - 1; k >= 0; k-- {
			c := int(cnt[k])
			r -= c
			ak := alpha[k] * scale
			if ea[n] != 0 || f != 0 { // scaled: e only grows
				ak = math.Ldexp(ak, ea[n]-ea[k]-f)
			}
			bk := 0.0
			for _, id := range ids[r : r+c] {
				x := fw[id]
				t := x.w * beta[k+x.n]
				bk += t
				exp[id] += ak * t
			}
			beta[k] = bk
			if bk < fbTiny {
				f += rescale(beta[k:min(n+1, k+maxLen+1)])
			}
		}
	}
}

// viterbi returns the best path through the edges ids[r:] of a span of n
// positions with edge counts cnt, as piece ids, last first, in path. With
// within, edges leaving the span are skipped; an edge of piece skip at the
// first position too. It returns nil when no path exists.
func viterbi(tb *uniTables, ids []int32, cnt []uint16, n int, within bool, skip int32, b *fbBuf, path []int32) []int32 {
	b.grow(n)
	best, back := b.best[:n+1], b.back[:n+1]
	for i := range best {
		best[i], back[i] = math.Inf(-1), -1
	}
	best[0] = 0
	r := 0
	for k := 0; k < n; k++ {
		c := int(cnt[k])
		bk := best[k]
		for _, id := range ids[r : r+c] {
			x := tb.vw[id]
			j := k + x.n
			if (within && j > n) || (k == 0 && id == skip) {
				continue
			}
			if v := bk + x.w; v > best[j] { // never for a score of -Inf
				best[j], back[j] = v, id
			}
		}
		r += c
	}
	path = path[:0]
	for i := n; i > 0; {
		id := back[i]
		if id < 0 {
			return nil
		}
		path = append(path, id)
		i -= int(tb.plen[id])
	}
	return path
}

// viterbiCounts adds each word count of words [lo, hi) to the pieces of its
// best segmentation in the vocabulary (as float64: exact below 2^53).
func (l *uniLattice) viterbiCounts(tb *uniTables, lo, hi int, freq []float64, b *fbBuf) {
	var path []int32
	for w := lo; w < hi; w++ {
		n := int(l.n[w])
		cnt := l.cnt[l.pos[w] : l.pos[w]+n]
		path = viterbi(tb, l.ids[l.edge[w]:], cnt, n, false, -1, b, path)
		for _, id := range path {
			if tb.alive[id] {
				freq[id] += float64(l.count[w])
			}
		}
	}
}

// remap renumbers the edges of word w by remap, dropping those mapped to -1.
func (l *uniLattice) remap(w int, remap []int32) {
	n := int(l.n[w])
	cnt := l.cnt[l.pos[w] : l.pos[w]+n]
	r, wr := l.edge[w], l.edge[w]
	for k := 0; k < n; k++ {
		c := int(cnt[k])
		nc := 0
		for _, id := range l.ids[r : r+c] {
			if id = remap[id]; id >= 0 {
				l.ids[wr+nc] = id
				nc++
			}
		}
		r += c
		wr += nc
		cnt[k] = uint16(nc)
	}
}

// own returns the edges and edge counts of the span of piece id's first
// occurrence, its own lattice (all pieces inside it, and more that leave it).
func (l *uniLattice) own(id int32) ([]int32, []uint16, int) {
	w := int(l.repW[id])
	cnt := l.cnt[l.pos[w]:]
	e := l.edge[w]
	for k := 0; k < int(l.repK[id]); k++ {
		e += int(cnt[k])
	}
	return l.ids[e:], cnt[l.repK[id]:], int(l.plen[id])
}
