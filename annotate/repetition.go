package annotate

import (
	"github.com/zeebo/xxh3"
)

// hashTable is an open-addressing set/counter keyed by 64-bit hashes, reused
// across documents (a Go map would be slower and, in a pool, no smaller).
type hashTable struct {
	keys  []uint64
	idx   []int32 // first index + 1; 0 = empty slot
	count []int32
	mask  uint64
}

func (t *hashTable) reset(n int) {
	size := 16
	for size < 2*n {
		size <<= 1
	}
	if cap(t.keys) >= size {
		t.keys = t.keys[:size]
		t.idx = t.idx[:size]
		t.count = t.count[:size]
		clear(t.idx)
	} else {
		t.keys = make([]uint64, size)
		t.idx = make([]int32, size)
		t.count = make([]int32, size)
	}
	t.mask = uint64(size - 1)
}

// slot returns the slot of key and whether it was present.
func (t *hashTable) slot(key uint64) (int, bool) {
	i := (key ^ key>>29) & t.mask
	for {
		if t.idx[i] == 0 {
			return int(i), false
		}
		if t.keys[i] == key {
			return int(i), true
		}
		i = (i + 1) & t.mask
	}
}

// Repetition computes the duplicate and n-gram signals of the Gopher
// repetition rules for one document. It keeps its scratch between calls;
// not safe for concurrent use (pool it).
type Repetition struct {
	text   string
	words  []Span
	wh     []uint64 // per-word hash
	runes  []int32  // per-word code points
	cat    []byte   // the words concatenated without separator
	catOff []int32  // offset of word i in cat; len(words)+1 entries
	table  hashTable
}

// Reset prepares the n-gram signals for text split into words.
func (r *Repetition) Reset(text string, words []Span) {
	r.text = text
	r.words = words
	r.wh = r.wh[:0]
	r.runes = r.runes[:0]
	r.cat = r.cat[:0]
	r.catOff = r.catOff[:0]
	for _, w := range words {
		s := text[w.Start:w.End]
		r.wh = append(r.wh, xxh3.HashString(s))
		r.runes = append(r.runes, int32(RuneLen(s)))
		r.catOff = append(r.catOff, int32(len(r.cat)))
		r.cat = append(r.cat, s...)
	}
	r.catOff = append(r.catOff, int32(len(r.cat)))
}

// TopNGramRunes is datatrove's find_top_duplicate over the word n-grams
// joined by spaces: the code points of the most frequent n-gram (the first
// seen among equals) times its count. 0 when there are fewer than n words.
func (r *Repetition) TopNGramRunes(n int) int {
	m := len(r.words) - n + 1
	if n <= 0 || m <= 0 {
		return 0
	}
	t := &r.table
	t.reset(m)
	best, bestCount := int32(-1), int32(0)
	for i := 0; i < m; i++ {
		h := uint64(n)
		for _, x := range r.wh[i : i+n] {
			h = (h^x)*0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019
			h ^= h >> 31
		}
		s, ok := t.slot(h)
		if !ok {
			t.keys[s] = h
			t.idx[s] = int32(i) + 1
			t.count[s] = 0
		}
		t.count[s]++
		c, first := t.count[s], t.idx[s]-1
		if c > bestCount || (c == bestCount && first < best) {
			best, bestCount = first, c
		}
	}
	runes := n - 1
	for _, x := range r.runes[best : int(best)+n] {
		runes += int(x)
	}
	return runes * int(bestCount)
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
	t := &r.table
	t.reset(m)
	cat := r.cat
	repeated := 0
	for i := 0; i < m; {
		a, b := r.catOff[i], r.catOff[i+n]
		h := xxh3.Hash(cat[a:b])
		s, ok := t.slot(h)
		if ok {
			j := t.idx[s] - 1
			ja, jb := r.catOff[j], r.catOff[j+int32(n)]
			if string(cat[ja:jb]) == string(cat[a:b]) {
				for _, x := range r.runes[i : i+n] {
					repeated += int(x)
				}
				i += n
				continue
			}
			// a 64-bit collision between different n-grams: count as new.
		} else {
			t.keys[s] = h
			t.idx[s] = int32(i) + 1
		}
		i++
	}
	return repeated
}

// Duplicates is datatrove's find_duplicates over pieces of text: the number
// of pieces equal to an earlier piece and their total code points.
func (r *Repetition) Duplicates(text string, pieces []Span) (dups, dupRunes int) {
	t := &r.table
	t.reset(len(pieces))
	for i, p := range pieces {
		s := text[p.Start:p.End]
		h := xxh3.HashString(s)
		slot, ok := t.slot(h)
		if ok && pieces[t.idx[slot]-1].Of(text) == s {
			dups++
			dupRunes += RuneLen(s)
			continue
		}
		if !ok {
			t.keys[slot] = h
			t.idx[slot] = int32(i) + 1
		}
	}
	return dups, dupRunes
}
