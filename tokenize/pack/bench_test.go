package pack

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/grist/grist/tokenize"
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

// BenchmarkMaskTokens measures masking on rows of real BERT base uncased ids
// (bertRows), token and whole-word rules: Mask, the public kernel that takes
// the caller's special mask and masks in place, and maskRow, the Packer's,
// which computes the special mask and writes the masked copy to output rows.
func BenchmarkMaskTokens(b *testing.B) {
	rows, toks := bertRows(b)
	for _, whole := range []bool{false, true} {
		o := *withDefaults(&MLMOptions{})
		o.WholeWord = whole
		m, err := NewMasker(o, toks, 1)
		if err != nil {
			b.Fatal(err)
		}
		rule := "token"
		if whole {
			rule = "whole_word"
		}
		ids, labels, special := make([]int32, 512), make([]int32, 512), make([]int8, 512)
		var s maskScratch
		for _, kernel := range []string{"Mask", "maskRow"} {
			b.Run(rule+"/"+kernel, func(b *testing.B) {
				b.SetBytes(512 * 4)
				b.ReportAllocs()
				r := 0
				for b.Loop() {
					row := rows[r%len(rows)]
					if kernel == "Mask" {
						copy(ids, row)
						specialsOf(m, special, ids)
						m.Mask(ids, labels, special, 0, uint64(r), 0)
					} else {
						m.maskRow(row, 512, ids, labels, special, toks.Pad, 0, uint64(r), 0, &s)
					}
					r++
				}
				b.ReportMetric(512*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mtok/s")
			})
		}
	}
}

// bertRows tokenizes the sample texts with BERT base uncased's tokenizer
// (tokenize/testdata/hf) and cuts the ids into rows of 510, framed by [CLS]
// and [SEP] to 512, with the Tokens of MLM packing.
func bertRows(b *testing.B) ([][]int32, Tokens) {
	b.Helper()
	gz, err := os.ReadFile(filepath.Join("..", "testdata", "hf", "bert-base-uncased.json.gz"))
	if err != nil {
		b.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		b.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		b.Fatal(err)
	}
	tok, err := tokenize.ParseHF("bert-base-uncased", data, tokenize.Options{})
	if err != nil {
		b.Fatal(err)
	}
	toks, err := TokensFor(tok, ExamplesMLM)
	if err != nil {
		b.Fatal(err)
	}
	if toks.WordStart, err = WordStarts(tok.VocabSize(), tok.Piece, "auto"); err != nil {
		b.Fatal(err)
	}
	var stream []int32
	for _, s := range sampleTexts(b) {
		stream = tok.Encode(stream, []byte(s))
	}
	var rows [][]int32
	for ; len(stream) >= 510; stream = stream[510:] {
		rows = append(rows, slices.Concat([]int32{toks.CLS}, stream[:510], []int32{toks.SEP}))
	}
	return rows, toks
}

// specialsOf sets sp[i] to 1 where ids[i] is a special id, 0 elsewhere: the
// special mask a caller of Mask gives.
func specialsOf(m *Masker, sp []int8, ids []int32) {
	for i, id := range ids {
		sp[i] = 0
		if x := int(id); uint(x) < uint(len(m.class)) {
			sp[i] = int8(m.class[x] & classSpecial)
		}
	}
}
