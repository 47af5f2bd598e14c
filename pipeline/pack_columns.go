package pipeline

import (
	"slices"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/grist/grist/tokenize/pack"
)

// exampleColumns gathers the examples of one output batch in flat Go slices,
// one per column, and hands them to Arrow without copying: each list column is
// an Arrow array whose buffers wrap those slices (memory.NewBufferBytes, so the
// garbage collector frees them with the record). Every column but seq_lens has
// rows of exactly seq_len values, so they share one offsets table (0, L, 2L,
// ...), written once and only ever replaced by a longer copy, never changed
// in place, as records still hold the old one.
//
// Hand-written rather than built with Arrow builders: appending a row is one
// copy per column, and building the record copies nothing, where builders
// copied every value a second time and grew their buffers as they went.
type exampleColumns struct {
	schema *arrow.Schema
	mlm    bool
	seqLen int

	rows    int
	ids     []int32
	labels  []int32
	pos     []int32 // ar/sft
	seqLens []int32 // ar/sft
	seqOffs []int32 // ar/sft: offsets into seqLens
	mask    []int8
	special []int8 // mlm

	offs     []int32 // i*seqLen for i = 0..len-1, shared by the records made
	ones     []int8  // seqLen ones: the attention mask of a row without padding
	lastRows int     // rows of the last batch: the capacity given to the next
	placed   bool    // mlm: the next add's row was written in place (rowDest)
}

func newExampleColumns(o pack.PackOptions) *exampleColumns {
	c := &exampleColumns{schema: exampleSchema(o.Examples), mlm: o.Examples == pack.ExamplesMLM, seqLen: o.SeqLen}
	c.ones = make([]int8, o.SeqLen)
	for i := range c.ones {
		c.ones[i] = 1
	}
	return c
}

// reset drops the rows gathered and not taken (a task that failed).
func (c *exampleColumns) reset() {
	c.rows, c.placed = 0, false
	c.ids, c.labels, c.pos, c.seqLens, c.seqOffs, c.mask, c.special = nil, nil, nil, nil, nil, nil, nil
}

// rowDest gives an mlm Packer (pack.Packer.SetRowDest) the next row of the
// input_ids, labels and special_tokens_mask columns to write its example
// into; the add that follows takes that row as it is.
func (c *exampleColumns) rowDest() (ids, labels []int32, special []int8) {
	if c.ids == nil {
		c.alloc()
	}
	n, L := len(c.ids), c.seqLen
	c.ids = slices.Grow(c.ids, L)[:n+L]
	c.labels = slices.Grow(c.labels, L)[:n+L]
	c.special = slices.Grow(c.special, L)[:n+L]
	c.placed = true
	return c.ids[n:], c.labels[n:], c.special[n:]
}

// add appends one example; its slices are copied, except a row written in
// place through rowDest.
func (c *exampleColumns) add(e *pack.Example) {
	if c.ids == nil {
		c.alloc()
	}
	mask := e.AttentionMask
	if mask == nil {
		mask = c.ones // no padding: all ones
	}
	c.mask = append(c.mask, mask...)
	c.rows++
	if c.placed {
		c.placed = false
		return
	}
	c.ids = append(c.ids, e.InputIDs...)
	c.labels = append(c.labels, e.Labels...)
	if c.mlm {
		c.special = append(c.special, e.SpecialTokensMask...)
	} else {
		c.pos = append(c.pos, e.PositionIDs...)
		c.seqLens = append(c.seqLens, e.SeqLens...)
		c.seqOffs = append(c.seqOffs, int32(len(c.seqLens)))
	}
}

// alloc gives the column slices room for as many rows as the last batch had.
func (c *exampleColumns) alloc() {
	n := max(c.lastRows, 16) * c.seqLen
	c.ids = make([]int32, 0, n)
	c.labels = make([]int32, 0, n)
	c.mask = make([]int8, 0, n)
	if c.mlm {
		c.special = make([]int8, 0, n)
		return
	}
	c.pos = make([]int32, 0, n)
	c.seqLens = make([]int32, 0, max(c.lastRows, 16)*4)
	c.seqOffs = make([]int32, 1, max(c.lastRows, 16)+1)
}

// take returns the gathered rows as a record (possibly of no rows) and
// starts a new batch; the record owns the slices from then on.
func (c *exampleColumns) take(mem memory.Allocator) arrow.Record {
	n := c.rows
	if n == 0 {
		return emptyRecord(mem, c.schema)
	}
	offs := c.fixedOffsets(n)
	f := c.schema.Fields()
	var cols []arrow.Array
	if c.mlm {
		cols = []arrow.Array{
			listColumn(f[0].Type, offs, int32Bytes(c.ids), len(c.ids)),
			listColumn(f[1].Type, offs, int8Bytes(c.mask), len(c.mask)),
			listColumn(f[2].Type, offs, int8Bytes(c.special), len(c.special)),
			listColumn(f[3].Type, offs, int32Bytes(c.labels), len(c.labels)),
		}
	} else {
		cols = []arrow.Array{
			listColumn(f[0].Type, offs, int32Bytes(c.ids), len(c.ids)),
			listColumn(f[1].Type, offs, int32Bytes(c.labels), len(c.labels)),
			listColumn(f[2].Type, offs, int32Bytes(c.pos), len(c.pos)),
			listColumn(f[3].Type, c.seqOffs, int32Bytes(c.seqLens), len(c.seqLens)),
			listColumn(f[4].Type, offs, int8Bytes(c.mask), len(c.mask)),
		}
	}
	rec := array.NewRecord(c.schema, cols, int64(n))
	for _, col := range cols {
		col.Release()
	}
	c.lastRows = n
	c.reset()
	return rec
}

// fixedOffsets returns the offsets of n rows of seqLen values.
func (c *exampleColumns) fixedOffsets(n int) []int32 {
	if len(c.offs) < n+1 {
		offs := make([]int32, max(n+1, 2*len(c.offs)))
		for i := range offs {
			offs[i] = int32(i * c.seqLen)
		}
		c.offs = offs
	}
	return c.offs[:n+1]
}

// listColumn makes a list array of type typ over offsets offs and the
// values vals (count values, of typ's element type), wrapping both.
func listColumn(typ arrow.DataType, offs []int32, vals []byte, count int) arrow.Array {
	values := array.NewData(typ.(*arrow.ListType).Elem(), count, []*memory.Buffer{nil, memory.NewBufferBytes(vals)}, nil, 0, 0)
	data := array.NewData(typ, len(offs)-1, []*memory.Buffer{nil, memory.NewBufferBytes(int32Bytes(offs))}, []arrow.ArrayData{values}, 0, 0)
	values.Release()
	out := array.NewListData(data)
	data.Release()
	return out
}

func int32Bytes(v []int32) []byte { return arrow.Int32Traits.CastToBytes(v) }

func int8Bytes(v []int8) []byte { return arrow.Int8Traits.CastToBytes(v) }
