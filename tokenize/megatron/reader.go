package megatron

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
)

// Index is a parsed .idx file.
type Index struct {
	DType            DType
	SequenceLengths  []int32 // tokens per sequence
	SequencePointers []int64 // byte offset of each sequence in .bin
	DocumentIndices  []int64 // 0, then the sequence count at each document end
	SequenceModes    []int8  // multimodal indexes only, else nil
}

// Documents is the number of documents (len(DocumentIndices) - 1).
func (x *Index) Documents() int { return max(0, len(x.DocumentIndices)-1) }

// ParseIndex reads an MMIDIDX index written by Megatron-LM's _IndexWriter. It is
// written from the format, independently of Writer: magic "MMIDIDX\x00\x00", uint64
// version (must be 1), uint8 dtype code, uint64 sequence count S, uint64 document-index
// count D, then int32[S] lengths, int64[S] pointers, int64[D] document indices and,
// in multimodal indexes only, int8[S] modes; little-endian. The file must end there.
// Lengths must be >= 0; document indices must start at 0, not decrease and end at S
// (when D > 0).
func ParseIndex(b []byte) (*Index, error) {
	const hdr = 9 + 8 + 1 + 8 + 8
	if len(b) < hdr {
		return nil, fmt.Errorf("megatron: index of %d bytes is shorter than its %d-byte header", len(b), hdr)
	}
	if !bytes.Equal(b[:9], []byte("MMIDIDX\x00\x00")) {
		return nil, errors.New("megatron: not an MMIDIDX index (bad magic)")
	}
	le := binary.LittleEndian
	if v := le.Uint64(b[9:]); v != 1 {
		return nil, fmt.Errorf("megatron: index version %d, want 1", v)
	}
	x := &Index{DType: DType(b[17])}
	switch x.DType {
	case Uint8, Int8, Int16, Int32, Int64, Float64, Float32, Uint16:
	default:
		return nil, fmt.Errorf("megatron: unknown dtype code %d", b[17])
	}
	s, d := le.Uint64(b[18:]), le.Uint64(b[26:])
	body := uint64(len(b) - hdr)
	if s > body/12 || d > body/8 {
		return nil, fmt.Errorf("megatron: counts %d sequences, %d documents do not fit %d bytes", s, d, len(b))
	}
	need := 12*s + 8*d
	switch body {
	case need:
	case need + s:
		x.SequenceModes = make([]int8, s)
	default:
		return nil, fmt.Errorf("megatron: index body is %d bytes, want %d for %d sequences and %d document indices", body, need, s, d)
	}
	p := b[hdr:]
	x.SequenceLengths = make([]int32, s)
	for i := range x.SequenceLengths {
		l := int32(le.Uint32(p[4*i:]))
		if l < 0 {
			return nil, fmt.Errorf("megatron: sequence %d has negative length %d", i, l)
		}
		x.SequenceLengths[i] = l
	}
	p = p[4*s:]
	x.SequencePointers = make([]int64, s)
	for i := range x.SequencePointers {
		x.SequencePointers[i] = int64(le.Uint64(p[8*i:]))
		if x.SequencePointers[i] < 0 {
			return nil, fmt.Errorf("megatron: sequence %d has negative pointer", i)
		}
	}
	p = p[8*s:]
	x.DocumentIndices = make([]int64, d)
	prev := int64(0)
	for i := range x.DocumentIndices {
		v := int64(le.Uint64(p[8*i:]))
		if v < prev || uint64(v) > s || (i == 0 && v != 0) {
			return nil, fmt.Errorf("megatron: document index %d is %d (after %d, %d sequences)", i, v, prev, s)
		}
		x.DocumentIndices[i], prev = v, v
	}
	if d > 0 && uint64(prev) != s {
		return nil, fmt.Errorf("megatron: document indices end at %d, not at the sequence count %d", prev, s)
	}
	p = p[8*d:]
	for i := range x.SequenceModes {
		x.SequenceModes[i] = int8(p[i])
	}
	return x, nil
}

// Reader reads an indexed dataset: the index in memory, tokens from .bin on demand.
type Reader struct {
	Index *Index
	bin   *os.File
	size  int64
}

// Open reads prefix.idx and opens prefix.bin.
func Open(prefix string) (*Reader, error) {
	b, err := os.ReadFile(prefix + ".idx")
	if err != nil {
		return nil, err
	}
	x, err := ParseIndex(b)
	if err != nil {
		return nil, fmt.Errorf("%s.idx: %w", prefix, err)
	}
	f, err := os.Open(prefix + ".bin")
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &Reader{Index: x, bin: f, size: st.Size()}, nil
}

// Close closes the .bin file.
func (r *Reader) Close() error { return r.bin.Close() }

// Len is the number of sequences.
func (r *Reader) Len() int { return len(r.Index.SequenceLengths) }

// BinSize is the size of the .bin file in bytes.
func (r *Reader) BinSize() int64 { return r.size }

// Sequence appends the ids of sequence i to dst. Float dtypes are refused.
func (r *Reader) Sequence(dst []int32, i int) ([]int32, error) {
	x := r.Index
	if i < 0 || i >= len(x.SequenceLengths) {
		return dst, fmt.Errorf("megatron: sequence %d out of range [0, %d)", i, len(x.SequenceLengths))
	}
	size := int64(x.DType.Size())
	n, off := int64(x.SequenceLengths[i]), x.SequencePointers[i]
	if off > r.size || n > (r.size-off)/size {
		return dst, fmt.Errorf("megatron: sequence %d (%d tokens at byte %d) runs past the %d-byte .bin", i, n, off, r.size)
	}
	buf := make([]byte, n*size)
	if _, err := r.bin.ReadAt(buf, off); err != nil {
		return dst, err
	}
	le := binary.LittleEndian
	for k := int64(0); k < n; k++ {
		var v int64
		switch x.DType {
		case Uint8:
			v = int64(buf[k])
		case Int8:
			v = int64(int8(buf[k]))
		case Uint16:
			v = int64(le.Uint16(buf[2*k:]))
		case Int16:
			v = int64(int16(le.Uint16(buf[2*k:])))
		case Int32:
			v = int64(int32(le.Uint32(buf[4*k:])))
		case Int64:
			v = int64(le.Uint64(buf[8*k:]))
		default:
			return dst, fmt.Errorf("megatron: dtype %s holds no token ids", x.DType)
		}
		if v < math.MinInt32 || v > math.MaxInt32 {
			return dst, fmt.Errorf("megatron: sequence %d holds %d, outside int32", i, v)
		}
		dst = append(dst, int32(v))
	}
	return dst, nil
}

// Document appends the ids of all sequences of document d to dst.
func (r *Reader) Document(dst []int32, d int) ([]int32, error) {
	x := r.Index
	if d < 0 || d >= x.Documents() {
		return dst, fmt.Errorf("megatron: document %d out of range [0, %d)", d, x.Documents())
	}
	var err error
	for s := x.DocumentIndices[d]; s < x.DocumentIndices[d+1] && err == nil; s++ {
		dst, err = r.Sequence(dst, int(s))
	}
	return dst, err
}
