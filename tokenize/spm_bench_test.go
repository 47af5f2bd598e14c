package tokenize

import "testing"

func benchSPM(b *testing.B, name string) {
	tok := loadSPMTestdata(b, name, Options{})
	var texts [][]byte
	for _, l := range gunzipLines(b, "testdata/spm/lines.txt.gz") {
		texts = append(texts, []byte(l))
	}
	benchEncode(b, tok, texts)
}

// UDHR lines in ~480 languages plus e-mail lines, one Encode per line.
func BenchmarkSPMBPE(b *testing.B)     { benchSPM(b, "bpe") }
func BenchmarkSPMUnigram(b *testing.B) { benchSPM(b, "unigram") }
