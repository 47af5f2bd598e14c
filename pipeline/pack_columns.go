package pipeline

import (
	"os"
	"slices"
	"sync"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/grist/grist/tokenize/pack"
)

// exampleColumns gathers the examples of one output batch in flat Go slices,
// one per column, and hands them to Arrow without copying: each list column is
// an Arrow array whose buffers wrap those slices. Every column but seq_lens has
// rows of exactly seq_len values, so they share one offsets table (0, L, 2L,
// ...), written once and only ever replaced by a longer copy, never changed
// in place, as records still hold the old one.
//
// The value buffers come from a bufPool and go back to it when Arrow
// releases the last reference to them (the pool is their allocator), so a
// task's batches reuse the same memory: allocating fresh columns cost a
// quarter of MLM packing's time (zeroing new memory, faulting its pages in,
// collecting it). Every value of a row is written, so reused memory needs no
// clearing.
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

	offs    []int32               // i*seqLen for i = 0..len-1, shared by the records made
	ones    []int8                // seqLen ones: the attention mask of a row without padding
	maxRows int                   // rows of the largest batch so far: the capacity given to the next
	placed  bool                  // mlm: the next add's row was written in place (rowDest)
	pools   [nColumnKinds]bufPool // one per column, so that buffers of one size circulate together
}

// Column kinds of exampleColumns, indexing its pools.
const (
	kindIDs = iota
	kindLabels
	kindPos
	kindSeqLens
	kindSeqOffs
	kindMask
	kindSpecial
	nColumnKinds
)

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

// alloc gives the column slices room for as many rows as the largest batch
// had, from the pool, or new memory with a quarter more room (a batch that
// outgrows its columns copies them as they grow).
func (c *exampleColumns) alloc() {
	rows := max(c.maxRows, 16)
	n := rows * c.seqLen
	p := &c.pools
	c.ids = p[kindIDs].int32s(n)
	c.labels = p[kindLabels].int32s(n)
	c.mask = p[kindMask].int8s(n)
	if c.mlm {
		c.special = p[kindSpecial].int8s(n)
		return
	}
	c.pos = p[kindPos].int32s(n)
	c.seqLens = p[kindSeqLens].int32s(rows * 4)
	c.seqOffs = append(p[kindSeqOffs].int32s(rows+1), 0)
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
	shared := memory.NewBufferBytes(int32Bytes(offs))
	own := func(kind int, b []byte) *memory.Buffer { return memory.NewBufferWithAllocator(b, &c.pools[kind]) }
	var cols []arrow.Array
	if c.mlm {
		cols = []arrow.Array{
			listColumn(f[0].Type, shared, own(kindIDs, int32Bytes(c.ids)), len(c.ids)),
			listColumn(f[1].Type, shared, own(kindMask, int8Bytes(c.mask)), len(c.mask)),
			listColumn(f[2].Type, shared, own(kindSpecial, int8Bytes(c.special)), len(c.special)),
			listColumn(f[3].Type, shared, own(kindLabels, int32Bytes(c.labels)), len(c.labels)),
		}
	} else {
		cols = []arrow.Array{
			listColumn(f[0].Type, shared, own(kindIDs, int32Bytes(c.ids)), len(c.ids)),
			listColumn(f[1].Type, shared, own(kindLabels, int32Bytes(c.labels)), len(c.labels)),
			listColumn(f[2].Type, shared, own(kindPos, int32Bytes(c.pos)), len(c.pos)),
			listColumn(f[3].Type, own(kindSeqOffs, int32Bytes(c.seqOffs)), own(kindSeqLens, int32Bytes(c.seqLens)), len(c.seqLens)),
			listColumn(f[4].Type, shared, own(kindMask, int8Bytes(c.mask)), len(c.mask)),
		}
	}
	rec := array.NewRecord(c.schema, cols, int64(n))
	for _, col := range cols {
		col.Release()
	}
	c.maxRows = max(c.maxRows, n)
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

// listColumn makes a list array of type typ over the offsets offs and the
// values vals (count values, of typ's element type), taking over the
// caller's references to both buffers.
func listColumn(typ arrow.DataType, offs, vals *memory.Buffer, count int) arrow.Array {
	values := array.NewData(typ.(*arrow.ListType).Elem(), count, []*memory.Buffer{nil, vals}, nil, 0, 0)
	vals.Release()
	data := array.NewData(typ, offs.Len()/4-1, []*memory.Buffer{nil, offs}, []arrow.ArrayData{values}, 0, 0)
	offs.Release()
	values.Release()
	out := array.NewListData(data)
	data.Release()
	return out
}

// poisonFreed makes bufPool overwrite every buffer Arrow frees with 0xa5
// bytes, so that a reader holding column values past their release reads
// garbage rather than plausible old rows (GRIST_POISON_FREED=1; the
// pipeline tests always set it).
var poisonFreed = os.Getenv("GRIST_POISON_FREED") != ""

// bufPool recycles the buffers of one column of example records. It is the
// memory.Allocator of those buffers, so Arrow hands each back (Free) when
// its last reference is released, from whichever goroutine releases it. It
// keeps the largest few buffers; a request takes the smallest that fits.
type bufPool struct {
	mu   sync.Mutex
	free [][]byte // full capacity
}

// bufPoolKeep is the number of buffers kept per column: enough for a
// record being written while the next is gathered.
const bufPoolKeep = 2

// get returns an empty slice with room for size bytes: a kept buffer large
// enough (holding whatever it held), else new memory with a quarter more.
func (p *bufPool) get(size int) []byte {
	p.mu.Lock()
	best := -1
	for i, b := range p.free {
		if cap(b) >= size && (best < 0 || cap(b) < cap(p.free[best])) {
			best = i
		}
	}
	if best >= 0 {
		b := p.free[best]
		p.free = slices.Delete(p.free, best, best+1)
		p.mu.Unlock()
		return b[:0]
	}
	p.mu.Unlock()
	return make([]byte, 0, size+size/4)
}

func (p *bufPool) int32s(n int) []int32 { return arrow.Int32Traits.CastFromBytes(p.get(4 * n)) }

func (p *bufPool) int8s(n int) []int8 { return arrow.Int8Traits.CastFromBytes(p.get(n)) }

// Allocate returns size bytes (memory.Allocator).
func (p *bufPool) Allocate(size int) []byte { return p.get(size)[:size] }

// Reallocate resizes b (memory.Allocator).
func (p *bufPool) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		return b[:size]
	}
	nb := p.get(size)[:size]
	copy(nb, b)
	p.Free(b)
	return nb
}

// Free takes b back (memory.Allocator): kept while fewer than bufPoolKeep
// are, else in place of the smallest kept if larger.
func (p *bufPool) Free(b []byte) {
	b = b[:cap(b)]
	if cap(b) == 0 {
		return
	}
	if poisonFreed {
		b[0] = 0xa5
		for k := 1; k < len(b); k *= 2 {
			copy(b[k:], b[:k])
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.free) < bufPoolKeep {
		p.free = append(p.free, b)
		return
	}
	small := 0
	for i := range p.free {
		if cap(p.free[i]) < cap(p.free[small]) {
			small = i
		}
	}
	if cap(b) > cap(p.free[small]) {
		p.free[small] = b
	}
}

func int32Bytes(v []int32) []byte { return arrow.Int32Traits.CastToBytes(v) }

func int8Bytes(v []int8) []byte { return arrow.Int8Traits.CastToBytes(v) }
