package tokenize_test

import (
	"bufio"
	"compress/gzip"
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/grist/grist/tokenize"
	"github.com/grist/grist/tokenize/train"
)

func trainSliceLines(t *testing.T, max int) []string {
	t.Helper()
	f, err := os.Open("train/testdata/corpus.txt.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(z)
	sc.Buffer(nil, 1<<20)
	var out []string
	for sc.Scan() && len(out) < max {
		out = append(out, sc.Text()+"\n")
	}
	return out
}

// TestLoadTiktokenWithTrained trains byte-level BPE models with each split
// pattern, saves them, and checks that the tiktoken rank file loaded with the
// pattern and special tokens gives the ids of the tokenizer.json beside it.
func TestLoadTiktokenWithTrained(t *testing.T) {
	lines := trainSliceLines(t, 400)
	train1, held := lines[:300], lines[300:]
	held = append(held, "a <|endoftext|> b<|endoftext|>", "tabs\tand\r\nCRLF 123456 don't DON'T", "emoji 🙂👍🏽 \xff\xfe bytes")
	for _, tc := range []struct{ pretok, pattern string }{
		{"gpt2", train.PatternGPT2}, {"cl100k", train.PatternCL100k}, {"o200k", train.PatternO200k},
	} {
		t.Run(tc.pretok, func(t *testing.T) {
			var o train.Options
			o.Model, o.VocabSize, o.ByteLevel, o.PreTokenizer, o.Normalization = "bpe", 1200, true, tc.pretok, "none"
			o.SpecialTokens, o.CharacterCoverage, o.Workers = []string{"<|endoftext|>", "<|pad|>"}, 1, 1
			tr, err := train.New(o)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range train1 {
				tr.Add(l)
			}
			m, err := tr.Train()
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if _, err := m.Save(dir); err != nil {
				t.Fatal(err)
			}
			opts := tokenize.Options{ParseSpecial: true}
			hf, err := tokenize.LoadHF(filepath.Join(dir, "tokenizer.json"), opts)
			if err != nil {
				t.Fatal(err)
			}
			tk, err := tokenize.LoadTiktokenWith(filepath.Join(dir, "tokenizer.tiktoken"), tc.pattern, m.SpecialIDs(), opts)
			if err != nil {
				t.Fatal(err)
			}
			if tk.VocabSize() != hf.VocabSize() || tk.VocabSize() != len(m.Vocab()) {
				t.Errorf("vocabulary: tiktoken %d, tokenizer.json %d, model %d", tk.VocabSize(), hf.VocabSize(), len(m.Vocab()))
			}
			if id, ok := tk.Special("eos"); !ok || id != m.SpecialIDs()["<|endoftext|>"] {
				t.Errorf("eos %d %v", id, ok)
			}
			var a, b []int32
			var dec []byte
			for _, text := range held {
				a = tk.Encode(a[:0], []byte(text))
				b = hf.Encode(b[:0], []byte(text))
				if !slices.Equal(a, b) {
					t.Fatalf("%q: tiktoken %v, tokenizer.json %v", text, a, b)
				}
				if n := tk.Count([]byte(text)); n != len(a) {
					t.Errorf("%q: Count %d, Encode %d ids", text, n, len(a))
				}
				if dec, err = tk.Decode(dec[:0], a); err != nil || string(dec) != text {
					t.Errorf("%q decodes to %q (%v)", text, dec, err)
				}
			}
			if !strings.Contains(held[len(held)-3], "<|endoftext|>") || !slices.Contains(tk.Encode(nil, []byte(held[len(held)-3])), m.SpecialIDs()["<|endoftext|>"]) {
				t.Error("special token not parsed")
			}
		})
	}
}

func TestLoadTiktokenWithErrors(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x.tiktoken")
	var b strings.Builder
	for i := 0; i < 256; i++ {
		b.WriteString(encode64([]byte{byte(i)}))
		b.WriteString(" ")
		b.WriteString(itoa(i))
		b.WriteString("\n")
	}
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		pattern  string
		specials map[string]int32
		want     string // "" = loads
	}{
		{"ok", train.PatternGPT2, map[string]int32{"<|endoftext|>": 256}, ""},
		{"pattern", `\w+`, nil, "unsupported split pattern"},
		{"special is a rank", train.PatternGPT2, map[string]int32{"<|endoftext|>": 5}, "which is a rank"},
		{"empty special", train.PatternGPT2, map[string]int32{"": 300}, "empty special"},
	} {
		_, err := tokenize.LoadTiktokenWith(p, tc.pattern, tc.specials, tokenize.Options{})
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

func encode64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func itoa(i int) string { return strconv.Itoa(i) }
