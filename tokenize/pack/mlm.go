package pack

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sync"
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
	// class has one byte per id below max(vocab, len(wordStart)): bit 0 set
	// for specials, bit 1 for word starts (ids past wordStart begin words).
	// One table lookup per position serves special_tokens_mask and
	// whole-word selection.
	class     []uint8
	thrSelect uint64 // 53-bit thresholds: a draw u selects when u < thr
	thrMask   uint64
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
		thrSelect: threshold(opts.MaskProb),
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
	m.class = make([]uint8, max(m.vocab, len(toks.WordStart)))
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

// Bits of Masker.class.
const (
	classSpecial   = 1
	classWordStart = 2
)

// specialsOf sets sp[i] to 1 where ids[i] is a special id, 0 elsewhere.
func (m *Masker) specialsOf(sp []int8, ids []int32) {
	class := m.class
	sp = sp[:len(ids)]
	for i, id := range ids {
		var c uint8
		if x := int(id); uint(x) < uint(len(class)) {
			c = class[x]
		}
		sp[i] = int8(c & classSpecial)
	}
}

// maskScratch holds per-row state: the selected positions, and the words of
// whole-word capping.
type maskScratch struct {
	pos          []int32
	wStart, wLen []int32
}

// Mask masks one row in place. ids and special have the row's length (special = 1
// on [CLS], [SEP], padding and special ids, as Example.SpecialTokensMask); labels
// receives the original id at selected positions and IgnoreIndex elsewhere. It
// returns the number of selected positions.
//
// Rules, with draws u taken in order from a SplitMix64 stream seeded by a hash of
// (seed, stream, row, copy), each u being 53 bits read as u/2^53 like rand.Float64:
//   - token selection: every position of the row takes one draw, and a non-special
//     position is selected when u < mask_prob (a Bernoulli trial per position, as
//     Hugging Face's DataCollatorForLanguageModeling);
//   - whole_word: one trial per word instead, taken at its first piece; a word is a
//     piece marked as a word start and the non-starting pieces that follow it; a special
//     position ends a word and is never selected;
//   - max_predictions: when more positions are selected, a uniform subset is kept
//     (token level: selection sampling in position order; whole_word: words in a
//     shuffled order, each kept while the total stays within the cap, as BERT);
//   - then each selected position in order: u < mask_token_prob gives the mask id;
//     otherwise a second u < random_token_prob/(1-mask_token_prob) gives an id drawn
//     uniformly from the non-special ids; otherwise the id is kept.
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
	g.s += 0x9e3779b97f4a7c15
	z := g.s
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

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func (m *Masker) mask(ids, labels []int32, special []int8, stream, row, cp uint64, s *maskScratch) int {
	g := rng{s: splitmix(splitmix(splitmix(splitmix(m.seed)^stream)^row) ^ cp)}
	labels = labels[:len(ids)]
	special = special[:len(ids)]
	if m.maxPred >= 0 {
		return m.maskCapped(ids, labels, special, &g, s)
	}
	count, pos := m.selectUncapped(ids, labels, special, s, &g)
	m.replace(ids, pos, &g)
	return count
}

// maskRow writes one masked copy of a row as the Packer assembles it: src
// holds the row's ids through its [SEP] (used positions, [CLS] first); ids,
// labels and special (Example.SpecialTokensMask: every position whose id is
// special, which includes [CLS], [SEP] and the pad id) receive the whole
// row, padded with pad after used. src is only read, so every copy of a row
// masks the same ids, and ids may be the output column itself. The result is
// exactly specialsOf followed by mask on the padded row: padding positions
// are special, never selected, and take their draws in the token rule
// (skipped by advancing the SplitMix64 state, which moves by a constant per
// draw).
func (m *Masker) maskRow(src []int32, used int, ids, labels []int32, special []int8, pad int32, stream, row, cp uint64, s *maskScratch) int {
	n := len(ids)
	src, labels, special = src[:used], labels[:n], special[:n]
	tail := special[used:]
	for i := range tail {
		tail[i] = 1
	}
	fillPad(ids[used:], pad)
	if m.maxPred >= 0 {
		copy(ids, src)
		m.specialsOf(special[:used], ids[:used])
		return m.mask(ids, labels, special, stream, row, cp, s)
	}
	g := rng{s: splitmix(splitmix(splitmix(splitmix(m.seed)^stream)^row) ^ cp)}
	if cap(s.pos) < n {
		s.pos = make([]int32, n)
	}
	var count int
	var pos []int32
	if m.o.WholeWord {
		count, pos = m.selectWordsRow(src, ids, labels, special, s.pos[:n], &g)
	} else {
		count, pos = m.selectTokensRow(src, ids, labels, special, s.pos[:n], &g)
		g.s += 0x9e3779b97f4a7c15 * uint64(n-used)
	}
	fillIgnore(labels[used:])
	m.replace(ids, pos, &g)
	return count
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

// selectTokensRow is the token rule of maskRow over src (no cap): it copies
// src to ids, writes special and labels, and lists in order the positions
// whose label is not IgnoreIndex (a selected id equal to IgnoreIndex keeps
// that label and is not replaced, as in maskCapped).
//
// Hand-written, like selectWordsRow, because it runs once per token: it
// selects without branching on the draws (a 15% event mispredicts too often
// to branch on) and lists positions without branching either; one table
// lookup per id gives its special and word-start flags.
func (m *Masker) selectTokensRow(src, ids, labels []int32, special []int8, pos []int32, g *rng) (int, []int32) {
	class := m.class
	thr := m.thrSelect
	ids, labels, special = ids[:len(src)], labels[:len(src)], special[:len(src)]
	count, k := 0, 0
	for i, id := range src {
		var sp int32
		if x := int(id); uint(x) < uint(len(class)) {
			sp = int32(class[x] & classSpecial)
		}
		ids[i] = id
		special[i] = int8(sp)
		sel := int32((g.u53()-thr)>>63) & (sp - 1) // 1: selected
		lab := IgnoreIndex + sel*(id-IgnoreIndex)
		labels[i] = lab
		count += int(sel)
		pos[k] = int32(i)
		k += int(nonZero(lab - IgnoreIndex))
	}
	return count, pos[:k]
}

// selectWordsRow is the whole-word rule of maskRow: one draw at the first
// piece of every word, its outcome applied to the word's pieces. A word
// starts at a word-start piece or after a special position; special
// positions take no draw and are never selected.
//
// Hand-written without a branch per position: whether a position starts a
// word is as good as random on real text, and so is a 15% selection, so
// branching on either mispredicts often (branching code measured 1.7 times
// slower on BERT rows). The draws are made 64 at a time into a bitmap
// (drawBits), and each word start takes the next bit; the stream consumed is
// exactly one SplitMix64 draw per word, in order, as in the other kernels.
func (m *Masker) selectWordsRow(src, ids, labels []int32, special []int8, pos []int32, g *rng) (int, []int32) {
	class := m.class
	n := len(src)
	ids, labels, special = ids[:n], labels[:n], special[:n]
	copy(ids, src)
	st := g.s
	bm, left := m.drawBits(st), uint64(64) // outcomes of the next draws, lowest bit first; bits left
	var inWord, sel uint64                 // 1: the last position was a non-special piece; 1: its word is selected
	count, k := 0, 0
	for i, id := range src {
		c := uint8(classWordStart)
		if x := int(id); uint(x) < uint(len(class)) {
			c = class[x]
		}
		sp := uint64(c & classSpecial)
		start := (uint64(c>>1)&1 | (inWord ^ 1)) &^ sp // 1: a word starts here and takes a draw
		sel ^= (sel ^ (bm & 1)) & -start
		bm >>= start
		left -= start
		if left == 0 {
			st += weyl64
			bm, left = m.drawBits(st), 64
		}
		inWord = sp ^ 1
		on := int32(sel &^ sp)
		special[i] = int8(sp)
		lab := IgnoreIndex + on*(id-IgnoreIndex)
		labels[i] = lab
		count += int(on)
		pos[k] = int32(i)
		k += int(nonZero(lab - IgnoreIndex))
	}
	g.s = st + (64-left)*weyl
	return count, pos[:k]
}

// weyl is SplitMix64's increment: the state after k draws is the state
// before them plus k*weyl.
const (
	weyl   uint64 = 0x9e3779b97f4a7c15
	weyl64 uint64 = 0x8dde6e5fd29f0540 // 64*weyl mod 2^64
)

// drawBits makes the 64 selection draws that follow state s: bit k is 1 when
// draw k+1 is below the selection threshold.
func (m *Masker) drawBits(s uint64) uint64 {
	thr := m.thrSelect
	var bm uint64
	for k := range uint64(64) {
		s += weyl
		z := s
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		bm |= ((((z ^ (z >> 31)) >> 11) - thr) >> 63) << k
	}
	return bm
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

// selectUncapped selects positions of ids without max_predictions from the
// caller's special mask (Mask), writing labels, and lists in order the
// positions whose label is not IgnoreIndex (a selected id equal to
// IgnoreIndex keeps that label and is not replaced, as in maskCapped). The
// Packer's path is maskRow's kernels, which compute special from the ids.
func (m *Masker) selectUncapped(ids, labels []int32, special []int8, s *maskScratch, g *rng) (int, []int32) {
	n := len(ids)
	if cap(s.pos) < n {
		s.pos = make([]int32, n)
	}
	pos := s.pos[:n]
	labels = labels[:n]
	special = special[:n]
	if m.o.WholeWord {
		return m.selectWordsUncapped(ids, labels, special, pos, g)
	}
	thr := m.thrSelect
	count, k := 0, 0
	for i, id := range ids {
		sp := int32(nonZero(int32(special[i])))
		sel := int32((g.u53()-thr)>>63) & (sp - 1) // 1: selected
		lab := IgnoreIndex + sel*(id-IgnoreIndex)
		labels[i] = lab
		count += int(sel)
		pos[k] = int32(i)
		k += int(nonZero(lab - IgnoreIndex))
	}
	return count, pos[:k]
}

// replace applies the 80/10/10 rule to the listed positions, in order.
func (m *Masker) replace(ids []int32, pos []int32, g *rng) {
	nonSpecial := uint64(m.vocab - len(m.specials))
	for _, i := range pos {
		if g.u53() < m.thrMask {
			ids[i] = m.maskID
		} else if g.u53() < m.thrRandom {
			id := int32(g.below(nonSpecial))
			for _, sp := range m.specials {
				if sp > id {
					break
				}
				id++
			}
			ids[i] = id
		}
	}
}

// maskCapped is mask with max_predictions.
func (m *Masker) maskCapped(ids, labels []int32, special []int8, g *rng, s *maskScratch) int {
	count := 0
	if m.o.WholeWord {
		count = m.selectWords(ids, labels, special, g, s)
	} else {
		thr := m.thrSelect
		for i, id := range ids {
			sel := int32((g.u53()-thr)>>63) & (int32(special[i]) - 1) // 1: selected
			labels[i] = IgnoreIndex + sel*(id-IgnoreIndex)
			count += int(sel)
		}
		if count > m.maxPred {
			// Selection sampling (Knuth's Algorithm S): keeps a uniform subset of
			// exactly maxPred selected positions in one ordered pass.
			need, left := uint64(m.maxPred), uint64(count)
			for i := range labels {
				if labels[i] == IgnoreIndex {
					continue
				}
				if g.below(left) < need {
					need--
				} else {
					labels[i] = IgnoreIndex
				}
				left--
			}
			count = m.maxPred
		}
	}
	if count == 0 {
		return 0
	}
	pos := s.pos[:0]
	for i := range ids {
		if labels[i] != IgnoreIndex {
			pos = append(pos, int32(i))
		}
	}
	s.pos = pos
	m.replace(ids, pos, g)
	return count
}

func (m *Masker) selectWords(ids, labels []int32, special []int8, g *rng, s *maskScratch) int {
	capped := m.maxPred >= 0
	s.wStart, s.wLen = s.wStart[:0], s.wLen[:0]
	count := 0
	inWord, sel := false, false
	ws := m.wordStart
	for i, id := range ids {
		labels[i] = IgnoreIndex
		if special[i] != 0 {
			inWord = false
			continue
		}
		if !inWord || id < 0 || int(id) >= len(ws) || ws[id] {
			inWord = true
			sel = g.u53() < m.thrSelect
			if sel && capped {
				s.wStart = append(s.wStart, int32(i))
				s.wLen = append(s.wLen, 0)
			}
		}
		if sel {
			labels[i] = id
			count++
			if capped {
				s.wLen[len(s.wLen)-1]++
			}
		}
	}
	if !capped || count <= m.maxPred {
		return count
	}
	// Visit the selected words in a uniformly shuffled order (Fisher-Yates), keeping
	// each while the total stays within the cap; a kept word is marked by negating
	// its length.
	w := len(s.wStart)
	for i := w - 1; i > 0; i-- {
		j := int(g.below(uint64(i + 1)))
		s.wStart[i], s.wStart[j] = s.wStart[j], s.wStart[i]
		s.wLen[i], s.wLen[j] = s.wLen[j], s.wLen[i]
	}
	total := 0
	for i := range s.wStart {
		if l := int(s.wLen[i]); total+l <= m.maxPred {
			total += l
			s.wLen[i] = -s.wLen[i]
		}
	}
	for i, st := range s.wStart {
		if s.wLen[i] > 0 {
			for k := st; k < st+s.wLen[i]; k++ {
				labels[k] = IgnoreIndex
			}
		}
	}
	return total
}

// selectWordsUncapped is the whole-word rule of selectUncapped: one draw at
// the first piece of every word, its outcome applied to the word's pieces.
func (m *Masker) selectWordsUncapped(ids, labels []int32, special []int8, pos []int32, g *rng) (int, []int32) {
	class := m.class
	thr := m.thrSelect
	count := 0
	listed := pos[:0]
	inWord, sel := false, false
	for i, id := range ids {
		c := uint8(classWordStart)
		if x := int(id); uint(x) < uint(len(class)) {
			c = class[x]
		}
		labels[i] = IgnoreIndex
		if special[i] != 0 {
			inWord = false
			continue
		}
		if !inWord || c&classWordStart != 0 {
			inWord = true
			sel = g.u53() < thr
		}
		if sel {
			labels[i] = id
			count++
			if id != IgnoreIndex {
				listed = append(listed, int32(i))
			}
		}
	}
	return count, listed
}
