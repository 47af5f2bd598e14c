package pack

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sync"
	"unsafe"
)

// MLMOptions configures masked-language-model examples (BERT, RoBERTa).
type MLMOptions struct {
	MaskProb        float64 `yaml:"mask_prob" default:"0.15" doc:"probability that a non-special position (or word, with whole_word) is selected for prediction (BERT, Devlin et al. 2019)"`
	MaskTokenProb   float64 `yaml:"mask_token_prob" default:"0.8" doc:"fraction of selected positions replaced by the mask id (BERT)"`
	RandomTokenProb float64 `yaml:"random_token_prob" default:"0.1" doc:"fraction of selected positions replaced by a uniform random non-special id (BERT); the rest keep their id"`
	WholeWord       bool    `yaml:"whole_word" default:"false" doc:"select whole words: every piece of a word or none (BERT whole word masking); needs word starts from the tokenizer's pieces"`
	DupeFactor      int     `yaml:"dupe_factor" default:"1" doc:"number of differently masked copies of every row (BERT create_pretraining_data)"`
	MaxPredictions  *int    `yaml:"max_predictions" doc:"cap on selected positions per row, subsampled uniformly (BERT max_predictions_per_seq); unset = no cap"`
}

// Validate checks the MLM options; errors start with the yaml key at fault.
func (o MLMOptions) Validate() error {
	for _, f := range []struct {
		key string
		v   float64
	}{{"mask_prob", o.MaskProb}, {"mask_token_prob", o.MaskTokenProb}, {"random_token_prob", o.RandomTokenProb}} {
		if !(f.v >= 0 && f.v <= 1) {
			return fmt.Errorf("%s: must be in [0, 1], got %g", f.key, f.v)
		}
	}
	if o.MaskTokenProb+o.RandomTokenProb > 1+1e-12 {
		return fmt.Errorf("random_token_prob: mask_token_prob + random_token_prob must be <= 1, got %g", o.MaskTokenProb+o.RandomTokenProb)
	}
	if o.DupeFactor < 1 {
		return fmt.Errorf("dupe_factor: must be >= 1, got %d", o.DupeFactor)
	}
	if o.MaxPredictions != nil && *o.MaxPredictions < 0 {
		return fmt.Errorf("max_predictions: must be >= 0, got %d", *o.MaxPredictions)
	}
	return nil
}

// Masker applies BERT masking to rows. It is immutable and safe for concurrent use;
// the mask of a row depends only on (seed, stream, row, copy) and the row's ids.
type Masker struct {
	o         MLMOptions
	seed      uint64
	maskID    int32
	vocab     int
	specials  []int32 // sorted, unique, in [0, vocab)
	wordStart []bool
	// class has one byte per id below max(vocab, len(wordStart)), and a
	// last one for ids outside: bit 0 set for specials, bit 1 for word
	// starts (ids past wordStart, and outside, begin words).
	// One table lookup per position serves special_tokens_mask and
	// whole-word selection.
	class     []uint8
	thrSelect uint64 // 32-bit threshold: a selection draw u selects when u < thrSelect
	thrMask   uint64 // 53-bit thresholds
	thrRandom uint64 // conditional on not masked
	maxPred   int    // -1: no cap
	pool      sync.Pool
}

// NewMasker checks opts and toks (Mask, VocabSize, Specials; WordStart for
// whole_word) and returns a Masker.
func NewMasker(opts MLMOptions, toks Tokens, seed int64) (*Masker, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if toks.VocabSize <= 0 {
		return nil, errors.New("pack: mlm needs the vocabulary size")
	}
	for _, r := range []struct {
		role string
		id   int32
	}{{"mask", toks.Mask}, {"cls", toks.CLS}, {"sep", toks.SEP}, {"pad", toks.Pad}} {
		if r.id < 0 || int(r.id) >= toks.VocabSize {
			return nil, fmt.Errorf("pack: mlm %s id %d outside the vocabulary [0, %d)", r.role, r.id, toks.VocabSize)
		}
	}
	if opts.WholeWord && toks.WordStart == nil {
		return nil, errors.New("whole_word: needs word starts (Tokens.WordStart, see WordStarts)")
	}
	m := &Masker{
		o:         opts,
		seed:      uint64(seed),
		maskID:    toks.Mask,
		vocab:     toks.VocabSize,
		wordStart: toks.WordStart,
		thrSelect: threshold32(opts.MaskProb),
		thrMask:   threshold(opts.MaskTokenProb),
		maxPred:   -1,
	}
	if opts.MaskTokenProb < 1 {
		m.thrRandom = threshold(min(1, opts.RandomTokenProb/(1-opts.MaskTokenProb)))
	}
	if opts.MaxPredictions != nil {
		m.maxPred = *opts.MaxPredictions
	}
	sp := append([]int32{toks.Pad, toks.CLS, toks.SEP, toks.Mask}, toks.Specials...)
	slices.Sort(sp)
	sp = slices.Compact(sp)
	for _, id := range sp {
		if id >= 0 && int(id) < toks.VocabSize {
			m.specials = append(m.specials, id)
		}
	}
	if len(m.specials) >= m.vocab {
		return nil, errors.New("pack: mlm vocabulary has no non-special id to draw")
	}
	// one entry per id, and a last one that ids outside the table read
	m.class = make([]uint8, max(m.vocab, len(toks.WordStart))+1)
	for id := range m.class {
		if id >= len(toks.WordStart) || toks.WordStart[id] {
			m.class[id] = classWordStart
		}
	}
	for _, id := range m.specials {
		m.class[id] |= classSpecial
	}
	m.pool.New = func() any { return new(maskScratch) }
	return m, nil
}

// threshold turns a probability into the bound of a 53-bit uniform draw u: the event
// happens when u < threshold, i.e. when u/2^53 < p, exactly as rand.Float64() < p.
func threshold(p float64) uint64 {
	if p >= 1 {
		return 1 << 53
	}
	return uint64(math.Ceil(p * (1 << 53)))
}

// threshold32 is threshold for 32-bit selection draws: u/2^32 < p.
func threshold32(p float64) uint64 {
	if p >= 1 {
		return 1 << 32
	}
	return uint64(math.Ceil(p * (1 << 32)))
}

// Bits of Masker.class.
const (
	classSpecial   = 1
	classWordStart = 2
)

// maskScratch holds per-row state: the selected positions, and the words of
// whole-word capping.
type maskScratch struct {
	pos          []int32
	wStart, wLen []int32 // capWords: each word's index in pos and length
	order, lens  []int32 // capWords: the same, shuffled
	keep         []bool  // capWords: per entry of pos
}

// Mask masks one row in place. ids and special have the row's length (special = 1
// on [CLS], [SEP], padding and special ids, as Example.SpecialTokensMask); labels
// receives the original id at selected positions and IgnoreIndex elsewhere. It
// returns the number of selected positions.
//
// Rules, with draws taken in order from a SplitMix64 stream seeded by a hash of
// (seed, stream, row, copy):
//   - selection draws: every position of the row takes one 32-bit draw u, read as
//     u/2^32 (two per SplitMix64 output, low half first), whatever the rule;
//   - token selection: a non-special position is selected when its u < mask_prob
//     (a Bernoulli trial per position, as Hugging Face's
//     DataCollatorForLanguageModeling);
//   - whole_word: one trial per word instead, the draw of its first piece; a word
//     is a piece marked as a word start and the non-starting pieces that follow
//     it; a special position ends a word and is never selected;
//   - max_predictions: when more positions are selected, a uniform subset is kept
//     (token level: selection sampling in position order; whole_word: words in a
//     shuffled order, each kept while the total stays within the cap, as BERT);
//   - then each selected position in order, with 53-bit draws u/2^53 as
//     rand.Float64: u < mask_token_prob gives the mask id; otherwise a second
//     u < random_token_prob/(1-mask_token_prob) gives an id drawn uniformly from
//     the non-special ids; otherwise the id is kept.
func (m *Masker) Mask(ids, labels []int32, special []int8, stream, row uint64, cp int) int {
	s := m.pool.Get().(*maskScratch)
	n := m.mask(ids, labels, special, stream, row, uint64(cp), s)
	m.pool.Put(s)
	return n
}

// rng is SplitMix64 (Steele, Lea and Flood 2014; Java's SplittableRandom): a Weyl
// sequence through a 64-bit finalizer. It passes BigCrush, has no state to allocate,
// and is inlined into the masking loops, where it runs about twice as fast as PCG;
// every row gets its own stream from a hash of (seed, stream, row, copy).
type rng struct{ s uint64 }

func (g *rng) next() uint64 {
	g.s += weyl
	return mix(g.s)
}

// mix is SplitMix64's finalizer.
func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (g *rng) u53() uint64 { return g.next() >> 11 }

// below returns a uniform value in [0, n) (Lemire's multiply-shift with rejection).
func (g *rng) below(n uint64) uint64 {
	hi, lo := bits.Mul64(g.next(), n)
	if lo < n {
		t := -n % n
		for lo < t {
			hi, lo = bits.Mul64(g.next(), n)
		}
	}
	return hi
}

func splitmix(x uint64) uint64 { return mix(x + weyl) }

// weyl is SplitMix64's increment: the state after k outputs is the state
// before them plus k*weyl.
const (
	weyl   uint64 = 0x9e3779b97f4a7c15
	weyl32 uint64 = 0xc6ef372fe94f82a0 // 32*weyl mod 2^64: the outputs of a chunk's 64 draws
)

// rowRNG is the stream of one masked copy of a row.
func (m *Masker) rowRNG(stream, row, cp uint64) rng {
	return rng{s: splitmix(splitmix(splitmix(splitmix(m.seed)^stream)^row) ^ cp)}
}

// The kernels work on chunks of 64 positions held as bitmaps: one table
// lookup per id gives the chunk's special and word-start bits, and the
// selection is computed for the 64 positions at once (selectChunk). Only the
// selected positions (15%) are then visited one by one, to write their labels
// and list them. Hand-written because they run once per token, and because
// the rules as stated (a 15% draw, a word start as good as random on real
// text) make a branch per position that mispredicts often: the kernels they
// replace, serial and branch-free, measured about twice as slow on BERT rows.

// chunker carries the selection across the chunks of a row.
type chunker struct {
	st     uint64 // stream state before the chunk's draws
	prevSp uint64 // 1: the last position of the previous chunk is special (or there is none)
	carry  uint64 // 1: the last position of the previous chunk is selected
}

// selectChunk returns the selected positions of the chunk whose special
// positions are sp and word-start pieces ws (bits outside valid are 0), and
// the selected positions that begin a word (every selected position under
// the token rule), then moves c past the chunk.
//
// Whole words: the word starts are S = (ws | sp<<1 | the previous chunk's top
// special bit) &^ sp, the continuation pieces C the other non-special
// positions. G, the selected starts, is S where the draws select; a position
// is selected when it is in G, or in C with its predecessor selected. That
// recurrence is the carry chain of the addition (G|C) + G (generate G,
// propagate C), so one 64-bit add, carrying across chunks, resolves every
// word of the chunk.
func (m *Masker) selectChunk(c *chunker, sp, ws, valid uint64) (sel, gen uint64) {
	draws := m.drawBits(c.st)
	c.st += weyl32
	if !m.o.WholeWord {
		sel = draws &^ sp & valid
		return sel, sel
	}
	starts := (ws | sp<<1 | c.prevSp) &^ sp & valid
	cont := valid &^ (starts | sp)
	c.prevSp = sp >> 63
	gen = draws & starts
	x := gen | cont
	sum, carry := bits.Add64(x, gen, c.carry)
	c.carry = carry
	return (sum^x^gen)>>1 | carry<<63, gen
}

// drawBits makes the 64 selection draws that follow state s (32 outputs):
// bit k is 1 when draw k is below the selection threshold.
func (m *Masker) drawBits(s uint64) uint64 {
	thr := m.thrSelect
	var bm uint64
	// from the last output to the first, shifting bm by a constant
	s += weyl32
	for range 32 {
		z := mix(s)
		s -= weyl
		lo := (uint64(uint32(z)) - thr) >> 63
		hi := ((z >> 32) - thr) >> 63
		bm = bm<<2 | hi<<1 | lo
	}
	return bm
}

// chunkMask has the low n bits set (0 < n <= 64).
func chunkMask(n int) uint64 { return ^uint64(0) >> (64 - uint(n)) }

// chunkBits writes special for the positions of chunk (at most 64 ids) and
// returns the bitmaps of its special positions and of its word-start pieces
// (ids outside the class table start words and are not special: they read
// the table's last entry, a sentinel). Eight positions at a time: their
// class bytes are gathered into one word with constant shifts, whose bit 0
// of each byte is stored as the eight special values at once and gathered
// into eight bitmap bits by one multiplication (gatherBits), as is bit 1;
// a variable shift per position, as before, took twice the instructions.
// Not inlined: inlined into its caller's loop, its registers spilled and it
// ran 1.5 times slower.
//
//go:noinline
func (m *Masker) chunkBits(chunk []int32, special []int8) (sp, ws uint64) {
	class := m.class
	cls := func(id int32) uint64 {
		if x := int(id); uint(x) < uint(len(class)) {
			return uint64(class[x])
		}
		return classWordStart
	}
	n := len(chunk)
	special = special[:n]
	k := 0
	for ; k+8 <= n; k += 8 {
		g := chunk[k : k+8 : k+8]
		x := cls(g[0]) | cls(g[1])<<8 | cls(g[2])<<16 | cls(g[3])<<24 |
			cls(g[4])<<32 | cls(g[5])<<40 | cls(g[6])<<48 | cls(g[7])<<56
		s := x & lowBytes
		binary.LittleEndian.PutUint64(unsafe.Slice((*byte)(unsafe.Pointer(&special[k])), 8), s)
		sp |= gatherBits(s) << uint(k)
		ws |= gatherBits(x>>1&lowBytes) << uint(k)
	}
	for j := k; j < n; j++ {
		c := uint8(cls(chunk[j]))
		special[j] = int8(c & classSpecial)
		sp |= uint64(c&classSpecial) << (uint(j) & 63)
		ws |= uint64(c>>1) << (uint(j) & 63)
	}
	return sp, ws
}

// lowBytes has bit 0 of every byte set.
const lowBytes = 0x0101010101010101

// gatherBits returns the 8 bits held in bit 0 of each byte of x (x &^
// lowBytes == 0), byte i giving bit i: the multiplication shifts byte i's
// bit to position 56+i, and no partial sum carries across a byte.
func gatherBits(x uint64) uint64 { return x * 0x0102040810204080 >> 56 }

// givenBits is chunkBits for a caller's special mask (Mask): the bitmaps
// of the chunk's nonzero special values and, for whole words, of its
// word-start pieces.
//
//go:noinline
func (m *Masker) givenBits(chunk []int32, special []int8) (sp, ws uint64) {
	class := m.class
	special = special[:len(chunk)]
	for j, v := range special {
		sp |= uint64(nonZero(int32(v))) << (uint(j) & 63)
	}
	if !m.o.WholeWord {
		return sp, 0
	}
	for j, id := range chunk {
		c := uint8(classWordStart)
		if x := int(id); uint(x) < uint(len(class)) {
			c = class[x]
		}
		ws |= uint64(c>>1) << (uint(j) & 63)
	}
	return sp, ws
}

// listSelected writes the labels of the selected positions of the chunk at
// base (bits of sel) and appends to pos, from index k, those whose label is
// not IgnoreIndex; it returns the new length of pos.
func listSelected(sel uint64, base int, src, labels, pos []int32, k int) int {
	for ; sel != 0; sel &= sel - 1 {
		i := base + bits.TrailingZeros64(sel)
		id := src[i]
		labels[i] = id
		pos[k] = int32(i)
		k += int(nonZero(id - IgnoreIndex))
	}
	return k
}

// mask is Mask with its scratch.
func (m *Masker) mask(ids, labels []int32, special []int8, stream, row, cp uint64, s *maskScratch) int {
	n := len(ids)
	return m.selectRow(ids, ids, labels[:n], special[:n], true, stream, row, cp, s)
}

// maskRow writes one masked copy of a row as the Packer assembles it: src
// holds the row's ids through its [SEP] (used positions, [CLS] first); ids,
// labels and special (Example.SpecialTokensMask: every position whose id is
// special, which includes [CLS], [SEP] and the pad id) receive the whole
// row, padded with pad after used. src is only read, so every copy of a row
// masks the same ids, and ids may be the output column itself. The result is
// exactly Mask on the padded row with its special mask: padding positions
// are special, never selected, and take their draws (skipped by advancing
// the SplitMix64 state, which moves by a constant per output).
func (m *Masker) maskRow(src []int32, used int, ids, labels []int32, special []int8, pad int32, stream, row, cp uint64, s *maskScratch) int {
	n := len(ids)
	tail := special[used:n]
	for i := range tail {
		tail[i] = 1
	}
	fillPad(ids[used:], pad)
	copy(ids, src[:used])
	return m.selectRow(src[:used], ids, labels[:n], special[:n], false, stream, row, cp, s)
}

// selectRow selects positions of the row whose first len(src) ids are src
// (the rest are padding), writes labels (every position) and replaces the
// selected ids in ids, which holds the same ids as src. given: special holds
// the caller's special mask (Mask); otherwise it is written from the ids.
func (m *Masker) selectRow(src, ids, labels []int32, special []int8, given bool, stream, row, cp uint64, s *maskScratch) int {
	n, used := len(labels), len(src)
	fillIgnore(labels)
	if cap(s.pos) < n {
		s.pos = make([]int32, n)
	}
	g := m.rowRNG(stream, row, cp)
	c := chunker{st: g.s, prevSp: 1}
	g.s += uint64(n+1) / 2 * weyl
	if m.maxPred >= 0 {
		return m.capped(ids[:used], labels, special, given, &c, &g, s)
	}
	count, k := 0, 0
	for base := 0; base < used; base += 64 {
		chunk := src[base:min(base+64, used)]
		sp, ws := m.bitsOf(chunk, special[base:], given)
		sel, _ := m.selectChunk(&c, sp, ws, chunkMask(len(chunk)))
		count += bits.OnesCount64(sel)
		k = listSelected(sel, base, src, labels, s.pos, k)
	}
	m.replace(ids, s.pos[:k], &g)
	return count
}

// bitsOf is givenBits or chunkBits.
func (m *Masker) bitsOf(chunk []int32, special []int8, given bool) (sp, ws uint64) {
	if given {
		return m.givenBits(chunk, special)
	}
	return m.chunkBits(chunk, special)
}

// capped is the selection with max_predictions, over the positions of ids
// (given as in selectRow), then the replacement: it lists every
// selected position and the words they form, keeps a uniform subset within
// the cap (see Mask), and writes the labels of those kept.
func (m *Masker) capped(ids, labels []int32, special []int8, given bool, c *chunker, g *rng, s *maskScratch) int {
	n := len(ids)
	pos := s.pos[:0]
	s.wStart = s.wStart[:0]
	for base := 0; base < n; base += 64 {
		chunk := ids[base:min(base+64, n)]
		sp, ws := m.bitsOf(chunk, special[base:], given)
		sel, gen := m.selectChunk(c, sp, ws, chunkMask(len(chunk)))
		for ; sel != 0; sel &= sel - 1 {
			b := bits.TrailingZeros64(sel)
			if gen>>b&1 != 0 {
				s.wStart = append(s.wStart, int32(len(pos)))
			}
			pos = append(pos, int32(base+b))
		}
	}
	count := len(pos)
	if count > m.maxPred {
		if m.o.WholeWord {
			count = m.capWords(pos, s, g)
			pos = pos[:count]
		} else {
			// Selection sampling (Knuth's Algorithm S): keeps a uniform
			// subset of exactly maxPred positions in one ordered pass.
			need, left, k := uint64(m.maxPred), uint64(count), 0
			for _, i := range pos {
				if g.below(left) < need {
					need--
					pos[k] = i
					k++
				}
				left--
			}
			pos, count = pos[:k], k
		}
	}
	k := 0
	for _, i := range pos {
		id := ids[i]
		labels[i] = id
		pos[k] = i
		k += int(nonZero(id - IgnoreIndex))
	}
	s.pos = pos
	m.replace(ids, pos[:k], g)
	return count
}

// capWords keeps whole words of the selected positions pos (words begin at
// the indices s.wStart) within max_predictions: it visits the words in a
// uniformly shuffled order (Fisher-Yates), keeping each while the total
// stays within the cap, and leaves the kept positions, in order, at the
// front of pos. It returns their number.
func (m *Masker) capWords(pos []int32, s *maskScratch, g *rng) int {
	w := len(s.wStart)
	s.wLen = slices.Grow(s.wLen[:0], w)[:w]
	for i, st := range s.wStart {
		end := int32(len(pos))
		if i+1 < w {
			end = s.wStart[i+1]
		}
		s.wLen[i] = end - st
	}
	order, lens := append(s.order[:0], s.wStart...), append(s.lens[:0], s.wLen...)
	s.order, s.lens = order, lens
	for i := w - 1; i > 0; i-- {
		j := int(g.below(uint64(i + 1)))
		order[i], order[j] = order[j], order[i]
		lens[i], lens[j] = lens[j], lens[i]
	}
	keep := slices.Grow(s.keep[:0], len(pos))[:len(pos)]
	clear(keep)
	s.keep = keep
	total := 0
	for i, st := range order {
		if l := lens[i]; total+int(l) <= m.maxPred {
			total += int(l)
			for k := st; k < st+l; k++ {
				keep[k] = true
			}
		}
	}
	k := 0
	for i, p := range pos {
		if keep[i] {
			pos[k] = p
			k++
		}
	}
	return total
}

// fillPad sets every id to pad, doubling a filled prefix with copy.
func fillPad(ids []int32, pad int32) {
	if len(ids) == 0 {
		return
	}
	ids[0] = pad
	for k := 1; k < len(ids); k *= 2 {
		copy(ids[k:], ids[:k])
	}
}

// fillIgnore sets every label to IgnoreIndex, doubling a filled prefix with
// copy (memmove) rather than storing one value at a time.
func fillIgnore(labels []int32) {
	if len(labels) == 0 {
		return
	}
	labels[0] = IgnoreIndex
	for k := 1; k < len(labels); k *= 2 {
		copy(labels[k:], labels[:k])
	}
}

// nonZero is 1 when v != 0, else 0, without a branch.
func nonZero(v int32) uint32 { return (uint32(v) | uint32(-v)) >> 31 }

// nthNonSpecial returns the k-th id (from 0) that is not special: k + j,
// with j the number of specials below it, which is the first j whose special
// has more than k non-special ids below it (specials[j] - j > k).
func (m *Masker) nthNonSpecial(k int32) int32 {
	sp := m.specials
	lo, hi := 0, len(sp)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if sp[mid]-int32(mid) > k {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return k + int32(lo)
}

// replace applies the 80/10/10 rule to the listed positions, in order.
func (m *Masker) replace(ids []int32, pos []int32, g *rng) {
	nonSpecial := uint64(m.vocab - len(m.specials))
	for _, i := range pos {
		if g.u53() < m.thrMask {
			ids[i] = m.maskID
		} else if g.u53() < m.thrRandom {
			ids[i] = m.nthNonSpecial(int32(g.below(nonSpecial)))
		}
	}
}
