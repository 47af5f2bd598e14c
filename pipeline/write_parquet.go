package pipeline

import (
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/gzip"
	"github.com/parquet-go/parquet-go/compress/snappy"
	"github.com/parquet-go/parquet-go/compress/uncompressed"
	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/encoding"
)

// Version is grist's version, written into Parquet footers and manifests.
var Version = "0.1.0"

// parquetWriter writes Arrow batches column by column with parquet-go.
// Columns keep the Arrow schema's order. id and text are required; other
// scalars are optional; list<int> columns are required lists (empty = []).
type parquetWriter struct {
	w       *parquet.GenericWriter[any]
	cols    []colEncoder
	vals    []parquet.Value
	rgRows  int64
	maxRows int64
	// groupBytes (see groupBytes) closes a row group once its
	// estimate (uncompressed) reaches it, so that the file's size estimate,
	// exact for closed row groups, stays close to the real size
	groupBytes int64
	flushedAt  int64 // the estimate when the last row group was closed
	schema     *arrow.Schema
}

type colEncoder struct {
	kind     arrow.Type
	elem     arrow.Type // for lists
	optional bool
}

func newParquetWriter(w io.Writer, schema *arrow.Schema, sink SinkConfig) (*parquetWriter, error) {
	var codec compress.Codec
	switch sink.Compression {
	case "zstd":
		codec = &zstd.Codec{Level: zstd.SpeedFastest}
	case "gzip":
		codec = &gzip.Codec{}
	case "snappy":
		codec = &snappy.Codec{}
	default:
		codec = &uncompressed.Codec{}
	}
	var fields []parquet.Field
	var cols []colEncoder
	for _, f := range schema.Fields() {
		node, enc, err := parquetNode(f)
		if err != nil {
			return nil, err
		}
		fields = append(fields, namedField{Node: node, name: f.Name})
		cols = append(cols, enc)
	}
	opts := []parquet.WriterOption{
		parquet.NewSchema("document", orderedGroup(fields)),
		parquet.Compression(codec),
		parquet.CreatedBy("grist", Version, "release"),
		parquet.PageBufferSize(1 << 20),
	}
	// Min/max of text columns are whole documents: written into page headers
	// and the footer they multiply a file's size for nothing (and readers
	// choke on megabyte-long bounds). Numbers keep their statistics.
	for _, f := range schema.Fields() {
		switch f.Type.ID() {
		case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
			opts = append(opts, parquet.SkipPageBounds(f.Name), parquet.SkipPageStatistics(f.Name))
		}
	}
	pw := parquet.NewGenericWriter[any](w, opts...)
	return &parquetWriter{w: pw, cols: cols, maxRows: int64(sink.RowGroupRows), groupBytes: groupBytes(sink.MaxBytes), schema: schema}, nil
}

func parquetNode(f arrow.Field) (parquet.Node, colEncoder, error) {
	required := f.Name == ColID || f.Name == ColText
	opt := func(n parquet.Node) parquet.Node {
		if required {
			return n
		}
		return parquet.Optional(n)
	}
	enc := colEncoder{kind: f.Type.ID(), optional: !required}
	switch f.Type.ID() {
	case arrow.STRING, arrow.LARGE_STRING:
		return opt(parquet.String()), enc, nil
	case arrow.BINARY, arrow.LARGE_BINARY:
		return opt(parquet.Leaf(parquet.ByteArrayType)), enc, nil
	case arrow.BOOL:
		return opt(parquet.Leaf(parquet.BooleanType)), enc, nil
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.UINT8, arrow.UINT16:
		enc.kind = arrow.INT32
		return opt(parquet.Int(32)), enc, nil
	case arrow.INT64, arrow.UINT32:
		enc.kind = arrow.INT64
		return opt(parquet.Int(64)), enc, nil
	case arrow.FLOAT32:
		return opt(parquet.Leaf(parquet.FloatType)), enc, nil
	case arrow.FLOAT64:
		return opt(parquet.Leaf(parquet.DoubleType)), enc, nil
	case arrow.LIST:
		et := f.Type.(*arrow.ListType).Elem().ID()
		enc.optional = false
		enc.elem = et
		switch et {
		case arrow.INT8:
			return parquet.List(parquet.Int(8)), enc, nil
		case arrow.INT32:
			return parquet.List(parquet.Int(32)), enc, nil
		case arrow.INT64:
			return parquet.List(parquet.Int(64)), enc, nil
		case arrow.FLOAT32:
			return parquet.List(parquet.Leaf(parquet.FloatType)), enc, nil
		case arrow.FLOAT64:
			return parquet.List(parquet.Leaf(parquet.DoubleType)), enc, nil
		case arrow.STRING:
			return parquet.List(parquet.String()), enc, nil
		}
	}
	// Anything else is written as its text form, so nothing is lost.
	enc.kind = arrow.EXTENSION // marker: ValueStr
	return parquet.Optional(parquet.String()), enc, nil
}

func (w *parquetWriter) Write(rec arrow.Record) error {
	if !rec.Schema().Equal(w.schema) {
		return fmt.Errorf("batch schema changed within one part: %s", rec.Schema())
	}
	n := int(rec.NumRows())
	for start := 0; start < n; {
		take := min(int64(n-start), w.maxRows-w.rgRows)
		end := start + int(take)
		for c, enc := range w.cols {
			w.vals = appendColumn(w.vals[:0], rec.Column(c), enc, c, start, end)
			got, err := w.w.ColumnWriters()[c].WriteRowValues(w.vals)
			if err != nil {
				return err
			}
			if got != end-start {
				return fmt.Errorf("column %s: wrote %d rows of %d", rec.Schema().Field(c).Name, got, end-start)
			}
		}
		w.rgRows += int64(end - start)
		start = end
		if w.rgRows >= w.maxRows || (w.groupBytes > 0 && w.w.Size()-w.flushedAt >= w.groupBytes) {
			if err := w.w.Flush(); err != nil {
				return err
			}
			w.rgRows = 0
			w.flushedAt = w.w.Size()
		}
	}
	return nil
}

func (w *parquetWriter) Close() error { return w.w.Close() }

// appendColumn converts rows [start, end) of one Arrow column to Parquet
// values with their repetition and definition levels. Byte values alias the
// Arrow buffers (no copy): they are consumed before the batch is released.
func appendColumn(vals []parquet.Value, arr arrow.Array, enc colEncoder, c, start, end int) []parquet.Value {
	def := 0
	if enc.optional {
		def = 1
	}
	null := parquet.NullValue().Level(0, 0, c)
	for i := start; i < end; i++ {
		if enc.kind != arrow.LIST && arr.IsNull(i) {
			vals = append(vals, null)
			continue
		}
		var v parquet.Value
		switch enc.kind {
		case arrow.STRING:
			// Value honours the array's slice offset; the bytes alias Arrow's buffer.
			v = parquet.ByteArrayValue(unsafeBytes(arr.(*array.String).Value(i)))
		case arrow.LARGE_STRING:
			v = parquet.ByteArrayValue(unsafeBytes(arr.(*array.LargeString).Value(i)))
		case arrow.BINARY:
			v = parquet.ByteArrayValue(arr.(*array.Binary).Value(i))
		case arrow.LARGE_BINARY:
			v = parquet.ByteArrayValue(arr.(*array.LargeBinary).Value(i))
		case arrow.BOOL:
			v = parquet.BooleanValue(arr.(*array.Boolean).Value(i))
		case arrow.INT32:
			v = parquet.Int32Value(int32(intAt(arr, i)))
		case arrow.INT64:
			v = parquet.Int64Value(intAt(arr, i))
		case arrow.FLOAT32:
			v = parquet.FloatValue(arr.(*array.Float32).Value(i))
		case arrow.FLOAT64:
			v = parquet.DoubleValue(arr.(*array.Float64).Value(i))
		case arrow.LIST:
			vals = appendList(vals, arr.(*array.List), enc.elem, c, i)
			continue
		default:
			v = parquet.ByteArrayValue([]byte(arr.ValueStr(i)))
		}
		vals = append(vals, v.Level(0, def, c))
	}
	return vals
}

func appendList(vals []parquet.Value, l *array.List, elem arrow.Type, c, i int) []parquet.Value {
	lo, hi := l.ValueOffsets(i)
	if lo == hi || l.IsNull(i) {
		return append(vals, parquet.NullValue().Level(0, 0, c))
	}
	items := l.ListValues()
	for j := lo; j < hi; j++ {
		rep := 1
		if j == lo {
			rep = 0
		}
		var v parquet.Value
		switch elem {
		case arrow.INT8:
			v = parquet.Int32Value(int32(items.(*array.Int8).Value(int(j))))
		case arrow.INT32:
			v = parquet.Int32Value(items.(*array.Int32).Value(int(j)))
		case arrow.INT64:
			v = parquet.Int64Value(items.(*array.Int64).Value(int(j)))
		case arrow.FLOAT32:
			v = parquet.FloatValue(items.(*array.Float32).Value(int(j)))
		case arrow.FLOAT64:
			v = parquet.DoubleValue(items.(*array.Float64).Value(int(j)))
		case arrow.STRING:
			v = parquet.ByteArrayValue(unsafeBytes(items.(*array.String).Value(int(j))))
		}
		vals = append(vals, v.Level(rep, 1, c))
	}
	return vals
}

func intAt(arr arrow.Array, i int) int64 {
	switch a := arr.(type) {
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Uint8:
		return int64(a.Value(i))
	case *array.Uint16:
		return int64(a.Value(i))
	case *array.Uint32:
		return int64(a.Value(i))
	}
	return 0
}

// orderedGroup is a Parquet group whose fields keep the given order
// (parquet.Group sorts them by name).
type orderedGroup []parquet.Field

func (g orderedGroup) ID() int                     { return 0 }
func (g orderedGroup) String() string              { return "group(" + strings.Join(g.names(), ", ") + ")" }
func (g orderedGroup) Type() parquet.Type          { return parquet.Group{}.Type() }
func (g orderedGroup) Optional() bool              { return false }
func (g orderedGroup) Repeated() bool              { return false }
func (g orderedGroup) Required() bool              { return true }
func (g orderedGroup) Leaf() bool                  { return false }
func (g orderedGroup) Fields() []parquet.Field     { return g }
func (g orderedGroup) Encoding() encoding.Encoding { return nil }
func (g orderedGroup) Compression() compress.Codec { return nil }
func (g orderedGroup) GoType() reflect.Type        { return reflect.TypeOf(map[string]any{}) }
func (g orderedGroup) names() []string {
	out := make([]string, len(g))
	for i, f := range g {
		out[i] = f.Name()
	}
	return out
}

type namedField struct {
	parquet.Node
	name string
}

func (f namedField) Name() string { return f.name }
func (f namedField) Value(base reflect.Value) reflect.Value {
	return base.MapIndex(reflect.ValueOf(f.name))
}

// Size estimates the file's size so far: bytes written, plus the open row
// group counted uncompressed (parquet-go's estimate).
func (w *parquetWriter) Size() int64 { return w.w.Size() }

// groupBytes is the row group size estimate at which a file bounded by
// maxBytes closes its open row group: an eighth of the bound, at least
// 1 MiB (smaller row groups make footers that outgrow the estimate); 0 for
// no bound.
func groupBytes(maxBytes int64) int64 {
	if maxBytes <= 0 {
		return 0
	}
	return max(maxBytes/8, 1<<20)
}
