package train

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"os"
	"runtime"
	"strings"
	"testing"
)

// benchDocs reads the texts of the shared corpora: the spam-assassin emails
// (mostly English) and the UDHR articles, about 25 MB; or, when TRAIN_BENCH_FILE
// names a text file, its lines (newline kept), as Hugging Face's trainer reads it.
func benchDocs(b *testing.B) ([]string, int64) {
	var docs []string
	var n int64
	if p := os.Getenv("TRAIN_BENCH_FILE"); p != "" {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		for _, l := range strings.SplitAfter(string(data), "\n") {
			if l != "" {
				docs = append(docs, l)
			}
		}
		return docs, int64(len(data))
	}
	for _, name := range []string{"spam-assassin.jsonl.gz", "udhr.jsonl.gz"} {
		f, err := os.Open("../../../shared/data/" + name)
		if err != nil {
			b.Skip(err)
		}
		z, err := gzip.NewReader(f)
		if err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(z)
		sc.Buffer(nil, 1<<26)
		for sc.Scan() {
			var d struct{ Text string }
			if json.Unmarshal(sc.Bytes(), &d) == nil {
				docs = append(docs, d.Text)
				n += int64(len(d.Text))
			}
		}
		f.Close()
	}
	return docs, n
}

func benchTrain(b *testing.B, o Options) {
	docs, n := benchDocs(b)
	b.SetBytes(n)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr, err := New(o)
		if err != nil {
			b.Fatal(err)
		}
		for _, d := range docs {
			tr.Add(d)
		}
		m, err := tr.Train()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(m.Stats.Words), "words")
	}
}

// BenchmarkTrainBPE: byte-level BPE, GPT-2 pattern, 32k vocabulary, one
// counting goroutine (run with -cpu 1 for one thread).
func BenchmarkTrainBPE(b *testing.B) {
	o := *withDefaults(&Options{})
	o.Workers = runtime.GOMAXPROCS(0)
	benchTrain(b, o)
}

// BenchmarkTrainBPEByteFallback: SentencePiece-style BPE, 32k vocabulary.
func BenchmarkTrainBPEByteFallback(b *testing.B) {
	o := goldenOptions(true)
	o.VocabSize = 32000
	o.Workers = runtime.GOMAXPROCS(0)
	benchTrain(b, o)
}

// BenchmarkCount: pre-tokenizing and counting words only.
func BenchmarkCount(b *testing.B) {
	docs, n := benchDocs(b)
	b.SetBytes(n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := newCounter(withDefaults(&Options{Workers: runtime.GOMAXPROCS(0)}), gpt2Splitter{})
		for _, d := range docs {
			c.add(d)
		}
		c.finish()
	}
}

// BenchmarkSplitGPT2: the hand-written GPT-2 pattern scanner.
func BenchmarkSplitGPT2(b *testing.B) {
	docs, _ := benchDocs(b)
	text := []byte(strings.Join(docs[:2000], "\n"))
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		gpt2Splitter{}.split(text, func([]byte) { n++ })
	}
}
