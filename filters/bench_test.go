package filters

import (
	"testing"

	"github.com/grist/grist/annotate"
	"github.com/grist/grist/internal/cputime"
)

func benchFilter(b *testing.B, fs ...Filter) {
	docs := loadHam(b)
	total := 0
	for _, d := range docs {
		total += len(d)
	}
	sigs := make([][]float64, len(fs))
	for i, f := range fs {
		sigs[i] = make([]float64, len(f.Signals()))
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cputime.Process()
	for i := 0; i < b.N; i++ {
		// every pass sees new documents, as a run does: the filters share
		// one split per document, never one per benchmark.
		annotate.SharedWords.Clear()
		for _, d := range docs {
			for j, f := range fs {
				f.Apply(d, sigs[j])
			}
		}
	}
	if cpu := cputime.Process() - cpu0; cpu > 0 {
		// throughput per CPU second: steadier than wall time on a busy machine.
		b.ReportMetric(float64(total)*float64(b.N)/cpu.Seconds()/1e6, "cpu-MB/s")
	}
}

// BenchmarkFilters runs the four quality filters on the same English text
// (the spam-assassin ham emails); bytes are counted once per document.
func BenchmarkFilters(b *testing.B) {
	b.Run("all4", func(b *testing.B) {
		benchFilter(b, newGopherQuality(b, nil), newGopherRepetition(b, nil), newC4Quality(b, nil), newFineWeb(b, nil))
	})
	b.Run("gopher_quality", func(b *testing.B) { benchFilter(b, newGopherQuality(b, nil)) })
	b.Run("gopher_repetition", func(b *testing.B) { benchFilter(b, newGopherRepetition(b, nil)) })
	b.Run("c4_quality", func(b *testing.B) { benchFilter(b, newC4Quality(b, nil)) })
	b.Run("fineweb_quality", func(b *testing.B) { benchFilter(b, newFineWeb(b, nil)) })
}
