package train

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"unicode/utf8"
)

// Trainer learns a tokenizer from documents given to Add. It is safe for
// concurrent use: Add may be called from many goroutines, then Train once.
type Trainer struct {
	o       Options
	c       *counter
	sample  *sampler
	mu      sync.Mutex
	trained bool
	docs    int64
	bytes   int64
}

// New checks the options and makes a Trainer.
func New(opts Options) (*Trainer, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	o := opts
	o.SpecialTokens = slices.Clone(opts.SpecialTokens)
	var sp splitter
	switch {
	case o.ByteFallback:
		sp = metaspace{}
	case o.PreTokenizer == "gpt2":
		sp = gpt2Splitter{}
	default:
		r, err := newRegexSplitter(patternOf(o.PreTokenizer))
		if err != nil {
			return nil, fmt.Errorf("pre_tokenizer: %v", err)
		}
		sp = r
	}
	t := &Trainer{o: o, c: newCounter(&o, sp)}
	docs, bytes, _ := ParseSample(o.Sample)
	if docs > 0 || bytes > 0 {
		t.sample = &sampler{maxDocs: docs, maxBytes: bytes, rng: rand.New(rand.NewPCG(uint64(o.Seed), 0x9e3779b97f4a7c15))}
	}
	return t, nil
}

// Add gives the trainer one document. Only word counts are kept, so memory grows
// with the number of distinct words, not with the text (a document sample keeps
// its documents until Train).
func (t *Trainer) Add(text string) {
	t.mu.Lock()
	if t.trained {
		t.mu.Unlock()
		panic("train: Add after Train")
	}
	t.docs++
	t.bytes += int64(len(text))
	t.mu.Unlock()
	if t.sample != nil && !t.sample.take(text) {
		return
	}
	t.c.add(text)
}

// Stats describe what a Trainer saw and learned.
type Stats struct {
	Docs     int64 // documents given to Add
	Bytes    int64 // their bytes
	Words    int   // distinct words counted
	Alphabet int   // initial symbols: 256 bytes, or the characters kept
	Merges   int   // merges learned (bpe)
	Pieces   int   // pieces besides unk, special tokens and byte pieces (unigram)
	Rounds   int   // EM rounds, each followed by a pruning but the last (unigram)
}

// Train learns the vocabulary from the words counted so far. It may be called
// once; later calls to Add panic.
func (t *Trainer) Train() (*Model, error) {
	t.mu.Lock()
	if t.trained {
		t.mu.Unlock()
		return nil, errors.New("train: Train called twice")
	}
	t.trained = true
	t.mu.Unlock()
	if t.sample != nil {
		for _, d := range t.sample.docs {
			t.c.add(d)
		}
		t.sample.docs = nil
	}
	t.c.finish()
	words, counts := t.c.words()
	st := Stats{Docs: t.docs, Bytes: t.bytes, Words: len(words)}
	if t.o.Model == "unigram" {
		return t.trainUnigram(words, counts, st)
	}
	if t.o.ByteFallback {
		return t.trainFallback(words, counts, st)
	}
	return t.trainByteLevel(words, counts, st)
}

func (t *Trainer) trainByteLevel(words []string, counts []int64, st Stats) (*Model, error) {
	total := 0
	for _, w := range words {
		total += len(w)
	}
	syms := make([]int32, 0, total)
	start := make([]int32, 0, len(words)+1)
	for _, w := range words {
		start = append(start, int32(len(syms)))
		for i := 0; i < len(w); i++ {
			syms = append(syms, byteRank[w[i]])
		}
	}
	start = append(start, int32(len(syms)))
	tokens := make([]string, 256, t.o.VocabSize)
	for r := 0; r < 256; r++ {
		tokens[r] = string(rankByte[r : r+1])
	}
	st.Alphabet = 256
	target := t.o.VocabSize - len(t.o.SpecialTokens)
	merges := learn(syms, start, counts, tokens, target, t.o.MinFrequency, t.o.MaxPieceLength)
	st.Merges = len(merges.pairs)
	m := &Model{o: t.o, Stats: st, raw: merges.tokens, pairs: merges.pairs, counts: merges.counts}
	m.build()
	return m, nil
}

func (t *Trainer) trainFallback(words []string, counts []int64, st Stats) (*Model, error) {
	kept := keptChars(words, counts, t.o.CharacterCoverage)
	alphabet := make([]rune, 0, len(kept))
	for r := range kept {
		alphabet = append(alphabet, r)
	}
	slices.Sort(alphabet)
	fixed := 1 + len(t.o.SpecialTokens) + 256
	if fixed+len(alphabet) > t.o.VocabSize {
		return nil, fmt.Errorf("vocab_size: %d is too small for %d special and byte pieces and the %d characters that character_coverage %g keeps",
			t.o.VocabSize, fixed, len(alphabet), t.o.CharacterCoverage)
	}
	id := make(map[rune]int32, len(alphabet))
	tokens := make([]string, len(alphabet), t.o.VocabSize)
	for i, r := range alphabet {
		id[r] = int32(i)
		tokens[i] = string(r)
	}
	// Words are cut at characters left out: those become byte pieces and no
	// merge may span them.
	var syms []int32
	var start []int32
	var cnt []int64
	for i, w := range words {
		open := false
		for j := 0; j < len(w); {
			r, n := utf8.DecodeRuneInString(w[j:])
			j += n
			sym, ok := id[r]
			if !ok || (n == 1 && r == utf8.RuneError) {
				open = false
				continue
			}
			if !open {
				start = append(start, int32(len(syms)))
				cnt = append(cnt, counts[i])
				open = true
			}
			syms = append(syms, sym)
		}
	}
	start = append(start, int32(len(syms)))
	st.Alphabet = len(alphabet)
	target := t.o.VocabSize - fixed
	merges := learn(syms, start, cnt, tokens, target, t.o.MinFrequency, t.o.MaxPieceLength)
	st.Merges = len(merges.pairs)
	m := &Model{o: t.o, Stats: st, raw: merges.tokens, pairs: merges.pairs, counts: merges.counts, alphabet: len(alphabet)}
	m.build()
	return m, nil
}

type learned struct {
	tokens []string   // token strings by internal id
	pairs  [][2]int32 // merges in rank order
	counts []int64    // count of each merged pair when it was merged
}

// learn runs the merge loop until the vocabulary has target tokens, no pair is
// left, or the best pair occurs fewer than minFreq times. A merge whose result
// spells a token that exists already (from another pair) reuses its id, as
// Hugging Face's trainer does, and does not grow the vocabulary.
func learn(syms, start []int32, counts []int64, tokens []string, target, minFreq, maxLen int) learned {
	l := newBPELearner(syms, start, counts, len(tokens), maxLen)
	ids := make(map[string]int32, target)
	for i, s := range tokens {
		ids[s] = int32(i)
	}
	var pairs [][2]int32
	var merged []int64
	for step := int32(1); len(tokens) < target; step++ {
		p := l.best(int64(minFreq))
		if p < 0 {
			break
		}
		a, b := l.left[p], l.right[p]
		s := tokens[a] + tokens[b]
		id, ok := ids[s]
		if !ok {
			id = int32(len(tokens))
			ids[s] = id
			tokens = append(tokens, s)
		}
		pairs = append(pairs, [2]int32{a, b})
		merged = append(merged, l.pcount[p])
		l.merge(p, id, step)
	}
	return learned{tokens: tokens, pairs: pairs, counts: merged}
}

// keptChars returns the characters of the words, weighted by word count, that
// cover coverage of all character occurrences, most frequent first
// (SentencePiece's rule), ▁ always; ties go to the smaller code point.
func keptChars(words []string, counts []int64, coverage float64) map[rune]bool {
	// Characters by frequency; the most frequent ones covering character_coverage
	// of all occurrences are kept (SentencePiece's rule), ▁ always.
	freq := map[rune]int64{}
	var all int64
	for i, w := range words {
		for j := 0; j < len(w); {
			r, n := utf8.DecodeRuneInString(w[j:])
			j += n
			if n > 1 || r != utf8.RuneError {
				freq[r] += counts[i]
				all += counts[i]
			}
		}
	}
	type rc struct {
		r rune
		c int64
	}
	byFreq := make([]rc, 0, len(freq))
	for r, c := range freq {
		byFreq = append(byFreq, rc{r, c})
	}
	sort.Slice(byFreq, func(i, j int) bool {
		if byFreq[i].c != byFreq[j].c {
			return byFreq[i].c > byFreq[j].c
		}
		return byFreq[i].r < byFreq[j].r
	})
	kept := map[rune]bool{metaspaceRune: true}
	var acc int64
	for _, x := range byFreq {
		if float64(acc) >= coverage*float64(all) {
			break
		}
		acc += x.c
		kept[x.r] = true
	}
	return kept
}
