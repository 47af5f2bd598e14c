package filters

import "testing"

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
	for i := 0; i < b.N; i++ {
		for _, d := range docs {
			for j, f := range fs {
				f.Apply(d, sigs[j])
			}
		}
	}
}

// BenchmarkFilters runs the four quality filters on the same English text
// (the spam-assassin ham emails); bytes are counted once per document.
func BenchmarkFilters(b *testing.B) {
	b.Run("all4", func(b *testing.B) {
		benchFilter(b, newGopherQuality(b, nil), newGopherRepetition(b, nil), newC4Quality(b, nil), newFineWeb(b, nil))
	})
}
