package tokenize

import (
	"encoding/binary"
	"math/bits"
	"sync"

	"github.com/zeebo/xxh3"
)

// noRank marks an absent rank: no token has these bytes.
const noRank = ^uint32(0)

// rankTable maps token byte strings to ranks and back. For rank-based BPE (tiktoken and
// the byte-level models that share its algorithm) the rank of a token is both its id and
// its merge priority: lower merges first.
//
// The bytes of every token live in one arena; rank r spans data[offs[r]:offs[r+1]], and
// an empty span means no token has rank r (ranks may have holes, e.g. p50k_base skips
// 50256, which belongs to <|endoftext|>). The lookup side is an open-addressing hash
// table with linear probing, at most half full, each slot holding 32 bits of the hash
// and the rank, so most probes touch one cache line and compare bytes only on a likely
// hit. A rankTable is immutable after build and safe for concurrent use.
type rankTable struct {
	data     []byte
	offs     []uint32
	slots    []rankSlot
	mask     uint64
	byteRank [256]uint32
	pairRank []uint32 // rank of every 2-byte string, indexed b0<<8|b1: 256 KiB
	count    int
}

// rankSlot is one hash table entry. Tokens of up to 8 bytes are compared inside the
// slot (key holds their bytes, zero-padded), so a lookup of a short string touches one
// cache line; longer tokens are compared against the arena after a tag match.
type rankSlot struct {
	key  uint64 // the token's bytes when it has at most 8, else 0
	tag  uint32 // high 24 bits of the hash, then the length (255 for longer)
	rank uint32 // noRank when the slot is empty
}

// newRankTable starts a table for about n tokens.
func newRankTable(n int) *rankTable {
	size := 1 << bits.Len(uint(2*n))
	t := &rankTable{
		data:     make([]byte, 0, 8*n),
		offs:     make([]uint32, 1, n+2),
		slots:    make([]rankSlot, size),
		mask:     uint64(size - 1),
		pairRank: make([]uint32, 1<<16),
	}
	for i := range t.pairRank {
		t.pairRank[i] = noRank
	}
	for i := range t.slots {
		t.slots[i].rank = noRank
	}
	for i := range t.byteRank {
		t.byteRank[i] = noRank
	}
	return t
}

// grow doubles the hash table when it would pass half full.
func (t *rankTable) grow() {
	old := t.slots
	t.slots = make([]rankSlot, 2*len(old))
	t.mask = uint64(len(t.slots) - 1)
	for i := range t.slots {
		t.slots[i].rank = noRank
	}
	for _, s := range old {
		if s.rank != noRank {
			t.place(t.token(s.rank), s.rank)
		}
	}
}

func (t *rankTable) place(tok []byte, r uint32) {
	h := hashBytes(tok)
	i := h & t.mask
	for t.slots[i].rank != noRank {
		i = (i + 1) & t.mask
	}
	var k uint64
	if len(tok) <= 8 {
		k = loadKey(tok)
	}
	t.slots[i] = rankSlot{key: k, tag: slotTag(h, len(tok)), rank: r}
}

func slotTag(h uint64, n int) uint32 {
	return uint32(h>>32)&^0xFF | uint32(min(n, 0xFF))
}

// add records tok (copied) with rank r. Ranks must be added in increasing order. It
// reports false when the bytes already have a rank.
func (t *rankTable) add(tok []byte, r uint32) bool {
	if _, ok := t.lookup(tok); ok {
		return false
	}
	for uint32(len(t.offs)) <= r { // holes below r
		t.offs = append(t.offs, uint32(len(t.data)))
	}
	t.data = append(t.data, tok...)
	t.offs = append(t.offs, uint32(len(t.data)))
	if 2*(t.count+1) > len(t.slots) {
		t.grow()
	}
	t.place(tok, r)
	t.count++
	switch len(tok) {
	case 1:
		t.byteRank[tok[0]] = r
	case 2:
		t.pairRank[int(tok[0])<<8|int(tok[1])] = r
	}
	return true
}

// size is one more than the largest rank.
func (t *rankTable) size() int { return len(t.offs) - 1 }

// token returns the bytes of rank r, empty when r has no token.
func (t *rankTable) token(r uint32) []byte {
	if int(r) >= len(t.offs)-1 {
		return nil
	}
	return t.data[t.offs[r]:t.offs[r+1]]
}

// lookup returns the rank of the byte string b.
func (t *rankTable) lookup(b []byte) (uint32, bool) {
	n := len(b)
	if n <= 8 {
		if n == 0 {
			return noRank, false
		}
		k := loadKey(b)
		h := mixKey(k, n)
		tag := slotTag(h, n)
		for i := h & t.mask; ; i = (i + 1) & t.mask {
			s := &t.slots[i]
			if s.tag == tag && s.key == k {
				return s.rank, true
			}
			if s.rank == noRank {
				return noRank, false
			}
		}
	}
	h := hashBytes(b)
	tag := slotTag(h, n)
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.rank == noRank {
			return noRank, false
		}
		if s.tag == tag {
			o := t.offs[s.rank : s.rank+2]
			if string(t.data[o[0]:o[1]]) == string(b) {
				return s.rank, true
			}
		}
	}
}

// rank returns the rank of b, or noRank.
func (t *rankTable) rank(b []byte) uint32 {
	if len(b) == 2 {
		return t.pairRank[int(b[0])<<8|int(b[1])]
	}
	r, _ := t.lookup(b)
	return r
}

// loadKey returns the 1 to 8 bytes of b as a little-endian integer, zero-padded. The
// two loads overlap; overlapping bytes are equal, so OR-ing them is exact.
func loadKey(b []byte) uint64 {
	n := len(b)
	switch {
	case n >= 8:
		return binary.LittleEndian.Uint64(b)
	case n >= 4:
		return uint64(binary.LittleEndian.Uint32(b)) | uint64(binary.LittleEndian.Uint32(b[n-4:]))<<(8*(n-4))
	case n > 0:
		return uint64(b[0]) | uint64(b[n>>1])<<(8*(n>>1)) | uint64(b[n-1])<<(8*(n-1))
	}
	return 0
}

// mixKey is the murmur3 finaliser over a key and its length.
func mixKey(k uint64, n int) uint64 {
	v := k ^ uint64(n)*0xC2B2AE3D27D4EB4F
	v ^= v >> 33
	v *= 0xFF51AFD7ED558CCD
	v ^= v >> 33
	v *= 0xC4CEB9FE1A85EC53
	v ^= v >> 33
	return v
}

// hashBytes hashes a token. Hand-written because it is the innermost call of the merge
// loop: keys of up to 16 bytes (nearly all of them) are read with overlapping loads and
// mixed inline, avoiding a call into a general hash; longer keys go to xxh3.
func hashBytes(b []byte) uint64 {
	n := len(b)
	switch {
	case n <= 8:
		return mixKey(loadKey(b), n)
	case n <= 16:
		a := binary.LittleEndian.Uint64(b)
		c := binary.LittleEndian.Uint64(b[n-8:])
		return mixKey(a^bits.RotateLeft64(c*0x9E3779B97F4A7C15, 31), n)
	}
	return xxh3.Hash(b)
}

// smallPiece is the longest piece merged with the quadratic scan on stack arrays; longer
// pieces use the heap-based merge, whose cost grows as n log n.
const smallPiece = 64

// encode appends to dst the ranks of piece under rank-based byte-pair merging: while
// two adjacent parts concatenate to a token, merge the pair whose concatenation has the
// lowest rank, leftmost first. It returns dst and the number of ranks; with emit false
// nothing is appended and only the count is computed. Every byte of piece must have a
// rank (true of every byte-level vocabulary).
func (t *rankTable) encode(dst []int32, piece []byte, emit bool) ([]int32, int) {
	if len(piece) == 1 {
		if emit {
			dst = append(dst, int32(t.byteRank[piece[0]]))
		}
		return dst, 1
	}
	if r, ok := t.lookup(piece); ok { // most pieces are one token
		if emit {
			dst = append(dst, int32(r))
		}
		return dst, 1
	}
	if len(piece) <= smallPiece {
		return t.mergeSmall(dst, piece, emit)
	}
	return t.mergeLarge(dst, piece, emit)
}

// mergeSmall is the quadratic merge: pieces are short, so scanning a few dozen pair
// ranks in one cache line beats a heap. State lives in stack arrays.
func (t *rankTable) mergeSmall(dst []int32, piece []byte, emit bool) ([]int32, int) {
	var (
		start [smallPiece + 1]uint8 // start[i]: first byte of part i; start[n] = len
		tok   [smallPiece]uint32    // rank of part i
		pair  [smallPiece]uint32    // rank of part i joined with part i+1
	)
	n := len(piece)
	for i := 0; i < n; i++ {
		start[i] = uint8(i)
		tok[i] = t.byteRank[piece[i]]
	}
	start[n] = uint8(n)
	for i := 0; i+1 < n; i++ {
		pair[i] = t.pairRank[int(piece[i])<<8|int(piece[i+1])]
	}
	for n > 1 {
		best, at := noRank, -1
		for i, r := range pair[:n-1] {
			if r < best {
				best, at = r, i
			}
		}
		if at < 0 {
			break
		}
		tok[at] = best
		copy(start[at+1:n], start[at+2:n+1])
		copy(tok[at+1:n-1], tok[at+2:n])
		copy(pair[at+1:n-1], pair[at+2:n])
		n--
		if at+1 < n {
			pair[at] = t.rank(piece[start[at]:start[at+2]])
		}
		if at > 0 {
			pair[at-1] = t.rank(piece[start[at-1]:start[at+1]])
		}
	}
	if emit {
		for _, r := range tok[:n] {
			dst = append(dst, int32(r))
		}
	}
	return dst, n
}

// mergeNode is one part in the linked list of mergeLarge.
type mergeNode struct {
	start, end int32  // bytes of the part
	prev, next int32  // neighbouring parts, -1 at the ends
	tok        uint32 // rank of the part
	pair       uint32 // rank of this part joined with the next, noRank if none
}

// mergeScratch is the reusable state of mergeLarge.
type mergeScratch struct {
	nodes []mergeNode
	heap  []uint64 // pair rank << 32 | start of the left part
}

var mergePool = sync.Pool{New: func() any { return new(mergeScratch) }}

// mergeLarge merges long pieces (a run of spaces, a long word, a base64 blob) with a
// linked list of parts and a binary min-heap of candidate pairs ordered by (rank, start),
// which is the same order as the quadratic scan. Stale heap entries are skipped when
// their rank no longer matches the pair at their position.
func (t *rankTable) mergeLarge(dst []int32, piece []byte, emit bool) ([]int32, int) {
	sc := mergePool.Get().(*mergeScratch)
	n := len(piece)
	if cap(sc.nodes) < n {
		sc.nodes = make([]mergeNode, n)
	}
	nodes := sc.nodes[:n]
	h := sc.heap[:0]
	for i := range nodes {
		nodes[i] = mergeNode{start: int32(i), end: int32(i + 1), prev: int32(i - 1), next: int32(i + 1), tok: t.byteRank[piece[i]], pair: noRank}
		if i+1 < n {
			if r := t.pairRank[int(piece[i])<<8|int(piece[i+1])]; r != noRank {
				nodes[i].pair = r
				h = rankHeapPush(h, uint64(r)<<32|uint64(i))
			}
		}
	}
	nodes[n-1].next = -1
	count := n
	for len(h) > 0 {
		var top uint64
		h, top = rankHeapPop(h)
		r, at := uint32(top>>32), int32(uint32(top))
		left := &nodes[at]
		if left.end < 0 || left.pair != r { // merged away, or stale
			continue
		}
		right := &nodes[left.next]
		left.tok = r
		left.end = right.end
		left.next = right.next
		right.end = -1 // dead
		if right.next >= 0 {
			nodes[right.next].prev = at
		}
		count--
		left.pair = noRank
		if left.next >= 0 {
			if pr := t.rank(piece[left.start:nodes[left.next].end]); pr != noRank {
				left.pair = pr
				h = rankHeapPush(h, uint64(pr)<<32|uint64(at))
			}
		}
		if left.prev >= 0 {
			p := &nodes[left.prev]
			p.pair = noRank
			if pr := t.rank(piece[p.start:left.end]); pr != noRank {
				p.pair = pr
				h = rankHeapPush(h, uint64(pr)<<32|uint64(left.prev))
			}
		}
	}
	if emit {
		for i := int32(0); i >= 0; i = nodes[i].next {
			dst = append(dst, int32(nodes[i].tok))
		}
	}
	sc.heap = h
	mergePool.Put(sc)
	return dst, count
}

func rankHeapPush(h []uint64, v uint64) []uint64 {
	h = append(h, v)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if h[p] <= v {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = v
	return h
}

func rankHeapPop(h []uint64) ([]uint64, uint64) {
	top := h[0]
	last := h[len(h)-1]
	h = h[:len(h)-1]
	n := len(h)
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && h[c+1] < h[c] {
			c++
		}
		if last <= h[c] {
			break
		}
		h[i] = h[c]
		i = c
	}
	if n > 0 {
		h[i] = last
	}
	return h, top
}
