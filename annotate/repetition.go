package annotate

import (
	"encoding/binary"
	"unicode/utf8"

	"github.com/zeebo/xxh3"
)

// hashTable is an open-addressing table keyed by 64-bit keys, reused across
// documents (a Go map would be slower and, in a pool, no smaller). Where a
// key is a hash, equal keys are not trusted: the callers compare the pieces
// themselves and probe on, so a hash collision costs time, never a wrong
// count.
type hashTable struct {
	slots []slot
	mask  uint64
	gen   uint32 // a slot is in use when its gen is the table's
}

// slot is one entry; a whole probe touches one cache line.
type slot struct {
	key uint64
	idx int32 // index of the first piece with this key
	gen uint32
}

// reset empties the table for n pieces in O(1): slots of earlier
// generations count as empty, so nothing is cleared but on wrap-around.
func (t *hashTable) reset(n int) {
	size := 16
	for size < 2*n {
		size <<= 1
	}
	if cap(t.slots) < size {
		t.slots = make([]slot, size)
		t.gen = 0
	}
	t.slots = t.slots[:size]
	t.mask = uint64(size - 1)
	t.gen++
	if t.gen == 0 {
		clear(t.slots[:cap(t.slots)])
		t.gen = 1
	}
}

func (t *hashTable) home(key uint64) uint64 { return (key ^ key>>29) & t.mask }

// polyBase is the base of the polynomial byte hash (mod 2^64) behind the
// n-gram keys: the hash of a concatenation is computable from prefix hashes
// in O(1), which is what the concatenation semantics of DupNGramRunes need.
const polyBase = 0x9E3779B97F4A7C15

// maxPowTable bounds the table of powers of polyBase; longer spans (giant
// words) compute their power by squaring.
const maxPowTable = 1 << 16

// fmix64 is MurmurHash3's finalizer: every input bit affects every output bit.
func fmix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xFF51AFD7ED558CCD
	h ^= h >> 33
	h *= 0xC4CEB9FE1A85EC53
	h ^= h >> 33
	return h
}

// Repetition computes the duplicate and n-gram signals of the Gopher
// repetition rules for one document. It keeps its scratch between calls;
// not safe for concurrent use (pool it).
//
// Most n-grams of a document are unique, and two cheap tests prove it
// without a table lookup: an n-gram one of whose (n-1)-grams occurs once in
// the document occurs once (TopNGramRunes; a word occurring once is such a
// 1-gram), and a concatenation of at least 8 bytes whose first 8 bytes
// start at no other word boundary equals no other concatenation
// (DupNGramRunes). Such positions are neither counted nor remembered, which
// changes no result: nothing can ever match them.
type Repetition struct {
	text   string
	words  []Span
	runes  []int32  // per-word code points
	cat    []byte   // the words concatenated without separator
	catOff []int32  // offset of word i in cat; len(words)+1 entries
	pre    []uint64 // pre[i]: polynomial hash of cat[:catOff[i]]
	pow    []uint64 // pow[k] = polyBase^k
	ids    []int32  // per-word id: equal words, equal ids
	idCnt  []int32  // per id: occurrences of the word
	idPos  []int32  // per id: position of its first occurrence
	head   []bool   // per word: the 8 bytes of cat from it also start at another word, or fewer remain
	gram   []int32  // per position, the id of its topN-gram, -1 if that n-gram occurs once
	gramX  []int32  // the next level's gram, being built
	gCnt   []int32  // per gram id of the level being built: occurrences
	gPos   []int32  // per gram id of the level being built: first position
	topN   int      // the n of gram, 0 if none
	topRep int      // positions of gram that are not -1
	live   []int32  // DupNGramRunes: the positions that may repeat for liveN
	liveN  int      // 0 if live is not computed
	table  hashTable
}

// Reset prepares the n-gram signals for text split into words: it copies
// the words into cat, computes the prefix hashes and code point counts,
// numbers the distinct words and marks the heads.
func (r *Repetition) Reset(text string, words []Span) {
	r.text = text
	r.words = words
	nw := len(words)
	// sized once, written by index: this loop sees every word.
	r.runes = grow(r.runes, nw)
	r.catOff = grow(r.catOff, nw+1)
	r.pre = grow(r.pre, nw+1)
	r.ids = grow(r.ids, nw)
	size := 0
	for _, w := range words {
		size += int(w.End - w.Start)
	}
	// 8 bytes of slack: short words are stored 8 bytes at a time.
	if cap(r.cat) < size+8 {
		r.cat = make([]byte, 0, size+8)
	}
	cat := r.cat[:size+8]
	runes, catOff, pre, ids := r.runes[:nw], r.catOff[:nw+1], r.pre[:nw+1], r.ids[:nw]
	pre[0] = 0
	acc := uint64(0)
	o := 0
	for k, w := range words {
		s := text[w.Start:w.End]
		ln := len(s)
		catOff[k] = int32(o)
		a := o
		o += ln
		n := ln
		if ln <= 8 && int(w.Start)+8 <= len(text) {
			// the common short word in one load and one store; the hash
			// still takes its bytes one by one (the n-gram keys need a
			// hash of the bytes whatever the word boundaries).
			x := load64(text, int(w.Start)) & (1<<(8*ln) - 1)
			binary.LittleEndian.PutUint64(cat[a:a+8], x)
			y := x
			for j := 0; j < ln; j++ {
				acc = acc*polyBase + y&0xFF
				y >>= 8
			}
			if x&0x8080808080808080 != 0 {
				n = utf8.RuneCountInString(s)
			}
		} else {
			d := cat[a : a+ln]
			hi := byte(0)
			for i := 0; i < len(s) && i < len(d); i++ {
				c := s[i]
				d[i] = c
				hi |= c
				acc = acc*polyBase + uint64(c)
			}
			if hi >= utf8.RuneSelf {
				n = utf8.RuneCountInString(s)
			}
		}
		pre[k+1] = acc
		runes[k] = int32(n)
	}
	catOff[nw] = int32(o)
	r.internWords(cat, catOff, pre, ids)
	r.cat = cat[:o]
	r.markHeads()
	r.topN, r.liveN = 0, 0
}

// internWords numbers the distinct words in order of first occurrence (so
// that n-grams of words compare as integer sequences) and counts the
// occurrences of each. cat has 8 bytes of slack.
func (r *Repetition) internWords(cat []byte, catOff []int32, pre []uint64, ids []int32) {
	idCnt, idPos := r.idCnt[:0], r.idPos[:0]
	t := &r.table
	t.reset(len(ids))
	gen, mask, slots := t.gen, t.mask, t.slots
	for k := range ids {
		a, b := int(catOff[k]), int(catOff[k+1])
		ln := b - a
		// words of up to 7 bytes are their own key (bytes and length);
		// longer ones a hash with the top byte 0xFF, checked byte by byte.
		var h uint64
		short := ln <= 7
		if short {
			h = binary.LittleEndian.Uint64(cat[a:a+8])&(1<<(8*ln)-1) | uint64(ln)<<56
		} else {
			h = catKey(pre[k], pre[k+1], r.powN(ln), ln) | 0xFF<<56
		}
		sl := (h * 0x9E3779B97F4A7C15 >> 32) & mask
		for {
			e := &slots[sl]
			if e.gen != gen {
				*e = slot{key: h, idx: int32(k), gen: gen}
				ids[k] = int32(len(idCnt))
				idCnt = append(idCnt, 1)
				idPos = append(idPos, int32(k))
				break
			}
			if e.key == h {
				j := e.idx
				if short || string(cat[catOff[j]:catOff[j+1]]) == string(cat[a:b]) {
					id := ids[j]
					ids[k] = id
					idCnt[id]++
					break
				}
			}
			sl = (sl + 1) & mask
		}
	}
	r.idCnt, r.idPos = idCnt, idPos
}

// markHeads sets head[i] when the 8 bytes of cat from word i also start at
// another word boundary, or fewer than 8 bytes remain.
func (r *Repetition) markHeads() {
	n := len(r.words)
	if cap(r.head) < n {
		r.head = make([]bool, n)
	}
	r.head = r.head[:n]
	t := &r.table
	t.reset(n)
	gen := t.gen
	cat := r.cat
	for i := 0; i < n; i++ {
		o := int(r.catOff[i])
		if o+8 > len(cat) {
			r.head[i] = true
			continue
		}
		r.head[i] = false
		k := binary.LittleEndian.Uint64(cat[o : o+8])
		s := (k * 0x9E3779B97F4A7C15 >> 32) & t.mask
		for {
			sl := &t.slots[s]
			if sl.gen != gen {
				*sl = slot{key: k, idx: int32(i), gen: gen}
				break
			}
			if sl.key == k {
				r.head[sl.idx] = true
				r.head[i] = true
				break
			}
			s = (s + 1) & t.mask
		}
	}
}

// growPow extends the power table to cover n (up to maxPowTable).
func (r *Repetition) growPow(n int) {
	n = min(n, maxPowTable-1)
	if len(r.pow) == 0 {
		r.pow = append(r.pow, 1)
	}
	for len(r.pow) <= n {
		r.pow = append(r.pow, r.pow[len(r.pow)-1]*polyBase)
	}
}

func (r *Repetition) powOf(n int) uint64 {
	if n < len(r.pow) {
		return r.pow[n]
	}
	if n < maxPowTable {
		r.growPow(n)
		return r.pow[n]
	}
	p, b := uint64(1), uint64(polyBase)
	for ; n > 0; n >>= 1 {
		if n&1 != 0 {
			p *= b
		}
		b *= b
	}
	return p
}

// catKey is the key of the n bytes of cat between two word boundaries
// whose prefix hashes are preA and preB, with pw = polyBase^n.
func catKey(preA, preB, pw uint64, n int) uint64 {
	return fmix64(preB - preA*pw + uint64(n)*0xD6E8FEB86659FD93)
}

// powN is polyBase^n.
func (r *Repetition) powN(n int) uint64 {
	if n < len(r.pow) {
		return r.pow[n]
	}
	return r.powOf(n)
}

// TopNGramRunes is datatrove's find_top_duplicate over the word n-grams
// joined by spaces: the code points of the most frequent n-gram (the first
// seen among equals) times its count. 0 when there are fewer than n words.
// Words have no spaces, so two joined n-grams are equal exactly when their
// words are.
//
// The n-grams are numbered level by level: an n-gram is its (n-1)-gram's
// number and its last word's id, an exact 64-bit key, and it can occur
// twice only if both of its (n-1)-grams do. n-grams that occur once get no
// number (-1) and are never looked up again, so each level costs a lookup
// only for the positions still repeating. Calls for n = 2, 3, 4 in turn
// build one level each.
func (r *Repetition) TopNGramRunes(n int) int {
	nw := len(r.words)
	m := nw - n + 1
	if n <= 0 || m <= 0 {
		return 0
	}
	if n == 1 {
		best := 0
		for id, c := range r.idCnt {
			if c > r.idCnt[best] {
				best = id
			}
		}
		return r.ngramRunes(int(r.idPos[best]), 1) * int(r.idCnt[best])
	}
	if r.topN == 0 || r.topN >= n {
		r.gram = grow(r.gram, nw)
		rep := 0
		for i, x := range r.ids {
			if r.idCnt[x] >= 2 {
				r.gram[i] = x
				rep++
			} else {
				r.gram[i] = -1
			}
		}
		r.topN, r.topRep = 1, rep
	}
	var pos, count int
	for r.topN < n {
		pos, count = r.nextGrams()
	}
	return r.ngramRunes(pos, n) * count
}

// nextGrams numbers the (topN+1)-grams from the topN-grams and returns the
// first position of the most frequent one and its count.
func (r *Repetition) nextGrams() (pos, count int) {
	n := r.topN + 1
	m := len(r.words) - n + 1
	// the (n-1)-grams at i and i+1, and the last word of the n-gram at i;
	// all of length m, so that the loop has no bound checks.
	prev0, prev1 := r.gram[:m], r.gram[1:m+1]
	cur := grow(r.gramX, m)[:m]
	last := r.ids[n-1 : n-1+m]
	t := &r.table
	t.reset(r.topRep)
	gen, mask, slots := t.gen, t.mask, t.slots
	gCnt, gPos := r.gCnt[:0], r.gPos[:0]
	best, bestCount := int32(-1), int32(0)
	for i := range cur {
		a, b := prev0[i], prev1[i]
		if a < 0 || b < 0 {
			cur[i] = -1 // one of its (n-1)-grams occurs once
			continue
		}
		key := uint64(a)<<32 | uint64(uint32(last[i]))
		s := (key * 0x9E3779B97F4A7C15 >> 32) & mask
		var id int32
		for {
			sl := &slots[s]
			if sl.gen != gen {
				id = int32(len(gCnt))
				*sl = slot{key: key, idx: id, gen: gen}
				gCnt = append(gCnt, 0)
				gPos = append(gPos, int32(i))
				break
			}
			if sl.key == key {
				id = sl.idx
				break
			}
			s = (s + 1) & mask
		}
		cur[i] = id
		gCnt[id]++
		// ids grow with the first position: the smaller wins a tie.
		if c := gCnt[id]; c > bestCount || (c == bestCount && id < best) {
			best, bestCount = id, c
		}
	}
	rep := 0
	for i, id := range cur {
		if id >= 0 {
			if gCnt[id] < 2 {
				cur[i] = -1
			} else {
				rep++
			}
		}
	}
	r.gram, r.gramX = cur, r.gram
	r.gCnt, r.gPos = gCnt, gPos
	r.topN, r.topRep = n, rep
	if bestCount < 2 {
		return 0, 1 // all occur once: the first n-gram
	}
	return int(gPos[best]), int(bestCount)
}

// ngramRunes is the code points of the n words from position p joined by
// single spaces.
func (r *Repetition) ngramRunes(p, n int) int {
	runes := n - 1
	for _, x := range r.runes[p : p+n] {
		runes += int(x)
	}
	return runes
}

// grow returns s resized to n elements, reallocated only when too small.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// DupNGramRunes is datatrove's find_all_duplicate: walking the word
// positions, an n-gram (its words concatenated WITHOUT separator) already
// seen adds its code points and skips n words; otherwise it is recorded and
// the walk moves one word.
func (r *Repetition) DupNGramRunes(n int) int {
	m := len(r.words) - n + 1
	if n <= 0 || m <= 0 {
		return 0
	}
	if r.liveN == 0 || n < r.liveN {
		// the positions that may repeat for n, and so for any larger n:
		// n-grams only get longer.
		off, head := r.catOff, r.head
		r.live = r.live[:0]
		for i := 0; i < m; i++ {
			if head[i] || off[i+n]-off[i] < 8 {
				r.live = append(r.live, int32(i))
			}
		}
	}
	// offsets and prefix hashes of the n-grams' first and last words, sliced
	// so that one bound check covers the loop.
	off0, offN := r.catOff[:m], r.catOff[n:n+m]
	pre0, preN := r.pre[:m], r.pre[n:n+m]
	head := r.head[:m]
	live := r.live
	t := &r.table
	t.reset(len(live))
	gen, mask, slots := t.gen, t.mask, t.slots
	cat := r.cat
	repeated := 0
	next := 0 // the walk's next position; the positions between are unique
	kept := 0 // live positions that may still repeat for n, and larger n
	for _, p := range live {
		i := int(p)
		if uint(i) >= uint(m) {
			break
		}
		a, b := off0[i], offN[i]
		if !head[i] && b-a >= 8 {
			continue // unique (see Repetition), for any larger n too
		}
		live[kept] = p
		kept++
		if i < next {
			continue // skipped by the walk
		}
		ln := int(b - a)
		h := catKey(pre0[i], preN[i], r.powN(ln), ln)
		s := (h ^ h>>29) & mask
		dup := false
		for {
			sl := &slots[s]
			if sl.gen != gen {
				*sl = slot{key: h, idx: int32(i), gen: gen}
				break
			}
			if sl.key == h {
				if j := sl.idx; string(cat[off0[j]:offN[j]]) == string(cat[a:b]) {
					dup = true
					break
				}
			}
			s = (s + 1) & mask
		}
		next = i + 1
		if dup {
			for _, x := range r.runes[i : i+n] {
				repeated += int(x)
			}
			next = i + n
		}
	}
	r.live = live[:kept]
	r.liveN = n
	return repeated
}

// Duplicates is datatrove's find_duplicates over pieces of text: the number
// of pieces equal to an earlier piece and their total code points.
func (r *Repetition) Duplicates(text string, pieces []Span) (dups, dupRunes int) {
	t := &r.table
	t.reset(len(pieces))
	for i, p := range pieces {
		str := text[p.Start:p.End]
		h := xxh3.HashString(str)
		s := t.home(h)
		for {
			sl := &t.slots[s]
			if sl.gen != t.gen {
				*sl = slot{key: h, idx: int32(i), gen: t.gen}
				break
			}
			if sl.key == h && pieces[sl.idx].Of(text) == str {
				dups++
				dupRunes += RuneLen(str)
				break
			}
			s = (s + 1) & t.mask
		}
	}
	return dups, dupRunes
}
