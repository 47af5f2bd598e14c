package megatron

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// WriterDoc describes the Megatron writer in one line.
const WriterDoc = "writes token documents as a Megatron-LM MMIDIDX indexed dataset (prefix.bin + prefix.idx)"

// DType is the numeric code of the token type in the index (Megatron-LM
// megatron/core/datasets/indexed_dataset.py, class DType).
type DType uint8

// Codes of DType, as in Megatron-LM.
const (
	Uint8   DType = 1
	Int8    DType = 2
	Int16   DType = 3
	Int32   DType = 4
	Int64   DType = 5
	Float64 DType = 6
	Float32 DType = 7
	Uint16  DType = 8
)

// Size is the width of one element in bytes, 0 for an unknown code.
func (d DType) Size() int {
	switch d {
	case Uint8, Int8:
		return 1
	case Int16, Uint16:
		return 2
	case Int32, Float32:
		return 4
	case Int64, Float64:
		return 8
	}
	return 0
}

func (d DType) String() string {
	switch d {
	case Uint8:
		return "uint8"
	case Int8:
		return "int8"
	case Int16:
		return "int16"
	case Int32:
		return "int32"
	case Int64:
		return "int64"
	case Float64:
		return "float64"
	case Float32:
		return "float32"
	case Uint16:
		return "uint16"
	}
	return fmt.Sprintf("dtype(%d)", uint8(d))
}

// DTypeForVocab is Megatron-LM's DType.optimal_dtype: uint16 when the vocabulary has
// fewer than 65,500 ids, else int32.
func DTypeForVocab(vocabSize int) DType {
	if vocabSize < 65500 {
		return Uint16
	}
	return Int32
}

// Writer streams sequences to a .bin and writes the .idx at the end. Token data go
// straight to the .bin through a buffer; the index needs the sequence lengths (4
// bytes per sequence) and document boundaries (8 bytes per document), which stay in
// memory until Close, so a shard of 100 million documents holds about 1.2 GB: split
// output into shards of bounded size. Not safe for concurrent use.
type Writer struct {
	dtype   DType
	bin     *bufio.Writer
	binFile *os.File
	idxPath string
	lengths []int32
	docs    []int64 // Megatron's document_indices: 0, then the sequence count at each document end
	buf     []byte
	tokens  int64
	err     error
	closed  bool
}

// Create opens prefix.bin for writing; Close writes prefix.idx.
func Create(prefix string, dtype DType) (*Writer, error) {
	f, err := os.Create(prefix + ".bin")
	if err != nil {
		return nil, err
	}
	w, err := NewWriter(f, dtype)
	if err != nil {
		f.Close()
		os.Remove(prefix + ".bin")
		return nil, err
	}
	w.binFile = f
	w.idxPath = prefix + ".idx"
	return w, nil
}

// NewWriter writes token data to bin; WriteIndex then writes the index. The token
// dtype must be an integer type (uint16 or int32 in practice, see DTypeForVocab).
func NewWriter(bin io.Writer, dtype DType) (*Writer, error) {
	switch dtype {
	case Uint8, Int8, Int16, Int32, Int64, Uint16:
	default:
		return nil, fmt.Errorf("megatron: token dtype %s is not an integer type", dtype)
	}
	return &Writer{
		dtype: dtype,
		bin:   bufio.NewWriterSize(bin, 1<<20),
		docs:  []int64{0},
		buf:   make([]byte, 0, 1<<16),
	}, nil
}

// AddDocument writes ids as one sequence and ends the document (what Megatron's
// preprocess_data.py does for each JSON line without sentence splitting).
func (w *Writer) AddDocument(ids []int32) error {
	if err := w.AddSequence(ids); err != nil {
		return err
	}
	w.EndDocument()
	return nil
}

// AddSequence writes ids as one sequence of the current document (add_item).
func (w *Writer) AddSequence(ids []int32) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return errors.New("megatron: write after Close")
	}
	if len(ids) > 1<<31-1 {
		return fmt.Errorf("megatron: sequence of %d tokens exceeds int32 lengths", len(ids))
	}
	total := len(ids)
	size := w.dtype.Size()
	for len(ids) > 0 {
		n := min(len(ids), cap(w.buf)/size)
		b := w.buf[:n*size]
		if err := w.encode(b, ids[:n]); err != nil {
			w.err = err
			return err
		}
		if _, err := w.bin.Write(b); err != nil {
			w.err = err
			return err
		}
		ids = ids[n:]
	}
	w.lengths = append(w.lengths, int32(total))
	w.tokens += int64(total)
	return nil
}

// encode converts ids to the dtype in b, one loop per dtype so the conversion
// vectorises; it refuses ids outside the dtype's range.
func (w *Writer) encode(b []byte, ids []int32) error {
	le := binary.LittleEndian
	var lo, hi int32
	switch w.dtype {
	case Uint8:
		lo, hi = 0, 255
	case Int8:
		lo, hi = -128, 127
	case Uint16:
		lo, hi = 0, 65535
	case Int16:
		lo, hi = -32768, 32767
	}
	if lo != hi {
		bad := false
		for _, id := range ids {
			bad = bad || id < lo || id > hi
		}
		if bad {
			for _, id := range ids {
				if id < lo || id > hi {
					return fmt.Errorf("megatron: token id %d does not fit dtype %s", id, w.dtype)
				}
			}
		}
	}
	switch w.dtype {
	case Uint8, Int8:
		for i, id := range ids {
			b[i] = byte(id)
		}
	case Uint16, Int16:
		for i, id := range ids {
			le.PutUint16(b[2*i:], uint16(id))
		}
	case Int32:
		for i, id := range ids {
			le.PutUint32(b[4*i:], uint32(id))
		}
	case Int64:
		for i, id := range ids {
			le.PutUint64(b[8*i:], uint64(int64(id)))
		}
	}
	return nil
}

// EndDocument closes the current document (end_document).
func (w *Writer) EndDocument() {
	w.docs = append(w.docs, int64(len(w.lengths)))
}

// Sequences is the number of sequences written; Documents the number of ended
// documents; Tokens the number of ids written.
func (w *Writer) Sequences() int { return len(w.lengths) }

// Documents is the number of ended documents.
func (w *Writer) Documents() int { return len(w.docs) - 1 }

// Tokens is the number of ids written.
func (w *Writer) Tokens() int64 { return w.tokens }

// Flush writes buffered token data to the underlying writer.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	w.err = w.bin.Flush()
	return w.err
}

// WriteIndex flushes the token data and writes the index to idx:
//
//	"MMIDIDX\x00\x00", uint64 version 1, uint8 dtype code,
//	uint64 sequence count, uint64 document-index count (documents + 1),
//	int32 sequence lengths, int64 sequence byte offsets into .bin,
//	int64 document indices (0, then the sequence count after each document),
//
// all little-endian, as Megatron-LM's _IndexWriter.
func (w *Writer) WriteIndex(idx io.Writer) error {
	if err := w.Flush(); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(idx, 1<<20)
	var hdr [34]byte
	copy(hdr[:], "MMIDIDX\x00\x00")
	binary.LittleEndian.PutUint64(hdr[9:], 1)
	hdr[17] = byte(w.dtype)
	binary.LittleEndian.PutUint64(hdr[18:], uint64(len(w.lengths)))
	binary.LittleEndian.PutUint64(hdr[26:], uint64(len(w.docs)))
	bw.Write(hdr[:])
	var b [8]byte
	for _, l := range w.lengths {
		binary.LittleEndian.PutUint32(b[:], uint32(l))
		bw.Write(b[:4])
	}
	ptr, size := int64(0), int64(w.dtype.Size())
	for _, l := range w.lengths {
		binary.LittleEndian.PutUint64(b[:], uint64(ptr))
		bw.Write(b[:])
		ptr += int64(l) * size
	}
	for _, d := range w.docs {
		binary.LittleEndian.PutUint64(b[:], uint64(d))
		bw.Write(b[:])
	}
	return bw.Flush()
}

// Close finishes a Writer made by Create: it flushes and closes prefix.bin and writes
// prefix.idx. For a Writer made by NewWriter it only flushes; call WriteIndex.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if w.binFile == nil {
		return w.Flush()
	}
	err := w.Flush()
	if cerr := w.binFile.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	f, err := os.Create(w.idxPath)
	if err != nil {
		return err
	}
	err = w.WriteIndex(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
