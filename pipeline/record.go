package pipeline

import (
	"fmt"
	"unsafe"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// Column names of the document model.
const (
	ColID     = "id"
	ColText   = "text"
	ColReason = "reason"
	ColLang   = "lang" // language code, from the input or the lang stage
)

// TextColumn returns the text column of a document batch.
func TextColumn(rec arrow.Record) (*array.String, error) {
	return stringColumn(rec, ColText)
}

func stringColumn(rec arrow.Record, name string) (*array.String, error) {
	idx := rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return nil, fmt.Errorf("batch has no %q column", name)
	}
	col, ok := rec.Column(idx[0]).(*array.String)
	if !ok {
		return nil, fmt.Errorf("column %q is %s, not utf8", name, rec.Column(idx[0]).DataType())
	}
	return col, nil
}

// TextBytes sums the byte length of the text column.
func TextBytes(rec arrow.Record) int64 {
	col, err := TextColumn(rec)
	if err != nil || col.Len() == 0 {
		return 0
	}
	offs := col.ValueOffsets()
	return int64(offs[len(offs)-1] - offs[0])
}

// TakeRows returns a new record holding the rows of rec where keep[i] is true,
// in order. Kept rows are copied as contiguous runs, so a filter that keeps
// most rows costs a few slices and one concatenation per column.
func TakeRows(mem memory.Allocator, rec arrow.Record, keep []bool) (arrow.Record, error) {
	n := int(rec.NumRows())
	kept := 0
	for _, k := range keep {
		if k {
			kept++
		}
	}
	if kept == n {
		rec.Retain()
		return rec, nil
	}
	if kept == 0 {
		return emptyRecord(mem, rec.Schema()), nil
	}
	var runs [][2]int
	for i := 0; i < n; {
		if !keep[i] {
			i++
			continue
		}
		j := i
		for j < n && keep[j] {
			j++
		}
		runs = append(runs, [2]int{i, j})
		i = j
	}
	cols := make([]arrow.Array, rec.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for c := range cols {
		src := rec.Column(c)
		if len(runs) == 1 {
			cols[c] = array.NewSlice(src, int64(runs[0][0]), int64(runs[0][1]))
			continue
		}
		parts := make([]arrow.Array, len(runs))
		for r, run := range runs {
			parts[r] = array.NewSlice(src, int64(run[0]), int64(run[1]))
		}
		out, err := array.Concatenate(parts, mem)
		for _, p := range parts {
			p.Release()
		}
		if err != nil {
			return nil, err
		}
		cols[c] = out
	}
	return array.NewRecord(rec.Schema(), cols, int64(kept)), nil
}

func emptyRecord(mem memory.Allocator, schema *arrow.Schema) arrow.Record {
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	return b.NewRecord()
}

// ReplaceColumn returns rec with column name replaced by (or, when absent,
// appended as) col. The caller keeps its reference to col.
func ReplaceColumn(rec arrow.Record, name string, col arrow.Array) arrow.Record {
	fields := append([]arrow.Field(nil), rec.Schema().Fields()...)
	cols := append([]arrow.Array(nil), rec.Columns()...)
	f := arrow.Field{Name: name, Type: col.DataType(), Nullable: col.NullN() > 0 || name != ColText && name != ColID}
	if idx := rec.Schema().FieldIndices(name); len(idx) > 0 {
		f.Nullable = fields[idx[0]].Nullable
		fields[idx[0]] = f
		cols[idx[0]] = col
	} else {
		fields = append(fields, f)
		cols = append(cols, col)
	}
	md := rec.Schema().Metadata()
	return array.NewRecord(arrow.NewSchema(fields, &md), cols, rec.NumRows())
}

// NewStringArray builds a utf8 array from strings.
func NewStringArray(mem memory.Allocator, vals []string) *array.String {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.AppendValues(vals, nil)
	return b.NewStringArray()
}

// unsafeBytes views a string's bytes without copying; callers only read them.
func unsafeBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// DropColumn returns rec without the named column (rec retained when absent).
func DropColumn(rec arrow.Record, name string) arrow.Record {
	idx := rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		rec.Retain()
		return rec
	}
	fields := append([]arrow.Field(nil), rec.Schema().Fields()...)
	cols := append([]arrow.Array(nil), rec.Columns()...)
	fields = append(fields[:idx[0]], fields[idx[0]+1:]...)
	cols = append(cols[:idx[0]], cols[idx[0]+1:]...)
	md := rec.Schema().Metadata()
	return array.NewRecord(arrow.NewSchema(fields, &md), cols, rec.NumRows())
}
