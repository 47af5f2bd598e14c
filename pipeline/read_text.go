package pipeline

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// textReader reads plain text: the whole file as one document (id = path),
// or each non-empty line as one (id = path:line). Blank files and lines
// hold no document.
type textReader struct {
	*lineSource
	in      InputConfig
	mem     memory.Allocator
	onError ErrorFunc
	done    bool
	schema  *docSchema
}

func newTextReader(t TaskSpec, in InputConfig, mem memory.Allocator, progress *int64, onError ErrorFunc) (Reader, error) {
	ls, err := openLines(t, in, progress)
	if err != nil {
		return nil, err
	}
	return &textReader{lineSource: ls, in: in, mem: mem, onError: onError, schema: &docSchema{}}, nil
}

func (r *textReader) Next() (arrow.Record, error) {
	if r.done {
		return nil, io.EOF
	}
	b := r.schema.newBuilder(r.mem)
	defer b.release()
	if r.in.TextMode == "file" {
		r.done = true
		limit := r.in.MaxDocBytes
		if limit <= 0 {
			limit = 1 << 62
		}
		data, err := io.ReadAll(io.LimitReader(r.br, limit+1))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", r.task.File.Path, err)
		}
		if int64(len(data)) > limit {
			n, _ := io.Copy(io.Discard, r.br)
			reason := (&lineTooLongError{size: int64(len(data)) + n}).Error()
			if err := r.onError(BadRecord{File: r.task.File.Path, Line: 1, Reason: reason}); err != nil {
				return nil, err
			}
			return nil, io.EOF
		}
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		if len(bytes.TrimSpace(data)) == 0 {
			// an empty or blank file holds no document, as blank lines
			// hold none in line mode
			return nil, io.EOF
		}
		if !utf8.Valid(data) {
			if err := r.onError(BadRecord{File: r.task.File.Path, Line: 1, Reason: "invalid UTF-8 in text", Raw: head(data)}); err != nil {
				return nil, err
			}
			return nil, io.EOF
		}
		b.id.Append(r.task.File.Path)
		b.text.BinaryBuilder.Append(data)
		b.rows++
		return b.record(), nil
	}
	for b.rows < r.in.BatchSize {
		line, err := r.readLine()
		if err == io.EOF {
			r.done = true
			break
		}
		if tl, ok := err.(*lineTooLongError); ok {
			if err := r.onError(BadRecord{File: r.task.File.Path, Line: r.line, Reason: tl.Error()}); err != nil {
				return nil, err
			}
			r.line++
			continue
		}
		if err != nil {
			return nil, err
		}
		n := r.line
		r.line++
		if n == 1 && r.task.Start == 0 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if !utf8.Valid(line) {
			if err := r.onError(BadRecord{File: r.task.File.Path, Line: n, Reason: "invalid UTF-8 in text", Raw: head(line)}); err != nil {
				return nil, err
			}
			continue
		}
		b.scratch = append(append(b.scratch[:0], r.task.File.Path...), ':')
		b.scratch = strconv.AppendInt(b.scratch, n, 10)
		b.id.BinaryBuilder.Append(b.scratch)
		b.text.BinaryBuilder.Append(line)
		b.rows++
	}
	if b.rows == 0 {
		return nil, io.EOF
	}
	return b.record(), nil
}

func head(b []byte) []byte {
	if len(b) > 4096 {
		b = b[:4096]
	}
	return append([]byte(nil), b...)
}
