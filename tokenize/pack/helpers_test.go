package pack

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/grist/grist/tokenize"
)

const cl100kEOS = 100257

// readTexts reads the "text" field of a gzipped JSONL file, at most limit lines
// (limit <= 0: all). It skips the test when the file is absent.
func readTexts(t testing.TB, path string, limit int) []string {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		t.Skipf("%s absent", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() && (limit <= 0 || len(out) < limit) {
		var rec struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		out = append(out, rec.Text)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func sampleTexts(t testing.TB) []string {
	return readTexts(t, "testdata/udhr-sample.jsonl.gz", 0)
}

func cl100k(t testing.TB) tokenize.Tokenizer {
	t.Helper()
	tok, err := tokenize.Builtin("cl100k_base", tokenize.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// encodeDocs tokenizes texts, appending eos when eos >= 0 (the tokenize stage's
// add_eos).
func encodeDocs(tok tokenize.Tokenizer, texts []string, eos int32) [][]int32 {
	out := make([][]int32, len(texts))
	for i, s := range texts {
		ids := tok.Encode(nil, []byte(s))
		if eos >= 0 {
			ids = append(ids, eos)
		}
		out[i] = ids
	}
	return out
}

// syntheticDocs draws n documents with log-normal lengths (median median tokens,
// sigma in log space), a common model of web document lengths, capped at maxLen;
// ids are random in [0, vocab) and each document ends with eos.
func syntheticDocs(seed uint64, n int, median, sigma float64, maxLen int, vocab, eos int32) [][]int32 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([][]int32, n)
	for i := range out {
		l := int(math.Exp(math.Log(median) + sigma*r.NormFloat64()))
		l = max(1, min(l, maxLen))
		d := make([]int32, l)
		for k := range d[:l-1] {
			d[k] = r.Int32N(vocab)
		}
		d[l-1] = eos
		out[i] = d
	}
	return out
}

// packAll runs docs through a Packer and returns clones of every example.
func packAll(t testing.TB, opts PackOptions, toks Tokens, docs [][]int32) ([]*Example, Stats) {
	t.Helper()
	var out []*Example
	p, err := NewPacker(opts, toks, func(e *Example) error {
		out = append(out, e.Clone())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range docs {
		if err := p.Add(i, d); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	return out, p.Stats()
}

func arOpts(strategy string, seqLen int) PackOptions {
	o := *withDefaults(&PackOptions{})
	o.Strategy = strategy
	o.SeqLen = seqLen
	return o
}
