package pack

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/grist/grist/tokenize"
)

// bertRows tokenizes the shared texts with BERT base uncased's tokenizer
// (tokenize/testdata/hf) and cuts the ids into rows of 510, framed by the
// Packer's [CLS] and [SEP] to 512, with the Tokens of MLM packing.
func bertRows(b *testing.B) ([][]int32, Tokens) {
	b.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "hf", "bert-base-uncased.json.gz"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "tokenizer.json")
	out, _ := os.Create(path)
	if _, err := io.Copy(out, zr); err != nil {
		b.Fatal(err)
	}
	out.Close()
	tok, err := tokenize.Load(path, tokenize.Options{})
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
	for len(stream) >= 510 {
		row := append([]int32{toks.CLS}, stream[:510]...)
		rows = append(rows, append(row, toks.SEP))
		stream = stream[510:]
	}
	return rows, toks
}

// BenchmarkMaskRow measures the Packer's masking kernel (maskRow: special
// mask, whole-word or token selection, 80/10/10 replacement, written to
// output rows) on rows of real BERT base uncased ids.
func BenchmarkMaskRow(b *testing.B) {
	rows, toks := bertRows(b)
	for _, whole := range []bool{false, true} {
		name := "token"
		if whole {
			name = "whole_word"
		}
		b.Run(name, func(b *testing.B) {
			o := *withDefaults(&MLMOptions{})
			o.WholeWord = whole
			m, err := NewMasker(o, toks, 1)
			if err != nil {
				b.Fatal(err)
			}
			ids, labels, special := make([]int32, 512), make([]int32, 512), make([]int8, 512)
			var s maskScratch
			b.SetBytes(512 * 4)
			b.ReportAllocs()
			r := 0
			for b.Loop() {
				m.maskRow(rows[r%len(rows)], 512, ids, labels, special, toks.Pad, 0, uint64(r), 0, &s)
				r++
			}
			b.ReportMetric(512*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mtok/s")
		})
	}
}
