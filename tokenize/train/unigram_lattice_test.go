package train

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// testLattice builds the seeds and lattices of words as the trainer does, and
// returns the trainer's view: pieces by id and the lattice.
func testLattice(t testing.TB, words []string, counts []int64, maxLen, size, workers int) ([]string, *uniLattice) {
	text, err := newUniText(words, counts)
	if err != nil {
		t.Fatal(err)
	}
	x := newSuffixIndex(text, maxLen, workers)
	multi := seedPieces(text, x, size, workers)
	pieces := make([]string, 0, len(text.runes)+len(multi))
	charID := make([]int32, len(text.runes)+1)
	for i, r := range text.runes {
		pieces = append(pieces, string(r))
		charID[i+1] = int32(i)
	}
	for _, s := range multi {
		pieces = append(pieces, text.str(int(x.sa[s.lb]), int(s.n)))
	}
	return pieces, newUniLattice(text, x, charID, multi, int32(len(text.runes)), workers)
}

// edgesAt lists the pieces (ids) of word w starting at each character.
func (l *uniLattice) edgesAt(w int) [][]int32 {
	n := int(l.n[w])
	out := make([][]int32, n)
	e := l.edge[w]
	for k := range n {
		c := int(l.cnt[l.pos[w]+k])
		out[k] = slices.Clone(l.ids[e : e+c])
		e += c
	}
	return out
}

// bruteEdges lists, at each character of word, the ids of the pieces spelt
// there, shortest first.
func bruteEdges(word string, ids map[string]int32, maxLen int) [][]int32 {
	r := []rune(word)
	out := make([][]int32, len(r))
	for a := range r {
		for b := a + 1; b <= len(r) && b-a <= maxLen; b++ {
			if id, ok := ids[string(r[a:b])]; ok {
				out[a] = append(out[a], id)
			}
		}
	}
	return out
}

func TestLatticeEdges(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, maxLen := range []int{2, 5, 16} {
		words, counts := randomSegments(rng, 300, 9)
		pieces, l := testLattice(t, words, counts, maxLen, 400, 1)
		ids := map[string]int32{}
		for i, p := range pieces {
			ids[p] = int32(i)
		}
		if len(ids) != len(pieces) {
			t.Fatalf("maxLen %d: %d pieces, %d distinct", maxLen, len(pieces), len(ids))
		}
		for w, word := range words {
			if got, want := l.edgesAt(w), bruteEdges(word, ids, maxLen); !slices.EqualFunc(got, want, slices.Equal) {
				t.Fatalf("maxLen %d: %q: edges %v, want %v", maxLen, word, got, want)
			}
		}
		// renumbered without every third piece of two characters or more
		remap := make([]int32, len(pieces))
		kept := map[string]int32{}
		for id, p := range pieces {
			remap[id] = -1
			if l.plen[id] == 1 || id%3 != 0 {
				remap[id] = int32(len(kept))
				kept[p] = remap[id]
			}
		}
		lr := *l
		lr.ids, lr.cnt = slices.Clone(l.ids), slices.Clone(l.cnt)
		for w := range words {
			lr.remap(w, remap)
			if got, want := lr.edgesAt(w), bruteEdges(words[w], kept, maxLen); !slices.EqualFunc(got, want, slices.Equal) {
				t.Fatalf("maxLen %d: %q renumbered: edges %v, want %v", maxLen, words[w], got, want)
			}
		}
		// built in parts on several goroutines: the same lattice
		m := minChunk
		minChunk = 64
		_, lp := testLattice(t, words, counts, maxLen, 400, 3)
		minChunk = m
		if !slices.Equal(lp.ids, l.ids) || !slices.Equal(lp.cnt, l.cnt) || !slices.Equal(lp.repW, l.repW) || !slices.Equal(lp.repK, l.repK) {
			t.Errorf("maxLen %d: lattice differs with 3 workers", maxLen)
		}
		for id, p := range pieces {
			if int(l.plen[id]) != utf8.RuneCountInString(p) {
				t.Errorf("%q: length %d", p, l.plen[id])
			}
			if l.plen[id] == 1 {
				continue
			}
			w, k := int(l.repW[id]), int(l.repK[id])
			if r := []rune(words[w]); k+len([]rune(p)) > len(r) || string(r[k:k+len([]rune(p))]) != p {
				t.Errorf("%q: first occurrence at %q:%d", p, words[w], k)
			}
		}
	}
}

// logMarginals is the log-space forward-backward of the trainer's first
// version, over lattices found by brute force: a reference for marginals.
func logMarginals(words []string, counts []int64, ids map[string]int32, score []float64, maxLen int) ([]float64, []float64) {
	exp := make([]float64, len(score))
	logZ := make([]float64, len(words))
	logAdd := func(x, y float64) float64 {
		if math.IsInf(x, -1) {
			return y
		}
		lo, hi := min(x, y), max(x, y)
		return hi + math.Log1p(math.Exp(lo-hi))
	}
	for w, word := range words {
		edges := bruteEdges(word, ids, maxLen)
		n := len(edges)
		plen := func(id int32) int { return utf8.RuneCountInString(pieceOf(ids, id)) }
		alpha, beta := make([]float64, n+1), make([]float64, n+1)
		for i := range alpha {
			alpha[i], beta[i] = math.Inf(-1), math.Inf(-1)
		}
		alpha[0], beta[n] = 0, 0
		for k := range n {
			for _, id := range edges[k] {
				if !math.IsInf(score[id], -1) {
					alpha[k+plen(id)] = logAdd(alpha[k+plen(id)], alpha[k]+score[id])
				}
			}
		}
		for k := n - 1; k >= 0; k-- {
			for _, id := range edges[k] {
				if !math.IsInf(score[id], -1) {
					beta[k] = logAdd(beta[k], score[id]+beta[k+plen(id)])
				}
			}
		}
		logZ[w] = alpha[n]
		for k := range n {
			for _, id := range edges[k] {
				if !math.IsInf(score[id], -1) {
					exp[id] += float64(counts[w]) * math.Exp(alpha[k]+score[id]+beta[k+plen(id)]-alpha[n])
				}
			}
		}
	}
	return exp, logZ
}

var pieceNames []string // id -> piece, for logMarginals

func pieceOf(_ map[string]int32, id int32) string { return pieceNames[id] }

func TestMarginalsMatchLogSpace(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	words, counts := randomSegments(rng, 200, 8)
	// long words whose probability is far below the smallest float64
	long := []rune(strings.Repeat("日€éab", 400))
	rng.Shuffle(len(long), func(i, j int) { long[i], long[j] = long[j], long[i] })
	words = append(words, string(long), strings.Repeat("éab", 300)+"日")
	counts = append(counts, 3, 2)
	slices.Sort(words)
	const maxLen = 6
	pieces, l := testLattice(t, words, counts, maxLen, 500, 1)
	pieceNames = pieces
	ids := map[string]int32{}
	for i, p := range pieces {
		ids[p] = int32(i)
	}
	tb := &uniTables{prob: make([]float64, len(pieces)), score: make([]float64, len(pieces)), plen: l.plen}
	for round, drop := range []float64{0, 0.3} {
		for id := range pieces {
			switch {
			case l.plen[id] > 1 && rng.Float64() < drop:
				tb.prob[id], tb.score[id] = 0, math.Inf(-1) // left the vocabulary
			case round == 0 || tb.prob[id] != 0:
				tb.score[id] = -1 - 12*rng.Float64()
				tb.prob[id] = math.Exp(tb.score[id])
			}
		}
		tb.pack()
		want, logZ := logMarginals(words, counts, ids, tb.score, maxLen)
		if slices.Min(logZ) > -1000 {
			t.Fatalf("no word underflows float64: min log Z %g", slices.Min(logZ))
		}
		got := make([]float64, len(pieces))
		var b fbBuf
		l.marginals(tb, 0, l.words()/2, maxLen, got, &b)
		l.marginals(tb, l.words()/2, l.words(), maxLen, got, &b)
		for id := range got {
			if d := math.Abs(got[id] - want[id]); d > 1e-9*max(1, want[id]) {
				t.Errorf("round %d: %q expected %.15g, log space %.15g", round, pieces[id], got[id], want[id])
			}
		}
	}
}

// bruteViterbi is the best segmentation of word by exhaustive search (piece
// ids, first first), or nil.
func bruteViterbi(word []rune, ids map[string]int32, score []float64, maxLen int, skip string) ([]int32, float64) {
	if len(word) == 0 {
		return []int32{}, 0
	}
	var best []int32
	bestScore := math.Inf(-1)
	for l := 1; l <= min(len(word), maxLen); l++ {
		s := string(word[:l])
		id, ok := ids[s]
		if !ok || math.IsInf(score[id], -1) || s == skip {
			continue
		}
		rest, sc := bruteViterbi(word[l:], ids, score, maxLen, "")
		if rest == nil {
			continue
		}
		if sc += score[id]; sc > bestScore {
			bestScore, best = sc, append([]int32{id}, rest...)
		}
	}
	return best, bestScore
}

func TestViterbiMatchesSearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	words, counts := randomSegments(rng, 150, 7)
	const maxLen = 4
	pieces, l := testLattice(t, words, counts, maxLen, 300, 1)
	ids := map[string]int32{}
	for i, p := range pieces {
		ids[p] = int32(i)
	}
	tb := &uniTables{prob: make([]float64, len(pieces)), score: make([]float64, len(pieces)), alive: make([]bool, len(pieces)), plen: l.plen}
	for id := range pieces {
		tb.score[id], tb.alive[id] = -1-10*rng.Float64(), true
		if l.plen[id] > 1 && rng.IntN(4) == 0 {
			tb.score[id], tb.alive[id] = math.Inf(-1), false
		}
		tb.prob[id] = math.Exp(tb.score[id])
	}
	tb.pack()
	var b fbBuf
	var path []int32
	checked := 0
	for w, word := range words {
		if len([]rune(word)) > 12 {
			continue // exhaustive search
		}
		want, _ := bruteViterbi([]rune(word), ids, tb.score, maxLen, "")
		path = viterbi(tb, l.ids[l.edge[w]:], l.cnt[l.pos[w]:], int(l.n[w]), false, -1, &b, path)
		slices.Reverse(path)
		if !slices.Equal(path, want) {
			t.Errorf("%q: viterbi %v, search %v", word, path, want)
		}
		checked++
	}
	// a piece's own lattice, and its best segmentation without itself
	for id, p := range pieces {
		if l.plen[id] == 1 || !tb.alive[id] {
			continue
		}
		e, cnt, n := l.own(int32(id))
		want, _ := bruteViterbi([]rune(p), ids, tb.score, maxLen, p)
		path = viterbi(tb, e, cnt, n, true, int32(id), &b, path)
		slices.Reverse(path)
		if !slices.Equal(path, want) {
			t.Errorf("%q without itself: viterbi %v, search %v", p, path, want)
		}
		checked++
	}
	if checked < 100 {
		t.Fatalf("only %d cases", checked)
	}
	// viterbiCounts adds word counts along the paths of pieces in the vocabulary
	freq := make([]float64, len(pieces))
	l.viterbiCounts(tb, 0, l.words(), freq, &b)
	want := make([]float64, len(pieces))
	for w := range words {
		path = viterbi(tb, l.ids[l.edge[w]:], l.cnt[l.pos[w]:], int(l.n[w]), false, -1, &b, path)
		for _, id := range path {
			want[id] += float64(counts[w])
		}
	}
	if !slices.Equal(freq, want) {
		t.Error("viterbiCounts differs from the paths")
	}
}

// BenchmarkUnigramMarginals: one E step over the distinct words of the corpus
// slice with 80,000 seed pieces; bytes are those of the slice.
func BenchmarkUnigramMarginals(b *testing.B) {
	words, counts, n := sliceSegments(b)
	pieces, l := testLattice(b, words, counts, unigramMaxPieceLen, 80000, 1)
	tb := &uniTables{prob: make([]float64, len(pieces)), plen: l.plen}
	for id := range tb.prob {
		tb.prob[id] = 1.0 / float64(len(pieces))
	}
	tb.score = tb.prob
	tb.pack()
	exp := make([]float64, len(pieces))
	var buf fbBuf
	b.SetBytes(int64(n))
	b.ResetTimer()
	for b.Loop() {
		l.marginals(tb, 0, l.words(), unigramMaxPieceLen, exp, &buf)
	}
}

// BenchmarkUnigramViterbi: the Viterbi counts of a pruning over the distinct
// words of the corpus slice with 80,000 seed pieces.
func BenchmarkUnigramViterbi(b *testing.B) {
	words, counts, n := sliceSegments(b)
	pieces, l := testLattice(b, words, counts, unigramMaxPieceLen, 80000, 1)
	tb := &uniTables{prob: make([]float64, len(pieces)), score: make([]float64, len(pieces)), alive: make([]bool, len(pieces)), plen: l.plen}
	for id := range tb.prob {
		tb.prob[id], tb.alive[id] = 1.0/float64(len(pieces)), true
		tb.score[id] = math.Log(tb.prob[id]) - float64(id%7)
	}
	tb.pack()
	freq := make([]float64, len(pieces))
	var buf fbBuf
	b.SetBytes(int64(n))
	b.ResetTimer()
	for b.Loop() {
		l.viterbiCounts(tb, 0, l.words(), freq, &buf)
	}
}

// BenchmarkUnigramLattice: building the lattices of the distinct words of the
// corpus slice for 80,000 seed pieces (suffix sort and seeds done before).
func BenchmarkUnigramLattice(b *testing.B) {
	words, counts, n := sliceSegments(b)
	text, err := newUniText(words, counts)
	if err != nil {
		b.Fatal(err)
	}
	x := newSuffixIndex(text, unigramMaxPieceLen, 1)
	multi := seedPieces(text, x, 80000, 1)
	charID := make([]int32, len(text.runes)+1)
	for i := range text.runes {
		charID[i+1] = int32(i)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		newUniLattice(text, x, charID, multi, int32(len(text.runes)), 1)
	}
}
