package pipeline

import (
	"context"
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/grist/grist/tokenize"
	"github.com/grist/grist/tokenize/pack"
)

// Example columns (Hugging Face conventions).
const (
	ColLabels            = "labels"
	ColPositionIDs       = "position_ids"
	ColSeqLens           = "seq_lens"
	ColAttentionMask     = "attention_mask"
	ColSpecialTokensMask = "special_tokens_mask"
)

func init() {
	Register(Spec{
		Name:    "pack",
		Doc:     "pack token streams into fixed-length training examples: AR (input_ids, labels, position_ids, seq_lens, attention_mask), MLM (masked, with special_tokens_mask) or SFT (loss on assistant tokens only)",
		Source:  "best-fit packing: Ding et al. 2024, Fewer Truncations Improve Language Modeling; MLM 80/10/10: Devlin et al. 2019 (BERT)",
		Kind:    KindReshape,
		Options: pack.PackOptions{},
		New:     newPackStage,
	})
}

// TaskStager is a stage with per-task state: a fresh TaskStage is made for
// every task, and Finish flushes what it holds when the task's input ends.
type TaskStager interface {
	StartTask(t *Task) (TaskStage, error)
}

// TaskStage is the per-task part of a TaskStager.
type TaskStage interface {
	Stage
	Finish(ctx context.Context, t *Task) (arrow.Record, error)
}

type packStage struct {
	o    pack.PackOptions
	toks pack.Tokens
	tok  tokenize.Tokenizer
}

func newPackStage(opts any, env *Env) (Stage, error) {
	o := *opts.(*pack.PackOptions)
	if err := o.Validate(); err != nil {
		return nil, err
	}
	spec := ""
	for _, sc := range env.Config.Plan[:env.Index] {
		if to, ok := sc.Options.(*TokenizeOptions); ok {
			spec = to.Tokenizer
		}
		if co, ok := sc.Options.(*ChatOptions); ok {
			spec = co.Tokenizer
		}
	}
	if spec == "" {
		return nil, fmt.Errorf("pack needs a tokenize (or tokenize_chat) step before it")
	}
	tok, err := LoadTokenizer(spec, false)
	if err != nil {
		return nil, err
	}
	toks, err := pack.TokensFor(tok, o.Examples)
	if err != nil {
		return nil, err
	}
	if o.Examples == pack.ExamplesMLM && o.WholeWord {
		toks.WordStart, err = pack.WordStarts(tok.VocabSize(), tok.Piece, "auto")
		if err != nil {
			return nil, err
		}
	}
	return &packStage{o: o, toks: toks, tok: tok}, nil
}

func (s *packStage) Process(ctx context.Context, t *Task, rec arrow.Record) (arrow.Record, error) {
	return nil, fmt.Errorf("pack runs per task")
}

// exampleSchema lists the columns of the examples written for o.Examples.
func exampleSchema(examples string) *arrow.Schema {
	i32 := arrow.ListOf(arrow.PrimitiveTypes.Int32)
	i8 := arrow.ListOf(arrow.PrimitiveTypes.Int8)
	if examples == pack.ExamplesMLM {
		return arrow.NewSchema([]arrow.Field{
			{Name: ColInputIDs, Type: i32}, {Name: ColAttentionMask, Type: i8},
			{Name: ColSpecialTokensMask, Type: i8}, {Name: ColLabels, Type: i32},
		}, nil)
	}
	return arrow.NewSchema([]arrow.Field{
		{Name: ColInputIDs, Type: i32}, {Name: ColLabels, Type: i32}, {Name: ColPositionIDs, Type: i32},
		{Name: ColSeqLens, Type: i32}, {Name: ColAttentionMask, Type: i8},
	}, nil)
}

func (s *packStage) StartTask(t *Task) (TaskStage, error) {
	ts := &packTask{s: s, schema: exampleSchema(s.o.Examples)}
	ts.b = array.NewRecordBuilder(t.Mem, ts.schema)
	p, err := pack.NewPacker(s.o, s.toks, ts.emit)
	if err != nil {
		return nil, err
	}
	p.SetStream(uint64(t.Index()))
	ts.p = p
	return ts, nil
}

type packTask struct {
	s      *packStage
	p      *pack.Packer
	schema *arrow.Schema
	b      *array.RecordBuilder
	rows   int
	docs   int
}

func (pt *packTask) emit(e *pack.Example) error {
	appendI32 := func(col int, v []int32) {
		lb := pt.b.Field(col).(*array.ListBuilder)
		lb.Append(true)
		lb.ValueBuilder().(*array.Int32Builder).AppendValues(v, nil)
	}
	appendI8 := func(col int, v []int8, n int) {
		lb := pt.b.Field(col).(*array.ListBuilder)
		lb.Append(true)
		vb := lb.ValueBuilder().(*array.Int8Builder)
		if v == nil {
			for i := 0; i < n; i++ {
				vb.Append(1)
			}
			return
		}
		vb.AppendValues(v, nil)
	}
	n := len(e.InputIDs)
	if pt.s.o.Examples == pack.ExamplesMLM {
		appendI32(0, e.InputIDs)
		appendI8(1, e.AttentionMask, n)
		appendI8(2, e.SpecialTokensMask, n)
		appendI32(3, e.Labels)
	} else {
		appendI32(0, e.InputIDs)
		appendI32(1, e.Labels)
		appendI32(2, e.PositionIDs)
		appendI32(3, e.SeqLens)
		appendI8(4, e.AttentionMask, n)
	}
	pt.rows++
	return nil
}

// Process feeds a batch's documents to the packer and returns the examples
// completed so far (possibly none).
func (pt *packTask) Process(ctx context.Context, t *Task, rec arrow.Record) (arrow.Record, error) {
	idx := rec.Schema().FieldIndices(ColInputIDs)
	if len(idx) == 0 {
		return nil, fmt.Errorf("pack: the batch has no input_ids column (put a tokenize step before pack)")
	}
	ids, ok := rec.Column(idx[0]).(*array.List)
	if !ok {
		return nil, fmt.Errorf("pack: input_ids is %s, not a list", rec.Column(idx[0]).DataType())
	}
	vals, ok := ids.ListValues().(*array.Int32)
	if !ok {
		return nil, fmt.Errorf("pack: input_ids holds %s, not int32", ids.ListValues().DataType())
	}
	var labels *array.Int32
	if pt.s.o.Examples == pack.ExamplesSFT {
		li := rec.Schema().FieldIndices(ColLabels)
		if len(li) == 0 {
			return nil, fmt.Errorf("pack: examples: sft needs a labels column (from tokenize_chat)")
		}
		labels = rec.Column(li[0]).(*array.List).ListValues().(*array.Int32)
	}
	raw := vals.Int32Values()
	n := int(rec.NumRows())
	if o := pt.s.o; o.Examples == pack.ExamplesSFT && o.SFTOverlong == pack.OverlongDrop {
		// Examples that cannot fit a row are rejected here, with their
		// text, rather than dropped inside the packer.
		reasons := make([]string, n)
		long := 0
		for i := 0; i < n; i++ {
			if lo, hi := ids.ValueOffsets(i); int(hi-lo) > o.SeqLen {
				reasons[i] = "example_too_long"
				long++
			}
		}
		if long > 0 {
			kept, err := t.Reject(rec, reasons)
			if err != nil {
				return nil, err
			}
			defer kept.Release()
			return pt.Process(ctx, t, kept)
		}
	}
	for i := 0; i < n; i++ {
		lo, hi := ids.ValueOffsets(i)
		doc := raw[lo:hi]
		var err error
		if labels != nil {
			err = pt.p.AddLabeled(pt.docs, doc, labels.Int32Values()[lo:hi])
		} else {
			err = pt.p.Add(pt.docs, doc)
		}
		if err != nil {
			return nil, err
		}
		pt.docs++
	}
	t.stats.Written += int64(n)
	t.stats.WrittenBytes += TextBytes(rec)
	return pt.take(), nil
}

func (pt *packTask) take() arrow.Record {
	rec := pt.b.NewRecord()
	pt.rows = 0
	return rec
}

// Finish flushes the last rows and records the packing statistics.
func (pt *packTask) Finish(ctx context.Context, t *Task) (arrow.Record, error) {
	defer pt.b.Release()
	if err := pt.p.Flush(); err != nil {
		return nil, err
	}
	st := pt.p.Stats()
	for k, v := range map[string]int64{
		"examples": st.Examples, "tokens": st.Tokens, "padding_tokens": st.PaddingTokens,
		"split_docs": st.SplitDocs, "truncated_docs": st.TruncatedDocs, "dropped_docs": st.DroppedDocs,
		"dropped_tokens": st.DroppedTokens, "masked_tokens": st.MaskedTokens, "input_tokens": st.InputTokens,
	} {
		if v != 0 {
			t.Count(k, v)
		}
	}
	return pt.take(), nil
}
