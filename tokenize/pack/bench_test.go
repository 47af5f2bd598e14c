package pack

import (
	"testing"
)

func benchPack(b *testing.B, o PackOptions, toks Tokens) {
	docs := syntheticDocs(1, 4000, 400, 1.2, 30000, 100000, 1)
	var tokens int64
	for _, d := range docs {
		tokens += int64(len(d))
	}
	p, err := NewPacker(o, toks, func(*Example) error { return nil })
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(tokens * 4)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i, d := range docs {
			if err := p.Add(i, d); err != nil {
				b.Fatal(err)
			}
		}
		if err := p.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(tokens)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mtok/s")
}

func BenchmarkPackBestFit(b *testing.B) {
	o := arOpts(StrategyBestFit, 2048)
	o.BufferDocs = 1000
	benchPack(b, o, Tokens{Pad: 0})
}

func BenchmarkPackConcat(b *testing.B) {
	benchPack(b, arOpts(StrategyConcat, 2048), Tokens{Pad: 0})
}

func BenchmarkPackNone(b *testing.B) {
	benchPack(b, arOpts(StrategyNone, 2048), Tokens{Pad: 0})
}

func BenchmarkPackMLM(b *testing.B) {
	o := mlmOpts(512)
	o.Strategy = StrategyBestFit
	benchPack(b, o, cl100kMLM)
}

func BenchmarkMaskTokens(b *testing.B) {
	for _, whole := range []bool{false, true} {
		name := "token"
		if whole {
			name = "whole_word"
		}
		b.Run(name, func(b *testing.B) {
			o := *withDefaults(&MLMOptions{})
			o.WholeWord = whole
			ws := make([]bool, 100277)
			for i := range ws {
				ws[i] = i%3 != 0
			}
			toks := cl100kMLM
			toks.WordStart = ws
			m, err := NewMasker(o, toks, 1)
			if err != nil {
				b.Fatal(err)
			}
			docs := syntheticDocs(2, 1, 512, 0, 512, 100000, 1)
			row := docs[0]
			ids := make([]int32, len(row))
			labels := make([]int32, len(row))
			special := make([]int8, len(row))
			special[0], special[len(row)-1] = 1, 1
			b.SetBytes(int64(len(row)) * 4)
			b.ReportAllocs()
			for b.Loop() {
				copy(ids, row)
				m.Mask(ids, labels, special, 0, uint64(b.N), 0)
			}
			b.ReportMetric(float64(len(row))*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mtok/s")
		})
	}
}
