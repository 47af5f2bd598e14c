package pipeline

import (
	"context"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/grist/grist/annotate/lang"
)

// ColLangScore is the column of the lang stage's confidence.
const ColLangScore = "lang_score"

func init() {
	Register(Spec{
		Name:    "lang",
		Doc:     lang.LangDoc,
		Source:  "lingua-go 1.4 models and rules (Apache-2.0); datatrove LanguageFilter's role",
		Kind:    KindFilter,
		Options: lang.LangOptions{},
		New: func(opts any, env *Env) (Stage, error) {
			d, err := lang.NewDetector(*opts.(*lang.LangOptions))
			if err != nil {
				return nil, err
			}
			return &langStage{d: d}, nil
		},
	})
}

// langStage writes lang (ISO 639-1 or und) and lang_score for every row and
// drops the rows whose language is not kept. The detector is built once per
// run and shared by the workers.
type langStage struct{ d *lang.Detector }

func (s *langStage) Process(ctx context.Context, t *Task, rec arrow.Record) (arrow.Record, error) {
	texts, err := TextColumn(rec)
	if err != nil {
		return nil, err
	}
	n := texts.Len()
	codes := array.NewStringBuilder(t.Mem)
	defer codes.Release()
	scores := array.NewFloat64Builder(t.Mem)
	defer scores.Release()
	reasons := make([]string, n)
	for i := 0; i < n; i++ {
		code, score, reason := s.d.Apply(texts.Value(i))
		codes.Append(code)
		scores.Append(score)
		reasons[i] = reason
	}
	c, sc := codes.NewArray(), scores.NewArray()
	defer c.Release()
	defer sc.Release()
	o1 := ReplaceColumn(rec, ColLang, c)
	o2 := ReplaceColumn(o1, ColLangScore, sc)
	o1.Release()
	kept, err := t.Reject(o2, reasons)
	o2.Release()
	return kept, err
}
