package tokenize

import (
	"fmt"
	"unicode/utf8"
)

// bpeModel is the tokenizer.json BPE model: a word is split into characters
// (with continuing_subword_prefix / end_of_word_suffix applied), unknown
// characters go to byte-fallback pieces or the unk token, then adjacent pairs
// are merged lowest merge rank first (leftmost on ties) until none applies.
type bpeModel struct {
	vocab        map[string]int32
	merges       map[uint64]bpeMerge
	unk          int32 // -1 when there is no unk token
	fuseUnk      bool
	byteFallback bool
	ignoreMerges bool
	prefix       string
	suffix       string
	byteIDs      [256]int32 // id of "<0xXX>", -1 when absent

	// raw: words arrive as raw bytes (the ByteLevel mapping was skipped);
	// byteSym holds the id of each byte's stand-in character and rawVocab
	// the vocabulary spelt in raw bytes (for ignore_merges).
	raw      bool
	byteSym  [256]int32
	rawVocab map[string]int32
}

func (m *bpeModel) enableRaw() {
	m.raw = true
	for b := range m.byteSym {
		m.byteSym[b] = -1
		if id, ok := m.vocab[byteLevelEnc[b]]; ok {
			m.byteSym[b] = id
		}
	}
	m.rawVocab = make(map[string]int32, len(m.vocab))
	var buf []byte
	for tok, id := range m.vocab {
		buf = buf[:0]
		ok := true
		for _, r := range tok {
			if r < 0 || int(r) >= len(byteLevelDec) || byteLevelDec[r] < 0 {
				ok = false
				break
			}
			buf = append(buf, byte(byteLevelDec[r]))
		}
		if ok {
			m.rawVocab[string(buf)] = id
		}
	}
}

type bpeMerge struct{ rank, id int32 }

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

type bpeSym struct {
	id         int32
	prev, next int32
	n          int32 // byte length; 0 once merged away
}

type bpeItem struct{ rank, pos, id int32 }

func newBPEModel(vocab map[string]int32, merges [][2]string, unk string, prefix, suffix string) (*bpeModel, error) {
	m := &bpeModel{vocab: vocab, merges: make(map[uint64]bpeMerge, len(merges)), unk: -1, prefix: prefix, suffix: suffix}
	if unk != "" {
		id, ok := vocab[unk]
		if !ok {
			return nil, fmt.Errorf("unk_token %q is not in the vocabulary", unk)
		}
		m.unk = id
	}
	for i := range m.byteIDs {
		m.byteIDs[i] = -1
		if id, ok := vocab[fmt.Sprintf("<0x%02X>", i)]; ok {
			m.byteIDs[i] = id
		}
	}
	for rank, mg := range merges {
		a, ok1 := vocab[mg[0]]
		b, ok2 := vocab[mg[1]]
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("merge %q %q: token not in the vocabulary", mg[0], mg[1])
		}
		right := mg[1]
		if len(prefix) > 0 {
			if len(right) < len(prefix) {
				return nil, fmt.Errorf("merge %q %q: shorter than continuing_subword_prefix", mg[0], mg[1])
			}
			right = right[len(prefix):]
		}
		id, ok := vocab[mg[0]+right]
		if !ok {
			return nil, fmt.Errorf("merge %q %q: result %q not in the vocabulary", mg[0], mg[1], mg[0]+right)
		}
		m.merges[pairKey(a, b)] = bpeMerge{int32(rank), id}
	}
	return m, nil
}

func (m *bpeModel) encodeWord(sc *scratch, dst []int32, w []byte) []int32 {
	if len(w) == 0 {
		return dst
	}
	if m.ignoreMerges {
		vocab := m.vocab
		if m.raw {
			vocab = m.rawVocab
		}
		if id, ok := vocab[string(w)]; ok {
			return append(dst, id)
		}
	}
	if ids, ok := sc.cache.get(w); ok {
		return append(dst, ids...)
	}
	start := len(dst)
	dst = m.mergeWord(sc, dst, w)
	sc.cache.put(w, dst[start:])
	return dst
}

func (m *bpeModel) addSym(sc *scratch, id int32, n int) {
	k := int32(len(sc.syms))
	sc.syms = append(sc.syms, bpeSym{id: id, prev: k - 1, next: k + 1, n: int32(n)})
}

func (m *bpeModel) mergeWord(sc *scratch, dst []int32, w []byte) []int32 {
	sc.syms = sc.syms[:0]
	unkID, unkLen := int32(-1), 0
	if m.raw {
		for _, b := range w {
			if id := m.byteSym[b]; id >= 0 {
				if unkID >= 0 {
					m.addSym(sc, unkID, unkLen)
					unkID = -1
				}
				m.addSym(sc, id, 1)
				continue
			}
			if m.unk >= 0 {
				switch {
				case unkID >= 0 && m.fuseUnk:
					unkLen++
				case unkID >= 0:
					m.addSym(sc, unkID, unkLen)
					unkID, unkLen = m.unk, 1
				default:
					unkID, unkLen = m.unk, 1
				}
			}
		}
	}
	for i := 0; i < len(w) && !m.raw; {
		_, n := utf8.DecodeRune(w[i:])
		isFirst, isLast := i == 0, i+n == len(w)
		key := w[i : i+n]
		if (!isFirst && m.prefix != "") || (isLast && m.suffix != "") {
			sc.key = sc.key[:0]
			if !isFirst {
				sc.key = append(sc.key, m.prefix...)
			}
			sc.key = append(sc.key, key...)
			if isLast {
				sc.key = append(sc.key, m.suffix...)
			}
			key = sc.key
		}
		i += n
		if id, ok := m.vocab[string(key)]; ok {
			if unkID >= 0 {
				m.addSym(sc, unkID, unkLen)
				unkID = -1
			}
			m.addSym(sc, id, n)
			continue
		}
		if m.byteFallback {
			all := true
			for _, b := range key {
				if m.byteIDs[b] < 0 {
					all = false
					break
				}
			}
			if all {
				for _, b := range key {
					m.addSym(sc, m.byteIDs[b], 1)
				}
				continue
			}
		}
		if m.unk >= 0 {
			switch {
			case unkID >= 0 && m.fuseUnk:
				unkLen += n
			case unkID >= 0:
				m.addSym(sc, unkID, unkLen)
				unkID, unkLen = m.unk, n
			default:
				unkID, unkLen = m.unk, n
			}
		}
	}
	if unkID >= 0 {
		m.addSym(sc, unkID, unkLen)
	}
	syms := sc.syms
	if len(syms) == 0 {
		return dst
	}
	syms[len(syms)-1].next = -1
	if len(syms) > 1 && len(m.merges) > 0 {
		m.mergeAll(sc)
	}
	for i := 0; i >= 0 && i < len(syms); i = int(syms[i].next) {
		dst = append(dst, syms[i].id)
	}
	return dst
}

// mergeAll applies merges with a binary heap ordered by (rank, position), so
// a long word costs O(n log n) rather than a rescan per merge.
func (m *bpeModel) mergeAll(sc *scratch) {
	syms := sc.syms
	h := sc.heap[:0]
	for i := 0; i+1 < len(syms); i++ {
		if mg, ok := m.merges[pairKey(syms[i].id, syms[i+1].id)]; ok {
			h = heapPush(h, bpeItem{mg.rank, int32(i), mg.id})
		}
	}
	for len(h) > 0 {
		var top bpeItem
		top, h = heapPop(h)
		cur := &syms[top.pos]
		if cur.n == 0 || cur.next < 0 {
			continue
		}
		right := syms[cur.next]
		if mg, ok := m.merges[pairKey(cur.id, right.id)]; !ok || mg.id != top.id {
			continue
		}
		cur.id = top.id
		cur.n += right.n
		syms[cur.next].n = 0
		cur.next = right.next
		if right.next >= 0 {
			syms[right.next].prev = top.pos
		}
		if cur.prev >= 0 {
			if mg, ok := m.merges[pairKey(syms[cur.prev].id, cur.id)]; ok {
				h = heapPush(h, bpeItem{mg.rank, cur.prev, mg.id})
			}
		}
		if cur.next >= 0 {
			if mg, ok := m.merges[pairKey(cur.id, syms[cur.next].id)]; ok {
				h = heapPush(h, bpeItem{mg.rank, top.pos, mg.id})
			}
		}
	}
	sc.heap = h
}

func itemLess(a, b bpeItem) bool {
	if a.rank != b.rank {
		return a.rank < b.rank
	}
	return a.pos < b.pos
}

func heapPush(h []bpeItem, it bpeItem) []bpeItem {
	h = append(h, it)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !itemLess(h[i], h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	return h
}

func heapPop(h []bpeItem) (bpeItem, []bpeItem) {
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	i := 0
	for {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		c := l
		if r := l + 1; r < len(h) && itemLess(h[r], h[l]) {
			c = r
		}
		if !itemLess(h[c], h[i]) {
			break
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
	return top, h
}
