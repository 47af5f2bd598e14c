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
// without a table lookup: an n-gram containing a word that occurs once in
// the document occurs once (TopNGramRunes), and a concatenation of at least
// 8 bytes whose first 8 bytes start at no other word boundary equals no
// other concatenation (DupNGramRunes). Such positions are neither counted
// nor remembered, which changes no result: nothing can ever match them.
type Repetition struct {
	text   string
	words  []Span
	runes  []int32  // per-word code points
	cat    []byte   // the words concatenated without separator
	catOff []int32  // offset of word i in cat; len(words)+1 entries
	pre    []uint64 // pre[i]: polynomial hash of cat[:catOff[i]]
	pow    []uint64 // pow[k] = polyBase^k
	ids    []int32  // per-word id: equal words, equal ids
	idRep  []bool   // per id: the word occurs more than once
	head   []bool   // per word: the 8 bytes of cat from it also start at another word, or fewer remain
	counts []int32  // TopNGramRunes: occurrences by first index
	grp    []int32  // TopNGramRunes: per position, the first index of its n-gram, -1 if unique
	topRep []bool   // per position, its topN-gram occurs more than once
	topN   int      // the n of topRep, 0 if none
	live   []int32  // DupNGramRunes: the positions that may repeat for liveN
	liveN  int      // 0 if live is not computed
	table  hashTable
}

// Reset prepares the n-gram signals for text split into words.
func (r *Repetition) Reset(text string, words []Span) {
	r.text = text
	r.words = words
	nw := len(words)
	// sized once, written by index: this loop sees every word.
	r.runes = grow(r.runes, nw)
	r.catOff = grow(r.catOff, nw+1)
	r.pre = grow(r.pre, nw+1)
	size := 0
	for _, w := range words {
		size += int(w.End - w.Start)
	}
	if cap(r.cat) < size {
		r.cat = make([]byte, 0, size)
	}
	cat := r.cat[:size]
	runes, catOff, pre := r.runes, r.catOff, r.pre
	pre[0] = 0
	acc := uint64(0)
	longest, o := 0, 0
	for k, w := range words {
		s := text[w.Start:w.End]
		catOff[k] = int32(o)
		d := cat[o : o+len(s)]
		o += len(s)
		hi := byte(0)
		for i := 0; i < len(s) && i < len(d); i++ {
			c := s[i]
			d[i] = c // a byte store beats a memmove call for short words
			hi |= c
			acc = acc*polyBase + uint64(c)
		}
		pre[k+1] = acc
		n := len(s)
		if hi >= utf8.RuneSelf {
			n = utf8.RuneCountInString(s)
		}
		runes[k] = int32(n)
		longest = max(longest, len(s))
	}
	catOff[nw] = int32(o)
	r.cat = cat[:o]
	r.growPow(longest)
	r.internWords()
	r.markHeads()
	r.topN, r.liveN = 0, 0
}

// internWords numbers the distinct words in order of first occurrence, so
// that n-grams of words compare as short integer sequences, and marks the
// ids of words that occur more than once.
func (r *Repetition) internWords() {
	t := &r.table
	t.reset(len(r.words))
	r.ids = r.ids[:0]
	r.idRep = r.idRep[:0]
	gen := t.gen
	cat := r.cat
	for i := range r.words {
		// words of up to 7 bytes are their own key (bytes and length);
		// longer ones a hash with the top byte 0xFF, checked byte by byte.
		a, b := int(r.catOff[i]), int(r.catOff[i+1])
		var h uint64
		short := b-a <= 7
		if short {
			if a+8 <= len(cat) {
				h = binary.LittleEndian.Uint64(cat[a:a+8]) & (1<<(8*(b-a)) - 1)
			} else {
				for k := b - 1; k >= a; k-- {
					h = h<<8 | uint64(cat[k])
				}
			}
			h |= uint64(b-a) << 56
		} else {
			h = r.catKey(i, i+1) | 0xFF<<56
		}
		s := (h * 0x9E3779B97F4A7C15 >> 32) & t.mask
		for {
			sl := &t.slots[s]
			if sl.gen != gen {
				*sl = slot{key: h, idx: int32(i), gen: gen}
				r.ids = append(r.ids, int32(len(r.idRep)))
				r.idRep = append(r.idRep, false)
				break
			}
			if sl.key == h && (short || string(cat[r.catOff[sl.idx]:r.catOff[sl.idx+1]]) == string(cat[a:b])) {
				id := r.ids[sl.idx]
				r.ids = append(r.ids, id)
				r.idRep[id] = true
				break
			}
			s = (s + 1) & t.mask
		}
	}
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

// catKey is the key of cat[catOff[i]:catOff[j]], the words i..j-1
// concatenated.
func (r *Repetition) catKey(i, j int) uint64 {
	n := int(r.catOff[j] - r.catOff[i])
	h := r.pre[j] - r.pre[i]*r.powOf(n)
	return fmix64(h + uint64(n)*0xD6E8FEB86659FD93)
}

// TopNGramRunes is datatrove's find_top_duplicate over the word n-grams
// joined by spaces: the code points of the most frequent n-gram (the first
// seen among equals) times its count. 0 when there are fewer than n words.
// Words have no spaces, so two joined n-grams are equal exactly when their
// word ids are: when the n ids fit in 64 bits the packed ids are the key
// itself, otherwise a hash of them, checked id by id.
func (r *Repetition) TopNGramRunes(n int) int {
	m := len(r.words) - n + 1
	if n <= 0 || m <= 0 {
		return 0
	}
	bits := 1
	for 1<<bits < len(r.idRep) {
		bits++
	}
	exact := n*bits <= 64
	ids, idRep := r.ids, r.idRep
	// An n-gram can repeat only if each of its words does, and, when the
	// (n-1)-grams are known, only if both of its (n-1)-grams do.
	cascade := n >= 2 && r.topN == n-1
	once := 0 // words of the window [i, i+n) that occur once
	for _, x := range ids[:n] {
		if !idRep[x] {
			once++
		}
	}
	t := &r.table
	t.reset(m)
	gen := t.gen
	if cap(r.counts) < m {
		r.counts = make([]int32, m)
		r.grp = make([]int32, m)
	}
	counts, grp := r.counts[:m], r.grp[:m]
	best, bestCount := int32(-1), int32(0)
	for i := 0; i < m; i++ {
		if i > 0 {
			if !idRep[ids[i-1]] {
				once--
			}
			if !idRep[ids[i+n-1]] {
				once++
			}
			if once > 0 || (cascade && !(r.topRep[i] && r.topRep[i+1])) {
				// unique: its count stays 1 and the first n-gram (always
				// counted) wins any tie at 1.
				grp[i] = -1
				continue
			}
		}
		var key uint64
		if exact {
			for _, x := range ids[i : i+n] {
				key = key<<bits | uint64(x)
			}
		} else {
			key = uint64(n)
			for _, x := range ids[i : i+n] {
				key = (key^uint64(x))*0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019
				key ^= key >> 31
			}
		}
		s := (key * 0x9E3779B97F4A7C15 >> 32) & t.mask
		var first int32
		for {
			sl := &t.slots[s]
			if sl.gen != gen {
				*sl = slot{key: key, idx: int32(i), gen: gen}
				first = int32(i)
				counts[i] = 0
				break
			}
			if sl.key == key && (exact || sameIDs(ids, int(sl.idx), i, n)) {
				first = sl.idx
				break
			}
			s = (s + 1) & t.mask
		}
		grp[i] = first
		counts[first]++
		if c := counts[first]; c > bestCount || (c == bestCount && first < best) {
			best, bestCount = first, c
		}
	}
	if cap(r.topRep) < m {
		r.topRep = make([]bool, m)
	}
	r.topRep = r.topRep[:m]
	for i, g := range grp {
		r.topRep[i] = g >= 0 && counts[g] >= 2
	}
	r.topN = n
	runes := n - 1
	for _, x := range r.runes[best : int(best)+n] {
		runes += int(x)
	}
	return runes * int(bestCount)
}

// grow returns s resized to n elements, reallocated only when too small.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

func sameIDs(ids []int32, i, j, n int) bool {
	for k := 0; k < n; k++ {
		if ids[i+k] != ids[j+k] {
			return false
		}
	}
	return true
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
	off, head := r.catOff, r.head
	if r.liveN == 0 || n < r.liveN {
		// the positions that may repeat for n, and so for any larger n:
		// n-grams only get longer.
		r.live = r.live[:0]
		for i := 0; i < m; i++ {
			if head[i] || off[i+n]-off[i] < 8 {
				r.live = append(r.live, int32(i))
			}
		}
		r.liveN = n
	}
	t := &r.table
	t.reset(m)
	cat := r.cat
	repeated := 0
	next := 0 // the walk's next position; the positions between are unique
	for _, p := range r.live {
		i := int(p)
		if i >= m {
			break
		}
		a, b := off[i], off[i+n]
		if i < next || (!head[i] && b-a >= 8) {
			continue // skipped by the walk, or unique (see Repetition)
		}
		h := r.catKey(i, i+n)
		s := t.home(h)
		dup := false
		for {
			sl := &t.slots[s]
			if sl.gen != t.gen {
				*sl = slot{key: h, idx: int32(i), gen: t.gen}
				break
			}
			if sl.key == h {
				j := sl.idx
				if string(cat[off[j]:off[j+int32(n)]]) == string(cat[a:b]) {
					dup = true
					break
				}
			}
			s = (s + 1) & t.mask
		}
		next = i + 1
		if dup {
			for _, x := range r.runes[i : i+n] {
				repeated += int(x)
			}
			next = i + n
		}
	}
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
