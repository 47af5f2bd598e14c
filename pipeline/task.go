package pipeline

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// Task is one unit of work of one phase, as a stage sees it: where rejected
// rows go and where counts are kept. A task runs on one goroutine.
type Task struct {
	Spec  TaskSpec
	Phase int
	Mem   memory.Allocator

	ctx      context.Context
	r        *runner
	stats    *Stats
	step     int // the step being run, for attributing drops
	rejected *Part
	errors   *Part
}

// DocIDAt returns the id of row `row` of task `task` as it reached the
// barrier applied in this phase (for rejected rows that name the document
// they duplicate).
func (t *Task) DocIDAt(task, row int) (string, error) {
	return t.r.docIDAt(t.Phase-2, task, row)
}

// Index is the task number.
func (t *Task) Index() int { return t.Spec.Index }

// Count adds n to a named counter of the current step (tokens, truncations...).
func (t *Task) Count(name string, n int64) {
	st := t.stats.Stages[t.step]
	if st.Counters == nil {
		st.Counters = map[string]int64{}
	}
	st.Counters[name] += n
}

// Reject drops the rows whose reason is non-empty, counting each under the
// current stage's name and routing the row to the rejected sink when one is
// configured. It returns the kept rows (a new record; the caller releases rec).
func (t *Task) Reject(rec arrow.Record, reasons []string) (arrow.Record, error) {
	keep := make([]bool, len(reasons))
	dropped := 0
	st := t.stats.Stages[t.step]
	for i, r := range reasons {
		if r == "" {
			keep[i] = true
			continue
		}
		dropped++
		if st.Dropped == nil {
			st.Dropped = map[string]int64{}
		}
		st.Dropped[r]++
		t.stats.Rejected[st.Name+":"+r]++
	}
	if dropped == 0 {
		rec.Retain()
		return rec, nil
	}
	t.sampleRejected(rec, reasons)
	if t.r.cfg.Rejected != nil {
		if err := t.writeRejected(rec, reasons, st.Name); err != nil {
			return nil, err
		}
	}
	return TakeRows(t.Mem, rec, keep)
}

// writeRejected writes dropped rows as {id, text, reason, meta} where meta is
// the JSON of the row's other columns: one schema whatever the stage.
func (t *Task) writeRejected(rec arrow.Record, reasons []string, stage string) error {
	if t.rejected == nil {
		p, err := OpenPart(t.r.rejectedDir, partName(t.Spec.Index, t.Phase, t.r.cfg.Rejected.Format, t.r.cfg.Rejected.Compression), *t.r.cfg.Rejected)
		if err != nil {
			return err
		}
		t.rejected = p
	}
	ids, _ := stringColumn(rec, ColID)
	texts, _ := stringColumn(rec, ColText)
	idb := array.NewStringBuilder(t.Mem)
	tb := array.NewStringBuilder(t.Mem)
	rb := array.NewStringBuilder(t.Mem)
	mb := array.NewStringBuilder(t.Mem)
	defer idb.Release()
	defer tb.Release()
	defer rb.Release()
	defer mb.Release()
	var meta []byte
	for i, r := range reasons {
		if r == "" {
			continue
		}
		idb.Append(ids.Value(i))
		tb.Append(texts.Value(i))
		rb.Append(stage + ":" + r)
		meta = meta[:0]
		for c, f := range rec.Schema().Fields() {
			if f.Name == ColID || f.Name == ColText {
				continue
			}
			if len(meta) == 0 {
				meta = append(meta, '{')
			} else {
				meta = append(meta, ',')
			}
			meta = appendJSONString(meta, f.Name)
			meta = append(meta, ':')
			meta = appendJSONValue(meta, rec.Column(c), i)
		}
		if len(meta) == 0 {
			mb.AppendNull()
		} else {
			mb.BinaryBuilder.Append(append(meta, '}'))
		}
	}
	cols := []arrow.Array{idb.NewArray(), tb.NewArray(), rb.NewArray(), mb.NewArray()}
	out := array.NewRecord(rejectedSchema, cols, int64(cols[0].Len()))
	for _, c := range cols {
		c.Release()
	}
	defer out.Release()
	return t.rejected.Write(out)
}

var rejectedSchema = arrow.NewSchema([]arrow.Field{
	{Name: ColID, Type: arrow.BinaryTypes.String},
	{Name: ColText, Type: arrow.BinaryTypes.String},
	{Name: ColReason, Type: arrow.BinaryTypes.String},
	{Name: "meta", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

var errorSchema = arrow.NewSchema([]arrow.Field{
	{Name: "file", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "line", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "error", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "raw", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// addError records a bad input record: counted, written to the errors sink
// when configured, or the task's failure when on_error is fail.
func (t *Task) addError(b BadRecord) error {
	t.stats.Read++
	reason := b.Reason
	if i := strings.IndexAny(reason, ":"); i > 0 && strings.HasPrefix(reason, "malformed JSON") {
		reason = reason[:i]
	}
	t.stats.Errors[errorKind(reason)]++
	if t.r.cfg.OnError == "fail" {
		return fmt.Errorf("%s:%d: %s (on_error: fail)", b.File, b.Line, b.Reason)
	}
	if t.r.cfg.Errors == nil {
		return nil
	}
	if t.errors == nil {
		p, err := OpenPart(t.r.errorsDir, partName(t.Spec.Index, t.Phase, t.r.cfg.Errors.Format, t.r.cfg.Errors.Compression), *t.r.cfg.Errors)
		if err != nil {
			return err
		}
		t.errors = p
	}
	fb := array.NewStringBuilder(t.Mem)
	lb := array.NewInt64Builder(t.Mem)
	eb := array.NewStringBuilder(t.Mem)
	rb := array.NewStringBuilder(t.Mem)
	defer fb.Release()
	defer lb.Release()
	defer eb.Release()
	defer rb.Release()
	fb.Append(b.File)
	lb.Append(b.Line)
	eb.Append(b.Reason)
	if b.Raw == nil {
		rb.AppendNull()
	} else if utf8.Valid(b.Raw) {
		rb.BinaryBuilder.Append(b.Raw)
	} else {
		rb.Append(strings.ToValidUTF8(string(b.Raw), "\uFFFD"))
	}
	cols := []arrow.Array{fb.NewArray(), lb.NewArray(), eb.NewArray(), rb.NewArray()}
	rec := array.NewRecord(errorSchema, cols, 1)
	for _, c := range cols {
		c.Release()
	}
	defer rec.Release()
	return t.errors.Write(rec)
}

// errorKind turns an error message into a stable stats key.
func errorKind(reason string) string {
	switch {
	case strings.HasPrefix(reason, "malformed JSON"):
		return "malformed_json"
	case strings.HasPrefix(reason, "missing text field"):
		return "missing_text"
	case strings.HasPrefix(reason, "text field"):
		return "text_not_string"
	case strings.HasPrefix(reason, "invalid UTF-8 in id"):
		return "invalid_utf8_id"
	case strings.HasPrefix(reason, "invalid UTF-8"):
		return "invalid_utf8"
	case strings.HasPrefix(reason, "not a JSON object"):
		return "not_an_object"
	case strings.HasPrefix(reason, "null text"):
		return "null_text"
	case strings.Contains(reason, "max_doc_bytes"):
		return "too_large"
	}
	return "other"
}

func partName(task, phase int, format, compression string) string {
	ext := partExt(format, compression)
	if phase > 0 {
		return fmt.Sprintf("part-%05d-p%d%s", task, phase, ext)
	}
	return fmt.Sprintf("part-%05d%s", task, ext)
}

// partExt is the file extension of a sink's parts.
func partExt(format, compression string) string {
	ext := ".parquet"
	if format == "megatron" {
		ext = ".bin"
	}
	if format == "jsonl" {
		ext = ".jsonl"
		switch compression {
		case "gzip":
			ext += ".gz"
		case "zstd":
			ext += ".zst"
		}
	}
	return ext
}

func addInt64(p *int64, n int64) { atomic.AddInt64(p, n) }
