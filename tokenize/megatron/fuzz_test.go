package megatron

import (
	"bytes"
	"testing"
)

// FuzzParseIndex: ParseIndex never panics, and what it accepts is consistent.
func FuzzParseIndex(f *testing.F) {
	f.Add(validIndex())
	f.Add([]byte("MMIDIDX\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := ParseIndex(b)
		if err != nil {
			return
		}
		s := len(x.SequenceLengths)
		if len(x.SequencePointers) != s || (x.SequenceModes != nil && len(x.SequenceModes) != s) {
			t.Fatalf("inconsistent index %d/%d", s, len(x.SequencePointers))
		}
		if n := len(x.DocumentIndices); n > 0 && x.DocumentIndices[n-1] != int64(s) {
			t.Fatal("document indices do not end at the sequence count")
		}
		// Re-writing a writer-shaped index gives the same bytes.
		if x.SequenceModes == nil && x.DType != Float32 && x.DType != Float64 && len(x.DocumentIndices) > 0 {
			var ptr int64
			ok := true
			for i, l := range x.SequenceLengths {
				ok = ok && x.SequencePointers[i] == ptr
				ptr += int64(l) * int64(x.DType.Size())
			}
			if !ok {
				return
			}
			w, err := NewWriter(&bytes.Buffer{}, x.DType)
			if err != nil {
				t.Fatal(err)
			}
			w.lengths = x.SequenceLengths
			w.docs = x.DocumentIndices
			var out bytes.Buffer
			if err := w.WriteIndex(&out); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), b) {
				t.Fatal("re-written index differs")
			}
		}
	})
}
