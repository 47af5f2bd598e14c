package tokenize

import (
	"sort"
	"unicode/utf8"
)

// pieceTrie is a byte trie over vocabulary pieces, flattened into arrays:
// node i has its children in labels/targets[start[i]:start[i+1]] (sorted by
// label) and the piece id value[i] (-1 when no piece ends there). The root's
// children are also in a direct 256-entry table.
type pieceTrie struct {
	start   []int32
	labels  []byte
	targets []int32
	value   []int32
	root    [256]int32
}

func buildPieceTrie(pieces []string, include func(id int) bool) *pieceTrie {
	type tmpNode struct {
		kids  map[byte]int32
		value int32
	}
	nodes := []tmpNode{{kids: map[byte]int32{}, value: -1}}
	for id, p := range pieces {
		if p == "" || !include(id) {
			continue
		}
		n := int32(0)
		for i := 0; i < len(p); i++ {
			c := p[i]
			next, ok := nodes[n].kids[c]
			if !ok {
				next = int32(len(nodes))
				nodes = append(nodes, tmpNode{kids: map[byte]int32{}, value: -1})
				nodes[n].kids[c] = next
			}
			n = next
		}
		if nodes[n].value < 0 {
			nodes[n].value = int32(id)
		}
	}
	t := &pieceTrie{start: make([]int32, len(nodes)+1), value: make([]int32, len(nodes))}
	for i := range t.root {
		t.root[i] = -1
	}
	for i, nd := range nodes {
		t.start[i] = int32(len(t.labels))
		t.value[i] = nd.value
		keys := make([]int, 0, len(nd.kids))
		for c := range nd.kids {
			keys = append(keys, int(c))
		}
		sort.Ints(keys)
		for _, c := range keys {
			t.labels = append(t.labels, byte(c))
			t.targets = append(t.targets, nd.kids[byte(c)])
			if i == 0 {
				t.root[c] = nd.kids[byte(c)]
			}
		}
	}
	t.start[len(nodes)] = int32(len(t.labels))
	return t
}

func (t *pieceTrie) child(n int32, c byte) int32 {
	lo, hi := t.start[n], t.start[n+1]
	for hi-lo > 8 {
		mid := (lo + hi) / 2
		if t.labels[mid] < c {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	for end := t.start[n+1]; lo < end; lo++ {
		if t.labels[lo] == c {
			return t.targets[lo]
		}
		if t.labels[lo] > c {
			return -1
		}
	}
	return -1
}

// longest returns the id and byte length of the longest piece that is a
// prefix of b (length 0 when none is).
func (t *pieceTrie) longest(b []byte) (int32, int) {
	bestID, bestN := int32(-1), 0
	if len(b) == 0 {
		return bestID, 0
	}
	n := t.root[b[0]]
	for pos := 1; n >= 0; pos++ {
		if id := t.value[n]; id >= 0 {
			bestID, bestN = id, pos
		}
		if pos >= len(b) {
			break
		}
		n = t.child(n, b[pos])
	}
	return bestID, bestN
}

// unigramModel is Viterbi segmentation over piece scores. The same code serves
// tokenizer.json (float64 sums, runs of unknown characters fused into one
// unk) and SentencePiece (float32 sums, user-defined pieces scored
// len*max_score-0.1, unused pieces skipped).
type unigramModel struct {
	trie         *pieceTrie
	da           *daTrie
	scores       []float64
	unk          int32 // -1 when absent
	unkScore     float64
	byteFallback bool
	byteIDs      [256]int32
	userDefined  []bool // SentencePiece only
	maxScore     float32
	spm          bool
	vocab        map[string]int32 // tokenizer.json: fused unknown runs are looked up first
}

type uniNode struct {
	score float64
	start int32
	id    int32
}

func oneCharLen(c byte) int {
	switch {
	case c < 0xC0:
		return 1
	case c < 0xE0:
		return 2
	case c < 0xF0:
		return 3
	}
	return 4
}

func (m *unigramModel) encodeWord(sc *scratch, dst []int32, w []byte) []int32 {
	size := len(w)
	if size == 0 {
		return dst
	}
	if cap(sc.lattice) < size+1 {
		sc.lattice = make([]uniNode, size+1)
	}
	best := sc.lattice[:size+1]
	for i := range best {
		best[i] = uniNode{start: -1, id: -1}
	}
	for start := 0; start < size; {
		till := best[start].score
		var mblen int
		if m.spm {
			mblen = oneCharLen(w[start])
		} else {
			_, mblen = utf8.DecodeRune(w[start:])
		}
		if mblen > size-start {
			mblen = size - start
		}
		hasSingle := false
		da := m.da
		var n int32
		if da != nil {
			n = da.next(0, w[start])
		} else {
			n = m.trie.root[w[start]]
		}
		for pos := start + 1; n >= 0; {
			var id int32
			if da != nil {
				id = da.value[n]
			} else {
				id = m.trie.value[n]
			}
			if id >= 0 {
				length := pos - start
				// SentencePiece: the piece score is promoted to double (the
				// user-defined branch of its ternary is double), the sum is
				// compared in double and stored as float.
				var cand float64
				if m.spm && m.userDefined[id] {
					cand = float64(float32(length)*m.maxScore) - 0.1 + till
				} else {
					cand = m.scores[id] + till
				}
				if t := &best[pos]; t.start < 0 || cand > t.score {
					if m.spm {
						cand = float64(float32(cand))
					}
					t.score, t.start, t.id = cand, int32(start), id
				}
				if length == mblen {
					hasSingle = true
				}
			}
			if pos >= size {
				break
			}
			if da != nil {
				n = da.next(n, w[pos])
			} else {
				n = m.trie.child(n, w[pos])
			}
			pos++
		}
		if !hasSingle {
			var cand float64
			if m.spm {
				cand = float64(float32(m.unkScore) + float32(till))
			} else {
				cand = m.unkScore + till
			}
			if t := &best[start+mblen]; t.start < 0 || cand > t.score {
				t.score, t.start, t.id = cand, int32(start), m.unk
			}
		}
		start += mblen
	}
	// Backtrack into sc.path (reversed), then emit.
	path := sc.path[:0]
	for end := size; end > 0; {
		nd := best[end]
		path = append(path, uniNode{start: nd.start, id: nd.id, score: float64(end)})
		end = int(nd.start)
	}
	sc.path = path
	for i := len(path) - 1; i >= 0; i-- {
		p := path[i]
		if p.id == m.unk || p.id < 0 {
			// Fuse the run of unknown pieces, then byte-fallback or unk.
			s, e := int(p.start), int(p.score)
			for i > 0 && (path[i-1].id == m.unk || path[i-1].id < 0) {
				i--
				e = int(path[i].score)
			}
			dst = m.appendUnknown(dst, w[s:e])
			continue
		}
		dst = append(dst, p.id)
	}
	return dst
}

func (m *unigramModel) appendUnknown(dst []int32, piece []byte) []int32 {
	if m.vocab != nil {
		if id, ok := m.vocab[string(piece)]; ok {
			return append(dst, id)
		}
	}
	if m.byteFallback {
		ok := true
		for _, b := range piece {
			if m.byteIDs[b] < 0 {
				ok = false
				break
			}
		}
		if ok {
			for _, b := range piece {
				dst = append(dst, m.byteIDs[b])
			}
			return dst
		}
	}
	if m.unk >= 0 {
		dst = append(dst, m.unk)
	}
	return dst
}

// daTrie is a double array built from a pieceTrie: the child of node s by
// byte c is t = base[s]+c when check[t] == s, so a step costs two loads
// instead of a search among siblings. The Viterbi loop walks it at every
// position of the text, which is why it gets this layout.
type daTrie struct {
	base, check, value []int32
}

// buildDATrie lays pt out as a double array. Placing nodes is a first-fit
// search that can degrade on huge, dense tries; past a work budget it gives
// up and returns nil (the caller then walks pt directly).
func buildDATrie(pt *pieceTrie) *daTrie {
	if len(pt.value) > 300000 {
		return nil
	}
	d := &daTrie{}
	budget := 16*len(pt.value) + 1<<18
	// Free slots form a doubly linked list in index order, so the search for
	// a base only visits free slots.
	var next, prev []int32
	var used []bool   // base values taken
	var fails []uint8 // times a free slot failed as a base candidate
	var inList []bool
	tail := int32(-1)
	head := int32(-1)
	grow := func(to int) {
		for len(d.check) < to {
			i := int32(len(d.check))
			d.base = append(d.base, 0)
			d.check = append(d.check, -1)
			d.value = append(d.value, -1)
			used = append(used, false)
			fails = append(fails, 0)
			inList = append(inList, true)
			next = append(next, -1)
			prev = append(prev, tail)
			if tail >= 0 {
				next[tail] = i
			} else {
				head = i
			}
			tail = i
		}
	}
	take := func(i int32) {
		if !inList[i] {
			return
		}
		inList[i] = false
		if prev[i] >= 0 {
			next[prev[i]] = next[i]
		} else {
			head = next[i]
		}
		if next[i] >= 0 {
			prev[next[i]] = prev[i]
		} else {
			tail = prev[i]
		}
	}
	grow(256 + 2*len(pt.value))
	d.check[0] = 0
	take(0)
	type item struct{ src, dst int32 }
	queue := []item{{0, 0}}
	for q := 0; q < len(queue); q++ {
		it := queue[q]
		d.value[it.dst] = pt.value[it.src]
		lo, hi := pt.start[it.src], pt.start[it.src+1]
		if lo == hi {
			continue
		}
		minL := int32(pt.labels[lo])
		var b int32
		for f := head; ; {
			if f < 0 { // no free slot fits: extend the array
				f = int32(len(d.check))
				grow(int(f) + 257)
			}
			cur := f
			f = next[f]
			if budget--; budget < 0 {
				return nil
			}
			b = cur - minL
			if b < 1 || used[b] {
				continue
			}
			ok := true
			for k := lo; k < hi; k++ {
				t := int(b) + int(pt.labels[k])
				if t >= len(d.check) {
					grow(t + 257)
				}
				if d.check[t] >= 0 {
					ok = false
					break
				}
			}
			if ok {
				break
			}
			// A slot that keeps failing sits in a crowded region: stop
			// offering it (it stays free for direct child positions), which
			// keeps the build near linear.
			if fails[cur]++; fails[cur] > 8 {
				take(cur)
				fails[cur] = 0
			}
		}
		used[b] = true
		d.base[it.dst] = b
		for k := lo; k < hi; k++ {
			t := b + int32(pt.labels[k])
			d.check[t] = it.dst
			take(t)
			queue = append(queue, item{pt.targets[k], t})
		}
	}
	return d
}

// next returns the child of s by c, or -1.
func (d *daTrie) next(s int32, c byte) int32 {
	t := d.base[s] + int32(c)
	if int(t) < len(d.check) && d.check[t] == s && t != 0 {
		return t
	}
	return -1
}
