package tokenize

import (
	"strings"
	"testing"
)

// hfBenchTexts returns the golden texts whose source starts with prefix.
func hfBenchTexts(b *testing.B, prefix string) [][]byte {
	var out [][]byte
	for _, g := range readJSONLGz[goldenText](b, "testdata/hf/texts.jsonl.gz") {
		if strings.HasPrefix(g.Src, prefix) {
			out = append(out, []byte(g.Text))
		}
	}
	return out
}

func benchEncode(b *testing.B, tok Tokenizer, texts [][]byte) {
	total := 0
	for _, t := range texts {
		total += len(t)
	}
	dst := make([]int32, 0, 1<<16)
	b.SetBytes(int64(total))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, t := range texts {
			dst = tok.Encode(dst[:0], t)
		}
	}
}

func benchHF(b *testing.B, name, src string) {
	tok := loadHFTestdata(b, name, Options{})
	benchEncode(b, tok, hfBenchTexts(b, src))
}

// English e-mail (spam-assassin) through byte-level BPE and WordPiece.
func BenchmarkHFByteLevelBPE(b *testing.B) { benchHF(b, "bytelevel-bpe", "spam/") }
func BenchmarkHFWordPiece(b *testing.B)    { benchHF(b, "wordpiece", "spam/") }
func BenchmarkHFUnigram(b *testing.B)      { benchHF(b, "unigram", "spam/") }
func BenchmarkHFBPELlama(b *testing.B)     { benchHF(b, "bpe-llama", "spam/") }
