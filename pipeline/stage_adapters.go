package pipeline

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/grist/grist/filters"
)

// DropField is the option every filter stage has, handled here once: with
// drop: false a filter only annotates (its signals become columns).
var DropField = Field{Key: "drop", Type: "bool", Default: "true",
	Doc: "drop failing documents; false = annotate only: write the signals and the would-be reason as columns"}

// TextFilterStage adapts a filters.Filter: it computes the rule per row,
// rejects failing rows (or, with drop: false, writes the signals as float64
// columns "<stage>_<signal>" and the reason as "<stage>_reason"), and
// replaces the text of rewritten rows.
type TextFilterStage struct {
	Name   string
	Filter filters.Filter
	Drop   bool
}

func (s *TextFilterStage) Process(ctx context.Context, t *Task, rec arrow.Record) (arrow.Record, error) {
	texts, err := TextColumn(rec)
	if err != nil {
		return nil, err
	}
	n := int(rec.NumRows())
	names := s.Filter.Signals()
	sig := make([]float64, len(names))
	var sigCols [][]float64
	if !s.Drop {
		sigCols = make([][]float64, len(names))
		for i := range sigCols {
			sigCols[i] = make([]float64, n)
		}
	}
	reasons := make([]string, n)
	var rewritten []string
	anyDrop := false
	hists := t.signalHists(names)
	lf, byLang := s.Filter.(filters.LangFilter)
	var langs *array.String
	if byLang {
		langs, _ = stringColumn(rec, ColLang)
	}
	for i := 0; i < n; i++ {
		var res filters.Result
		if byLang {
			lang := ""
			if langs != nil && langs.IsValid(i) {
				lang = langs.Value(i)
			}
			var err error
			if res, err = lf.ApplyLang(texts.Value(i), lang, sig); err != nil {
				return nil, fmt.Errorf("%s: document %s: %w", s.Name, docID(rec, i), err)
			}
		} else {
			res = s.Filter.Apply(texts.Value(i), sig)
		}
		collectSignals(hists, sig)
		reasons[i] = res.Reason
		if res.Reason != "" {
			anyDrop = true
		}
		if res.Rewritten {
			if rewritten == nil {
				rewritten = make([]string, n)
				for j := 0; j < i; j++ {
					rewritten[j] = texts.Value(j)
				}
			}
			rewritten[i] = res.Text
		} else if rewritten != nil {
			rewritten[i] = texts.Value(i)
		}
		for j := range sigCols {
			sigCols[j][i] = sig[j]
		}
	}
	out := rec
	out.Retain()
	if rewritten != nil {
		col := NewStringArray(t.Mem, rewritten)
		next := ReplaceColumn(out, ColText, col)
		col.Release()
		out.Release()
		out = next
	}
	if !s.Drop {
		for j, name := range names {
			b := array.NewFloat64Builder(t.Mem)
			b.AppendValues(sigCols[j], nil)
			col := b.NewArray()
			b.Release()
			next := ReplaceColumn(out, s.Name+"_"+name, col)
			col.Release()
			out.Release()
			out = next
		}
		col := NewStringArray(t.Mem, reasons)
		next := ReplaceColumn(out, s.Name+"_reason", col)
		col.Release()
		out.Release()
		return next, nil
	}
	if !anyDrop {
		return out, nil
	}
	kept, err := t.Reject(out, reasons)
	out.Release()
	return kept, err
}

// MapTextStage rewrites the text column with a function; rows are never dropped.
type MapTextStage struct {
	Rewrite func(string) (string, bool)
}

func (s *MapTextStage) Process(ctx context.Context, t *Task, rec arrow.Record) (arrow.Record, error) {
	texts, err := TextColumn(rec)
	if err != nil {
		return nil, err
	}
	n := texts.Len()
	var out []string
	for i := 0; i < n; i++ {
		v, changed := s.Rewrite(texts.Value(i))
		if changed && out == nil {
			out = make([]string, n)
			for j := 0; j < i; j++ {
				out[j] = texts.Value(j)
			}
		}
		if out != nil {
			out[i] = v
		}
	}
	if out == nil {
		rec.Retain()
		return rec, nil
	}
	col := NewStringArray(t.Mem, out)
	defer col.Release()
	return ReplaceColumn(rec, ColText, col), nil
}

// RowFilterStage rejects rows for which Decide returns a reason.
type RowFilterStage struct {
	Decide func(rec arrow.Record, row int) string
}

func (s *RowFilterStage) Process(ctx context.Context, t *Task, rec arrow.Record) (arrow.Record, error) {
	n := int(rec.NumRows())
	reasons := make([]string, n)
	for i := 0; i < n; i++ {
		reasons[i] = s.Decide(rec, i)
	}
	return t.Reject(rec, reasons)
}

// docID names a row in errors.
func docID(rec arrow.Record, i int) string {
	if ids, err := stringColumn(rec, ColID); err == nil {
		return ids.Value(i)
	}
	return fmt.Sprintf("row %d", i)
}

// columnString reads a row of any column as text (for select).
func columnString(arr arrow.Array, i int) (string, bool) {
	if arr.IsNull(i) {
		return "", false
	}
	if s, ok := arr.(*array.String); ok {
		return s.Value(i), true
	}
	return strings.Trim(arr.ValueStr(i), `"`), true
}
