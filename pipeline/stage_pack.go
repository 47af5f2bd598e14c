package pipeline

import (
	"context"
	"fmt"
	"sync"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

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
	// free holds the instances of finished tasks for the next tasks: a
	// packer's buffers grow to a round's size once per worker, not per task.
	// (A sync.Pool would drop them at every garbage collection.)
	mu   sync.Mutex
	free []*packTask
}

func newPackStage(opts any, env *Env) (Stage, error) {
	o := *opts.(*pack.PackOptions)
	if err := o.Validate(); err != nil {
		return nil, err
	}
	spec := ""
	var tokStep *StepConf
	for i, sc := range env.Config.Plan[:env.Index] {
		if to, ok := sc.Options.(*TokenizeOptions); ok {
			spec, tokStep = to.Tokenizer, &env.Config.Plan[i]
		}
		if co, ok := sc.Options.(*ChatOptions); ok {
			spec, tokStep = co.Tokenizer, nil
		}
	}
	if spec == "" {
		return nil, fmt.Errorf("pack needs a tokenize (or tokenize_chat) step before it")
	}
	// AR rows of several documents need a separator, and the pack stage
	// adds none: without EOS a model would learn documents as one text
	if tokStep != nil && o.Examples == pack.ExamplesAR && o.Strategy != pack.StrategyNone && !tokStep.Options.(*TokenizeOptions).AddEOS {
		return nil, fmt.Errorf("examples ar with strategy %s puts several documents in a row, but the tokenize step (line %d) ends them with no EOS: set add_eos: true there (or use strategy none, one document per row)", o.Strategy, tokStep.Line)
	}
	tok, err := LoadTokenizer(spec, false)
	if err != nil {
		return nil, err
	}
	if tokStep != nil && o.Examples == pack.ExamplesAR && !tokStep.Options.(*TokenizeOptions).AddBOS {
		if bos, ok := templateBOS(tok); ok {
			env.Logf("pack: %s starts every sequence with BOS %q (its template), but the tokenize step (line %d) has add_bos: false, so AR rows hold documents without it", spec, tok.Piece(bos), tokStep.Line)
		}
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

// templateBOS reports the BOS id when the tokenizer's template (a Hugging
// Face post-processor) starts every single sequence with it, as Llama's does.
func templateBOS(tok tokenize.Tokenizer) (int32, bool) {
	t, ok := tok.(interface {
		SpecialTemplate() (prefix, suffix []int32)
	})
	if !ok {
		return 0, false
	}
	bos, ok := tok.Special("bos")
	prefix, _ := t.SpecialTemplate()
	return bos, ok && len(prefix) > 0 && prefix[0] == bos
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

// StartTask takes a packer and its column buffers from the stage's free list
// (or makes them): buffers grown by one task serve the next without growing.
func (s *packStage) StartTask(t *Task) (TaskStage, error) {
	var pt *packTask
	s.mu.Lock()
	if n := len(s.free); n > 0 {
		pt = s.free[n-1]
		s.free = s.free[:n-1]
	}
	s.mu.Unlock()
	if pt == nil {
		pt = &packTask{s: s, cols: newExampleColumns(s.o)}
		p, err := pack.NewPacker(s.o, s.toks, pt.emit)
		if err != nil {
			return nil, err
		}
		pt.p = p
		if s.o.Examples == pack.ExamplesMLM {
			p.SetRowDest(pt.cols.rowDest)
		}
	} else {
		pt.p.Reset()
		pt.cols.reset()
		pt.docs = 0
	}
	pt.p.SetStream(uint64(t.Index()))
	pt.mem = t.Mem
	return pt, nil
}

// DropIdle lets the instances of finished tasks go (IdleDropper): their
// buffers and pooled columns are of no use once the phase is done.
func (s *packStage) DropIdle() {
	s.mu.Lock()
	s.free = nil
	s.mu.Unlock()
}

type packTask struct {
	s    *packStage
	p    *pack.Packer
	mem  memory.Allocator
	cols *exampleColumns
	docs int
}

func (pt *packTask) emit(e *pack.Example) error {
	pt.cols.add(e)
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
	return pt.cols.take(pt.mem), nil
}

// Finish flushes the last rows and records the packing statistics.
func (pt *packTask) Finish(ctx context.Context, t *Task) (arrow.Record, error) {
	if err := pt.p.Flush(); err != nil {
		return nil, err
	}
	st := pt.p.Stats()
	for k, v := range map[string]int64{
		"examples": st.Examples, "tokens": st.Tokens, "padding_tokens": st.PaddingTokens,
		"split_docs": st.SplitDocs, "truncated_docs": st.TruncatedDocs, "dropped_docs": st.DroppedDocs,
		"dropped_tokens": st.DroppedTokens, "masked_tokens": st.MaskedTokens, "input_tokens": st.InputTokens,
		"frame_tokens": st.FrameTokens,
	} {
		if v != 0 {
			t.Count(k, v)
		}
	}
	rec := pt.cols.take(pt.mem)
	// the executor is done with this instance
	pt.s.mu.Lock()
	pt.s.free = append(pt.s.free, pt)
	pt.s.mu.Unlock()
	return rec, nil
}
