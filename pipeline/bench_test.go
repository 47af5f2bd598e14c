package pipeline

import (
	"bytes"

	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// benchCorpus builds a gzipped JSONL corpus of about 20 MB of text from the
// shared sample corpora (or synthetic text when they are absent) and returns
// its path and text bytes.
func benchCorpus(b *testing.B) (string, int64) {
	b.Helper()
	dir := b.TempDir()
	var raw bytes.Buffer
	for _, name := range []string{"spam-assassin.jsonl.gz", "udhr.jsonl.gz"} {
		f, err := os.Open(filepath.Join("..", "..", "shared", "data", name))
		if err != nil {
			continue
		}
		zr, err := gzip.NewReader(f)
		if err == nil {
			io.Copy(&raw, zr)
		}
		f.Close()
	}
	if raw.Len() == 0 {
		for i := 0; raw.Len() < 4<<20; i++ {
			raw.WriteString(`{"id": "d", "text": "The quick brown fox jumps over the lazy dog, again and again and again."}` + "\n")
		}
	}
	var all bytes.Buffer
	for all.Len() < 20<<20 {
		all.Write(raw.Bytes())
	}
	p := filepath.Join(dir, "bench.jsonl.gz")
	f, _ := os.Create(p)
	zw, _ := gzip.NewWriterLevel(f, gzip.DefaultCompression)
	zw.Write(all.Bytes())
	zw.Close()
	f.Close()
	// text bytes, for b.SetBytes: measured by a plain run
	cfg, err := ParseConfig("bench.yaml", []byte("input: {paths: ["+p+"]}\noutput: {path: "+filepath.Join(dir, "probe")+", format: jsonl, compression: none}\n"))
	if err != nil {
		b.Fatal(err)
	}
	res, err := Run(context.Background(), cfg, RunOptions{FaultTask: -1})
	if err != nil {
		b.Fatal(err)
	}
	return p, res.Stats.ReadBytes
}

func benchRun(b *testing.B, output string) {
	p, textBytes := benchCorpus(b)
	dir := b.TempDir()
	cfg, err := ParseConfig("bench.yaml", []byte("input: {paths: ["+p+"]}\noutput: {path: "+filepath.Join(dir, "out")+", "+output+"}\n"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(textBytes)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Run(context.Background(), cfg, RunOptions{Workers: 1, Overwrite: true, FaultTask: -1}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJSONLGzToParquet reads gzipped JSONL into Arrow batches and writes
// zstd Parquet, no steps, one worker: MB/s of input text per core.
func BenchmarkJSONLGzToParquet(b *testing.B) { benchRun(b, "format: parquet") }

// BenchmarkJSONLGzToJSONLGz is the same to gzipped JSONL.
func BenchmarkJSONLGzToJSONLGz(b *testing.B) { benchRun(b, "format: jsonl, compression: gzip") }

// BenchmarkTokenizePack measures what packing adds to tokenization: the
// tokenize step alone and followed by the pack step, driven as the executor
// drives them (see tokenizePackBench), on the same batches (the first 8 MB of
// documents), one goroutine, garbage collection included. ar: o200k_base with
// EOS, bestfit AR rows of 2048; mlm: BERT base uncased's tokenizer (30,522
// WordPiece tokens, configs/tokenizers/bert-base-uncased.json), bestfit
// MLM rows of 512, whole words, dupe_factor 1; mlm-token: the same with
// the token rule (whole_word off, the default); mlm-3k: the same with
// configs/tokenizers/wordpiece-sample.json, a 3,000-token WordPiece of
// single characters (the sample corpora's alphabets fill its vocabulary),
// which makes about 2.4 times more tokens of the same text. Besides ns/op
// it reports CPU time per pass and tokens per CPU-second (per core); paired
// alternates the two and reports pack-overhead-%; pack is the pack step
// alone on batches tokenized beforehand (run with -cpu 1).
func BenchmarkTokenizePack(b *testing.B) {
	defer func(on bool) { poisonFreed = on }(poisonFreed)
	poisonFreed = false // the tests' check, not part of the work measured
	p, _ := benchCorpus(b)
	bert := filepath.Join("..", "configs", "tokenizers", "bert-base-uncased.json")
	wp := filepath.Join("..", "configs", "tokenizers", "wordpiece-sample.json")
	mlm := "{seq_len: 512, examples: mlm, mask_prob: 0.15, whole_word: true, dupe_factor: 1, seed: 7}"
	mlmToken := "{seq_len: 512, examples: mlm, mask_prob: 0.15, dupe_factor: 1, seed: 7}"
	for _, c := range []struct{ name, tokenize, pack string }{
		{"ar", "{tokenizer: o200k_base, add_eos: true}", "{seq_len: 2048}"},
		{"mlm", "{tokenizer: " + bert + "}", mlm},
		{"mlm-token", "{tokenizer: " + bert + "}", mlmToken},
		{"mlm-3k", "{tokenizer: " + wp + "}", mlm},
	} {
		tp := newTokenizePackBench(b, p, c.tokenize, c.pack, 8<<20)
		b.Run(c.name+"/tokenize", func(b *testing.B) { tp.run(b, false) })
		b.Run(c.name+"/tokenize+pack", func(b *testing.B) { tp.run(b, true) })
		b.Run(c.name+"/paired", tp.paired)
		b.Run(c.name+"/pack", tp.packOnly)
		tp.release()
	}
}
