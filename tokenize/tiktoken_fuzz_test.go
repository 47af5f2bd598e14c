package tokenize

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// fuzzRankFile is a small valid rank file: the 256 bytes, then merges.
func fuzzRankFile(merges ...string) []byte {
	var b bytes.Buffer
	for i := 0; i < 256; i++ {
		fmt.Fprintf(&b, "%s %d\n", base64.StdEncoding.EncodeToString([]byte{byte(i)}), i)
	}
	for i, m := range merges {
		fmt.Fprintf(&b, "%s %d\n", base64.StdEncoding.EncodeToString([]byte(m)), 256+i)
	}
	return b.Bytes()
}

// fuzzSplitPatterns are the split patterns LoadTiktokenWith accepts, in a
// fixed order (a fuzz byte picks one).
func fuzzSplitPatterns() []string {
	var p []string
	for k := range fastPatterns {
		p = append(p, k)
	}
	sort.Strings(p)
	return p
}

// FuzzLoadTiktoken: any bytes as a .tiktoken rank file never panic the
// loaders (LoadTiktokenWith for trained files, LoadTiktoken for files named
// after no built-in); errors name the file; whatever loads encodes any text
// to ids below its vocabulary size that decode back to the text, and Count
// agrees with Encode.
func FuzzLoadTiktoken(f *testing.F) {
	f.Add(fuzzRankFile("th", "the", " t", " the", "in", "ing"), []byte("the thing in the thing"), uint8(0), "<|endoftext|>", int32(300))
	f.Add(fuzzRankFile("ab", "abab"), []byte("abab ab <|endoftext|>ab"), uint8(5), "<|endoftext|>", int32(258))
	f.Add(fuzzRankFile(), []byte("héllo wörld 123\r\n\t"), uint8(2), "", int32(0))
	f.Add([]byte("YQ== 0\nYg== 1\n"), []byte("ab"), uint8(1), "", int32(0))
	f.Add([]byte("YQ== 1\nYg== 0\n\n\r\n"), []byte("ab"), uint8(1), "<s>", int32(-1))
	f.Add([]byte("!!! 0\n"), []byte("x"), uint8(0), "", int32(0))
	f.Add([]byte("YQ==   7  \nYQ== 8\n"), []byte("x"), uint8(0), "", int32(0))
	f.Add([]byte("YQ== 99999999999999999999\n"), []byte("x"), uint8(0), "", int32(0))
	f.Add([]byte{}, []byte(""), uint8(3), "", int32(0))
	patterns := fuzzSplitPatterns()
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data, text []byte, sel uint8, special string, specialID int32) {
		path := filepath.Join(dir, "fuzz.tiktoken")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadTiktoken(path, Options{}); err == nil {
			// only a Llama 3 size file loads without a built-in name
			if bytes.Count(data, []byte("\n")) < 128000-1 {
				t.Fatalf("LoadTiktoken loaded a %d-byte file with a stem naming no encoding", len(data))
			}
		} else if !strings.Contains(err.Error(), "fuzz.tiktoken") {
			t.Fatalf("error does not name the file: %v", err)
		}
		var specials map[string]int32
		if special != "" {
			specials = map[string]int32{special: specialID}
		}
		opts := Options{ParseSpecial: sel&4 != 0}
		tok, err := LoadTiktokenWith(path, patterns[int(sel)%len(patterns)], specials, opts)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.tiktoken") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		ids := tok.Encode(nil, text)
		if n := tok.Count(text); n != len(ids) {
			t.Fatalf("Count %d, Encode %d ids", n, len(ids))
		}
		for _, id := range ids {
			if id < 0 || int(id) >= tok.VocabSize() {
				t.Fatalf("id %d outside the vocabulary of %d", id, tok.VocabSize())
			}
		}
		dec, err := tok.Decode(nil, ids)
		if err != nil {
			t.Fatalf("decode of encoded ids: %v", err)
		}
		if !bytes.Equal(dec, text) {
			t.Fatalf("%q encoded to %v decodes to %q", text, ids, dec)
		}
		if _, err := tok.Decode(nil, []int32{int32(tok.VocabSize())}); err == nil {
			t.Fatal("decoding an id past the vocabulary is not an error")
		}
	})
}
