package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/valyala/fastjson"

	"github.com/grist/grist/internal/storage"
)

// Reader yields document batches of one task. Next returns io.EOF at the end.
type Reader interface {
	Next() (arrow.Record, error)
	Close() error
}

// BadRecord is a record that could not be read: it becomes an error row.
type BadRecord struct {
	File   string
	Line   int64 // 1-based line, or row for Parquet
	Reason string
	Raw    []byte // the record as read (may be trimmed)
}

// ErrorFunc receives bad records; a non-nil return stops the task
// (on_error: fail).
type ErrorFunc func(BadRecord) error

// counter counts bytes read from the underlying (possibly compressed) file,
// for progress.
type counter struct {
	r io.Reader
	n *int64
}

func (c counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.n != nil {
		addInt64(c.n, int64(n))
	}
	return n, err
}

// lineSource reads the lines of one task: a whole (possibly compressed)
// file, or the lines that start inside a byte range of an uncompressed one.
type lineSource struct {
	task     TaskSpec
	file     io.Closer
	closer   io.Closer
	br       *bufio.Reader
	pos      int64 // byte offset of the next line start (uncompressed ranges)
	line     int64 // 1-based number of the next line
	long     []byte
	maxBytes int64 // longer lines are skipped and reported (0 = no limit)
}

// lineTooLongError reports a line over input.max_doc_bytes; the line has
// been consumed.
type lineTooLongError struct{ size int64 }

func (e *lineTooLongError) Error() string {
	return fmt.Sprintf("document of %d bytes is larger than input.max_doc_bytes", e.size)
}

// openLines opens a task's file as a stream (a local file or an object
// read from the task's first line on).
func openLines(t TaskSpec, in InputConfig, progress *int64) (*lineSource, error) {
	ctx := context.Background()
	loc := t.File.Location()
	r := &lineSource{task: t, line: 1, maxBytes: in.MaxDocBytes}
	if t.Start > 0 {
		// A task owns the lines that start inside [Start, End): skip the line
		// that straddles Start, and count the lines before it for ids.
		ra, err := storage.OpenAt(ctx, loc)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", t.File.Path, unwrapPathErr(err))
		}
		line, pos, err := lineAt(ra, t.Start)
		ra.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", t.File.Path, err)
		}
		r.line, r.pos = line, pos
	}
	f, err := storage.OpenRange(ctx, loc, r.pos, -1)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", t.File.Path, unwrapPathErr(err))
	}
	r.file = f
	dec, closer, err := decompress(counter{f, progress}, t.File.Compression)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %v", t.File.Path, err)
	}
	r.closer = closer
	r.br = bufio.NewReaderSize(dec, 1<<20)
	return r, nil
}

func (r *lineSource) Close() error {
	var err error
	if r.closer != nil {
		err = r.closer.Close()
	}
	if e := r.file.Close(); err == nil {
		err = e
	}
	return err
}

// jsonlReader reads one task of a JSONL file.
type jsonlReader struct {
	*lineSource
	in       InputConfig
	mem      memory.Allocator
	onError  ErrorFunc
	parser   fastjson.Parser
	schema   *docSchema
	done     bool
	pending  [][]byte // first batch, kept to infer the schema
	pendAt   int64
	eof      bool
	warnings map[string]int64
}

// Warnings reports counted pass-through field problems.
func (r *jsonlReader) Warnings() map[string]int64 { return r.warnings }

func newJSONLReader(t TaskSpec, in InputConfig, mem memory.Allocator, progress *int64, onError ErrorFunc) (Reader, error) {
	ls, err := openLines(t, in, progress)
	if err != nil {
		return nil, err
	}
	return &jsonlReader{lineSource: ls, in: in, mem: mem, onError: onError}, nil
}

// lineAt returns the 1-based number and byte offset of the first line that
// starts at or after off.
func lineAt(f io.ReaderAt, off int64) (int64, int64, error) {
	buf := make([]byte, 1<<20)
	var lines int64
	var pos int64
	for pos < off {
		n, err := f.ReadAt(buf[:min(int64(len(buf)), off-pos)], pos)
		lines += int64(bytes.Count(buf[:n], []byte{'\n'}))
		pos += int64(n)
		if err != nil {
			if err == io.EOF {
				return lines + 1, pos, nil
			}
			return 0, 0, err
		}
	}
	// is off itself a line start?
	if off > 0 {
		var b [1]byte
		if _, err := f.ReadAt(b[:], off-1); err != nil {
			return 0, 0, err
		}
		if b[0] == '\n' {
			return lines + 1, off, nil
		}
	}
	// skip to after the next newline
	for {
		n, err := f.ReadAt(buf, pos)
		if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
			return lines + 2, pos + int64(i) + 1, nil
		}
		pos += int64(n)
		if err != nil {
			if err == io.EOF {
				return lines + 2, pos, nil
			}
			return 0, 0, err
		}
	}
}

// readLine returns the next line without its newline, or io.EOF.
func (r *lineSource) readLine() ([]byte, error) {
	if r.task.End >= 0 && r.pos >= r.task.End {
		return nil, io.EOF
	}
	line, err := r.br.ReadSlice('\n')
	tooLong := false
	if err == bufio.ErrBufferFull {
		// A long line: accumulate up to maxBytes, then drain the rest
		// without keeping it, so one huge line cannot exhaust memory.
		r.long = append(r.long[:0], line...)
		n := int64(len(line))
		for err == bufio.ErrBufferFull {
			line, err = r.br.ReadSlice('\n')
			n += int64(len(line))
			if r.maxBytes > 0 && n > r.maxBytes {
				tooLong = true
				continue
			}
			r.long = append(r.long, line...)
		}
		if tooLong {
			r.pos += n
			r.long = r.long[:0]
			if cap(r.long) > 1<<24 {
				r.long = nil
			}
			if err != nil && err != io.EOF {
				return nil, fmt.Errorf("%s:%d: %v", r.task.File.Path, r.line, err)
			}
			return nil, &lineTooLongError{size: n}
		}
		line = r.long
	}
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("%s:%d: %v", r.task.File.Path, r.line, err)
	}
	if len(line) == 0 && err == io.EOF {
		return nil, io.EOF
	}
	r.pos += int64(len(line))
	if r.maxBytes > 0 && int64(len(line)) > r.maxBytes {
		return nil, &lineTooLongError{size: int64(len(line))}
	}
	line = bytes.TrimSuffix(line, []byte{'\n'})
	line = bytes.TrimSuffix(line, []byte{'\r'})
	return line, nil
}

func (r *jsonlReader) Next() (arrow.Record, error) {
	if r.done {
		return nil, io.EOF
	}
	if r.schema == nil {
		// Infer pass-through fields from the first batch of lines.
		r.pendAt = r.line
		for len(r.pending) < r.in.BatchSize {
			line, err := r.readLine()
			if err == io.EOF {
				r.eof = true
				break
			}
			if tl, ok := err.(*lineTooLongError); ok {
				line, err = nil, r.bad(r.line, tl.Error(), nil)
			}
			if err != nil {
				return nil, err
			}
			r.pending = append(r.pending, append([]byte(nil), line...))
			r.line++
		}
		r.schema = inferJSONSchema(r.pending, r.in)
	}
	b := r.schema.newBuilder(r.mem)
	defer func() {
		addMap(&r.warnings, b.warnings)
		b.release()
	}()
	if r.pending != nil {
		for i, line := range r.pending {
			if err := r.addLine(b, line, r.pendAt+int64(i)); err != nil {
				return nil, err
			}
		}
		r.pending = nil
		r.done = r.eof
	}
	for !r.done && b.rows < r.in.BatchSize {
		line, err := r.readLine()
		if err == io.EOF {
			r.done = true
			break
		}
		if tl, ok := err.(*lineTooLongError); ok {
			if err := r.bad(r.line, tl.Error(), nil); err != nil {
				return nil, err
			}
			r.line++
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := r.addLine(b, line, r.line); err != nil {
			return nil, err
		}
		r.line++
	}
	if b.rows == 0 && r.done {
		return nil, io.EOF
	}
	return b.record(), nil
}

func (r *jsonlReader) bad(line int64, reason string, raw []byte) error {
	if len(raw) > 4096 {
		raw = raw[:4096]
	}
	return r.onError(BadRecord{File: r.task.File.Path, Line: line, Reason: reason, Raw: append([]byte(nil), raw...)})
}

func (r *jsonlReader) addLine(b *docBuilder, line []byte, lineNo int64) error {
	if lineNo == 1 && r.task.Start == 0 {
		line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
	}
	if len(bytes.TrimSpace(line)) == 0 {
		return nil // blank lines are not records
	}
	// fastjson parses leniently (bad escapes and raw control characters
	// pass): validate first, so malformed records are errors, not altered text.
	if jsonDepth(line) > maxJSONDepth {
		return r.bad(lineNo, fmt.Sprintf("malformed JSON: nested deeper than %d levels", maxJSONDepth), line)
	}
	if err := fastjson.ValidateBytes(line); err != nil {
		return r.bad(lineNo, "malformed JSON: "+jsonErr(err, line), line)
	}
	if hasSurrogateEscape(line) {
		// Lone UTF-16 surrogates become U+FFFD, as encoding/json does; this
		// rare path re-encodes the record through encoding/json.
		var x any
		if err := json.Unmarshal(line, &x); err != nil {
			return r.bad(lineNo, "malformed JSON: "+jsonErr(err, line), line)
		}
		fixed, err := json.Marshal(x)
		if err != nil {
			return r.bad(lineNo, "malformed JSON: "+jsonErr(err, line), line)
		}
		line = fixed
	}
	v, err := r.parser.ParseBytes(line)
	if err != nil {
		return r.bad(lineNo, "malformed JSON: "+jsonErr(err, line), line)
	}
	obj, err := v.Object()
	if err != nil {
		return r.bad(lineNo, "not a JSON object", line)
	}
	var text []byte
	if r.in.TextField != "" { // text_field: "" reads rows without text (fine-tuning data)
		tv := obj.Get(r.in.TextField)
		if tv == nil {
			return r.bad(lineNo, fmt.Sprintf("missing text field %q", r.in.TextField), line)
		}
		if text, err = tv.StringBytes(); err != nil {
			return r.bad(lineNo, fmt.Sprintf("text field %q is not a string", r.in.TextField), line)
		}
	}
	if !utf8.Valid(text) {
		return r.bad(lineNo, "invalid UTF-8 in text", line)
	}
	if iv := obj.Get(r.in.IDField); iv != nil && iv.Type() != fastjson.TypeNull {
		var id []byte
		switch iv.Type() {
		case fastjson.TypeString:
			id, _ = iv.StringBytes()
		default:
			id = iv.MarshalTo(b.scratch[:0])
		}
		if !utf8.Valid(id) {
			return r.bad(lineNo, "invalid UTF-8 in id", line)
		}
		b.text.BinaryBuilder.Append(text)
		b.id.BinaryBuilder.Append(id)
	} else {
		b.text.BinaryBuilder.Append(text)
		b.scratch = append(append(b.scratch[:0], r.task.File.Path...), ':')
		b.scratch = strconv.AppendInt(b.scratch, lineNo, 10)
		b.id.BinaryBuilder.Append(b.scratch)
	}
	for _, c := range b.extra {
		c.set = false
	}
	obj.Visit(func(key []byte, val *fastjson.Value) {
		if string(key) == r.in.TextField || string(key) == r.in.IDField {
			return
		}
		c, ok := b.byName[string(key)] // no allocation: lookup on converted bytes
		if !ok {
			if r.schema.explicit {
				return
			}
			b.warn("field_not_in_schema")
			return
		}
		if c.set {
			return
		}
		c.set = true
		if !c.append(val, &b.scratch) {
			b.warn("field_type_mismatch")
		}
	})
	for _, c := range b.extra {
		if !c.set {
			c.b.AppendNull()
		}
	}
	b.rows++
	return nil
}

// maxJSONDepth bounds nesting (fastjson's own parser limit); deeper records
// are errors, checked before validation, whose error messages grow with depth.
const maxJSONDepth = 300

// jsonDepth returns the deepest nesting of [ and { outside strings.
func jsonDepth(line []byte) int {
	depth, deepest := 0, 0
	inString := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '[', '{':
			depth++
			if depth > deepest {
				deepest = depth
			}
		case ']', '}':
			depth--
		}
	}
	return deepest
}

// hasSurrogateEscape reports a \uD800-\uDFFF escape in a JSON line.
func hasSurrogateEscape(line []byte) bool {
	for i := bytes.Index(line, []byte(`\u`)); i >= 0 && i+3 < len(line); {
		if (line[i+2] == 'd' || line[i+2] == 'D') && strings.IndexByte("89abcdefABCDEF", line[i+3]) >= 0 {
			return true
		}
		j := bytes.Index(line[i+2:], []byte(`\u`))
		if j < 0 {
			return false
		}
		i += 2 + j
	}
	return false
}

// jsonErr turns a JSON parser's error on line into one short clause with
// the column (1-based, in bytes) where the record stops being JSON.
// fastjson nests its causes ("cannot parse JSON: cannot parse object: ...")
// and quotes a cut tail of the line, which gives no position; so on this
// error path encoding/json re-reads the line for its syntax error and
// offset, and fastjson's innermost cause is used only if it finds none.
func jsonErr(err error, line []byte) string {
	var se *json.SyntaxError
	if !errors.As(err, &se) && line != nil {
		if jerr := json.Unmarshal(line, new(json.RawMessage)); jerr != nil {
			errors.As(jerr, &se)
		}
	}
	if se != nil {
		msg := se.Error()
		if len(msg) > 120 {
			msg = msg[:120] + "..."
		}
		return fmt.Sprintf("column %d: %s", se.Offset, msg)
	}
	s := err.Error()
	if i := strings.LastIndex(s, "; unparsed tail: "); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndex(s, "cannot parse "); i > 0 {
		s = s[i:]
	}
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return s
}

// docSchema is the Arrow schema of a task's documents: id, text and the
// pass-through fields with their inferred types.
type docSchema struct {
	fields   []extraField
	explicit bool // input.fields was given
}

type extraField struct {
	name string
	typ  arrow.DataType // utf8 (strings and JSON text), int64, float64 or bool
}

func (s *docSchema) arrow() *arrow.Schema {
	fs := []arrow.Field{{Name: ColID, Type: arrow.BinaryTypes.String}, {Name: ColText, Type: arrow.BinaryTypes.String}}
	for _, f := range s.fields {
		fs = append(fs, arrow.Field{Name: f.name, Type: f.typ, Nullable: true})
	}
	return arrow.NewSchema(fs, nil)
}

// inferJSONSchema picks each pass-through field's type from the lines: all
// integers -> int64, all numbers -> float64, all booleans -> bool, otherwise
// utf8 (non-strings stored as their JSON text). Field order is first appearance.
func inferJSONSchema(lines [][]byte, in InputConfig) *docSchema {
	s := &docSchema{explicit: len(in.Fields) > 0}
	type seen struct {
		kinds uint8 // bit 0 string, 1 int, 2 float, 3 bool, 4 other
	}
	order := []string{}
	kinds := map[string]*seen{}
	allowed := map[string]bool{}
	for _, f := range in.Fields {
		allowed[f] = true
		order = append(order, f)
		kinds[f] = &seen{}
	}
	var p fastjson.Parser
	for _, line := range lines {
		v, err := p.ParseBytes(line)
		if err != nil {
			continue
		}
		obj, err := v.Object()
		if err != nil || in.TextField != "" && (obj.Get(in.TextField) == nil || obj.Get(in.TextField).Type() != fastjson.TypeString) {
			continue // error rows do not shape the schema
		}
		obj.Visit(func(key []byte, val *fastjson.Value) {
			k := string(key)
			if k == in.TextField || k == in.IDField {
				return
			}
			if s.explicit && !allowed[k] {
				return
			}
			sn, ok := kinds[k]
			if !ok {
				sn = &seen{}
				kinds[k] = sn
				order = append(order, k)
			}
			switch val.Type() {
			case fastjson.TypeNull:
			case fastjson.TypeString:
				sn.kinds |= 1
			case fastjson.TypeNumber:
				if _, err := val.Int64(); err == nil && !bytes.ContainsAny(val.MarshalTo(nil), ".eE") {
					sn.kinds |= 2
				} else {
					sn.kinds |= 4
				}
			case fastjson.TypeTrue, fastjson.TypeFalse:
				sn.kinds |= 8
			default:
				sn.kinds |= 16
			}
		})
	}
	for _, k := range order {
		var typ arrow.DataType = arrow.BinaryTypes.String
		switch kinds[k].kinds {
		case 2:
			typ = arrow.PrimitiveTypes.Int64
		case 4, 6:
			typ = arrow.PrimitiveTypes.Float64
		case 8:
			typ = arrow.FixedWidthTypes.Boolean
		}
		s.fields = append(s.fields, extraField{name: k, typ: typ})
	}
	return s
}

// docBuilder accumulates one batch of documents.
type docBuilder struct {
	schema   *arrow.Schema
	rb       *array.RecordBuilder
	id, text *array.StringBuilder
	extra    []*extraCol
	byName   map[string]*extraCol
	rows     int
	scratch  []byte
	warnings map[string]int64
}

type extraCol struct {
	b   array.Builder
	typ arrow.DataType
	set bool
}

func (s *docSchema) newBuilder(mem memory.Allocator) *docBuilder {
	sc := s.arrow()
	rb := array.NewRecordBuilder(mem, sc)
	b := &docBuilder{schema: sc, rb: rb, byName: map[string]*extraCol{}}
	b.id = rb.Field(0).(*array.StringBuilder)
	b.text = rb.Field(1).(*array.StringBuilder)
	for i, f := range s.fields {
		c := &extraCol{b: rb.Field(i + 2), typ: f.typ}
		b.extra = append(b.extra, c)
		b.byName[f.name] = c
	}
	return b
}

func (b *docBuilder) warn(k string) {
	if b.warnings == nil {
		b.warnings = map[string]int64{}
	}
	b.warnings[k]++
}

func (b *docBuilder) record() arrow.Record { return b.rb.NewRecord() }
func (b *docBuilder) release()             { b.rb.Release() }

// append stores a JSON value in the column; false when it had to store null
// because the value does not fit the column's type.
func (c *extraCol) append(v *fastjson.Value, scratch *[]byte) bool {
	if v.Type() == fastjson.TypeNull {
		c.b.AppendNull()
		return true
	}
	switch bb := c.b.(type) {
	case *array.StringBuilder:
		if v.Type() == fastjson.TypeString {
			s, _ := v.StringBytes()
			if !utf8.Valid(s) {
				bb.AppendNull()
				return false
			}
			bb.BinaryBuilder.Append(s)
		} else {
			*scratch = v.MarshalTo((*scratch)[:0])
			bb.BinaryBuilder.Append(*scratch)
		}
		return true
	case *array.Int64Builder:
		if n, err := v.Int64(); err == nil {
			bb.Append(n)
			return true
		}
	case *array.Float64Builder:
		if f, err := v.Float64(); err == nil && !math.IsInf(f, 0) {
			bb.Append(f)
			return true
		}
	case *array.BooleanBuilder:
		if bv, err := v.Bool(); err == nil {
			bb.Append(bv)
			return true
		}
	}
	c.b.AppendNull()
	return false
}
