package train

// bpeLearner learns BPE merges from counted words. Symbols are int32 ids: the
// initial alphabet takes ids 0..n-1 in code point order of the characters that
// spell it (as Hugging Face's BpeTrainer numbers them) and each merge that makes
// a new token takes the next id.
//
// It keeps, for every adjacent symbol pair, its count over all words (every
// window, overlapping ones included) and the list of words it occurs in; a
// max-heap indexed by pair gives the most frequent pair, ties going to the
// smallest (left id, right id). A merge rewrites only the words on the pair's
// list and adjusts the counts of the pairs around each occurrence, so the cost
// of a merge is proportional to the occurrences it touches, not to the corpus.
type bpeLearner struct {
	// words
	syms   []int32 // symbols of all words, word w at syms[start[w]:start[w]+size[w]]
	start  []int32
	size   []int32
	count  []int64
	stamp  []int32 // merge step that last rewrote the word
	tokLen []int32 // length of each token in initial symbols
	maxLen int32   // 0 = unlimited

	// pairs
	index  map[uint64]int32
	left   []int32
	right  []int32
	pcount []int64
	where  [][]int32 // words holding the pair (may list a word twice; stale entries are skipped)
	heap   []int32   // pair indices
	hpos   []int32   // position in heap, -1 when absent
	delta  []int64   // count changes of this step, applied one pair at a time so the heap is fixed with one misplaced pair at a time
	dirty  []int32   // pairs with a delta
	isDirt []bool
}

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// newBPELearner takes the words already spelt in initial symbol ids (flat, with
// offsets) and the length of each initial symbol (1).
func newBPELearner(syms []int32, start []int32, count []int64, alphabet int, maxLen int) *bpeLearner {
	l := &bpeLearner{
		syms:   syms,
		start:  start[:len(start)-1],
		count:  count,
		maxLen: int32(maxLen),
		index:  make(map[uint64]int32, len(count)),
	}
	n := len(count)
	l.size = make([]int32, n)
	l.stamp = make([]int32, n)
	for w := 0; w < n; w++ {
		l.size[w] = start[w+1] - start[w]
	}
	l.tokLen = make([]int32, alphabet, alphabet*2)
	for i := range l.tokLen {
		l.tokLen[i] = 1
	}
	for w := 0; w < n; w++ {
		s := l.syms[l.start[w] : l.start[w]+l.size[w]]
		c := l.count[w]
		for i := 0; i+1 < len(s); i++ {
			l.add(s[i], s[i+1], c, int32(w))
		}
	}
	l.heap = make([]int32, 0, len(l.pcount))
	for _, p := range l.dirty {
		l.isDirt[p] = false
		l.pcount[p], l.delta[p] = l.delta[p], 0
		if l.pcount[p] > 0 {
			l.push(p)
		}
	}
	l.dirty = l.dirty[:0]
	return l
}

func (l *bpeLearner) eligible(a, b int32) bool {
	return l.maxLen == 0 || l.tokLen[a]+l.tokLen[b] <= l.maxLen
}

// add adds c to the count of pair (a, b) seen in word w, creating the pair.
func (l *bpeLearner) add(a, b int32, c int64, w int32) {
	if !l.eligible(a, b) {
		return
	}
	k := pairKey(a, b)
	p, ok := l.index[k]
	if !ok {
		p = int32(len(l.pcount))
		l.index[k] = p
		l.left = append(l.left, a)
		l.right = append(l.right, b)
		l.pcount = append(l.pcount, 0)
		l.delta = append(l.delta, 0)
		l.where = append(l.where, nil)
		l.hpos = append(l.hpos, -1)
		l.isDirt = append(l.isDirt, false)
	}
	l.delta[p] += c
	if ws := l.where[p]; len(ws) == 0 || ws[len(ws)-1] != w {
		l.where[p] = append(ws, w)
	}
	if !l.isDirt[p] {
		l.isDirt[p] = true
		l.dirty = append(l.dirty, p)
	}
}

// sub removes c from the count of the existing pair (a, b).
func (l *bpeLearner) sub(a, b int32, c int64) {
	if !l.eligible(a, b) {
		return
	}
	p := l.index[pairKey(a, b)]
	l.delta[p] -= c
	if !l.isDirt[p] {
		l.isDirt[p] = true
		l.dirty = append(l.dirty, p)
	}
}

// best returns the pair to merge next, or -1 when none has count >= minCount.
func (l *bpeLearner) best(minCount int64) int32 {
	if len(l.heap) == 0 {
		return -1
	}
	p := l.heap[0]
	if l.pcount[p] < minCount || l.pcount[p] <= 0 {
		return -1
	}
	return p
}

// merge replaces every occurrence of pair p by token id (left to right, so
// "aaa" becomes "(aa)a"), step being a number unique to this merge (> 0).
func (l *bpeLearner) merge(p int32, id int32, step int32) {
	a, b := l.left[p], l.right[p]
	if int(id) >= len(l.tokLen) {
		l.tokLen = append(l.tokLen, make([]int32, int(id)+1-len(l.tokLen))...)
	}
	l.tokLen[id] = l.tokLen[a] + l.tokLen[b]
	ws := l.where[p]
	l.where[p] = nil
	l.remove(p)
	for _, w := range ws {
		if l.stamp[w] == step {
			continue
		}
		l.stamp[w] = step
		s := l.syms[l.start[w] : l.start[w]+l.size[w]]
		c := l.count[w]
		n := len(s)
		j := 0
		for i := 0; i < n; {
			if i+1 < n && s[i] == a && s[i+1] == b {
				// The pairs around the occurrence change; the left neighbour
				// may be id itself, made by the previous occurrence in this word.
				if j > 0 {
					l.sub(s[j-1], a, c)
					l.add(s[j-1], id, c, w)
				}
				if i+2 < n {
					l.sub(b, s[i+2], c)
					l.add(id, s[i+2], c, w)
				}
				s[j] = id
				j++
				i += 2
				continue
			}
			s[j] = s[i]
			j++
			i++
		}
		l.size[w] = int32(j)
	}
	l.pcount[p] = 0
	l.delta[p] = 0
	for _, q := range l.dirty {
		l.isDirt[q] = false
		if q == p {
			continue
		}
		l.pcount[q] += l.delta[q]
		l.delta[q] = 0
		switch {
		case l.hpos[q] >= 0:
			l.fix(int(l.hpos[q]))
		case l.pcount[q] > 0:
			l.push(q)
		}
	}
	l.dirty = l.dirty[:0]
}

// less orders the heap: higher count first, then smaller (left, right).
func (l *bpeLearner) less(p, q int32) bool {
	if l.pcount[p] != l.pcount[q] {
		return l.pcount[p] > l.pcount[q]
	}
	if l.left[p] != l.left[q] {
		return l.left[p] < l.left[q]
	}
	return l.right[p] < l.right[q]
}

func (l *bpeLearner) push(p int32) {
	l.hpos[p] = int32(len(l.heap))
	l.heap = append(l.heap, p)
	l.up(len(l.heap) - 1)
}

func (l *bpeLearner) remove(p int32) {
	i := int(l.hpos[p])
	if i < 0 {
		return
	}
	last := len(l.heap) - 1
	if i != last {
		l.swap(i, last)
	}
	l.heap = l.heap[:last]
	l.hpos[p] = -1
	if i != last {
		l.fix(i)
	}
}

func (l *bpeLearner) fix(i int) {
	if !l.down(i) {
		l.up(i)
	}
}

func (l *bpeLearner) swap(i, j int) {
	l.heap[i], l.heap[j] = l.heap[j], l.heap[i]
	l.hpos[l.heap[i]] = int32(i)
	l.hpos[l.heap[j]] = int32(j)
}

func (l *bpeLearner) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !l.less(l.heap[j], l.heap[i]) {
			break
		}
		l.swap(i, j)
		j = i
	}
}

func (l *bpeLearner) down(i0 int) bool {
	i, n := i0, len(l.heap)
	for {
		j := 2*i + 1
		if j >= n {
			break
		}
		if r := j + 1; r < n && l.less(l.heap[r], l.heap[j]) {
			j = r
		}
		if !l.less(l.heap[j], l.heap[i]) {
			break
		}
		l.swap(i, j)
		i = j
	}
	return i > i0
}
