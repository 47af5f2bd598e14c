package lang

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"os"
	"runtime"
	"sync"
	"testing"

	"github.com/pemistahl/lingua-go"

	"github.com/grist/grist/internal/cputime"
)

const spamPath = "../../../shared/data/spam-assassin.jsonl.gz"

// benchTexts returns the texts of a shared corpus (every article of the
// UDHR, in all ~500 languages; every e-mail of SpamAssassin).
var benchTexts = func() func(tb testing.TB, path string) []string {
	var mu sync.Mutex
	cache := map[string][]string{}
	return func(tb testing.TB, path string) []string {
		mu.Lock()
		defer mu.Unlock()
		if t, ok := cache[path]; ok {
			return t
		}
		f, err := os.Open(path)
		if err != nil {
			tb.Skipf("corpus not available: %v", err)
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(zr)
		sc.Buffer(make([]byte, 1<<20), 1<<26)
		var texts []string
		for sc.Scan() {
			var d struct{ Text string }
			if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
				tb.Fatal(err)
			}
			texts = append(texts, d.Text)
		}
		cache[path] = texts
		return texts
	}
}()

var benchCorpora = []struct{ name, path string }{{"udhr", udhrPath}, {"email", spamPath}}

// runDetect runs detect over the corpus round robin; SetBytes is the mean
// document size, so MB/s is document text per second on one core.
func runDetect(b *testing.B, texts []string, detect func(string)) {
	total := 0
	for _, t := range texts {
		total += len(t)
	}
	mean := total / len(texts)
	b.SetBytes(int64(mean))
	b.ReportAllocs()
	runtime.GC() // the models' load garbage is not the detector's
	b.ResetTimer()
	cpu0 := cputime.Process()
	for i := 0; i < b.N; i++ {
		detect(texts[i%len(texts)])
	}
	cpu := cputime.Process() - cpu0
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
	// On a shared machine, the process's CPU time gives the per-core rate
	// free of time spent waiting for a core (run with GOMAXPROCS=1).
	if cpu > 0 {
		b.ReportMetric(float64(b.N)*float64(mean)/cpu.Seconds()/1e6, "cpuMB/s")
	}
}

func BenchmarkDetect(b *testing.B) {
	configs := []struct {
		name string
		opts LangOptions
	}{
		{"default", LangOptions{}},
		{"low", LangOptions{Accuracy: "low"}},
		{"all-high", LangOptions{Accuracy: "high"}},
		{"five-langs", LangOptions{Languages: []string{"en", "de", "fr", "es", "pt"}}},
	}
	for _, c := range configs {
		b.Run(c.name, func(b *testing.B) {
			opts := c.opts
			d, err := NewDetector(*withDefaults(&opts))
			if err != nil {
				b.Fatal(err)
			}
			if d.high != nil {
				// lingua-go loads models on first use: load them before timing.
				codes := make([]string, len(d.langs))
				for i, l := range d.langs {
					codes[i] = isoCode(l)
				}
				d.high = linguaHigh(codes, true)
			}
			for _, corpus := range benchCorpora {
				b.Run(corpus.name, func(b *testing.B) {
					runDetect(b, benchTexts(b, corpus.path), func(s string) { d.Detect(s) })
				})
			}
		})
	}
}

// BenchmarkLinguaPlain is lingua-go used as documented, on the whole text,
// in its default (high accuracy) mode and in low accuracy mode.
func BenchmarkLinguaPlain(b *testing.B) {
	for _, mode := range []string{"high", "low"} {
		b.Run(mode, func(b *testing.B) {
			bld := lingua.NewLanguageDetectorBuilder().FromAllLanguages().WithPreloadedLanguageModels()
			if mode == "low" {
				bld = bld.WithLowAccuracyMode()
			}
			det := bld.Build()
			for _, corpus := range benchCorpora {
				b.Run(corpus.name, func(b *testing.B) {
					runDetect(b, benchTexts(b, corpus.path), func(s string) { det.DetectLanguageOf(s) })
				})
			}
		})
	}
}
