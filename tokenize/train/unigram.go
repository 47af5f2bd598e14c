package train

import (
	"cmp"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"
	"unicode/utf8"
)

// Unigram training constants, as in SentencePiece's unigram_model_trainer.cc
// and trainer_spec.proto.
const (
	unigramSeedFactor    = 10   // seed pieces per vocabulary entry (spm_train takes 1M seeds, which compress the held-out texts of testdata 3% worse at 8k)
	unigramSubIterations = 2    // EM rounds between prunings (num_sub_iterations)
	unigramShrink        = 0.75 // share of pieces a pruning keeps (shrinking_factor)
	unigramMaxPieceLen   = 16   // max_piece_length when the option is 0 (SentencePiece default)
	unigramMinExpected   = 0.5  // the M step drops pieces expected fewer times (kExpectedFrequencyThreshold)
	unigramUnkPenalty    = 10   // unknown characters score min score - 10 (kUnkPenalty)
	unigramPartitions    = 16   // fixed work split, so sums do not depend on the number of workers
)

// uniModel is the current vocabulary: seed pieces switched on or off, with
// their log probabilities.
type uniModel struct {
	pieces   []string
	single   []bool // one character
	score    []float64
	alive    []bool
	unkScore float64
}

func (m *uniModel) setUnkScore() {
	lo := math.Inf(1)
	for i, ok := range m.alive {
		if ok && m.score[i] < lo {
			lo = m.score[i]
		}
	}
	m.unkScore = lo - unigramUnkPenalty
}

// digamma is SentencePiece's approximation of the digamma function.
func digamma(x float64) float64 {
	r := 0.0
	for ; x < 7; x++ {
		r -= 1 / x
	}
	x -= 0.5
	xx := 1 / x
	xx2 := xx * xx
	xx4 := xx2 * xx2
	return r + math.Log(x) + xx2/24 - 7.0/960*xx4 + 31.0/8064*xx4*xx2 - 127.0/30720*xx4*xx4
}

// parallel runs fn over unigramPartitions fixed slices of [0, n) on the
// given number of goroutines.
func parallel(n, workers int, fn func(part, lo, hi int)) {
	var wg sync.WaitGroup
	next := make(chan int, unigramPartitions)
	for p := 0; p < unigramPartitions; p++ {
		next <- p
	}
	close(next)
	for i := 0; i < min(workers, unigramPartitions); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range next {
				fn(p, n*p/unigramPartitions, n*(p+1)/unigramPartitions)
			}
		}()
	}
	wg.Wait()
}

// unigramTrainer runs SentencePiece's Unigram training over counted words.
//
// How it runs (the rules are in doc.go; none of this changes a result):
//   - The distinct word segments are laid out as one array of character ranks
//     and their suffixes sorted (newSuffixIndex); the seeds are read off the
//     tree of common prefixes (seedPieces) and each seed's occurrences are its
//     interval of suffixes, so the lattices are built without looking a single
//     substring up (newUniLattice). This replaced a hash map of every
//     substring, which took most of the time and memory.
//   - Forward-backward runs in linear space with powers of two taken out of
//     long words (marginals): no log or exp per edge.
//   - Most seeds leave in the first M step; once a tenth of the pieces left,
//     the others are numbered densely again and the lattices rewritten
//     (renumber), so the tables of a pass fit in cache.
//   - Passes over the words run on u.workers goroutines over 16 fixed
//     partitions whose sums are added in order; the suffix sort, seed walk and
//     lattice build run in parts too, and give the same result in any number.
type unigramTrainer struct {
	o       *Options
	workers int
	maxLen  int
	lat     *uniLattice // the words cut at characters left out, with their lattices
	m       uniModel
	chars   []string // characters kept, most frequent first
	rounds  int
	tb      uniTables
	acc     [unigramPartitions][]float64 // per-partition sums, added in partition order
	bufs    [unigramPartitions]fbBuf
}

func (t *Trainer) trainUnigram(words []string, counts []int64, st Stats) (*Model, error) {
	kept := keptChars(words, counts, t.o.CharacterCoverage)
	fixed := 1 + len(t.o.SpecialTokens) + 256
	if fixed+len(kept) > t.o.VocabSize {
		return nil, fmt.Errorf("vocab_size: %d is too small for %d special and byte pieces and the %d characters that character_coverage %g keeps",
			t.o.VocabSize, fixed, len(kept), t.o.CharacterCoverage)
	}
	// Words are cut at the characters left out (they become byte pieces), and
	// equal pieces of words are counted together.
	segs := map[string]int64{}
	chars := map[rune]int64{}
	for i, w := range words {
		from := -1
		for j := 0; j <= len(w); {
			r, n := rune(-1), 1
			if j < len(w) {
				r, n = utf8.DecodeRuneInString(w[j:])
			}
			ok := j < len(w) && kept[r] && !(r == utf8.RuneError && n == 1)
			if ok {
				chars[r] += counts[i]
				if from < 0 {
					from = j
				}
			} else if from >= 0 {
				segs[w[from:j]] += counts[i]
				from = -1
			}
			j += n
		}
	}
	order := make([]string, 0, len(segs))
	for s := range segs {
		order = append(order, s)
	}
	sort.Strings(order)
	segCounts := make([]int64, len(order))
	for i, s := range order {
		segCounts[i] = segs[s]
	}
	segs = nil

	u := &unigramTrainer{o: &t.o, workers: t.o.Workers, maxLen: t.o.MaxPieceLength}
	if u.workers == 0 {
		u.workers = runtime.GOMAXPROCS(0)
	}
	if u.maxLen == 0 {
		u.maxLen = unigramMaxPieceLen
	}
	u.maxLen = min(u.maxLen, math.MaxUint16) // lattice edge counts are uint16
	if err := u.seed(order, segCounts, chars); err != nil {
		return nil, err
	}
	u.run(t.o.VocabSize)
	st.Alphabet = len(chars)
	return u.finish(st), nil
}

// seed picks the initial pieces and builds the lattices: every character
// kept, by count (highest first, ties by string), then the substrings of 2 to
// maxLen characters occurring at least twice, by count x length, up to
// unigramSeedFactor x vocab_size pieces in all; scores are log(freq) -
// log(total) as in SentencePiece's MakeSeedSentencePieces.
func (u *unigramTrainer) seed(order []string, segCounts []int64, chars map[rune]int64) error {
	text, err := newUniText(order, segCounts)
	if err != nil {
		return err
	}
	x := newSuffixIndex(text, u.maxLen, u.workers)
	type char struct {
		r rune
		c int64
	}
	byCount := make([]char, 0, len(chars))
	for r, c := range chars {
		byCount = append(byCount, char{r, c})
	}
	slices.SortFunc(byCount, func(a, b char) int {
		if c := cmp.Compare(b.c, a.c); c != 0 {
			return c
		}
		return cmp.Compare(a.r, b.r)
	})
	multi := seedPieces(text, x, unigramSeedFactor*u.o.VocabSize-len(byCount), u.workers)
	pieces := make([]string, 0, len(byCount)+len(multi))
	freq := make([]int64, 0, cap(pieces))
	charID := make([]int32, len(text.runes)+1)
	for i, c := range byCount {
		pieces, freq = append(pieces, string(c.r)), append(freq, c.c)
		r, _ := slices.BinarySearch(text.runes, c.r)
		charID[r+1] = int32(i)
	}
	for _, s := range multi {
		pieces, freq = append(pieces, text.str(int(x.sa[s.lb]), int(s.n))), append(freq, s.score)
	}
	u.chars = pieces[:len(byCount)]
	u.lat = newUniLattice(text, x, charID, multi, int32(len(byCount)), u.workers)
	var total float64
	for _, f := range freq {
		total += float64(f)
	}
	n := len(pieces)
	u.m = uniModel{pieces: pieces, single: make([]bool, n), score: make([]float64, n), alive: make([]bool, n)}
	for i := range pieces {
		u.m.single[i] = u.lat.plen[i] == 1
		u.m.score[i] = math.Log(float64(freq[i])) - math.Log(total)
		u.m.alive[i] = true
	}
	u.tb = uniTables{prob: make([]float64, n), score: make([]float64, n), plen: u.lat.plen}
	return nil
}

// tables sets the piece weights of the next pass from the model.
func (u *unigramTrainer) tables() *uniTables {
	u.m.setUnkScore()
	unk := math.Exp(u.m.unkScore)
	tb := &u.tb
	tb.alive = u.m.alive
	for id, ok := range u.m.alive {
		switch {
		case ok:
			tb.prob[id], tb.score[id] = math.Exp(u.m.score[id]), u.m.score[id]
		case u.m.single[id]:
			tb.prob[id], tb.score[id] = unk, u.m.unkScore
		default:
			tb.prob[id], tb.score[id] = 0, math.Inf(-1)
		}
	}
	tb.pack()
	return tb
}

// sums runs fn over the fixed partitions of the words, each with a cleared
// accumulator of one float64 per piece, and returns their sum, added in
// partition order so the result does not depend on the number of workers.
func (u *unigramTrainer) sums(fn func(acc []float64, lo, hi int, b *fbBuf)) []float64 {
	n := len(u.m.pieces)
	parallel(u.lat.words(), u.workers, func(p, lo, hi int) {
		if cap(u.acc[p]) < n {
			u.acc[p] = make([]float64, n)
		}
		u.acc[p] = u.acc[p][:n]
		clear(u.acc[p])
		fn(u.acc[p], lo, hi, &u.bufs[p])
	})
	sum := u.acc[0]
	for _, q := range u.acc[1:] {
		for i, x := range q {
			sum[i] += x
		}
	}
	return sum
}

func (u *unigramTrainer) alive() int {
	n := 0
	for _, ok := range u.m.alive {
		if ok {
			n++
		}
	}
	return n
}

// run alternates EM rounds and prunings until at most 1.1 x vocabSize pieces
// are left, as SentencePiece does.
func (u *unigramTrainer) run(vocabSize int) {
	desired := int(float64(vocabSize) * 1.1)
	for {
		for i := 0; i < unigramSubIterations; i++ {
			u.emStep()
			u.renumber()
		}
		u.rounds++
		if u.alive() <= desired {
			return
		}
		u.prune(desired)
		u.renumber()
	}
}

// renumber drops the pieces that left (characters stay: they stand for the
// unknown piece) once they are a tenth of all, numbering the rest densely in
// the same order, and rewrites the lattices: the tables of a pass then fit
// in cache. Order is kept, so ties resolve as before.
func (u *unigramTrainer) renumber() {
	n := len(u.m.pieces)
	remap := make([]int32, n)
	next := int32(0)
	for id := range remap {
		remap[id] = -1
		if u.m.alive[id] || u.m.single[id] {
			remap[id] = next
			next++
		}
	}
	if int(next) > n-n/10 {
		return
	}
	m, l := &u.m, u.lat
	for old, id := range remap {
		if id >= 0 {
			m.pieces[id], m.single[id], m.score[id], m.alive[id] = m.pieces[old], m.single[old], m.score[old], m.alive[old]
			l.plen[id], l.repW[id], l.repK[id] = l.plen[old], l.repW[old], l.repK[old]
		}
	}
	m.pieces, m.single, m.score, m.alive = m.pieces[:next], m.single[:next], m.score[:next], m.alive[:next]
	l.plen, l.repW, l.repK = l.plen[:next], l.repW[:next], l.repK[:next]
	u.tb.prob, u.tb.score, u.tb.plen = u.tb.prob[:next], u.tb.score[:next], l.plen
	parallel(l.words(), u.workers, func(_, lo, hi int) {
		for w := lo; w < hi; w++ {
			l.remap(w, remap)
		}
	})
}

// emStep runs one E step (expected counts by forward-backward over every
// word) and one M step (digamma(count) - digamma(total), SentencePiece's
// Bayesian EM; pieces expected fewer than 0.5 times are dropped).
func (u *unigramTrainer) emStep() {
	tb := u.tables()
	exp := u.sums(func(acc []float64, lo, hi int, b *fbBuf) {
		u.lat.marginals(tb, lo, hi, u.maxLen, acc, b)
	})
	sum := 0.0
	for i := range exp {
		if !u.m.alive[i] {
			continue
		}
		if exp[i] < unigramMinExpected {
			u.m.alive[i] = false
			continue
		}
		sum += exp[i]
	}
	logSum := digamma(sum)
	for i := range exp {
		if u.m.alive[i] {
			u.m.score[i] = digamma(exp[i]) - logSum
		}
	}
}

// prune keeps the pieces whose removal would lose the most likelihood, at
// least shrink x the current size and desired, as SentencePiece's
// PruneSentencePieces: a piece whose own best segmentation is not itself
// goes, a piece with no alternative stays, and the loss of any other is
// estimated by giving its Viterbi count to its second-best segmentation.
func (u *unigramTrainer) prune(desired int) {
	tb := u.tables()
	n := len(u.m.pieces)
	keep := make([]bool, n)
	alt := make([][]int32, n)
	parallel(n, u.workers, func(p, lo, hi int) {
		b := &u.bufs[p]
		var path []int32
		for id := lo; id < hi; id++ {
			if !u.m.alive[id] {
				continue
			}
			keep[id] = true
			if u.m.single[id] {
				continue
			}
			ids, cnt, l := u.lat.own(int32(id))
			path = viterbi(tb, ids, cnt, l, true, -1, b, path)
			if len(path) != 1 {
				keep[id] = false
				continue
			}
			path = viterbi(tb, ids, cnt, l, true, int32(id), b, path)
			for i := len(path) - 1; i >= 0; i-- {
				if a := path[i]; u.m.alive[a] {
					alt[id] = append(alt[id], a)
				} else {
					alt[id] = append(alt[id], -1) // unknown
				}
			}
		}
	})
	var vsum int64
	for _, c := range u.lat.count {
		vsum += c
	}
	sums := u.sums(func(acc []float64, lo, hi int, b *fbBuf) {
		u.lat.viterbiCounts(tb, lo, hi, acc, b)
	})
	freq := make([]int64, n)
	for i, f := range sums {
		freq[i] = int64(f)
	}
	sum := 0.0
	for _, f := range freq {
		sum += float64(f)
	}
	logSum := math.Log(sum)
	type cand struct {
		id   int
		loss float64
	}
	var cands []cand
	next := make([]bool, n)
	size := 0
	for id := 0; id < n; id++ {
		if !u.m.alive[id] || freq[id] == 0 || !keep[id] {
			continue
		}
		if len(alt[id]) == 0 {
			next[id] = true
			size++
			continue
		}
		fi := float64(freq[id])
		f := fi / float64(vsum)
		logProb := math.Log(fi) - logSum
		logSumAlt := math.Log(sum + fi*float64(len(alt[id])-1))
		logProbAlt := 0.0
		for _, a := range alt[id] {
			fa := 0.0
			if a >= 0 {
				fa = float64(freq[a])
			}
			logProbAlt += math.Log(fa+fi) - logSumAlt
		}
		cands = append(cands, cand{id, f * (logProb - logProbAlt)})
	}
	slices.SortStableFunc(cands, func(a, b cand) int { return cmp.Compare(b.loss, a.loss) })
	target := max(desired, int(unigramShrink*float64(u.alive())))
	for _, c := range cands {
		if size >= target {
			break
		}
		next[c.id] = true
		size++
	}
	u.m.alive = next
}

// finish lays out the vocabulary as spm_train does: unk_token (id 0), the
// special tokens, the 256 byte pieces, then the pieces by score, highest first
// (ties by piece). Every kept character is in it: one the pieces lost gets the
// lowest score plus 0.0001 per more frequent such character.
func (u *unigramTrainer) finish(st Stats) *Model {
	type piece struct {
		s     string
		score float64
	}
	final := map[string]float64{}
	minScore := math.Inf(1)
	for i, ok := range u.m.alive {
		if ok {
			minScore = min(minScore, u.m.score[i])
		}
	}
	penalty := 0.0
	for i, c := range u.chars {
		if u.m.alive[i] {
			final[c] = u.m.score[i]
		} else {
			final[c] = minScore + penalty
			penalty += 0.0001
		}
	}
	var rest []piece
	for i, ok := range u.m.alive {
		if ok {
			rest = append(rest, piece{u.m.pieces[i], u.m.score[i]})
		}
	}
	byScore := func(a, b piece) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.s, b.s)
	}
	slices.SortFunc(rest, byScore)
	room := u.o.VocabSize - 1 - len(u.o.SpecialTokens) - 256
	for _, p := range rest {
		if len(final) >= room {
			break
		}
		if _, ok := final[p.s]; !ok {
			final[p.s] = p.score
		}
	}
	out := make([]piece, 0, len(final))
	for s, sc := range final {
		out = append(out, piece{s, roundScore(sc)})
	}
	slices.SortFunc(out, byScore)

	m := &Model{o: *u.o, Stats: st}
	m.vocab = append(m.vocab, u.o.UnkToken)
	m.specials = append(m.specials, 0)
	for _, s := range u.o.SpecialTokens {
		m.specials = append(m.specials, int32(len(m.vocab)))
		m.vocab = append(m.vocab, s)
	}
	for b := 0; b < 256; b++ {
		m.vocab = append(m.vocab, fmt.Sprintf("<0x%02X>", b))
	}
	m.scores = make([]float64, len(m.vocab), len(m.vocab)+len(out))
	for _, p := range out {
		m.vocab = append(m.vocab, p.s)
		m.scores = append(m.scores, p.score)
	}
	m.Stats.Pieces = len(out)
	m.Stats.Rounds = u.rounds
	return m
}

// scoreQuantum is the step of written scores, 2^-12.
const scoreQuantum = 1.0 / 4096

// roundScore rounds a score to a multiple of 2^-12. Such a number has a short
// exact decimal form, so every JSON reader (serde_json's fast float parser
// included) reads the same float64, it is exact in float32 (SentencePiece's
// .model), and path sums are exact in float64: equal segmentations tie
// exactly and every implementation breaks the tie the same way.
func roundScore(x float64) float64 {
	return math.Round(x/scoreQuantum) * scoreQuantum
}
