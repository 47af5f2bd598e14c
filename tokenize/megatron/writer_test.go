package megatron

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func randomDocs(seed uint64, n int, vocab int32) [][]int32 {
	r := rand.New(rand.NewPCG(seed, 2))
	docs := make([][]int32, n)
	for i := range docs {
		d := make([]int32, r.IntN(300))
		for k := range d {
			d[k] = r.Int32N(vocab)
		}
		docs[i] = d
	}
	return docs
}

func TestDTypeForVocab(t *testing.T) {
	for _, tc := range []struct {
		vocab int
		want  DType
	}{{50257, Uint16}, {65499, Uint16}, {65500, Int32}, {100277, Int32}, {32000, Uint16}} {
		if got := DTypeForVocab(tc.vocab); got != tc.want {
			t.Errorf("vocab %d: %s, want %s", tc.vocab, got, tc.want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		dtype DType
		vocab int32
	}{{Uint16, 65499}, {Int32, 100277}, {Int64, 1 << 30}, {Uint8, 256}} {
		t.Run(tc.dtype.String(), func(t *testing.T) {
			prefix := filepath.Join(t.TempDir(), "shard")
			docs := randomDocs(uint64(tc.dtype), 500, tc.vocab)
			docs[3] = nil // an empty document is a zero-length sequence
			w, err := Create(prefix, tc.dtype)
			if err != nil {
				t.Fatal(err)
			}
			var tokens int64
			for _, d := range docs {
				if err := w.AddDocument(d); err != nil {
					t.Fatal(err)
				}
				tokens += int64(len(d))
			}
			// One multi-sequence document at the end.
			w.AddSequence([]int32{1, 2})
			w.AddSequence([]int32{3})
			w.EndDocument()
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if w.Documents() != 501 || w.Sequences() != 502 || w.Tokens() != tokens+3 {
				t.Fatalf("writer counts %d docs %d seqs %d tokens", w.Documents(), w.Sequences(), w.Tokens())
			}

			raw, err := os.ReadFile(prefix + ".idx")
			if err != nil {
				t.Fatal(err)
			}
			// Header, byte by byte as Megatron-LM writes it.
			le := binary.LittleEndian
			if string(raw[:9]) != "MMIDIDX\x00\x00" || le.Uint64(raw[9:]) != 1 || raw[17] != byte(tc.dtype) ||
				le.Uint64(raw[18:]) != 502 || le.Uint64(raw[26:]) != 502 {
				t.Fatalf("header % x", raw[:34])
			}
			if len(raw) != 34+502*4+502*8+502*8 {
				t.Fatalf("index is %d bytes", len(raw))
			}

			r, err := Open(prefix)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			x := r.Index
			if x.DType != tc.dtype || r.Len() != 502 || x.Documents() != 501 || x.SequenceModes != nil {
				t.Fatalf("index %s %d seqs %d docs", x.DType, r.Len(), x.Documents())
			}
			if r.BinSize() != (tokens+3)*int64(tc.dtype.Size()) {
				t.Fatalf(".bin is %d bytes for %d tokens", r.BinSize(), tokens+3)
			}
			for i := range docs {
				if x.DocumentIndices[i] != int64(i) {
					t.Fatalf("document index %d = %d", i, x.DocumentIndices[i])
				}
				got, err := r.Document(nil, i)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, docs[i]) && !(len(got) == 0 && len(docs[i]) == 0) {
					t.Fatalf("document %d differs", i)
				}
			}
			if x.DocumentIndices[500] != 500 || x.DocumentIndices[501] != 502 {
				t.Fatalf("last document indices %v", x.DocumentIndices[499:])
			}
			got, err := r.Document(nil, 500)
			if err != nil || !slices.Equal(got, []int32{1, 2, 3}) {
				t.Fatalf("multi-sequence document: %v %v", got, err)
			}
			var ptr int64
			for i, l := range x.SequenceLengths {
				if x.SequencePointers[i] != ptr {
					t.Fatalf("sequence %d pointer %d, want %d", i, x.SequencePointers[i], ptr)
				}
				ptr += int64(l) * int64(tc.dtype.Size())
			}
			if _, err := r.Sequence(nil, 502); err == nil {
				t.Fatal("sequence out of range read")
			}
		})
	}
}

func TestWriterRefusesIDsOutsideDType(t *testing.T) {
	var bin bytes.Buffer
	w, err := NewWriter(&bin, Uint16)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddDocument([]int32{1, 65535}); err != nil {
		t.Fatal(err)
	}
	if err := w.AddDocument([]int32{65536}); err == nil || !strings.Contains(err.Error(), "does not fit") {
		t.Fatalf("id 65536 in uint16: %v", err)
	}
	if err := w.AddDocument([]int32{1}); err == nil {
		t.Fatal("writer kept going after an error")
	}
	if _, err := NewWriter(&bin, Float32); err == nil {
		t.Fatal("float dtype accepted")
	}
}

func TestStreamingWriter(t *testing.T) {
	var bin, idx bytes.Buffer
	w, err := NewWriter(&bin, Int32)
	if err != nil {
		t.Fatal(err)
	}
	big := make([]int32, 100000) // larger than the conversion buffer
	for i := range big {
		big[i] = int32(i * 3)
	}
	if err := w.AddDocument(big); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteIndex(&idx); err != nil {
		t.Fatal(err)
	}
	x, err := ParseIndex(idx.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if bin.Len() != 400000 || x.SequenceLengths[0] != 100000 || !slices.Equal(x.DocumentIndices, []int64{0, 1}) {
		t.Fatalf("bin %d bytes, index %+v", bin.Len(), x.DocumentIndices)
	}
	for i := range big {
		if int32(binary.LittleEndian.Uint32(bin.Bytes()[4*i:])) != big[i] {
			t.Fatalf("token %d", i)
		}
	}
}

func BenchmarkWriteUint16(b *testing.B) {
	docs := randomDocs(1, 2000, 65000)
	var tokens int64
	for _, d := range docs {
		tokens += int64(len(d))
	}
	b.SetBytes(tokens * 4)
	b.ReportAllocs()
	for b.Loop() {
		w, _ := NewWriter(discard{}, Uint16)
		for _, d := range docs {
			w.AddDocument(d)
		}
		w.WriteIndex(discard{})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
