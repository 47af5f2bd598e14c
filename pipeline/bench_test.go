package pipeline

import (
	"bytes"

	"compress/gzip"
	"context"
	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
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

// BenchmarkTokenizePack measures the tokenize stage alone and followed by
// the pack stage (bestfit, AR rows of 2048) on the same batches, in memory,
// one goroutine: what packing adds to tokenization.
func BenchmarkTokenizePack(b *testing.B) {
	p, _ := benchCorpus(b)
	dir := b.TempDir()
	cfg, err := ParseConfig("bench.yaml", []byte("input: {paths: ["+p+"]}\nsteps:\n  - tokenize: {tokenizer: o200k_base, add_eos: true}\n  - pack: {seq_len: 2048}\noutput: {path: "+dir+"}\n"))
	if err != nil {
		b.Fatal(err)
	}
	// the first 8 MB of documents, as batches
	r := &runner{cfg: cfg, mem: memory.DefaultAllocator, opts: RunOptions{FaultTask: -1, WorldSize: 1}, out: dir, work: filepath.Join(dir, ".grist")}
	if err := r.prepare(); err != nil {
		b.Fatal(err)
	}
	t := &Task{Spec: r.tasks[0], Mem: r.mem, r: r, stats: NewStats(cfg.Plan)}
	src, err := r.openSource(context.Background(), r.phases[0], t)
	if err != nil {
		b.Fatal(err)
	}
	var batches []arrow.Record
	var size int64
	for size < 8<<20 {
		rec, err := src.Next()
		if err != nil {
			break
		}
		batches = append(batches, rec)
		size += TextBytes(rec)
	}
	src.Close()
	run := func(b *testing.B, withPack bool) {
		b.SetBytes(size)
		var tokens int64
		for i := 0; i < b.N; i++ {
			pt, err := r.stages[1].(TaskStager).StartTask(t)
			if err != nil {
				b.Fatal(err)
			}
			for _, rec := range batches {
				rec.Retain()
				out, err := r.stages[0].Process(context.Background(), t, rec)
				rec.Release()
				if err != nil {
					b.Fatal(err)
				}
				if withPack {
					ex, err := pt.Process(context.Background(), t, out)
					if err != nil {
						b.Fatal(err)
					}
					ex.Release()
				}
				out.Release()
			}
			last, _ := pt.Finish(context.Background(), t)
			if last != nil {
				last.Release()
			}
		}
		tokens = t.stats.Stages[0].Counters["tokens"] / int64(b.N)
		b.ReportMetric(float64(tokens)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
	}
	b.Run("tokenize", func(b *testing.B) { run(b, false) })
	b.Run("tokenize+pack", func(b *testing.B) { run(b, true) })
}
