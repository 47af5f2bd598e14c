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
	unigramSeedFactor    = 10   // seed pieces per vocabulary entry (spm_train takes 1M seeds; the corpus bound is the point)
	unigramSubIterations = 2    // EM rounds between prunings (num_sub_iterations)
	unigramShrink        = 0.75 // share of pieces a pruning keeps (shrinking_factor)
	unigramMaxPieceLen   = 16   // max_piece_length when the option is 0 (SentencePiece default)
	unigramMinExpected   = 0.5  // the M step drops pieces expected fewer times (kExpectedFrequencyThreshold)
	unigramUnkPenalty    = 10   // unknown characters score min score - 10 (kUnkPenalty)
	unigramPartitions    = 16   // fixed work split, so sums do not depend on the number of workers
)

// uniCorpus holds the words to train on, each with the lattice of every seed
// piece it contains: edge e spans characters [start[e], end[e]) of its word
// and names seed id[e]. Pieces only leave the vocabulary during training, so
// the lattices are built once and pieces are switched off with alive.
type uniCorpus struct {
	n     []int32 // characters per word
	count []int64
	off   []int // edges of word w: off[w] to off[w+1], ordered by start, then end
	start []int32
	end   []int32
	id    []int32
}

func (c *uniCorpus) words() int { return len(c.n) }

// addWord appends the lattice of s (its seed substrings up to maxLen characters).
func (c *uniCorpus) addWord(s string, count int64, seeds map[string]int32, maxLen int, offs []int) []int {
	offs = offs[:0]
	for i := range s {
		offs = append(offs, i)
	}
	offs = append(offs, len(s))
	n := len(offs) - 1
	if len(c.off) == 0 {
		c.off = append(c.off, 0)
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j <= n && j-i <= maxLen; j++ {
			if id, ok := seeds[s[offs[i]:offs[j]]]; ok {
				c.start = append(c.start, int32(i))
				c.end = append(c.end, int32(j))
				c.id = append(c.id, id)
			}
		}
	}
	c.n = append(c.n, int32(n))
	c.count = append(c.count, count)
	c.off = append(c.off, len(c.id))
	return offs
}

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

// edgeScore is the score of edge e, and false when its piece is off. A single
// character that is off stands for the unknown piece, as in SentencePiece's
// lattice (an unknown node where no one-character piece starts).
func (c *uniCorpus) edgeScore(m *uniModel, e int) (float64, bool) {
	id := c.id[e]
	if m.alive[id] {
		return m.score[id], true
	}
	if c.end[e]-c.start[e] == 1 {
		return m.unkScore, true
	}
	return 0, false
}

// logSumExp is SentencePiece's LogSumExp with -Inf as the empty value.
func logSumExp(x, y float64) float64 {
	if math.IsInf(x, -1) {
		return y
	}
	lo, hi := min(x, y), max(x, y)
	if hi > lo+50 {
		return hi
	}
	return hi + math.Log(math.Exp(lo-hi)+1)
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

// marginals adds to exp the expected count of each piece in words [lo, hi):
// the forward-backward marginal of its edges times the word count.
func (c *uniCorpus) marginals(m *uniModel, lo, hi int, exp []float64, buf []float64) []float64 {
	inf := math.Inf(-1)
	for w := lo; w < hi; w++ {
		n := int(c.n[w])
		if cap(buf) < 2*(n+1) {
			buf = make([]float64, 2*(n+1))
		}
		alpha, beta := buf[:n+1], buf[n+1:2*(n+1)]
		for i := range alpha {
			alpha[i], beta[i] = inf, inf
		}
		alpha[0], beta[n] = 0, 0
		a, b := c.off[w], c.off[w+1]
		for e := a; e < b; e++ {
			if sc, ok := c.edgeScore(m, e); ok && !math.IsInf(alpha[c.start[e]], -1) {
				alpha[c.end[e]] = logSumExp(alpha[c.end[e]], alpha[c.start[e]]+sc)
			}
		}
		for e := b - 1; e >= a; e-- {
			if sc, ok := c.edgeScore(m, e); ok && !math.IsInf(beta[c.end[e]], -1) {
				beta[c.start[e]] = logSumExp(beta[c.start[e]], sc+beta[c.end[e]])
			}
		}
		z := alpha[n]
		cnt := float64(c.count[w])
		for e := a; e < b; e++ {
			id := c.id[e]
			if !m.alive[id] {
				continue
			}
			if p := alpha[c.start[e]] + m.score[id] + beta[c.end[e]] - z; p > -700 {
				exp[id] += cnt * math.Exp(p)
			}
		}
	}
	return buf
}

// viterbi returns the best path through word w (edge indices, last first) in
// path; skip is an edge left out, or -1.
func (c *uniCorpus) viterbi(m *uniModel, w int, skip int, best []float64, back []int, path []int) ([]float64, []int, []int) {
	n := int(c.n[w])
	if cap(best) < n+1 {
		best = make([]float64, n+1)
		back = make([]int, n+1)
	}
	best, back = best[:n+1], back[:n+1]
	for i := range best {
		best[i], back[i] = math.Inf(-1), -1
	}
	best[0] = 0
	for e := c.off[w]; e < c.off[w+1]; e++ {
		if e == skip || math.IsInf(best[c.start[e]], -1) {
			continue
		}
		sc, ok := c.edgeScore(m, e)
		if !ok {
			continue
		}
		if v := best[c.start[e]] + sc; v > best[c.end[e]] {
			best[c.end[e]], back[c.end[e]] = v, e
		}
	}
	path = path[:0]
	for i := n; i > 0; {
		e := back[i]
		if e < 0 {
			return best, back, path[:0]
		}
		path = append(path, e)
		i = int(c.start[e])
	}
	return best, back, path
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
type unigramTrainer struct {
	o       *Options
	workers int
	maxLen  int
	words   uniCorpus // the words cut at characters left out
	own     uniCorpus // each seed piece as a word, for pruning
	m       uniModel
	chars   []string // characters kept, most frequent first
	rounds  int
}

// seeds picks the initial pieces: every character kept, then the substrings
// of up to maxLen characters occurring at least twice, by frequency times
// length, up to size pieces in all; scores are log(freq) - log(total) as in
// SentencePiece's MakeSeedSentencePieces.
func seeds(words []string, counts []int64, chars map[rune]int64, maxLen, size int) ([]string, []int64) {
	freq := map[string]int64{}
	var offs []int
	for w, s := range words {
		offs = offs[:0]
		for i := range s {
			offs = append(offs, i)
		}
		offs = append(offs, len(s))
		n := len(offs) - 1
		for i := 0; i < n; i++ {
			for j := i + 2; j <= n && j-i <= maxLen; j++ {
				freq[s[offs[i]:offs[j]]] += counts[w]
			}
		}
	}
	type cand struct {
		s     string
		score int64
	}
	var cands []cand
	for s, f := range freq {
		if f >= 2 {
			cands = append(cands, cand{s, f * int64(utf8.RuneCountInString(s))})
		}
	}
	sortCands := func(cs []cand) {
		slices.SortFunc(cs, func(a, b cand) int {
			if c := cmp.Compare(b.score, a.score); c != 0 {
				return c
			}
			return cmp.Compare(a.s, b.s)
		})
	}
	sortCands(cands)
	single := make([]cand, 0, len(chars))
	for r, f := range chars {
		single = append(single, cand{string(r), f})
	}
	sortCands(single)
	out := make([]string, 0, size)
	scores := make([]int64, 0, size)
	for _, c := range single {
		out, scores = append(out, c.s), append(scores, c.score)
	}
	for _, c := range cands {
		if len(out) >= size {
			break
		}
		out, scores = append(out, c.s), append(scores, c.score)
	}
	return out, scores
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

	u := &unigramTrainer{o: &t.o, workers: t.o.Workers, maxLen: t.o.MaxPieceLength}
	if u.workers == 0 {
		u.workers = runtime.GOMAXPROCS(0)
	}
	if u.maxLen == 0 {
		u.maxLen = unigramMaxPieceLen
	}
	pieces, freq := seeds(order, segCounts, chars, u.maxLen, unigramSeedFactor*t.o.VocabSize)
	u.chars = pieces[:len(chars)]
	ids := make(map[string]int32, len(pieces))
	var total float64
	for i, p := range pieces {
		ids[p] = int32(i)
		total += float64(freq[i])
	}
	u.m = uniModel{pieces: pieces, single: make([]bool, len(pieces)), score: make([]float64, len(pieces)), alive: make([]bool, len(pieces))}
	for i, p := range pieces {
		u.m.single[i] = utf8.RuneCountInString(p) == 1
		u.m.score[i] = math.Log(float64(freq[i])) - math.Log(total)
		u.m.alive[i] = true
	}
	var offs []int
	for i, s := range order {
		offs = u.words.addWord(s, segCounts[i], ids, u.maxLen, offs)
	}
	for _, p := range pieces {
		offs = u.own.addWord(p, 1, ids, u.maxLen, offs)
	}
	u.run(t.o.VocabSize)
	st.Alphabet = len(chars)
	return u.finish(st), nil
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
		}
		u.rounds++
		if u.alive() <= desired {
			return
		}
		u.prune(desired)
	}
}

// emStep runs one E step (expected counts by forward-backward over every
// word) and one M step (digamma(count) - digamma(total), SentencePiece's
// Bayesian EM; pieces expected fewer than 0.5 times are dropped).
func (u *unigramTrainer) emStep() {
	u.m.setUnkScore()
	n := len(u.m.pieces)
	parts := make([][]float64, unigramPartitions)
	parallel(u.words.words(), u.workers, func(p, lo, hi int) {
		parts[p] = make([]float64, n)
		u.words.marginals(&u.m, lo, hi, parts[p], nil)
	})
	exp := parts[0]
	for _, q := range parts[1:] {
		for i, x := range q {
			exp[i] += x
		}
	}
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
	u.m.setUnkScore()
	n := len(u.m.pieces)
	keep := make([]bool, n)
	alt := make([][]int32, n)
	var best []float64
	var back, path []int
	for id := 0; id < n; id++ {
		if !u.m.alive[id] {
			continue
		}
		keep[id] = true
		if u.m.single[id] {
			continue
		}
		best, back, path = u.own.viterbi(&u.m, id, -1, best, back, path)
		if len(path) != 1 {
			keep[id] = false
			continue
		}
		best, back, path = u.own.viterbi(&u.m, id, path[0], best, back, path)
		for i := len(path) - 1; i >= 0; i-- {
			e := path[i]
			if u.m.alive[u.own.id[e]] {
				alt[id] = append(alt[id], u.own.id[e])
			} else {
				alt[id] = append(alt[id], -1) // unknown
			}
		}
	}
	parts := make([][]int64, unigramPartitions)
	var vsum int64
	for _, c := range u.words.count {
		vsum += c
	}
	parallel(u.words.words(), u.workers, func(p, lo, hi int) {
		f := make([]int64, n)
		var best []float64
		var back, path []int
		for w := lo; w < hi; w++ {
			best, back, path = u.words.viterbi(&u.m, w, -1, best, back, path)
			for _, e := range path {
				if id := u.words.id[e]; u.m.alive[id] {
					f[id] += u.words.count[w]
				}
			}
		}
		parts[p] = f
	})
	freq := parts[0]
	for _, q := range parts[1:] {
		for i, x := range q {
			freq[i] += x
		}
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
