package pipeline

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/grist/grist/internal/storage"
)

// rangeFile is a file read with ranged reads (the Parquet reader's footer
// and column chunks): on object storage nothing is downloaded whole.
type rangeFile struct {
	*io.SectionReader
	f storage.ReaderAt
}

func (r rangeFile) Close() error { return r.f.Close() }

// openParquet opens a local or remote Parquet file for ranged reads.
func openParquet(loc string) (*file.Reader, error) {
	ra, err := storage.OpenAt(context.Background(), loc)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable Parquet file: %v", storage.Display(loc), unwrapPathErr(err))
	}
	pf, err := file.NewParquetReader(rangeFile{io.NewSectionReader(ra, 0, ra.Size()), ra})
	if err != nil {
		ra.Close()
		return nil, fmt.Errorf("%s: not a readable Parquet file: %v", storage.Display(loc), err)
	}
	return pf, nil
}

// parquetRowGroupSplits groups consecutive row groups of the file at loc
// (a path or URL) into tasks of about splitBytes (uncompressed) each.
func parquetRowGroupSplits(loc string, splitBytes int64) ([][2]int64, error) {
	r, err := openParquet(loc)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var out [][2]int64
	n := r.NumRowGroups()
	start, size := 0, int64(0)
	for i := 0; i < n; i++ {
		size += r.MetaData().RowGroup(i).TotalByteSize()
		if size >= splitBytes || i == n-1 {
			out = append(out, [2]int64{int64(start), int64(i + 1)})
			start, size = i+1, 0
		}
	}
	if n == 0 {
		out = append(out, [2]int64{0, 0})
	}
	return out, nil
}

// parquetReader reads a range of row groups, mapping the configured text and
// id columns to the document model and passing other columns through.
type parquetReader struct {
	task    TaskSpec
	in      InputConfig
	mem     memory.Allocator
	onError ErrorFunc
	pf      *file.Reader
	rr      pqarrow.RecordReader
	row     int64 // 1-based row number of the next row in the file
	textIdx int
	idIdx   int
	keep    []int
	out     *arrow.Schema
}

func newParquetReader(ctx context.Context, t TaskSpec, in InputConfig, mem memory.Allocator, progress *int64, onError ErrorFunc) (Reader, error) {
	pf, err := openParquet(t.File.Location())
	if err != nil {
		return nil, err
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: int64(in.BatchSize)}, mem)
	if err != nil {
		pf.Close()
		return nil, fmt.Errorf("%s: %v", t.File.Path, err)
	}
	schema, err := fr.Schema()
	if err != nil {
		pf.Close()
		return nil, fmt.Errorf("%s: %v", t.File.Path, err)
	}
	r := &parquetReader{task: t, in: in, mem: mem, onError: onError, pf: pf, row: 1, idIdx: -1}
	ti := schema.FieldIndices(in.TextField)
	if in.TextField == "" || len(ti) == 0 {
		pf.Close()
		return nil, fmt.Errorf("%s: no column %q for the text (set input.text_field; columns: %s)", t.File.Path, in.TextField, columnNames(schema))
	}
	r.textIdx = ti[0]
	switch schema.Field(r.textIdx).Type.ID() {
	case arrow.STRING, arrow.LARGE_STRING:
	default:
		pf.Close()
		return nil, fmt.Errorf("%s: text column %q is %s, not a string", t.File.Path, in.TextField, schema.Field(r.textIdx).Type)
	}
	if ii := schema.FieldIndices(in.IDField); len(ii) > 0 {
		r.idIdx = ii[0]
	}
	allowed := map[string]bool{}
	for _, f := range in.Fields {
		allowed[f] = true
	}
	fields := []arrow.Field{{Name: ColID, Type: arrow.BinaryTypes.String}, {Name: ColText, Type: arrow.BinaryTypes.String}}
	for i, f := range schema.Fields() {
		if i == r.textIdx || i == r.idIdx || (len(allowed) > 0 && !allowed[f.Name]) || f.Name == ColID || f.Name == ColText {
			continue
		}
		r.keep = append(r.keep, i)
		f.Nullable = true
		fields = append(fields, f)
	}
	r.out = arrow.NewSchema(fields, nil)
	var groups []int
	for g := t.Start; g < t.End; g++ {
		groups = append(groups, int(g))
	}
	for g := 0; g < int(t.Start); g++ {
		r.row += pf.MetaData().RowGroup(g).NumRows()
	}
	if len(groups) == 0 {
		return r, nil
	}
	rr, err := fr.GetRecordReader(ctx, nil, groups)
	if err != nil {
		pf.Close()
		return nil, fmt.Errorf("%s: %v", t.File.Path, err)
	}
	r.rr = rr
	if progress != nil {
		var size int64
		for _, g := range groups {
			size += pf.MetaData().RowGroup(g).TotalCompressedSize()
		}
		addInt64(progress, size)
	}
	return r, nil
}

func columnNames(s *arrow.Schema) string {
	out := ""
	for i, f := range s.Fields() {
		if i > 0 {
			out += ", "
		}
		out += f.Name
	}
	return out
}

func (r *parquetReader) Next() (arrow.Record, error) {
	for {
		if r.rr == nil || !r.rr.Next() {
			if r.rr != nil && r.rr.Err() != nil && r.rr.Err() != io.EOF {
				return nil, fmt.Errorf("%s: %v", r.task.File.Path, r.rr.Err())
			}
			return nil, io.EOF
		}
		rec := r.rr.Record()
		out, err := r.convert(rec)
		if err != nil {
			return nil, err
		}
		if out.NumRows() == 0 {
			out.Release()
			continue
		}
		return out, nil
	}
}

// convert maps one batch to the document model; rows with a null or
// invalid text become error rows.
func (r *parquetReader) convert(rec arrow.Record) (arrow.Record, error) {
	n := int(rec.NumRows())
	first := r.row
	r.row += int64(n)
	textCol := rec.Column(r.textIdx)
	getText := func(i int) (string, bool) {
		switch c := textCol.(type) {
		case *array.String:
			return c.Value(i), c.IsValid(i)
		case *array.LargeString:
			return c.Value(i), c.IsValid(i)
		}
		return "", false
	}
	keep := make([]bool, n)
	ids := array.NewStringBuilder(r.mem)
	defer ids.Release()
	texts := array.NewStringBuilder(r.mem)
	defer texts.Release()
	var scratch []byte
	for i := 0; i < n; i++ {
		s, ok := getText(i)
		rowNo := first + int64(i)
		if !ok {
			if err := r.onError(BadRecord{File: r.task.File.Path, Line: rowNo, Reason: fmt.Sprintf("null text in column %q", r.in.TextField)}); err != nil {
				return nil, err
			}
			continue
		}
		if !utf8.ValidString(s) {
			if err := r.onError(BadRecord{File: r.task.File.Path, Line: rowNo, Reason: "invalid UTF-8 in text", Raw: head([]byte(s))}); err != nil {
				return nil, err
			}
			continue
		}
		keep[i] = true
		texts.Append(s)
		if r.idIdx >= 0 && rec.Column(r.idIdx).IsValid(i) {
			ids.Append(rec.Column(r.idIdx).ValueStr(i))
		} else {
			scratch = append(append(scratch[:0], r.task.File.Path...), ':')
			scratch = strconv.AppendInt(scratch, rowNo, 10)
			ids.BinaryBuilder.Append(scratch)
		}
	}
	kept := ids.Len()
	if kept != n && len(r.keep) > 0 {
		// Some rows were errors: rebuild with the kept rows only (rare).
		return r.compact(rec, keep)
	}
	cols := []arrow.Array{ids.NewArray(), texts.NewArray()}
	for _, k := range r.keep {
		cols = append(cols, rec.Column(k))
		rec.Column(k).Retain()
	}
	out := array.NewRecord(r.out, cols, int64(kept))
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}

func (r *parquetReader) compact(rec arrow.Record, keep []bool) (arrow.Record, error) {
	sub := array.NewRecord(arrow.NewSchema(r.out.Fields()[2:], nil), columnsAt(rec, r.keep), rec.NumRows())
	kept, err := TakeRows(r.mem, sub, keep)
	sub.Release()
	if err != nil {
		return nil, err
	}
	defer kept.Release()
	ids := array.NewStringBuilder(r.mem)
	defer ids.Release()
	texts := array.NewStringBuilder(r.mem)
	defer texts.Release()
	textCol := rec.Column(r.textIdx)
	first := r.row - rec.NumRows()
	for i, k := range keep {
		if !k {
			continue
		}
		texts.Append(textCol.ValueStr(i))
		if r.idIdx >= 0 && rec.Column(r.idIdx).IsValid(i) {
			ids.Append(rec.Column(r.idIdx).ValueStr(i))
		} else {
			ids.Append(r.task.File.Path + ":" + strconv.FormatInt(first+int64(i), 10))
		}
	}
	cols := append([]arrow.Array{ids.NewArray(), texts.NewArray()}, kept.Columns()...)
	out := array.NewRecord(r.out, cols, kept.NumRows())
	cols[0].Release()
	cols[1].Release()
	return out, nil
}

func columnsAt(rec arrow.Record, idx []int) []arrow.Array {
	out := make([]arrow.Array, len(idx))
	for i, k := range idx {
		out[i] = rec.Column(k)
	}
	return out
}

func (r *parquetReader) Close() error {
	if r.rr != nil {
		r.rr.Release()
	}
	return r.pf.Close()
}
