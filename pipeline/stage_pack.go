package pipeline

import (
	"context"
	"fmt"

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
	ts := &packTask{s: s, schema: exampleSchema(s.o.Examples), mem: t.Mem}
	ts.cols = make([]listCol, ts.schema.NumFields())
	for i, f := range ts.schema.Fields() {
		ts.cols[i] = newListCol(f.Type.(*arrow.ListType).Elem().ID() == arrow.INT8, 64*s.o.SeqLen)
	}
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
	mem    memory.Allocator
	cols   []listCol
	rows   int
	docs   int
	ones   []int8
}

// listCol accumulates one list column in fixed-size slabs (reused from
// batch to batch, never grown and copied) and offsets; array() copies the
// values once into an Arrow buffer.
type listCol struct {
	i32   [][]int32
	i8    [][]int8
	n     int // values held
	offs  []int32
	slab  int
	elem8 bool
}

func newListCol(elem8 bool, slab int) listCol {
	return listCol{elem8: elem8, slab: slab, offs: make([]int32, 1, 257)}
}

func (c *listCol) addI32(v []int32) {
	for len(v) > 0 {
		if len(c.i32) == 0 || len(c.i32[len(c.i32)-1]) == cap(c.i32[len(c.i32)-1]) {
			c.i32 = append(c.i32, make([]int32, 0, c.slab))
		}
		last := &c.i32[len(c.i32)-1]
		k := min(len(v), cap(*last)-len(*last))
		*last = append(*last, v[:k]...)
		v = v[k:]
		c.n += k
	}
	c.offs = append(c.offs, int32(c.n))
}

func (c *listCol) addI8(v []int8) {
	for len(v) > 0 {
		if len(c.i8) == 0 || len(c.i8[len(c.i8)-1]) == cap(c.i8[len(c.i8)-1]) {
			c.i8 = append(c.i8, make([]int8, 0, c.slab))
		}
		last := &c.i8[len(c.i8)-1]
		k := min(len(v), cap(*last)-len(*last))
		*last = append(*last, v[:k]...)
		v = v[k:]
		c.n += k
	}
	c.offs = append(c.offs, int32(c.n))
}

// array builds the list array and resets the column for the next batch,
// keeping its slabs.
func (c *listCol) array(mem memory.Allocator, typ arrow.DataType) arrow.Array {
	var values arrow.Array
	if c.elem8 {
		b := array.NewInt8Builder(mem)
		b.Reserve(c.n)
		for _, s := range c.i8 {
			b.AppendValues(s, nil)
		}
		values = b.NewArray()
		b.Release()
		for i := range c.i8 {
			c.i8[i] = c.i8[i][:0]
		}
		c.i8 = c.i8[:0:len(c.i8)]
	} else {
		b := array.NewInt32Builder(mem)
		b.Reserve(c.n)
		for _, s := range c.i32 {
			b.AppendValues(s, nil)
		}
		values = b.NewArray()
		b.Release()
		for i := range c.i32 {
			c.i32[i] = c.i32[i][:0]
		}
		c.i32 = c.i32[:0:len(c.i32)]
	}
	ob := array.NewInt32Builder(mem)
	ob.AppendValues(c.offs, nil)
	offs := ob.NewInt32Array()
	ob.Release()
	data := array.NewData(typ, len(c.offs)-1, []*memory.Buffer{nil, offs.Data().Buffers()[1]}, []arrow.ArrayData{values.Data()}, 0, 0)
	out := array.NewListData(data)
	data.Release()
	values.Release()
	offs.Release()
	c.offs, c.n = c.offs[:1], 0
	return out
}

func (pt *packTask) emit(e *pack.Example) error {
	n := len(e.InputIDs)
	mask := e.AttentionMask
	if mask == nil {
		for len(pt.ones) < n {
			pt.ones = append(pt.ones, 1)
		}
		mask = pt.ones[:n] // no padding: all ones
	}
	if pt.s.o.Examples == pack.ExamplesMLM {
		pt.cols[0].addI32(e.InputIDs)
		pt.cols[1].addI8(mask)
		pt.cols[2].addI8(e.SpecialTokensMask)
		pt.cols[3].addI32(e.Labels)
	} else {
		pt.cols[0].addI32(e.InputIDs)
		pt.cols[1].addI32(e.Labels)
		pt.cols[2].addI32(e.PositionIDs)
		pt.cols[3].addI32(e.SeqLens)
		pt.cols[4].addI8(mask)
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
	cols := make([]arrow.Array, len(pt.cols))
	for i := range pt.cols {
		cols[i] = pt.cols[i].array(pt.mem, pt.schema.Field(i).Type)
	}
	rec := array.NewRecord(pt.schema, cols, int64(pt.rows))
	for _, c := range cols {
		c.Release()
	}
	pt.rows = 0
	return rec
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
	} {
		if v != 0 {
			t.Count(k, v)
		}
	}
	return pt.take(), nil
}
