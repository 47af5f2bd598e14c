package pipeline

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// TestParquetWriterSlicedRecords writes record slices (as filters and dedup
// produce them: offsets into larger buffers) and reads every value back with
// Arrow's reader.
func TestParquetWriterSlicedRecords(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.BinaryTypes.String},
		{Name: "text", Type: arrow.BinaryTypes.String},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "ids", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32)},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	for i := 0; i < 1000; i++ {
		b.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("id-%d", i))
		b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("text %d %s", i, string(make([]byte, i%37))))
		if i%5 == 0 {
			b.Field(2).AppendNull()
		} else {
			b.Field(2).(*array.Int64Builder).Append(int64(i))
		}
		lb := b.Field(3).(*array.ListBuilder)
		lb.Append(true)
		for k := 0; k < i%7; k++ {
			lb.ValueBuilder().(*array.Int32Builder).Append(int32(i*10 + k))
		}
	}
	rec := b.NewRecord()
	b.Release()
	defer rec.Release()
	dir := t.TempDir()
	part, err := OpenPart(dir, "part-00000.parquet", SinkConfig{Format: "parquet", Compression: "zstd", RowGroupRows: 128})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range [][2]int64{{500, 1000}, {3, 250}, {999, 1000}} {
		sl := rec.NewSlice(r[0], r[1])
		if err := part.Write(sl); err != nil {
			t.Fatal(err)
		}
		sl.Release()
	}
	if _, err := part.Commit(); err != nil {
		t.Fatal(err)
	}
	tbl := readParquet(t, filepath.Join(dir, "part-00000.parquet"))
	defer tbl.Release()
	tr := array.NewTableReader(tbl, 0)
	defer tr.Release()
	var want []int
	for _, r := range [][2]int{{500, 1000}, {3, 250}, {999, 1000}} {
		for i := r[0]; i < r[1]; i++ {
			want = append(want, i)
		}
	}
	k := 0
	for tr.Next() {
		got := tr.Record()
		for j := 0; j < int(got.NumRows()); j++ {
			i := want[k]
			if got.Column(0).(*array.String).Value(j) != fmt.Sprintf("id-%d", i) ||
				got.Column(1).(*array.String).Value(j) != rec.Column(1).(*array.String).Value(i) {
				t.Fatalf("row %d: %q", k, got.Column(0).(*array.String).Value(j))
			}
			if (i%5 == 0) != got.Column(2).IsNull(j) || (i%5 != 0 && got.Column(2).(*array.Int64).Value(j) != int64(i)) {
				t.Fatalf("row %d: n", k)
			}
			l := got.Column(3).(*array.List)
			lo, hi := l.ValueOffsets(j)
			if int(hi-lo) != i%7 || (hi > lo && l.ListValues().(*array.Int32).Value(int(lo)) != int32(i*10)) {
				t.Fatalf("row %d: list %d..%d", k, lo, hi)
			}
			k++
		}
	}
	if k != len(want) {
		t.Fatalf("read %d rows, want %d", k, len(want))
	}
}

// TestParquetLargeDocuments: multi-megabyte texts give a file about their
// size that Arrow's reader reads back (no statistics or bounds copying them).
func TestParquetLargeDocuments(t *testing.T) {
	dir := t.TempDir()
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}, {Name: "text", Type: arrow.BinaryTypes.String}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	texts := []string{strings.Repeat("a", 3<<20), strings.Repeat("z", 2<<20), "short"}
	for i, s := range texts {
		b.Field(0).(*array.StringBuilder).Append(fmt.Sprint(i))
		b.Field(1).(*array.StringBuilder).Append(s)
	}
	rec := b.NewRecord()
	b.Release()
	defer rec.Release()
	part, err := OpenPart(dir, "part-00000.parquet", SinkConfig{Format: "parquet", Compression: "none", RowGroupRows: 1024})
	if err != nil {
		t.Fatal(err)
	}
	part.Write(rec)
	infos, err := part.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if infos[0].Bytes > 6<<20 {
		t.Fatalf("a file of 5 MB of text takes %d bytes", infos[0].Bytes)
	}
	tbl := readParquet(t, filepath.Join(dir, "part-00000.parquet"))
	defer tbl.Release()
	tr := array.NewTableReader(tbl, 0)
	defer tr.Release()
	k := 0
	for tr.Next() {
		col := tr.Record().Column(1).(*array.String)
		for j := 0; j < col.Len(); j++ {
			if col.Value(j) != texts[k] {
				t.Fatalf("text %d read back with %d bytes", k, len(col.Value(j)))
			}
			k++
		}
	}
	if k != 3 {
		t.Fatalf("read %d rows", k)
	}
}
