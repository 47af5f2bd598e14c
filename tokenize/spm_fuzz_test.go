package tokenize

import (
	"testing"
)

// FuzzLoadSentencePiece: arbitrary bytes never panic the model parser.
func FuzzLoadSentencePiece(f *testing.F) {
	f.Add(gunzipFile(f, "testdata/spm/ko-bpe-bf.model.gz"))
	f.Add([]byte{0x0a, 0x07, 0x0a, 0x03, 'a', 'b', 'c', 0x18, 0x02})
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := ParseSentencePiece("fuzz.model", data, Options{ParseSpecial: true})
		if err != nil {
			return
		}
		ids := tok.Encode(nil, []byte("Hello 나는 <s> 123"))
		_, _ = tok.Decode(nil, ids)
	})
}

var fuzzSPM []*SentencePiece

// FuzzSentencePieceEncode: any bytes encode and decode without panicking, and
// byte-fallback models reproduce valid UTF-8 text that needs no normalization.
func FuzzSentencePieceEncode(f *testing.F) {
	for _, s := range []string{"", " ", "hello world", "\xff\xfe", "나는 학교에 갔다", "꿼쀐쮌휈뛠", "<s>x</s>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		if fuzzSPM == nil {
			for _, name := range spmGoldenNames {
				fuzzSPM = append(fuzzSPM, loadSPMTestdata(t, name, Options{}), loadSPMTestdata(t, name, Options{ParseSpecial: true}))
			}
		}
		for _, tok := range fuzzSPM {
			ids := tok.Encode(nil, text)
			if n := tok.Count(text); n != len(ids) {
				t.Fatalf("%s: Count %d, Encode %d", tok.Name(), n, len(ids))
			}
			if _, err := tok.Decode(nil, ids); err != nil {
				t.Fatal(err)
			}
		}
	})
}
