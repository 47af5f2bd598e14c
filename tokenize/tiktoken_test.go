package tokenize

import (
	"bytes"
	"encoding/base64"
	"io/fs"
	"strconv"

	"bufio"
	"compress/gzip"
	"encoding/json"
	"github.com/pkoukk/tiktoken-go-loader/assets"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var tiktokenNames = []string{"r50k_base", "p50k_base", "cl100k_base", "o200k_base"}

type tiktokenGoldenCase struct {
	Src  string             `json:"src"`
	Text string             `json:"text"`
	IDs  map[string][]int32 `json:"-"`
}

// readTiktokenGolden reads testdata/tiktoken/golden.jsonl.gz, written by
// scripts/gen-golden-tiktoken.sh with the reference tokenizer.
func readTiktokenGolden(t testing.TB) []tiktokenGoldenCase {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "tiktoken", "golden.jsonl.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []tiktokenGoldenCase
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<26)
	for sc.Scan() {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			t.Fatal(err)
		}
		var c tiktokenGoldenCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		c.IDs = map[string][]int32{}
		for _, n := range tiktokenNames {
			var ids []int32
			if err := json.Unmarshal(raw[n], &ids); err != nil {
				t.Fatalf("%s: %s: %v", c.Src, n, err)
			}
			c.IDs[n] = ids
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 1000 {
		t.Fatalf("golden file has %d cases", len(out))
	}
	return out
}

func mustBuiltin(t testing.TB, name string, opts Options) Tokenizer {
	t.Helper()
	tok, err := Builtin(name, opts)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestTiktokenGolden(t *testing.T) {
	cases := readTiktokenGolden(t)
	for _, name := range tiktokenNames {
		t.Run(name, func(t *testing.T) {
			plain := mustBuiltin(t, name, Options{})
			special := mustBuiltin(t, name, Options{ParseSpecial: true})
			bad := 0
			for _, c := range cases {
				tok := plain
				if c.Src == "special" {
					tok = special
				}
				want := c.IDs[name]
				got := tok.Encode(nil, []byte(c.Text))
				if !slices.Equal(got, want) {
					bad++
					if bad <= 5 {
						t.Errorf("%s %q:\n got %v\nwant %v", c.Src, clipText(c.Text), clipTokenIDs(got), clipTokenIDs(want))
					}
				}
				if n := tok.Count([]byte(c.Text)); n != len(want) {
					t.Errorf("%s: Count = %d, want %d", c.Src, n, len(want))
				}
				back, err := tok.Decode(nil, got)
				if err != nil || string(back) != c.Text {
					t.Errorf("%s: Decode(Encode(x)) != x (err %v)", c.Src, err)
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d texts differ", bad, len(cases))
			}
		})
	}
}

func clipText(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

func clipTokenIDs(ids []int32) []int32 {
	if len(ids) > 40 {
		return ids[:40]
	}
	return ids
}

func TestTiktokenKnown(t *testing.T) {
	tests := []struct {
		name, text string
		want       []int32
	}{
		{"cl100k_base", "x \n \n As", []int32{87, 33006, 1666}},
		{"cl100k_base", "hello world", []int32{15339, 1917}},
		{"o200k_base", "hello world", []int32{24912, 2375}},
		{"r50k_base", "hello world", []int32{31373, 995}},
		{"gpt2", "hello world", []int32{31373, 995}},
		{"cl100k_base", "<|endoftext|>", []int32{27, 91, 8862, 728, 428, 91, 29}},
		{"cl100k_base", "", nil},
	}
	for _, tt := range tests {
		tok := mustBuiltin(t, tt.name, Options{})
		got := tok.Encode(nil, []byte(tt.text))
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s %q: got %v, want %v", tt.name, tt.text, got, tt.want)
		}
	}
}

func TestTiktokenSpecial(t *testing.T) {
	tests := []struct {
		name       string
		eos        int32
		vocab      int
		specialIDs map[string]int32
	}{
		{"r50k_base", 50256, 50257, map[string]int32{"<|endoftext|>": 50256}},
		{"gpt2", 50256, 50257, map[string]int32{"<|endoftext|>": 50256}},
		{"p50k_base", 50256, 50281, map[string]int32{"<|endoftext|>": 50256}},
		{"cl100k_base", 100257, 100277, map[string]int32{
			"<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259,
			"<|fim_suffix|>": 100260, "<|endofprompt|>": 100276}},
		{"o200k_base", 199999, 200019, map[string]int32{"<|endoftext|>": 199999, "<|endofprompt|>": 200018}},
	}
	for _, tt := range tests {
		plain := mustBuiltin(t, tt.name, Options{})
		parse := mustBuiltin(t, tt.name, Options{ParseSpecial: true})
		if id, ok := plain.Special("eos"); !ok || id != tt.eos {
			t.Errorf("%s: eos = %d, %v", tt.name, id, ok)
		}
		for _, role := range []string{"bos", "pad", "unk", "mask"} {
			if _, ok := plain.Special(role); ok {
				t.Errorf("%s: role %s should be undefined", tt.name, role)
			}
		}
		if plain.VocabSize() != tt.vocab {
			t.Errorf("%s: VocabSize = %d, want %d", tt.name, plain.VocabSize(), tt.vocab)
		}
		if plain.Name() != tt.name {
			t.Errorf("Name = %q", plain.Name())
		}
		for text, id := range tt.specialIDs {
			if got := parse.Encode(nil, []byte("a"+text+"b")); len(got) != 3 || got[1] != id {
				t.Errorf("%s: ParseSpecial %s: got %v", tt.name, text, got)
			}
			if got := plain.Encode(nil, []byte(text)); len(got) < 2 || slices.Contains(got, id) {
				t.Errorf("%s: %s is not text by default: %v", tt.name, text, got)
			}
			if p := plain.Piece(id); p != text {
				t.Errorf("%s: Piece(%d) = %q", tt.name, id, p)
			}
			back, err := plain.Decode(nil, []int32{id})
			if err != nil || string(back) != text {
				t.Errorf("%s: Decode(%d) = %q, %v", tt.name, id, back, err)
			}
		}
	}
}

func TestTiktokenDecodeErrors(t *testing.T) {
	tok := mustBuiltin(t, "p50k_base", Options{})
	for _, id := range []int32{-1, 50281, 1 << 30} {
		if _, err := tok.Decode(nil, []int32{id}); err == nil || !strings.Contains(err.Error(), "not in the vocabulary") {
			t.Errorf("Decode(%d): err = %v", id, err)
		}
		if p := tok.Piece(id); p != "" {
			t.Errorf("Piece(%d) = %q", id, p)
		}
	}
	// p50k_base has a hole in its ranks at 50256, filled by <|endoftext|>.
	if p := tok.Piece(50256); p != "<|endoftext|>" {
		t.Errorf("Piece(50256) = %q", p)
	}
	// Raw bytes: a lone UTF-8 lead byte is a token of its own.
	cl := mustBuiltin(t, "cl100k_base", Options{})
	ids := cl.Encode(nil, []byte{0xE2})
	if len(ids) != 1 || cl.Piece(ids[0]) != "\xe2" {
		t.Errorf("Encode(0xE2) = %v, piece %q", ids, cl.Piece(ids[0]))
	}
}

func TestLoadTiktoken(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A full copy of the embedded r50k file, under its encoding's name, loads and agrees.
	raw, err := readTiktokenAsset("r50k_base.tiktoken")
	if err != nil {
		t.Fatal(err)
	}
	p := write("r50k_base.tiktoken", string(raw))
	tok, err := LoadTiktoken(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Name() != p {
		t.Errorf("Name = %q", tok.Name())
	}
	if got := tok.Encode(nil, []byte("hello world")); !slices.Equal(got, []int32{31373, 995}) {
		t.Errorf("got %v", got)
	}

	var allBytes strings.Builder
	for b := 0; b < 256; b++ {
		allBytes.WriteString(base64Text([]byte{byte(b)}) + " " + strconv.Itoa(b) + "\n")
	}
	tests := []struct {
		file, body, wantErr string
	}{
		{"cl100k_base.tiktoken", "IQ== 0\nIg== 1\n!!! 2\n", "cl100k_base.tiktoken:3: bad base64"},
		{"cl100k_base.tiktoken", "IQ== 0\nIg==\n", "cl100k_base.tiktoken:2: want \"base64 rank\""},
		{"cl100k_base.tiktoken", "IQ== 0\nIg== x\n", "cl100k_base.tiktoken:2: bad rank"},
		{"cl100k_base.tiktoken", "IQ== 1\nIg== 1\n", "cl100k_base.tiktoken:2: rank 1 after rank 1"},
		{"cl100k_base.tiktoken", "IQ== 0\nIQ== 1\n", "cl100k_base.tiktoken:2: token \"!\" listed twice"},
		{"cl100k_base.tiktoken", "", "no ranks"},
		{"cl100k_base.tiktoken", "IQ== 0\n", "byte 0x00 has no rank"},
		{"cl100k_base.tiktoken", allBytes.String(), "256 ranks, cl100k_base has 100256"},
		{"mine.tiktoken", allBytes.String(), "mine.tiktoken: cannot tell the encoding"},
		{"missing.tiktoken", "", "no such file"},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, tt.file)
		if tt.file != "missing.tiktoken" {
			path = write(tt.file, tt.body)
		}
		_, err := LoadTiktoken(path, Options{})
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s %q: err = %v, want %q", tt.file, clipText(tt.body), err, tt.wantErr)
		}
	}
	if _, err := Builtin("cl200k", Options{}); err == nil || !strings.Contains(err.Error(), "cl100k_base") {
		t.Errorf("unknown builtin: %v", err)
	}
}

func TestTiktokenConcurrent(t *testing.T) {
	tok := mustBuiltin(t, "o200k_base", Options{})
	text := []byte(strings.Repeat("Concurrent use, 並行 use; tabs\t\tand  spaces. ", 50) + strings.Repeat("z", 500))
	want := tok.Encode(nil, text)
	done := make(chan []int32)
	for g := 0; g < 8; g++ {
		go func() {
			var ids []int32
			for i := 0; i < 20; i++ {
				ids = tok.Encode(ids[:0], text)
			}
			done <- ids
		}()
	}
	for g := 0; g < 8; g++ {
		if got := <-done; !slices.Equal(got, want) {
			t.Fatal("concurrent Encode differs")
		}
	}
}

func TestTiktokenEncodeNoAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	tok := mustBuiltin(t, "cl100k_base", Options{})
	text := []byte(strings.Repeat("The quick brown fox's 12345 jumps; über naïve  \n\n", 20) + strings.Repeat("-", 300))
	dst := make([]int32, 0, 4096)
	if n := testing.AllocsPerRun(50, func() { dst = tok.Encode(dst[:0], text) }); n != 0 {
		t.Errorf("Encode allocates %.1f times per call", n)
	}
	if n := testing.AllocsPerRun(50, func() { _ = tok.Count(text) }); n != 0 {
		t.Errorf("Count allocates %.1f times per call", n)
	}
	sp := mustBuiltin(t, "cl100k_base", Options{ParseSpecial: true})
	withSpecials := append([]byte("<|endoftext|>x<|fim_prefix|><|endofprompt"), text...)
	if n := testing.AllocsPerRun(50, func() { dst = sp.Encode(dst[:0], withSpecials) }); n != 0 {
		t.Errorf("Encode with ParseSpecial allocates %.1f times per call", n)
	}
}

func readTiktokenAsset(name string) ([]byte, error) { return fs.ReadFile(assets.Assets, name) }

func base64Text(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// FuzzTiktokenRoundTrip encodes arbitrary bytes with every built-in encoding: no
// panic, Count agrees, and decoding gives the input back.
func FuzzTiktokenRoundTrip(f *testing.F) {
	for _, s := range []string{"hello world", "x \n \n As", "\xff\xfe\xfd", "<|endoftext|> <|fim_prefix|>", "😀👍🏽", strings.Repeat("ab", 100)} {
		f.Add([]byte(s), false)
	}
	f.Add([]byte("a<|endoftext|>b<|endofprompt|>"), true)
	toks := map[bool][]Tokenizer{}
	for _, ps := range []bool{false, true} {
		for _, n := range tiktokenNames {
			toks[ps] = append(toks[ps], mustBuiltin(f, n, Options{ParseSpecial: ps}))
		}
	}
	f.Fuzz(func(t *testing.T, s []byte, parseSpecial bool) {
		for _, tok := range toks[parseSpecial] {
			ids := tok.Encode(nil, s)
			if c := tok.Count(s); c != len(ids) {
				t.Fatalf("%s: Count %d, Encode %d", tok.Name(), c, len(ids))
			}
			back, err := tok.Decode(nil, ids)
			if err != nil || !bytes.Equal(back, s) {
				t.Fatalf("%s: round trip %q -> %q (%v)", tok.Name(), s, back, err)
			}
		}
	})
}

// benchTexts returns the English (spam-assassin ham) and multilingual (UDHR) texts.
func benchTexts(b *testing.B) map[string][][]byte {
	b.Helper()
	ham, err := readHam("../../shared/data/spam-assassin.jsonl.gz", 2000)
	if err != nil {
		b.Skip(err)
	}
	udhr, err := readCorpusTexts("../../shared/data/udhr.jsonl.gz", 0)
	if err != nil {
		b.Skip(err)
	}
	return map[string][][]byte{"english": ham, "multilingual": udhr}
}

// readHam reads up to limit ham (non-spam) texts of the spam-assassin corpus.
func readHam(path string, limit int) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<26)
	for sc.Scan() && len(out) < limit {
		var row struct {
			Text  string `json:"text"`
			Label string `json:"label"`
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			return nil, err
		}
		if row.Label == "ham" {
			out = append(out, []byte(row.Text))
		}
	}
	return out, sc.Err()
}

func BenchmarkTiktokenEncode(b *testing.B) {
	texts := benchTexts(b)
	for _, name := range []string{"cl100k_base", "o200k_base"} {
		tok := mustBuiltin(b, name, Options{})
		for _, set := range []string{"english", "multilingual"} {
			docs := texts[set]
			size := 0
			for _, d := range docs {
				size += len(d)
			}
			b.Run(name+"/"+set, func(b *testing.B) {
				b.SetBytes(int64(size))
				b.ReportAllocs()
				dst := make([]int32, 0, 1<<16)
				ntok := 0
				for b.Loop() {
					ntok = 0
					for _, d := range docs {
						dst = tok.Encode(dst[:0], d)
						ntok += len(dst)
					}
				}
				b.ReportMetric(float64(ntok)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
			})
		}
	}
}

func BenchmarkTiktokenCount(b *testing.B) {
	texts := benchTexts(b)
	tok := mustBuiltin(b, "cl100k_base", Options{})
	docs := texts["english"]
	size := 0
	for _, d := range docs {
		size += len(d)
	}
	b.SetBytes(int64(size))
	for b.Loop() {
		for _, d := range docs {
			tok.Count(d)
		}
	}
}

// BenchmarkLoadO200k parses the embedded o200k_base rank file (not the shared cache).
func BenchmarkLoadO200k(b *testing.B) {
	raw, err := readTiktokenAsset("o200k_base.tiktoken")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		rt, err := parseTiktoken("o200k_base.tiktoken", raw)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := newTiktoken("o200k_base", &o200kSpec, rt, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLoadTiktokenLlama3 loads a synthetic 128,000-rank file as Llama 3's tokenizer.model.
func TestLoadTiktokenLlama3(t *testing.T) {
	var b strings.Builder
	r := 0
	for c := 0; c < 256; c++ {
		b.WriteString(base64Text([]byte{byte(c)}) + " " + strconv.Itoa(r) + "\n")
		r++
	}
	for x := 0; r < 128000; x++ {
		b.WriteString(base64Text([]byte{byte(x >> 16), byte(x >> 8), byte(x), 'z'}) + " " + strconv.Itoa(r) + "\n")
		r++
	}
	p := filepath.Join(t.TempDir(), "tokenizer.model")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	tok, err := LoadTiktoken(p, Options{ParseSpecial: true})
	if err != nil {
		t.Fatal(err)
	}
	if bos, ok := tok.Special("bos"); !ok || bos != 128000 {
		t.Errorf("bos = %d, %v", bos, ok)
	}
	if eos, ok := tok.Special("eos"); !ok || eos != 128001 {
		t.Errorf("eos = %d, %v", eos, ok)
	}
	if tok.VocabSize() != 128256 {
		t.Errorf("VocabSize = %d", tok.VocabSize())
	}
	got := tok.Encode(nil, []byte("<|start_header_id|>hi<|eot_id|><|reserved_special_token_250|>"))
	if len(got) != 5 || got[0] != 128006 || got[3] != 128009 || got[4] != 128255 {
		t.Errorf("specials: %v", got)
	}
}
