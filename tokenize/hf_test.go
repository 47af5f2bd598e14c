package tokenize

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

type goldenText struct {
	Src  string `json:"src"`
	Text string `json:"text"`
}

type hfGolden struct {
	I       int     `json:"i"`
	IDs     []int32 `json:"ids"`
	Special []int32 `json:"special"`
	Dec     *string `json:"dec"`
	RT      int     `json:"rt"`
}

// loadHFTestdata loads testdata/hf/<name>.json, or its gzipped copy.
func loadHFTestdata(t testing.TB, name string, opts Options) *HF {
	t.Helper()
	path := filepath.Join("testdata/hf", name+".json")
	if _, err := os.Stat(path); err != nil {
		path = filepath.Join(t.TempDir(), name+".json")
		if err := os.WriteFile(path, gunzipFile(t, filepath.Join("testdata/hf", name+".json.gz")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tok, err := LoadHF(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func readJSONLGz[T any](t testing.TB, path string) []T {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []T
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

var hfGoldenNames = []string{
	"bytelevel-bpe", "bytelevel-bpe-ignore-merges", "wordpiece", "unigram",
	"unigram-bytefallback", "bpe-bytefallback", "bpe-llama", "spm-unigram-converted", "bpe-prefix-suffix", "bpe-misc-pretok",
	"bert-base-uncased",
}

// TestHFGolden compares ids, templated ids and decoded text with what the
// Hugging Face library produced (scripts/gen-golden-hf.sh).
func TestHFGolden(t *testing.T) {
	texts := readJSONLGz[goldenText](t, "testdata/hf/texts.jsonl.gz")
	for _, name := range hfGoldenNames {
		t.Run(name, func(t *testing.T) {
			tok := loadHFTestdata(t, name, Options{ParseSpecial: true})
			golden := readJSONLGz[hfGolden](t, filepath.Join("testdata/hf", name+".golden.jsonl.gz"))
			if len(golden) < len(texts)/2 {
				t.Fatalf("%d goldens for %d texts", len(golden), len(texts))
			}
			bad := 0
			for _, g := range golden {
				text := []byte(texts[g.I].Text)
				got := tok.Encode(nil, text)
				if !slices.Equal(got, g.IDs) {
					bad++
					if bad <= 3 {
						t.Errorf("text %d (%s) %q:\n got %v\nwant %v\n got %q\nwant %q", g.I, texts[g.I].Src, trunc(texts[g.I].Text), trunc32(got), trunc32(g.IDs), pieces(tok, got), pieces(tok, g.IDs))
					}
					continue
				}
				if n := tok.Count(text); n != len(g.IDs) {
					t.Errorf("text %d: Count %d, want %d", g.I, n, len(g.IDs))
				}
				if g.Special != nil {
					if ws := tok.EncodeWithSpecial(nil, text); !slices.Equal(ws, g.Special) {
						t.Errorf("text %d: with special %v, want %v", g.I, trunc32(ws), trunc32(g.Special))
					}
				}
				var want string
				switch {
				case g.RT == 1:
					want = texts[g.I].Text
				case g.Dec != nil:
					want = *g.Dec
				default:
					continue // decoded text not kept for this one
				}
				dec, err := tok.Decode(nil, got)
				if err != nil {
					t.Fatal(err)
				}
				if string(dec) != want {
					bad++
					if bad <= 3 {
						t.Errorf("text %d: decode\n got %q\nwant %q", g.I, trunc(string(dec)), trunc(want))
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d texts differ", bad, len(golden))
			}
		})
	}
}

func trunc(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

func trunc32(s []int32) []int32 {
	if len(s) > 60 {
		return s[:60]
	}
	return s
}

func pieces(tok Tokenizer, ids []int32) []string {
	var out []string
	for i, id := range ids {
		if i >= 40 {
			break
		}
		out = append(out, tok.Piece(id))
	}
	return out
}

// TestConfigBertIsGolden checks that configs/tokenizers/bert-base-uncased.json,
// the tokenizer of configs/mlm.yaml, is the tokenizer TestHFGolden checks
// against the Hugging Face library (both written by scripts/gen-golden-bert.sh).
func TestConfigBertIsGolden(t *testing.T) {
	shipped, err := os.ReadFile(filepath.Join("..", "configs", "tokenizers", "bert-base-uncased.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(shipped, gunzipFile(t, filepath.Join("testdata", "hf", "bert-base-uncased.json.gz"))) {
		t.Fatal("configs/tokenizers/bert-base-uncased.json differs from testdata/hf/bert-base-uncased.json.gz: run scripts/gen-golden-bert.sh")
	}
}
