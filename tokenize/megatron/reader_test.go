package megatron

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"
	"testing"
)

func validIndex() []byte {
	var bin, idx bytes.Buffer
	w, _ := NewWriter(&bin, Uint16)
	w.AddDocument([]int32{1, 2, 3})
	w.AddDocument([]int32{4})
	w.WriteIndex(&idx)
	return idx.Bytes()
}

func TestParseIndexRejects(t *testing.T) {
	good := validIndex()
	if _, err := ParseIndex(good); err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	for _, tc := range []struct {
		name string
		edit func([]byte) []byte
		want string
	}{
		{"short", func(b []byte) []byte { return b[:20] }, "shorter"},
		{"magic", func(b []byte) []byte { b[0] = 'X'; return b }, "magic"},
		{"version", func(b []byte) []byte { le.PutUint64(b[9:], 2); return b }, "version"},
		{"dtype", func(b []byte) []byte { b[17] = 9; return b }, "dtype"},
		{"truncated", func(b []byte) []byte { return b[:len(b)-1] }, "body"},
		{"huge count", func(b []byte) []byte { le.PutUint64(b[18:], 1<<62); return b }, "fit"},
		{"negative length", func(b []byte) []byte { le.PutUint32(b[34:], 0xffffffff); return b }, "negative"},
		{"doc start", func(b []byte) []byte { le.PutUint64(b[len(b)-24:], 1); return b }, "document index"},
		{"doc end", func(b []byte) []byte { le.PutUint64(b[len(b)-8:], 1); return b }, "document ind"},
	} {
		b := tc.edit(slices.Clone(good))
		if _, err := ParseIndex(b); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	// Multimodal indexes carry one mode byte per sequence.
	mm := append(slices.Clone(good), 0, 1)
	x, err := ParseIndex(mm)
	if err != nil || !slices.Equal(x.SequenceModes, []int8{0, 1}) {
		t.Fatalf("multimodal: %v %v", x, err)
	}
}
