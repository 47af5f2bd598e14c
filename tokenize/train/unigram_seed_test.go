package train

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// randomSegments returns n distinct sorted words over a small alphabet (▁ only
// first, multi-byte characters included) with counts, repetitive enough that
// many substrings repeat.
func randomSegments(rng *rand.Rand, n, maxLen int) ([]string, []int64) {
	alphabet := []rune("abcaab€é日")
	seen := map[string]int64{}
	for len(seen) < n {
		var b strings.Builder
		if rng.IntN(3) == 0 {
			b.WriteRune(metaspaceRune)
		}
		l := 1 + rng.IntN(maxLen)
		if rng.IntN(20) == 0 {
			l += 40 // a long word
		}
		for range l {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		seen[b.String()] = 1 + rng.Int64N(3)
	}
	words := make([]string, 0, n)
	for w := range seen {
		words = append(words, w)
	}
	sort.Strings(words)
	counts := make([]int64, n)
	for i, w := range words {
		counts[i] = seen[w]
	}
	return words, counts
}

// allWords returns every word of n letters of alphabet, once each.
func allWords(alphabet string, n int) ([]string, []int64) {
	words := []string{""}
	for range n {
		var next []string
		for _, w := range words {
			for _, c := range alphabet {
				next = append(next, w+string(c))
			}
		}
		words = next
	}
	counts := make([]int64, len(words))
	for i := range counts {
		counts[i] = 1
	}
	return words, counts
}

type scoredPiece struct {
	s     string
	score int64
}

// bruteSeeds counts every substring of 2 to maxLen characters in a map and
// ranks those seen at least twice by count x length, then string.
func bruteSeeds(words []string, counts []int64, maxLen, size int) []scoredPiece {
	freq := map[string]int64{}
	for i, w := range words {
		r := []rune(w)
		for a := range r {
			for b := a + 2; b <= len(r) && b-a <= maxLen; b++ {
				freq[string(r[a:b])] += counts[i]
			}
		}
	}
	var out []scoredPiece
	for s, f := range freq {
		if f >= 2 {
			out = append(out, scoredPiece{s, f * int64(utf8.RuneCountInString(s))})
		}
	}
	slices.SortFunc(out, func(a, b scoredPiece) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.s, b.s)
	})
	return out[:min(len(out), size)]
}

func TestSeedPiecesMatchCounting(t *testing.T) {
	defer func(m int) { minChunk = m }(minChunk)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		words, wordLen, maxLen, size int
	}{
		{1, 3, 16, 100},
		{5, 4, 2, 100},
		{50, 6, 3, 20},
		{200, 8, 16, 1},
		{200, 8, 16, 50},
		{300, 12, 5, 5000},
		{400, 10, 16, 300},
		{400, 10, 16, 7},
		{1000, 8, 4, 30},
		{1000, 3, 16, 40},
		{0, 4, 16, 30}, // every word of 4 of 5 letters: scores tie, strings decide
		{0, 4, 16, 3},
	} {
		words, counts := randomSegments(rng, tc.words, tc.wordLen)
		if tc.words == 0 {
			words, counts = allWords("abcde", tc.wordLen)
		}
		text, err := newUniText(words, counts)
		if err != nil {
			t.Fatal(err)
		}
		x := newSuffixIndex(text, tc.maxLen, 1)
		var got []scoredPiece
		for j, s := range seedPieces(text, x, tc.size, 1) {
			got = append(got, scoredPiece{text.str(int(x.sa[s.lb]), int(s.n)), s.score})
			if j >= 300 {
				continue
			}
			// every suffix of the interval starts with the piece, no other does
			for i := range x.sa {
				p := int(x.sa[i])
				has := int(x.rem[p]) >= int(s.n) && slices.Equal(text.text[p:p+int(s.n)], text.text[int(x.sa[s.lb]):int(x.sa[s.lb])+int(s.n)])
				if has != (i >= int(s.lb) && i < int(s.rb)) {
					t.Fatalf("%+v: piece %q, suffix %d in interval %v, starts with it %v", tc, got[len(got)-1].s, i, !has, has)
				}
			}
		}
		want := bruteSeeds(words, counts, tc.maxLen, tc.size)
		if !slices.Equal(got, want) {
			t.Errorf("%+v: %d seeds, want %d\n got %v\nwant %v", tc, len(got), len(want), got[:min(len(got), 10)], want[:min(len(want), 10)])
		}
		// in parts on several goroutines: the same suffix index and seeds
		minChunk = 64
		xp := newSuffixIndex(text, tc.maxLen, 3)
		if !slices.Equal(xp.sa, x.sa) || !slices.Equal(xp.lcp, x.lcp) {
			t.Errorf("%+v: suffix index differs with 3 workers", tc)
		}
		if a, b := seedPieces(text, x, tc.size, 1), seedPieces(text, x, tc.size, 3); !slices.Equal(a, b) {
			t.Errorf("%+v: seeds differ with 3 workers", tc)
		}
		minChunk = 1 << 13
	}
}

func TestSuffixIndexSorted(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, maxLen := range []int{2, 3, 7, 16, 40} {
		words, counts := randomSegments(rng, 300, 10)
		text, err := newUniText(words, counts)
		if err != nil {
			t.Fatal(err)
		}
		x := newSuffixIndex(text, maxLen, 1)
		prefix := func(p int) []uint32 { return text.text[p : p+int(x.rem[p])] }
		n := 0
		for p, c := range text.text {
			if c != 0 {
				n++
				if want := min(maxLen, slices.Index(text.text[p:], 0)); int(x.rem[p]) != want {
					t.Fatalf("rem[%d] = %d, want %d", p, x.rem[p], want)
				}
			}
		}
		if len(x.sa) != n {
			t.Fatalf("maxLen %d: %d suffixes, want %d", maxLen, len(x.sa), n)
		}
		for i := 1; i < len(x.sa); i++ {
			a, b := prefix(int(x.sa[i-1])), prefix(int(x.sa[i]))
			if slices.Compare(a, b) > 0 {
				t.Fatalf("maxLen %d: suffixes %d and %d out of order", maxLen, i-1, i)
			}
			l := 0
			for l < min(len(a), len(b)) && a[l] == b[l] {
				l++
			}
			if int(x.lcp[i]) != l {
				t.Fatalf("maxLen %d: lcp[%d] = %d, want %d", maxLen, i, x.lcp[i], l)
			}
		}
	}
}

func TestKthLargest(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct{ n, vals int }{{1, 5}, {2, 1}, {10, 3}, {1000, 2}, {1000, 50}, {5000, 1 << 30}} {
		v := make([]int64, tc.n)
		for i := range v {
			v[i] = rng.Int64N(int64(tc.vals))
		}
		sorted := slices.Clone(v)
		slices.Sort(sorted)
		slices.Reverse(sorted)
		for _, k := range []int{1, 2, tc.n / 2, tc.n} {
			if k < 1 || k > tc.n {
				continue
			}
			if got := kthLargest(slices.Clone(v), k); got != sorted[k-1] {
				t.Errorf("n %d vals %d: kthLargest(%d) = %d, want %d", tc.n, tc.vals, k, got, sorted[k-1])
			}
		}
	}
}

func TestRadixSortStable(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	defer func(m int) { minChunk = m }(minChunk)
	minChunk = 100
	for _, tc := range []struct{ nbits, workers int }{{1, 1}, {11, 1}, {12, 1}, {33, 1}, {64, 1}, {12, 3}, {64, 4}} {
		nbits, n := tc.nbits, 5000
		keys := make([]uint64, n)
		vals := make([]int32, n)
		for i := range keys {
			keys[i] = rng.Uint64() >> (64 - nbits)
			if nbits > 8 {
				keys[i] &^= 0xff // many equal low digits
			}
			vals[i] = int32(i)
		}
		type kv struct {
			k uint64
			v int32
		}
		want := make([]kv, n)
		for i := range keys {
			want[i] = kv{keys[i], vals[i]}
		}
		slices.SortStableFunc(want, func(a, b kv) int { return cmp.Compare(a.k, b.k) })
		radixSort(keys, vals, make([]uint64, n), make([]int32, n), nbits, tc.workers)
		for i := range want {
			if keys[i] != want[i].k || vals[i] != want[i].v {
				t.Fatalf("%d bits: at %d got (%d, %d), want %v", nbits, i, keys[i], vals[i], want[i])
			}
		}
	}
}

// sliceSegments returns the distinct words of the committed corpus slice with
// their counts, as the Unigram trainer sees them.
func sliceSegments(tb testing.TB) ([]string, []int64, int) {
	counts := map[string]int64{}
	n := 0
	for _, l := range corpusLines(tb) {
		n += len(l)
		metaspace{}.split([]byte(strings.TrimSuffix(l, "\n")), func(w []byte) { counts[string(w)]++ })
	}
	words := make([]string, 0, len(counts))
	for w := range counts {
		words = append(words, w)
	}
	sort.Strings(words)
	c := make([]int64, len(words))
	for i, w := range words {
		c[i] = counts[w]
	}
	return words, c, n
}

// BenchmarkUnigramSeeds: suffix sorting and seed selection (80,000 seeds) over
// the distinct words of the corpus slice; bytes are those of the slice.
func BenchmarkUnigramSeeds(b *testing.B) {
	words, counts, n := sliceSegments(b)
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		text, err := newUniText(words, counts)
		if err != nil {
			b.Fatal(err)
		}
		x := newSuffixIndex(text, unigramMaxPieceLen, 1)
		seedPieces(text, x, 80000, 1)
	}
}
