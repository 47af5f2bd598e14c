package tokenize

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadHF: arbitrary JSON never panics the loader, and whatever loads can
// encode and decode.
func FuzzLoadHF(f *testing.F) {
	for _, name := range []string{"wordpiece", "bpe-llama"} {
		data, err := os.ReadFile(filepath.Join("testdata/hf", name+".json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2},"merges":["a b"]},"pre_tokenizer":{"type":"Split","pattern":{"Regex":"\\s+"},"behavior":"Isolated"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := ParseHF("fuzz.json", data, Options{ParseSpecial: true})
		if err != nil {
			return
		}
		ids := tok.Encode(nil, []byte("Hello wörld <s> 123"))
		_, _ = tok.Decode(nil, ids)
		_ = tok.Count([]byte("x"))
	})
}

var fuzzHF []*HF

func loadFuzzHF(t testing.TB) []*HF {
	if fuzzHF == nil {
		for _, name := range hfGoldenNames {
			for _, ps := range []bool{false, true} {
				tok := loadHFTestdata(t, name, Options{ParseSpecial: ps})
				fuzzHF = append(fuzzHF, tok)
			}
		}
	}
	return fuzzHF
}

// FuzzHFEncode: any bytes encode without panicking, Count agrees with Encode,
// and the byte-level model round-trips every input.
func FuzzHFEncode(f *testing.F) {
	for _, s := range []string{"", " ", "hello world", "\xff\xfe", "나는 학교에 갔다", "a</s>b<mask> c", "\t\n\r\u00a0"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		for _, tok := range loadFuzzHF(t) {
			ids := tok.Encode(nil, text)
			if n := tok.Count(text); n != len(ids) {
				t.Fatalf("%s: Count %d, Encode %d", tok.Name(), n, len(ids))
			}
			dec, err := tok.Decode(nil, ids)
			if err != nil {
				t.Fatal(err)
			}
			if filepath.Base(tok.Name()) == "bytelevel-bpe.json" && !tok.opts.ParseSpecial && !bytes.Equal(dec, text) {
				t.Fatalf("%s: %q decoded to %q", tok.Name(), text, dec)
			}
		}
	})
}
