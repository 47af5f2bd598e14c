package train

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/grist/grist/tokenize"
)

// TestLearnHFExample is the example of Hugging Face's trainer tests: with
// min_frequency 2 the merges are "r e", "a re", "i s".
func TestLearnHFExample(t *testing.T) {
	words := map[string]int64{"roses": 1, "are": 2, "red": 1, "voilets": 1, "blue": 1, "BERT": 1, "is": 2, "big": 1, "and": 1, "so": 1, "GPT-2": 1}
	var syms, start []int32
	var counts []int64
	for w, c := range words {
		start = append(start, int32(len(syms)))
		counts = append(counts, c)
		for i := 0; i < len(w); i++ {
			syms = append(syms, byteRank[w[i]])
		}
	}
	start = append(start, int32(len(syms)))
	tokens := make([]string, 256)
	for r := range tokens {
		tokens[r] = string(rankByte[r])
	}
	got := learn(syms, start, counts, tokens, 1000, 2, 0)
	var merges []string
	for _, p := range got.pairs {
		merges = append(merges, got.tokens[p[0]]+" "+got.tokens[p[1]])
	}
	if want := []string{"r e", "a re", "i s"}; !slices.Equal(merges, want) {
		t.Errorf("merges %q, want %q", merges, want)
	}
}

func trainDocs(t *testing.T, edit func(o *Options), docs ...string) *Model {
	t.Helper()
	o := withDefaults(&Options{})
	o.VocabSize = 400
	edit(o)
	return trainOn(t, *o, docs)
}

func TestVocabularyLayout(t *testing.T) {
	docs := []string{"the cat sat on the mat <|endoftext|> the cat", "a hat, a bat; the rat sat"}
	m := trainDocs(t, func(o *Options) { o.SpecialTokens = []string{"<|endoftext|>", "<pad>"} }, docs...)
	v := m.Vocab()
	if len(v) != 256+len(m.Merges())+2 {
		t.Errorf("vocabulary of %d for %d merges", len(v), len(m.Merges()))
	}
	// All 256 bytes, in GPT-2's order, although the text is ASCII.
	gpt2, err := tokenize.Builtin("gpt2", tokenize.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for id := int32(0); id < 256; id++ {
		if want := string(appendByteLevel(nil, []byte(gpt2.Piece(id)))); v[id] != want {
			t.Fatalf("id %d is %q, GPT-2 has %q", id, v[id], want)
		}
	}
	sp := m.SpecialIDs()
	if n := int32(len(v)); sp["<|endoftext|>"] != n-2 || sp["<pad>"] != n-1 {
		t.Errorf("special ids %v", sp)
	}
	for _, mg := range m.Merges() {
		if strings.Contains(mg[0]+mg[1], "<|") || strings.Contains(mg[0]+mg[1], "|>") {
			t.Errorf("special token text was counted: merge %q", mg)
		}
	}
	tok := parseModel(t, m)
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	ids := tok.Encode(nil, all)
	if dec, err := tok.Decode(nil, ids); err != nil || !bytes.Equal(dec, all) {
		t.Errorf("every byte value does not round-trip: %q %v", dec, err)
	}
}

func TestStopsWhenNothingLeft(t *testing.T) {
	m := trainDocs(t, func(o *Options) { o.SpecialTokens = nil }, "abab")
	// Words "abab": merges "a b" then "ab ab".
	if got := fmt.Sprint(m.Merges()); got != "[[a b] [ab ab]]" {
		t.Errorf("merges %s", got)
	}
	if len(m.Vocab()) != 258 {
		t.Errorf("vocabulary of %d, want 258", len(m.Vocab()))
	}
}

func TestMinFrequencyAndMaxPieceLength(t *testing.T) {
	docs := corpusLines(t)[:400]
	m := trainDocs(t, func(o *Options) { o.VocabSize = 5000; o.MinFrequency = 40 }, docs...)
	last := m.counts[len(m.counts)-1]
	if last < 40 || len(m.Vocab()) >= 5000 {
		t.Errorf("last merge count %d, vocabulary %d: min_frequency 40 not applied", last, len(m.Vocab()))
	}
	m = trainDocs(t, func(o *Options) { o.VocabSize = 3000; o.MaxPieceLength = 4 }, docs...)
	longest := 0
	for _, s := range m.raw {
		longest = max(longest, len(s))
	}
	if longest != 4 {
		t.Errorf("longest token %d bytes, want 4", longest)
	}
}

func TestConcurrentAddIsDeterministic(t *testing.T) {
	docs := corpusLines(t)[:600]
	want := trainDocs(t, func(o *Options) { o.VocabSize = 2000; o.Workers = 1 }, docs...).TokenizerJSON()
	o := withDefaults(&Options{VocabSize: 2000, Workers: 3})
	o.VocabSize, o.Workers = 2000, 3
	tr, err := New(*o)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := g; i < len(docs); i += 4 {
				tr.Add(docs[i])
			}
		}(g)
	}
	wg.Wait()
	m, err := tr.Train()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.TokenizerJSON(), want) {
		t.Error("concurrent Add gave another model")
	}
	if _, err := tr.Train(); err == nil {
		t.Error("second Train did not fail")
	}
}

func TestSample(t *testing.T) {
	docs := corpusLines(t)
	words := func(sample string, seed int64) int {
		o := withDefaults(&Options{})
		o.VocabSize, o.Sample, o.Seed = 300, sample, seed
		m := trainOn(t, *o, docs)
		if m.Stats.Docs != int64(len(docs)) {
			t.Errorf("%d docs seen, %d given", m.Stats.Docs, len(docs))
		}
		return m.Stats.Words
	}
	all, few, other, prefix := words("", 1), words("20", 1), words("20", 2), words("10KB", 1)
	if !(few < all/10 && prefix < all/10 && few > 0 && prefix > 0) {
		t.Errorf("words: all %d, 20 docs %d, 10KB %d", all, few, prefix)
	}
	if few == other || few != words("20", 1) {
		t.Errorf("reservoir samples: seed 1 %d words, seed 2 %d words", few, other)
	}
}

func TestNormalizationNFKC(t *testing.T) {
	m := trainDocs(t, func(o *Options) { o.Normalization = "nfkc" }, strings.Repeat("ﬁne ﬁsh ", 50))
	if !slices.Contains(m.Vocab(), "Ġfish") {
		t.Errorf("NFKC not applied before counting: %q", m.Vocab()[256:])
	}
	if !bytes.Contains(m.TokenizerJSON(), []byte(`"normalizer": {"type": "NFKC"}`)) {
		t.Error("normalizer not written")
	}
	tok := parseModel(t, m)
	ids := tok.Encode(nil, []byte(" ﬁsh"))
	if len(ids) != 1 || tok.Piece(ids[0]) != "Ġfish" {
		t.Errorf("loader did not normalize: %v", ids)
	}
}

func TestSplitPatternsLoad(t *testing.T) {
	docs := corpusLines(t)[:200]
	for _, p := range []string{"cl100k", "o200k", "llama3"} {
		m := trainDocs(t, func(o *Options) { o.VocabSize = 1500; o.PreTokenizer = p }, docs...)
		tok := parseModel(t, m)
		for _, d := range docs[:20] {
			ids := tok.Encode(nil, []byte(d))
			dec, err := tok.Decode(nil, ids)
			if err != nil || string(dec) != d {
				t.Fatalf("%s: round trip failed: %v", p, err)
			}
		}
	}
}

func TestTiktokenRanks(t *testing.T) {
	m := trainDocs(t, func(o *Options) {}, corpusLines(t)[:100]...)
	var b bytes.Buffer
	if err := m.WriteTiktoken(&b); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&b)
	n := 0
	seen := map[string]bool{}
	for ; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		tokBytes, err := base64.StdEncoding.DecodeString(f[0])
		rank, err2 := strconv.Atoi(f[1])
		if err != nil || err2 != nil || rank != n {
			t.Fatalf("line %d: %q", n, sc.Text())
		}
		if got := string(appendByteLevel(nil, tokBytes)); got != m.Vocab()[rank] {
			t.Fatalf("rank %d is %q, vocabulary has %q", rank, got, m.Vocab()[rank])
		}
		if seen[string(tokBytes)] {
			t.Fatalf("token %q twice", tokBytes)
		}
		seen[string(tokBytes)] = true
	}
	if n != len(m.Vocab())-1 { // one special token
		t.Errorf("%d ranks for %d ids", n, len(m.Vocab()))
	}
	fb := trainDocs(t, func(o *Options) {
		o.ByteLevel, o.ByteFallback, o.PreTokenizer, o.VocabSize = false, true, "whitespace", 600
	}, "x y z")
	if err := fb.WriteTiktoken(&b); err == nil {
		t.Error("byte_fallback model written as tiktoken")
	}
}

func TestByteFallbackVocabTooSmall(t *testing.T) {
	o := withDefaults(&Options{})
	o.ByteLevel, o.ByteFallback, o.PreTokenizer, o.VocabSize = false, true, "whitespace", 260
	tr, _ := New(*o)
	tr.Add("abcdefghijklmnop")
	if _, err := tr.Train(); err == nil || !strings.HasPrefix(err.Error(), "vocab_size:") {
		t.Errorf("error %v", err)
	}
}
