package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
)

// fuzzCursor hands out the bytes of a fuzz input, then zeros.
type fuzzCursor struct {
	b []byte
	i int
}

func (c *fuzzCursor) next() byte {
	if c.i >= len(c.b) {
		return 0
	}
	c.i++
	return c.b[c.i-1]
}

func (c *fuzzCursor) bytes(n int) []byte {
	out := make([]byte, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, c.next())
	}
	return out
}

// fuzzColumnNames are the column names fuzzed files use: the default text
// and id fields, others, and a repeat.
var fuzzColumnNames = []string{"text", "id", "body", "doc_id", "meta", "text", "n", ""}

// fuzzParquetShape is a Parquet file built from fuzz bytes, with what a
// reader of it must find.
type fuzzParquetShape struct {
	table     arrow.Table
	in        InputConfig
	rowGroup  int64
	codec     compress.Compression
	mutations [][2]int // offset, xor
}

// buildFuzzParquet turns shape bytes into a schema (1-5 columns of string,
// large string, binary, int64, float64, bool, list<int32> or int32,
// nullable or not, named from fuzzColumnNames), values bytes into 0-23 rows
// (strings of any bytes, invalid UTF-8 included), and picks the text and id
// fields, the passed-through fields, the batch size, the row group size, the
// codec and up to 3 byte flips of the written file.
func buildFuzzParquet(shape, values []byte) *fuzzParquetShape {
	s, v := &fuzzCursor{b: shape}, &fuzzCursor{b: values}
	mem := memory.DefaultAllocator
	ncols := 1 + int(s.next())%5
	nrows := int(s.next()) % 24
	var fields []arrow.Field
	var cols []arrow.Array
	for c := 0; c < ncols; c++ {
		kind, flags := s.next(), s.next()
		name := fuzzColumnNames[int(flags>>1)%len(fuzzColumnNames)]
		nullable := flags&1 == 1
		null := func() bool { return nullable && v.next()%5 == 0 }
		str := func() []byte { return v.bytes(int(v.next()) % 9) }
		var b array.Builder
		switch kind % 8 {
		case 0:
			b = array.NewStringBuilder(mem)
		case 1:
			b = array.NewLargeStringBuilder(mem)
		case 2:
			b = array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
		case 3:
			b = array.NewInt64Builder(mem)
		case 4:
			b = array.NewFloat64Builder(mem)
		case 5:
			b = array.NewBooleanBuilder(mem)
		case 6:
			b = array.NewListBuilder(mem, arrow.PrimitiveTypes.Int32)
		default:
			b = array.NewInt32Builder(mem)
		}
		for i := 0; i < nrows; i++ {
			if null() {
				b.AppendNull()
				continue
			}
			switch b := b.(type) {
			case *array.StringBuilder:
				b.BinaryBuilder.Append(str())
			case *array.LargeStringBuilder:
				b.BinaryBuilder.Append(str())
			case *array.BinaryBuilder:
				b.Append(str())
			case *array.Int64Builder:
				b.Append(int64(v.next())<<56 | int64(v.next()))
			case *array.Float64Builder:
				b.Append(float64(int8(v.next())) / 3)
			case *array.BooleanBuilder:
				b.Append(v.next()&1 == 1)
			case *array.ListBuilder:
				b.Append(true)
				for k := int(v.next()) % 4; k > 0; k-- {
					b.ValueBuilder().(*array.Int32Builder).Append(int32(v.next()))
				}
			case *array.Int32Builder:
				b.Append(int32(v.next()))
			}
		}
		arr := b.NewArray()
		b.Release()
		fields = append(fields, arrow.Field{Name: name, Type: arr.DataType(), Nullable: nullable || arr.NullN() > 0})
		cols = append(cols, arr)
	}
	schema := arrow.NewSchema(fields, nil)
	rec := array.NewRecord(schema, cols, int64(nrows))
	for _, c := range cols {
		c.Release()
	}
	sh := &fuzzParquetShape{table: array.NewTableFromRecords(schema, []arrow.Record{rec})}
	rec.Release()
	pick := func() string {
		b := s.next()
		if b%9 == 8 {
			return "missing"
		}
		return fuzzColumnNames[int(b)%len(fuzzColumnNames)]
	}
	sh.in = InputConfig{TextField: pick(), IDField: pick(), BatchSize: 1 + int(s.next())%7}
	if sel := s.next(); sel&1 == 1 {
		for i, n := range fuzzColumnNames {
			if sel&(2<<i) != 0 {
				sh.in.Fields = append(sh.in.Fields, n)
			}
		}
	}
	sh.rowGroup = 1 + int64(s.next())%8
	sh.codec = []compress.Compression{compress.Codecs.Uncompressed, compress.Codecs.Snappy, compress.Codecs.Zstd, compress.Codecs.Gzip}[s.next()%4]
	for k := int(s.next()) % 4; k > 0; k-- {
		sh.mutations = append(sh.mutations, [2]int{int(s.next())<<8 | int(s.next()), int(s.next()) | 1})
	}
	return sh
}

// readFuzzParquet reads a file through the pipeline's Parquet reader, task
// by task as the input planner splits it, and returns the documents' ids
// and texts and the error rows' row numbers. Errors must name the file.
func readFuzzParquet(t *testing.T, path string, in InputConfig, splitBytes int64, mem memory.Allocator) (ids, texts []string, badRows []int64, err error) {
	splits, err := parquetRowGroupSplits(path, splitBytes)
	if err != nil {
		return nil, nil, nil, err
	}
	for i, sp := range splits {
		spec := TaskSpec{Index: i, File: InputFile{Path: path, Format: "parquet"}, Start: sp[0], End: sp[1]}
		r, err := newParquetReader(context.Background(), spec, in, mem, nil, func(b BadRecord) error {
			if b.File != path || b.Reason == "" {
				t.Fatalf("bad record without file or reason: %+v", b)
			}
			badRows = append(badRows, b.Line)
			return nil
		})
		if err != nil {
			return nil, nil, nil, err
		}
		for {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				r.Close()
				return nil, nil, nil, err
			}
			s := rec.Schema()
			if s.NumFields() < 2 || s.Field(0).Name != ColID || s.Field(1).Name != ColText {
				t.Fatalf("batch schema does not start with id, text: %s", s)
			}
			seen := map[string]bool{}
			for _, f := range s.Fields() {
				if seen[f.Name] {
					t.Fatalf("column %q twice in %s", f.Name, s)
				}
				seen[f.Name] = true
			}
			idc, tc := rec.Column(0).(*array.String), rec.Column(1).(*array.String)
			for k := 0; k < int(rec.NumRows()); k++ {
				if idc.IsNull(k) || tc.IsNull(k) {
					t.Fatalf("null id or text in row %d", k)
				}
				ids = append(ids, idc.Value(k))
				texts = append(texts, tc.Value(k))
			}
			rec.Release()
		}
		if err := r.Close(); err != nil {
			return nil, nil, nil, err
		}
	}
	return ids, texts, badRows, nil
}

// FuzzParquetReader: any bytes as a Parquet file, and small valid files of
// fuzzed schemas and values (then maybe with a few bytes flipped), read
// through the pipeline's Parquet reader with a text_field/id_field mapping,
// never panic and fail with errors naming the file. A valid file maps
// exactly: every row is a document or an error row (null text, invalid
// UTF-8), texts and string ids are the file's values, missing ids are
// file:row, and no Arrow memory is left allocated.
func FuzzParquetReader(f *testing.F) {
	f.Add([]byte("PAR1"), []byte{}, []byte{})
	f.Add([]byte("PAR1\x00\x00\x00\x00PAR1"), []byte{}, []byte{})
	// text + id strings, 5 rows; text large_string + int64 id; the mapping
	// on a missing column; a binary text column; a flipped byte
	f.Add([]byte{}, []byte{1, 5, 0, 0, 0, 2, 0, 3, 1, 2, 3, 0}, []byte("\x03abc\x02de\x00\x04\xff\xfeok\x01x\x05hello"))
	f.Add([]byte{}, []byte{2, 7, 1, 1, 3, 2, 0, 1, 0, 3, 2, 0}, []byte("\x02hi\x03héé\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09"))
	f.Add([]byte{}, []byte{3, 4, 0, 0, 6, 7, 4, 12, 8, 8, 1, 4, 0, 0}, []byte("\x01a\x01b\x01c\x01d\x00\x00\x00\x00"))
	f.Add([]byte{}, []byte{1, 3, 2, 0, 0, 0, 0, 0, 0}, []byte("\x02ab\x02cd\x02ef"))
	f.Add([]byte{}, []byte{2, 9, 0, 0, 0, 2, 0, 0, 2, 1, 0, 1, 0, 100, 7}, []byte("\x03one\x03two\x05three\x01x\x01y\x01z"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, file, shape, values []byte) {
		path := filepath.Join(dir, "in.parquet")
		if len(shape) == 0 {
			if err := os.WriteFile(path, file, 0o644); err != nil {
				t.Fatal(err)
			}
			_, _, _, err := readFuzzParquet(t, path, InputConfig{TextField: "text", IDField: "id", BatchSize: 3}, 1<<20, memory.NewGoAllocator())
			if err != nil && !strings.Contains(err.Error(), path) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		sh := buildFuzzParquet(shape, values)
		defer sh.table.Release()
		var buf bytes.Buffer
		props := parquet.NewWriterProperties(parquet.WithCompression(sh.codec), parquet.WithDictionaryDefault(len(values)%2 == 0))
		if err := pqarrow.WriteTable(sh.table, &buf, sh.rowGroup, props, pqarrow.DefaultWriterProps()); err != nil {
			return // a schema Parquet cannot hold
		}
		data := buf.Bytes()
		for _, m := range sh.mutations {
			data[m[0]%len(data)] ^= byte(m[1])
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		split := int64(1 + len(file)%512)
		if len(sh.mutations) > 0 {
			_, _, _, err := readFuzzParquet(t, path, sh.in, split, memory.NewGoAllocator())
			if err != nil && !strings.Contains(err.Error(), path) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		ids, texts, bad, err := readFuzzParquet(t, path, sh.in, split, mem)
		mem.AssertSize(t, 0)
		checkFuzzParquet(t, sh, path, ids, texts, bad, err)
	})
}

// checkFuzzParquet compares what the reader gave with the file's values.
func checkFuzzParquet(t *testing.T, sh *fuzzParquetShape, path string, ids, texts []string, bad []int64, err error) {
	schema := sh.table.Schema()
	ti := schema.FieldIndices(sh.in.TextField)
	textOK := sh.in.TextField != "" && len(ti) > 0 && (schema.Field(ti[0]).Type.ID() == arrow.STRING || schema.Field(ti[0]).Type.ID() == arrow.LARGE_STRING)
	if !textOK {
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "text") {
			t.Fatalf("text field %q (schema %s): want an error naming the file and the text column, got %v", sh.in.TextField, schema, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("valid file, text field %q, schema %s: %v", sh.in.TextField, schema, err)
	}
	text := sh.table.Column(ti[0]).Data().Chunk(0)
	var id arrow.Array
	if ii := schema.FieldIndices(sh.in.IDField); len(ii) > 0 {
		id = sh.table.Column(ii[0]).Data().Chunk(0)
	}
	var wantTexts, wantIDs []string
	var wantBad []int64
	for i := 0; i < int(sh.table.NumRows()); i++ {
		s := text.ValueStr(i)
		if text.IsNull(i) || !utf8.ValidString(s) {
			wantBad = append(wantBad, int64(i+1))
			continue
		}
		wantTexts = append(wantTexts, s)
		switch {
		case id == nil || id.IsNull(i):
			wantIDs = append(wantIDs, fmt.Sprintf("%s:%d", path, i+1))
		case id.DataType().ID() == arrow.STRING || id.DataType().ID() == arrow.LARGE_STRING:
			wantIDs = append(wantIDs, id.ValueStr(i))
		default:
			wantIDs = append(wantIDs, "") // formatted by Arrow: not compared
		}
	}
	if fmt.Sprint(bad) != fmt.Sprint(wantBad) {
		t.Fatalf("error rows %v, want %v", bad, wantBad)
	}
	if len(texts) != len(wantTexts) {
		t.Fatalf("%d documents, want %d", len(texts), len(wantTexts))
	}
	for i := range texts {
		if texts[i] != wantTexts[i] {
			t.Fatalf("document %d: text %q, want %q", i, texts[i], wantTexts[i])
		}
		if wantIDs[i] != "" && ids[i] != wantIDs[i] {
			t.Fatalf("document %d: id %q, want %q", i, ids[i], wantIDs[i])
		}
	}
}
