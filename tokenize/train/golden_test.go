package train

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/grist/grist/tokenize"
)

var writeGolden = flag.Bool("write-golden", false, "write grist's trained tokenizer.json files into testdata (scripts/gen-golden-train.sh)")

func readGz(t testing.TB, name string) []byte {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// corpusLines returns the training slice one line per document, each with its
// newline, as Hugging Face's trainer reads a file.
func corpusLines(t testing.TB) []string {
	data := readGz(t, "corpus.txt.gz")
	var lines []string
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n') + 1
		if i == 0 {
			i = len(data)
		}
		lines = append(lines, string(data[:i]))
		data = data[i:]
	}
	return lines
}

type heldOut struct {
	Src     string  `json:"src"`
	Text    string  `json:"text"`
	IDs     []int32 `json:"ids"`
	Decoded string  `json:"decoded"`
}

func readJSONL[T any](t testing.TB, name string) []T {
	var out []T
	sc := bufio.NewScanner(bytes.NewReader(readGz(t, name)))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// goldenOptions are the options of the committed grist models.
func goldenOptions(byteFallback bool) Options {
	o := *withDefaults(&Options{})
	o.VocabSize = 8000
	o.Workers = 2
	if byteFallback {
		o.ByteLevel, o.ByteFallback = false, true
		o.PreTokenizer = "whitespace"
		o.SpecialTokens = []string{"<s>", "</s>"}
	}
	return o
}

func trainOn(t testing.TB, o Options, docs []string) *Model {
	t.Helper()
	tr, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		tr.Add(d)
	}
	m, err := tr.Train()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func gzipFile(t testing.TB, path string, data []byte) {
	var b bytes.Buffer
	z, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	z.Write(data)
	z.Close()
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWriteGoldenModels writes the grist models that npm tokenizers encodes the
// held-out texts with (only with -write-golden).
func TestWriteGoldenModels(t *testing.T) {
	if !*writeGolden {
		t.Skip("run with -write-golden")
	}
	lines := corpusLines(t)
	for _, g := range goldenModels() {
		m := trainOn(t, g.opts, lines)
		gzipFile(t, filepath.Join("testdata", g.name+".json.gz"), m.TokenizerJSON())
	}
}

var goldenCache sync.Map // testdata name -> *goldenEntry

type goldenEntry struct {
	once sync.Once
	m    *Model
}

// goldenModel is the committed model name trained on the corpus slice,
// trained once for all the tests that only read it.
func goldenModel(t testing.TB, name string) *Model {
	t.Helper()
	i := slices.IndexFunc(goldenModels(), func(g goldenSpec) bool { return g.name == name })
	if i < 0 {
		t.Fatalf("no golden model %q", name)
	}
	e, _ := goldenCache.LoadOrStore(name, new(goldenEntry))
	g := e.(*goldenEntry)
	g.once.Do(func() { g.m = trainOn(t, goldenModels()[i].opts, corpusLines(t)) })
	if g.m == nil {
		t.Fatalf("training %s failed", name)
	}
	return g.m
}

// goldenModels are the committed grist models, by testdata name.
func goldenModels() []goldenSpec {
	return []goldenSpec{{"grist-bytelevel", goldenOptions(false)}, {"grist-bytefallback", goldenOptions(true)}, {"grist-unigram", unigramOptions()}}
}

type goldenSpec struct {
	name string
	opts Options
}

// TestMergesMatchHF trains on the corpus slice with the options of Hugging
// Face's default BpeTrainer behind a ByteLevel pre-tokenizer and compares the
// merges with those it learned (scripts/gen-golden-train.sh).
func TestMergesMatchHF(t *testing.T) {
	var hf struct {
		VocabSize int         `json:"vocab_size"`
		Merges    [][2]string `json:"merges"`
	}
	if err := json.Unmarshal(readGz(t, "hf-bytelevel.merges.json.gz"), &hf); err != nil {
		t.Fatal(err)
	}
	made := map[string]bool{}
	for _, m := range hf.Merges {
		made[m[0]+m[1]] = true
	}
	alphabet := hf.VocabSize - len(made)
	o := *withDefaults(&Options{})
	o.SpecialTokens = nil
	o.VocabSize = 256 + len(made)
	m := trainOn(t, o, corpusLines(t))
	t.Logf("hf: %d merges over an alphabet of %d; grist: %d merges, stats %+v", len(hf.Merges), alphabet, len(m.Merges()), m.Stats)
	got := m.Merges()
	n := min(len(got), len(hf.Merges))
	diff := 0
	for i := 0; i < n; i++ {
		if got[i] != hf.Merges[i] {
			if diff < 10 {
				t.Errorf("merge %d: grist %q (count %d), hf %q", i, got[i], m.counts[i], hf.Merges[i])
			}
			diff++
		}
	}
	if len(got) != len(hf.Merges) {
		t.Errorf("grist learned %d merges, hf %d", len(got), len(hf.Merges))
	}
	if diff > 0 {
		t.Errorf("%d of %d merges differ", diff, n)
	}
}

func parseModel(t testing.TB, m *Model) *tokenize.HF {
	t.Helper()
	tok, err := tokenize.ParseHF("trained", m.TokenizerJSON(), tokenize.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestNPMTokenizersAgree trains grist's golden models on the corpus slice,
// checks they are the committed tokenizer.json files byte for byte, and that
// grist's loader gives the held-out texts the ids npm tokenizers gave them with
// those files, and decodes them to the same text.
func TestNPMTokenizersAgree(t *testing.T) {
	held := readJSONL[heldOut](t, "heldout.jsonl.gz")
	for _, tc := range goldenModels() {
		t.Run(tc.name, func(t *testing.T) {
			m := goldenModel(t, tc.name)
			if !bytes.Equal(m.TokenizerJSON(), readGz(t, tc.name+".json.gz")) {
				t.Errorf("training is not reproducible: tokenizer.json differs from testdata/%s.json.gz", tc.name)
			}
			tok := parseModel(t, m)
			want := readJSONL[heldOut](t, tc.name+".ids.jsonl.gz")
			if len(want) != len(held) {
				t.Fatalf("%d goldens for %d texts", len(want), len(held))
			}
			bad := 0
			var ids []int32
			var dec []byte
			for i, h := range held {
				ids = tok.Encode(ids[:0], []byte(h.Text))
				if !slices.Equal(ids, want[i].IDs) {
					if bad < 3 {
						t.Errorf("%s: grist %v\nnpm %v", h.Src, ids, want[i].IDs)
					}
					bad++
					continue
				}
				var err error
				dec, err = tok.Decode(dec[:0], ids)
				if err != nil || string(dec) != want[i].Decoded {
					t.Errorf("%s: decoded %q, npm %q (%v)", h.Src, dec, want[i].Decoded, err)
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d texts differ", bad, len(held))
			}
		})
	}
}

// heldOutLines are the unit of the compression figures: every non-empty line of
// the held-out texts.
func heldOutLines(t testing.TB) []string {
	var out []string
	for _, h := range readJSONL[heldOut](t, "heldout.jsonl.gz") {
		for _, l := range strings.Split(h.Text, "\n") {
			if l != "" {
				out = append(out, l)
			}
		}
	}
	return out
}

func bytesPerToken(tok tokenize.Tokenizer, lines []string) float64 {
	b, n := 0, 0
	for _, l := range lines {
		b += len(l)
		n += tok.Count([]byte(l))
	}
	return float64(b) / float64(n)
}

// TestCompression holds the bytes per token of grist's models on held-out text
// within 1% of Hugging Face's trainer and spm_train at the same vocabulary size
// (figures in testdata/compression.json, from scripts/gen-golden-train.sh).
func TestCompression(t *testing.T) {
	var ref map[string]any
	if err := json.Unmarshal(must(os.ReadFile("testdata/compression.json")), &ref); err != nil {
		t.Fatal(err)
	}
	lines := heldOutLines(t)
	for _, tc := range []struct {
		fb        bool
		name, ref string
	}{{false, "grist-bytelevel", "hf_bytelevel_bpe"}, {true, "grist-bytefallback", "spm_bpe_byte_fallback"}} {
		o := goldenOptions(tc.fb)
		if int(ref["vocab_size"].(float64)) != o.VocabSize {
			t.Fatalf("compression.json is for vocab_size %v", ref["vocab_size"])
		}
		got := bytesPerToken(parseModel(t, goldenModel(t, tc.name)), lines)
		want := ref[tc.ref].(float64)
		t.Logf("byte_fallback=%v: grist %.4f bytes/token, %s %.4f (%+.2f%%)", tc.fb, got, tc.ref, want, 100*(got/want-1))
		if got < want*0.99 {
			t.Errorf("byte_fallback=%v: %.4f bytes/token is more than 1%% below %s's %.4f", tc.fb, got, tc.ref, want)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
