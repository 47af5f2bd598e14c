package train

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/grist/grist/tokenize"
)

// unigramGolden is the Unigram model of the corpus slice, trained once for
// the tests that only read it.
func unigramGolden(t testing.TB) *Model { t.Helper(); return goldenModel(t, "grist-unigram") }

// unigramOptions are the options of the committed grist Unigram model.
func unigramOptions() Options {
	o := goldenOptions(true)
	o.Model = "unigram"
	return o
}

// TestUnigramCompression holds the bytes per token of the Unigram model on
// held-out text within 1% of spm_train's Unigram at the same vocabulary size
// (testdata/compression.json).
func TestUnigramCompression(t *testing.T) {
	var ref map[string]any
	if err := json.Unmarshal(must(os.ReadFile("testdata/compression.json")), &ref); err != nil {
		t.Fatal(err)
	}
	o := unigramOptions()
	if int(ref["vocab_size"].(float64)) != o.VocabSize {
		t.Fatalf("compression.json is for vocab_size %v", ref["vocab_size"])
	}
	m := unigramGolden(t)
	if len(m.Vocab()) != o.VocabSize {
		t.Errorf("vocabulary of %d, want %d", len(m.Vocab()), o.VocabSize)
	}
	got := bytesPerToken(parseModel(t, m), heldOutLines(t))
	want := ref["spm_unigram_byte_fallback"].(float64)
	t.Logf("grist unigram %.4f bytes/token, spm_train %.4f (%+.2f%%); stats %+v", got, want, 100*(got/want-1), m.Stats)
	if got < want*0.99 {
		t.Errorf("%.4f bytes/token is more than 1%% below spm_train's %.4f", got, want)
	}
}

// TestUnigramSentencePieceModel checks that the .model file loads in grist's
// SentencePiece loader and gives the held-out texts the ids of tokenizer.json
// (lines not starting with a space: SentencePiece's dummy prefix is added
// before a leading space, Metaspace's is not), and the same with spm_encode
// when it is installed.
func TestUnigramSentencePieceModel(t *testing.T) {
	m := unigramGolden(t)
	b, err := m.SentencePieceModel()
	if err != nil {
		t.Fatal(err)
	}
	sp, err := tokenize.ParseSentencePiece("tokenizer.model", b, tokenize.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hf := parseModel(t, m)
	if sp.VocabSize() != hf.VocabSize() {
		t.Errorf("vocabulary %d, tokenizer.json %d", sp.VocabSize(), hf.VocabSize())
	}
	for _, role := range []string{"unk", "bos", "eos"} {
		a, okA := sp.Special(role)
		if want := m.SpecialIDs()[map[string]string{"unk": "<unk>", "bos": "<s>", "eos": "</s>"}[role]]; !okA || a != want {
			t.Errorf("%s: %d %v, want %d", role, a, okA, want)
		}
	}
	var lines []string
	for _, l := range heldOutLines(t) {
		if !strings.HasPrefix(l, " ") {
			lines = append(lines, l)
		}
	}
	var a, c []int32
	bad := 0
	for _, l := range lines {
		a = sp.Encode(a[:0], []byte(l))
		c = hf.Encode(c[:0], []byte(l))
		if !slices.Equal(a, c) {
			if bad < 3 {
				t.Errorf("%q:\n.model %v\n.json  %v", l, a, c)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d lines differ", bad, len(lines))
	}
	spmEncode, err := exec.LookPath("spm_encode")
	if err != nil {
		t.Skip("spm_encode not installed (apt-get install sentencepiece)")
	}
	dir := t.TempDir()
	model := filepath.Join(dir, "tokenizer.model")
	if err := os.WriteFile(model, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(spmEncode, "--model="+model, "--output_format=id")
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("spm_encode: %v", err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(got) != len(lines) {
		t.Fatalf("spm_encode gave %d lines for %d", len(got), len(lines))
	}
	bad = 0
	for i, l := range lines {
		ids := strings.Fields(got[i])
		a = sp.Encode(a[:0], []byte(l))
		same := len(ids) == len(a)
		for j := 0; same && j < len(a); j++ {
			same = ids[j] == strconv.Itoa(int(a[j]))
		}
		if !same {
			if bad < 3 {
				t.Errorf("%q:\ngrist      %v\nspm_encode %v", l, a, ids)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("spm_encode: %d of %d lines differ", bad, len(lines))
	}
}

// BenchmarkTrainUnigram: Unigram, 32k vocabulary, on the shared corpora.
func BenchmarkTrainUnigram(b *testing.B) {
	o := unigramOptions()
	o.VocabSize = 32000
	o.Workers = runtime.GOMAXPROCS(0)
	benchTrain(b, o)
}

// BenchmarkTrainUnigramSlice: Unigram, 8k vocabulary, on the committed corpus
// slice (the compression test's model).
func BenchmarkTrainUnigramSlice(b *testing.B) {
	lines := corpusLines(b)
	n := 0
	for _, l := range lines {
		n += len(l)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		trainOn(b, unigramOptions(), lines)
	}
}

// TestUnigramWorkersIdentical trains the committed Unigram model with 1 and 4
// workers: expected and Viterbi counts are summed in fixed partitions, so the
// tokenizer.json files are the same byte for byte as with 2. In short mode
// (the race pass) it trains on a quarter of the corpus with 1, 2 and 4.
func TestUnigramWorkersIdentical(t *testing.T) {
	lines := corpusLines(t)
	var want []byte
	workers := []int{1, 4}
	if testing.Short() {
		lines = lines[:len(lines)/4]
		workers = []int{2, 1, 4}
	} else {
		want = unigramGolden(t).TokenizerJSON()
	}
	for _, w := range workers {
		o := unigramOptions()
		o.Workers = w
		got := trainOn(t, o, lines).TokenizerJSON()
		if want == nil {
			want = got
		} else if !bytes.Equal(got, want) {
			t.Errorf("%d workers: tokenizer.json differs from 2 workers'", w)
		}
	}
}

// TestUnigramTinyCorpora trains on corpora with no text, one character or a
// few repeated words: training succeeds, every character is a piece, and the
// model encodes and decodes the text back.
func TestUnigramTinyCorpora(t *testing.T) {
	for _, docs := range [][]string{nil, {""}, {"a"}, {"aaaa aaaa"}, {"日本 日本 日本", "本日"}} {
		o := unigramOptions()
		o.VocabSize = 300
		m := trainOn(t, o, docs)
		if len(m.Vocab()) > o.VocabSize {
			t.Errorf("%q: vocabulary of %d", docs, len(m.Vocab()))
		}
		in := map[string]bool{}
		for _, v := range m.Vocab() {
			in[v] = true
		}
		tok := parseModel(t, m)
		for _, d := range docs {
			for _, r := range strings.ReplaceAll(d, " ", "") {
				if !in[string(r)] {
					t.Errorf("%q: %q is not a piece", docs, r)
				}
			}
			ids := tok.Encode(nil, []byte(d))
			if got, err := tok.Decode(nil, ids); err != nil || string(got) != d {
				t.Errorf("%q: decoded %q (%v)", d, got, err)
			}
		}
	}
}
