package dedup

import (
	"compress/gzip"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

type corpusDoc struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	Lang string `json:"lang"`
}

func loadJSONLGz(t testing.TB, path string) []corpusDoc {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var docs []corpusDoc
	dec := json.NewDecoder(zr)
	for dec.More() {
		var d corpusDoc
		if err := dec.Decode(&d); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}
	return docs
}

func testCorpus(t testing.TB) []corpusDoc {
	return loadJSONLGz(t, filepath.Join("testdata", "corpus.jsonl.gz"))
}

func defaultMinHashOptions() MinHashOptions {
	var o MinHashOptions
	fillDefaults(&o)
	return o
}

func newTestMinHash(t testing.TB, edit func(*MinHashOptions)) *MinHash {
	t.Helper()
	o := defaultMinHashOptions()
	if edit != nil {
		edit(&o)
	}
	m, err := NewMinHash(o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

type golden struct {
	Params map[string]struct{ A, B []uint64 } `json:"params"`
	Docs   []struct {
		ID   string   `json:"id"`
		Text string   `json:"text"`
		Norm string   `json:"norm"`
		Sig  []uint64 `json:"sig"`
	} `json:"docs"`
}

func loadGolden(t *testing.T) golden {
	raw, err := os.ReadFile(filepath.Join("testdata", "minhash_golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

// TestSignatureMatchesDatatrove compares normalization and signatures with
// values computed by numpy/xxhash/datatrove's simplify_text.
func TestSignatureMatchesDatatrove(t *testing.T) {
	g := loadGolden(t)
	byID := map[string]string{}
	for _, d := range testCorpus(t) {
		byID[d.ID] = d.Text
	}
	m := newTestMinHash(t, func(o *MinHashOptions) { o.CJK = CJKWords })
	var sig []uint64
	for i, d := range g.Docs {
		text := d.Text
		if d.ID != "" {
			text = byID[d.ID]
		}
		if got := string(appendSimplified(nil, text)); got != d.Norm {
			t.Errorf("doc %d %s: normalized\n got %q\nwant %q", i, d.ID, got, d.Norm)
			continue
		}
		sig = m.Signature(text, sig)
		if len(sig) != len(d.Sig) {
			t.Errorf("doc %d %s: signature length %d, want %d", i, d.ID, len(sig), len(d.Sig))
			continue
		}
		for j := range sig {
			if sig[j] != d.Sig[j] {
				t.Errorf("doc %d %s: sig[%d]=%d want %d", i, d.ID, j, sig[j], d.Sig[j])
				break
			}
		}
	}
}

func TestTokenizeCJK(t *testing.T) {
	cases := []struct {
		in, mode string
		want     []string
	}{
		{"ab cd", CJKAuto, []string{"ab", "cd"}},
		{"人人生而自由", CJKAuto, []string{"人", "人", "生", "而", "自", "由"}},
		{"gpu加速 ok", CJKAuto, []string{"gpu", "加", "速", "ok"}},
		{"gpu加速 ok", CJKWords, []string{"gpu加速", "ok"}},
		{"ab c", CJKChars, []string{"a", "b", "c"}},
		{"한국어 텍스트", CJKAuto, []string{"한국어", "텍스트"}},
	}
	for _, c := range cases {
		buf := []byte(c.in)
		toks := tokenize(nil, buf, tokMode(c.mode))
		var got []string
		for i := 0; i < len(toks); i += 2 {
			got = append(got, string(buf[toks[i]:toks[i+1]]))
		}
		if len(got) != len(c.want) {
			t.Errorf("tokenize(%q,%s) = %q, want %q", c.in, c.mode, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("tokenize(%q,%s) = %q, want %q", c.in, c.mode, got, c.want)
				break
			}
		}
	}
}

func TestSignatureCJKShinglesChars(t *testing.T) {
	m := newTestMinHash(t, nil)
	a := "人人生而自由，在尊严和权利上一律平等。他们赋有理性和良心，并应以兄弟关系的精神相对待。"
	b := "人人生而自由，在尊严和权利上一律平等。他们赋有理性和良心，并应以兄弟关系的精神相对待啊。"
	sa, sb := m.Signature(a, nil), m.Signature(b, nil)
	if len(sa) != 112 || len(sb) != 112 {
		t.Fatalf("CJK text without spaces must get a signature, got %d %d", len(sa), len(sb))
	}
	if s := Similarity(sa, sb); s < 0.7 {
		t.Errorf("near-identical CJK texts similarity %.2f, want >= 0.7", s)
	}
	w := newTestMinHash(t, func(o *MinHashOptions) { o.CJK = CJKWords })
	if got := w.Signature(a, nil); len(got) != 0 {
		t.Errorf("words mode: unspaced CJK has 2 tokens, want no signature, got %d values", len(got))
	}
}

func TestSignatureEstimatesJaccard(t *testing.T) {
	// Two word sequences sharing a known fraction of 5-gram shingles.
	m := newTestMinHash(t, func(o *MinHashOptions) { o.Buckets = 64; o.HashesPerBucket = 8 })
	words := make([]byte, 0, 1<<16)
	other := make([]byte, 0, 1<<16)
	const n = 2000
	for i := 0; i < n; i++ {
		w := "w" + itoa(i)
		words = append(append(words, w...), ' ')
		if i >= n/3 {
			other = append(append(other, w...), ' ')
		} else {
			other = append(append(other, "z"+itoa(i)...), ' ')
		}
	}
	// shingles: n-4 each; shared = those fully inside [n/3, n): n - n/3 - 4
	shared := float64(n - n/3 - 4)
	union := float64(2*(n-4)) - shared
	want := shared / union
	got := Similarity(m.Signature(string(words), nil), m.Signature(string(other), nil))
	if math.Abs(got-want) > 0.06 {
		t.Errorf("estimated Jaccard %.3f, true %.3f", got, want)
	}
}

func itoa(i int) string {
	b := []byte{}
	if i == 0 {
		return "0"
	}
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('a' + i%10)}, b...)
	}
	return string(b)
}

func TestMinHashOptionsValidate(t *testing.T) {
	bad := []func(*MinHashOptions){
		func(o *MinHashOptions) { o.NGram = 0 },
		func(o *MinHashOptions) { o.Buckets = 0 },
		func(o *MinHashOptions) { o.HashesPerBucket = 0 },
		func(o *MinHashOptions) { o.Seed = -1 },
		func(o *MinHashOptions) { x := 1.5; o.Threshold = &x },
		func(o *MinHashOptions) { o.CJK = "maybe" },
		func(o *MinHashOptions) { o.Normalize = "nfkc" },
	}
	for i, edit := range bad {
		o := defaultMinHashOptions()
		edit(&o)
		if _, err := NewMinHash(o); err == nil {
			t.Errorf("case %d: invalid options accepted", i)
		}
	}
	if _, err := NewMinHash(defaultMinHashOptions()); err != nil {
		t.Errorf("defaults rejected: %v", err)
	}
}

func BenchmarkMinHashSignature(b *testing.B) {
	docs := loadJSONLGz(b, filepath.Join("..", "..", "shared", "data", "spam-assassin.jsonl.gz"))
	var texts []string
	size := 0
	for _, d := range docs {
		if len(texts) == 500 {
			break
		}
		texts = append(texts, d.Text)
		size += len(d.Text)
	}
	m := newTestMinHash(b, nil)
	b.SetBytes(int64(size))
	b.ResetTimer()
	var sig []uint64
	for i := 0; i < b.N; i++ {
		for _, t := range texts {
			sig = m.Signature(t, sig)
		}
	}
}
