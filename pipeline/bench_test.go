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
