package pipeline

import (
	"bufio"
	"encoding/json"
	"io"
	"strconv"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

// jsonlWriter writes one JSON object per row, keys in schema order.
type jsonlWriter struct {
	zw  io.WriteCloser
	bw  *bufio.Writer
	buf []byte
}

func newJSONLWriter(w io.Writer, compression string) (*jsonlWriter, error) {
	zw, err := compressWriter(w, compression)
	if err != nil {
		return nil, err
	}
	return &jsonlWriter{zw: zw, bw: bufio.NewWriterSize(zw, 1<<20)}, nil
}

func (w *jsonlWriter) Write(rec arrow.Record) error {
	names := make([][]byte, rec.NumCols())
	for c, f := range rec.Schema().Fields() {
		names[c] = strconv.AppendQuote(nil, f.Name)
	}
	for i := 0; i < int(rec.NumRows()); i++ {
		b := append(w.buf[:0], '{')
		for c := 0; c < int(rec.NumCols()); c++ {
			if c > 0 {
				b = append(b, ',')
			}
			b = append(b, names[c]...)
			b = append(b, ':')
			b = appendJSONValue(b, rec.Column(c), i)
		}
		b = append(b, '}', '\n')
		w.buf = b
		if _, err := w.bw.Write(b); err != nil {
			return err
		}
	}
	return nil
}

func (w *jsonlWriter) Close() error {
	if err := w.bw.Flush(); err != nil {
		return err
	}
	return w.zw.Close()
}

func appendJSONValue(b []byte, arr arrow.Array, i int) []byte {
	if arr.IsNull(i) {
		return append(b, "null"...)
	}
	switch a := arr.(type) {
	case *array.String:
		return appendJSONString(b, a.Value(i))
	case *array.LargeString:
		return appendJSONString(b, a.Value(i))
	case *array.Boolean:
		return strconv.AppendBool(b, a.Value(i))
	case *array.Int8:
		return strconv.AppendInt(b, int64(a.Value(i)), 10)
	case *array.Int32:
		return strconv.AppendInt(b, int64(a.Value(i)), 10)
	case *array.Int64:
		return strconv.AppendInt(b, a.Value(i), 10)
	case *array.Float64:
		return strconv.AppendFloat(b, a.Value(i), 'g', -1, 64)
	case *array.Float32:
		return strconv.AppendFloat(b, float64(a.Value(i)), 'g', -1, 32)
	case *array.List:
		lo, hi := a.ValueOffsets(i)
		b = append(b, '[')
		for j := lo; j < hi; j++ {
			if j > lo {
				b = append(b, ',')
			}
			b = appendJSONValue(b, a.ListValues(), int(j))
		}
		return append(b, ']')
	}
	if n, ok := arr.(interface{ Value(int) int64 }); ok {
		return strconv.AppendInt(b, n.Value(i), 10)
	}
	return appendJSONString(b, arr.ValueStr(i))
}

// appendJSONString quotes s as JSON (encoding/json rules, without HTML escaping).
func appendJSONString(b []byte, s string) []byte {
	simple := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			simple = false
			break
		}
	}
	if simple {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	q, _ := json.Marshal(s)
	// json.Marshal escapes <, >, & for HTML: undo that for fidelity.
	out := b
	for i := 0; i < len(q); i++ {
		if q[i] == '\\' && i+5 < len(q) && q[i+1] == 'u' && q[i+2] == '0' && q[i+3] == '0' {
			switch string(q[i+4 : i+6]) {
			case "3c":
				out = append(out, '<')
				i += 5
				continue
			case "3e":
				out = append(out, '>')
				i += 5
				continue
			case "26":
				out = append(out, '&')
				i += 5
				continue
			}
		}
		if q[i] == '\\' && i+1 < len(q) {
			out = append(out, q[i], q[i+1])
			i++
			continue
		}
		out = append(out, q[i])
	}
	return out
}
