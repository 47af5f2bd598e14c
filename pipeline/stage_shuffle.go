package pipeline

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"slices"
	"unsafe"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/bitutil"
	"github.com/apache/arrow/go/v17/arrow/compute"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/zeebo/xxh3"
)

func init() {
	Register(Spec{
		Name:    "shuffle",
		Doc:     "global seeded shuffle: every row moves to a random output part and parts are shuffled inside, so a trainer reading shards in order sees mixed sources",
		Kind:    KindBarrier,
		Options: ShuffleOptions{},
		New: func(opts any, env *Env) (Stage, error) {
			o := opts.(*ShuffleOptions)
			seed := uint64(env.Seed)
			if o.Seed != nil {
				seed = uint64(*o.Seed)
			}
			return &shuffleStage{seed: seed, budget: int64(o.MemoryMB * (1 << 20))}, nil
		},
	})
}

// ShuffleOptions configure the shuffle stage.
type ShuffleOptions struct {
	Seed     *int64  `yaml:"seed" doc:"seed of the shuffle (default: the run's seed)"`
	MemoryMB float64 `yaml:"memory_mb" default:"256" doc:"memory the shuffle's row buffers may use per worker, in MB (Arrow bytes); larger parts are built in several passes; the output does not depend on it"`
}

// Validate checks the memory bound.
func (o *ShuffleOptions) Validate() error {
	if !(o.MemoryMB > 0) || math.IsInf(o.MemoryMB, 0) {
		return fmt.Errorf("memory_mb: must be > 0")
	}
	return nil
}

// shuffleKeyField is the column phase A adds to the rows it writes: the
// row's position key inside its destination part. Phase B drops it.
const shuffleKeyField = "__grist_shuffle_key"

// minEmitBytes is the smallest batch phase B hands on (unless the part or
// emitBytes is smaller): tiny batches would only add per-batch costs
// downstream.
const minEmitBytes = 1 << 20

// shuffleStage is a barrier and a two-level shuffle. Every row gets one
// seeded 128-bit hash of (task, row number at the barrier): its low half
// picks the destination part, its high half is the row's key inside that
// part.
//
// Phase A (Observer) streams: each task groups every observed batch by
// destination and appends the groups to per-destination buffers; when the
// buffers hold an eighth of the memory bound they are written, one IPC
// record batch per destination, to the task's file, with an index of which
// batch goes where. Rows of one destination stay in row order. (Phase A runs
// beside the stages before the barrier, and larger batches buy nothing but
// fewer index entries, so it keeps a small share of the bound.)
//
// Phase B (Applier of task k) builds part k sorted by key. The key range is
// cut into B equal sub-ranges (sub-buckets), B chosen from the part's bytes
// so that a sub-bucket takes at most a quarter of the memory bound;
// sub-bucket j is gathered from every task's batches for k (rows whose key
// falls in range j), sorted in memory column by column, and handed on in
// slices; then j+1. Each pass reads the part's batches again (B passes; one
// for a part under a quarter of the bound). Peak memory is a quarter of the
// bound plus its largest column (a gathered sub-bucket and the sorted copy
// of one column), one batch being read and one slice handed on (at most
// 1/32 of the bound): the rest of the bound is left to the Go heap's
// headroom and to the steps downstream.
//
// Why this mixes well enough for training: a row's part and its position
// inside the part are both functions of seeded hashes of its identity, so
// any input order (by file, by source, by language) is spread uniformly
// across parts, and each part is a uniform random permutation of its rows
// (sorting by independent random keys; equal keys, a 2^-64 event per pair,
// keep (task, row) order). Sub-buckets are key ranges emitted in key order,
// so the order does not depend on the memory bound, the flush pattern or the
// number of workers and ranks: only on the seed and the rows. (The exact
// permutation differs from the earlier, whole-part shuffle that permuted
// positions with a PCG; both are seeded and deterministic.)
//
// The executor hands rows on from an Applier per call: phase B emits its
// part in slices as Apply is called on the task's own rows (one call per
// batch task k passed to the barrier; those rows are sent elsewhere), and
// what remains from Finish, which the executor calls until it returns nil.
// Every slice is a slice of one sorted sub-bucket holding at most
// emitBytes, whatever the part's size and the task's number of batches.
type shuffleStage struct {
	seed   uint64
	budget int64 // bytes of row buffers per worker
}

func (s *shuffleStage) Process(ctx context.Context, t *Task, rec arrow.Record) (arrow.Record, error) {
	return nil, fmt.Errorf("shuffle is a barrier")
}

// subBucketBytes is the size of a phase B sub-bucket: it is held twice
// (gathered and sorted).
func (s *shuffleStage) subBucketBytes() int64 { return max(s.budget/4, 1) }

// flushBytes is the size of phase A's buffers.
func (s *shuffleStage) flushBytes() int64 { return max(s.budget/8, 1) }

// emitBytes is the most phase B hands on at once: the steps and the writer
// after the shuffle hold a batch (and the writer its values converted) while
// they work on it, so batches are kept to a small share of the bound.
func (s *shuffleStage) emitBytes() int64 { return max(s.budget/32, 1) }

// route returns the destination part of row `row` of task `task` and its
// key inside that part.
func (s *shuffleStage) route(task, row, numTasks int) (dest int, key uint64) {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], uint64(task))
	binary.LittleEndian.PutUint64(b[8:], uint64(row))
	h := xxh3.Hash128Seed(b[:], s.seed)
	d, _ := bits.Mul64(h.Lo, uint64(numTasks)) // uniform in [0, numTasks)
	return int(d), h.Hi
}

// subBucket maps a key to its sub-bucket among nb equal key ranges; it is
// monotonic in the key, so sub-buckets in order hold the keys in order.
func subBucket(key uint64, nb int) int {
	b, _ := bits.Mul64(key, uint64(nb))
	return int(b)
}

func shufflePath(dir string, task int) string {
	return filepath.Join(dir, fmt.Sprintf("task-%05d.arrow", task))
}

// shuffleIndex is the sidecar of a task's phase A file: the destination,
// row count and Arrow bytes of each record batch, and how many batches the
// task passed to the barrier (= Apply calls of its phase B).
type shuffleIndex struct {
	Dest     []int   `json:"dest"`
	Rows     []int64 `json:"rows"`
	Bytes    []int64 `json:"bytes"`
	Observed int     `json:"observed"`
}

func readShuffleIndex(dir string, task int) (*shuffleIndex, error) {
	p := shufflePath(dir, task) + ".index"
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var ix shuffleIndex
	if err := json.Unmarshal(b, &ix); err != nil {
		return nil, fmt.Errorf("%s: %v", p, err)
	}
	if len(ix.Rows) != len(ix.Dest) || len(ix.Bytes) != len(ix.Dest) {
		return nil, fmt.Errorf("%s: inconsistent index", p)
	}
	return &ix, nil
}

func (s *shuffleStage) Observer(t *Task, dir string) (Observer, error) {
	n := t.r.numTasks()
	return &shuffleObserver{s: s, t: t, dir: dir, numTasks: n, bufs: make([][]arrow.Record, n), counts: make([]int, n+1)}, nil
}

type shuffleObserver struct {
	s        *shuffleStage
	t        *Task
	dir      string
	numTasks int
	schema   *arrow.Schema // observed schema plus the key column
	observed *arrow.Schema // the rows' own schema

	bufs     [][]arrow.Record // per destination: slices waiting to be written
	buffered int64
	counts   []int // scratch: counting sort by destination
	dests    []int32
	keys     []uint64
	order    []int32

	f     *os.File
	w     *ipc.FileWriter
	index shuffleIndex
}

// Observe groups the batch's rows by destination (one take per column in
// destination order) and buffers one slice per destination.
func (o *shuffleObserver) Observe(rec arrow.Record, firstRow int) error {
	n := int(rec.NumRows())
	if n == 0 {
		return nil
	}
	o.index.Observed++
	if o.schema == nil {
		if rec.Schema().HasField(shuffleKeyField) {
			return fmt.Errorf("shuffle: the rows already have a %s column", shuffleKeyField)
		}
		md := rec.Schema().Metadata()
		o.schema = arrow.NewSchema(append(slices.Clone(rec.Schema().Fields()), arrow.Field{Name: shuffleKeyField, Type: arrow.PrimitiveTypes.Uint64}), &md)
		o.observed = rec.Schema()
	} else if !o.observed.Equal(rec.Schema()) {
		return fmt.Errorf("shuffle: batches have different columns: %s vs %s", o.observed, rec.Schema())
	}
	o.dests = slices.Grow(o.dests[:0], n)[:n]
	o.keys = slices.Grow(o.keys[:0], n)[:n]
	clear(o.counts)
	task := o.t.Index()
	for i := 0; i < n; i++ {
		d, k := o.s.route(task, firstRow+i, o.numTasks)
		o.dests[i], o.keys[i] = int32(d), k
		o.counts[d+1]++
	}
	for d := 1; d <= o.numTasks; d++ {
		o.counts[d] += o.counts[d-1] // counts[d] = first position of destination d
	}
	o.order = slices.Grow(o.order[:0], n)[:n]
	order := o.order
	keys := make([]uint64, n) // aliased by the buffered slices: one per batch
	pos := slices.Clone(o.counts[:o.numTasks])
	for i := 0; i < n; i++ {
		d := o.dests[i]
		order[pos[d]] = int32(i)
		keys[pos[d]] = o.keys[i]
		pos[d]++
	}
	grouped, err := takeColumns(o.t.Mem, rec, order, o.schema, keys)
	if err != nil {
		return err
	}
	defer grouped.Release()
	for d := 0; d < o.numTasks; d++ {
		lo, hi := o.counts[d], o.counts[d+1]
		if lo < hi {
			o.bufs[d] = append(o.bufs[d], grouped.NewSlice(int64(lo), int64(hi)))
		}
	}
	o.buffered += recordBytes(grouped)
	if o.buffered >= o.s.flushBytes() {
		return o.flush()
	}
	return nil
}

// flush writes one record batch per destination holding buffered rows, in
// destination order, and empties the buffers.
func (o *shuffleObserver) flush() error {
	for d, parts := range o.bufs {
		if len(parts) == 0 {
			continue
		}
		rec, err := concatRecords(o.t.Mem, parts)
		for _, p := range parts {
			p.Release()
		}
		o.bufs[d] = parts[:0]
		if err != nil {
			return err
		}
		err = o.write(rec)
		if err == nil {
			o.index.Dest = append(o.index.Dest, d)
			o.index.Rows = append(o.index.Rows, rec.NumRows())
			o.index.Bytes = append(o.index.Bytes, recordBytes(rec))
		}
		rec.Release()
		if err != nil {
			return err
		}
	}
	o.buffered = 0
	return nil
}

func (o *shuffleObserver) write(rec arrow.Record) error {
	if o.w == nil {
		if err := o.open(); err != nil {
			return err
		}
		w, err := ipc.NewFileWriter(o.f, ipc.WithSchema(o.schema), ipc.WithZstd(), ipc.WithAllocator(o.t.Mem))
		if err != nil {
			return err
		}
		o.w = w
	}
	return o.w.Write(rec)
}

// open starts the task's file under a temporary name (renamed by Close).
func (o *shuffleObserver) open() error {
	if o.f != nil {
		return nil
	}
	path := shufflePath(o.dir, o.t.Index())
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return err
	}
	removeStaleTemps(o.dir, filepath.Base(path))
	f, err := os.CreateTemp(o.dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	o.f = f
	return nil
}

// Close writes what is buffered, then commits the file and its index, each
// atomically (a task rerun after a crash rewrites both).
func (o *shuffleObserver) Close() error {
	if err := o.flush(); err != nil {
		o.Abort()
		return err
	}
	if err := o.open(); err != nil { // a task without rows leaves an empty file
		o.Abort()
		return err
	}
	if o.w != nil {
		err := o.w.Close()
		o.w = nil
		if err != nil {
			o.Abort()
			return err
		}
	}
	name := o.f.Name()
	err := o.f.Close()
	o.f = nil
	path := shufflePath(o.dir, o.t.Index())
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		os.Remove(name)
		return err
	}
	b, _ := json.Marshal(&o.index)
	return writeFileAtomic(path+".index", b)
}

// Abort drops the buffers and the temporary file.
func (o *shuffleObserver) Abort() {
	for d, parts := range o.bufs {
		for _, p := range parts {
			p.Release()
		}
		o.bufs[d] = nil
	}
	o.buffered = 0
	if o.w != nil {
		o.w.Close()
		o.w = nil
	}
	if o.f != nil {
		o.f.Close()
		os.Remove(o.f.Name())
		o.f = nil
	}
}

func (s *shuffleStage) Decide(ctx context.Context, dir string, numTasks, workers int) (any, error) {
	return map[string]int{"parts": numTasks}, nil
}

func (s *shuffleStage) Applier(t *Task, dir string) (Applier, error) {
	return &shuffleApplier{s: s, dir: dir}, nil
}

// shuffleApplier builds one part (the task's) sub-bucket by sub-bucket.
type shuffleApplier struct {
	s   *shuffleStage
	dir string

	planned bool
	srcs    []shuffleSource // tasks that sent rows to this part
	rows    int64           // rows of the part
	nb      int             // sub-buckets
	chunk   int64           // rows handed on per call (at most)
	next    int             // next sub-bucket to build
	emitted int64
	cur     arrow.Record // sorted sub-bucket being handed on (no key column)
	pos     int64
}

type shuffleSource struct {
	task    int
	batches []int // record batches of the task's file destined to this part
}

// plan reads every task's index: which batches hold this part's rows, how
// many rows and bytes they are, how many sub-buckets fit the bound and how
// many rows to hand on per call.
func (a *shuffleApplier) plan(t *Task) error {
	a.planned = true
	k := t.Index()
	var bytes int64
	calls := 1 // Finish
	for src := 0; src < t.r.numTasks(); src++ {
		ix, err := readShuffleIndex(a.dir, src)
		if err != nil {
			return err
		}
		if src == k {
			calls += ix.Observed
		}
		var mine []int
		for bi, d := range ix.Dest {
			if d == k {
				mine = append(mine, bi)
				a.rows += ix.Rows[bi]
				bytes += ix.Bytes[bi]
			}
		}
		if len(mine) > 0 {
			a.srcs = append(a.srcs, shuffleSource{task: src, batches: mine})
		}
	}
	if a.rows == 0 {
		return nil
	}
	a.nb = int(max(1, (bytes+a.s.subBucketBytes()-1)/a.s.subBucketBytes()))
	// The part spread over the calls, but no slice under the floor (per-batch
	// costs) nor over emitBytes (memory downstream); Finish hands on the rest.
	avg := max(bytes/a.rows, 1)
	most := max(1, a.s.emitBytes()/avg)
	least := min(most, (min(minEmitBytes, a.s.emitBytes())+avg-1)/avg)
	a.chunk = min(max((a.rows+int64(calls)-1)/int64(calls), least), most)
	t.Count("sub_buckets", int64(a.nb))
	return nil
}

// Apply consumes the task's own rows (they were sent to their parts in
// phase A) and hands on the next slice of this task's part.
func (a *shuffleApplier) Apply(ctx context.Context, t *Task, rec arrow.Record, firstRow int) (arrow.Record, error) {
	if !a.planned {
		if err := a.plan(t); err != nil {
			return nil, err
		}
	}
	return a.emit(ctx, t, a.chunk)
}

// Finish hands on the next slice of what remains of the part; the
// executor calls it until it returns nil.
func (a *shuffleApplier) Finish(ctx context.Context, t *Task) (arrow.Record, error) {
	if !a.planned {
		if err := a.plan(t); err != nil {
			return nil, err
		}
	}
	rec, err := a.emit(ctx, t, a.chunk)
	if rec == nil || err != nil {
		a.release()
	}
	return rec, err
}

func (a *shuffleApplier) release() {
	if a.cur != nil {
		a.cur.Release()
		a.cur = nil
	}
}

// emit returns the next rows of the part in key order, at most n (nil when
// none are left): a slice of the current sorted sub-bucket, built when the
// previous one runs out. Slices do not span sub-buckets, so handing on
// costs no copy.
func (a *shuffleApplier) emit(ctx context.Context, t *Task, n int64) (arrow.Record, error) {
	n = min(n, a.rows-a.emitted)
	if n <= 0 {
		return nil, nil
	}
	for a.cur == nil || a.pos == a.cur.NumRows() {
		a.release()
		if a.next == a.nb {
			return nil, fmt.Errorf("shuffle: part %d: the indexes promise %d rows, the files hold %d", t.Index(), a.rows, a.emitted)
		}
		cur, err := a.build(ctx, t, a.next)
		if err != nil {
			return nil, err
		}
		a.next++
		a.cur, a.pos = cur, 0
	}
	take := min(n, a.cur.NumRows()-a.pos)
	out := a.cur.NewSlice(a.pos, a.pos+take)
	a.pos += take
	a.emitted += take
	return out, nil
}

// build gathers sub-bucket j of this part from every task's file and
// returns its rows sorted by key, without the key column (nil if empty).
func (a *shuffleApplier) build(ctx context.Context, t *Task, j int) (arrow.Record, error) {
	var pieces []arrow.Record
	defer func() {
		for _, p := range pieces {
			p.Release()
		}
	}()
	var sel []int32
	for _, src := range a.srcs {
		path := shufflePath(a.dir, src.task)
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		r, err := ipc.NewFileReader(f, ipc.WithAllocator(t.Mem))
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		for _, bi := range src.batches {
			if err := ctx.Err(); err != nil {
				r.Close()
				f.Close()
				return nil, err
			}
			rec, err := r.RecordAt(bi)
			if err != nil {
				r.Close()
				f.Close()
				return nil, fmt.Errorf("%s: %v", path, err)
			}
			piece, err := a.selectRange(t.Mem, rec, j, &sel)
			rec.Release()
			if err != nil {
				r.Close()
				f.Close()
				return nil, err
			}
			if piece != nil {
				pieces = append(pieces, piece)
			}
		}
		r.Close()
		f.Close()
	}
	if len(pieces) == 0 {
		return nil, nil
	}
	for _, p := range pieces[1:] {
		if !p.Schema().Equal(pieces[0].Schema()) {
			return nil, fmt.Errorf("shuffle: tasks have different columns: %s vs %s", dataSchema(pieces[0].Schema()), dataSchema(p.Schema()))
		}
	}
	// Sort by (key, gathered position): gathered rows are in (task, row)
	// order, so ties keep it whatever the batch layout.
	var keys []uint64
	for _, p := range pieces {
		k, err := keyColumn(p)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k...)
	}
	order := make([]int32, len(keys))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(x, y int32) int {
		if c := cmp.Compare(keys[x], keys[y]); c != 0 {
			return c
		}
		return cmp.Compare(x, y)
	})
	out := dataSchema(pieces[0].Schema())
	// Column by column: join the pieces' column, put it in key order and
	// drop the pieces' copy before the next column, so the sub-bucket is
	// held twice for one column only, not whole.
	cols := make([][]arrow.Array, out.NumFields())
	for c := range cols {
		for _, p := range pieces {
			col := p.Column(c)
			col.Retain()
			cols[c] = append(cols[c], col)
		}
	}
	for _, p := range pieces {
		p.Release()
	}
	pieces = nil
	sorted := make([]arrow.Array, 0, len(cols))
	defer func() {
		for _, col := range slices.Concat(cols...) {
			col.Release()
		}
		for _, col := range sorted {
			col.Release()
		}
	}()
	ctx = compute.WithAllocator(ctx, t.Mem)
	idx := array.NewInt32Data(array.NewData(arrow.PrimitiveTypes.Int32, len(order),
		[]*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(order))}, nil, 0, 0))
	defer idx.Release()
	for c := range cols {
		var all arrow.Array
		if len(cols[c]) == 1 {
			all = cols[c][0]
			all.Retain()
		} else {
			var err error
			if all, err = array.Concatenate(cols[c], t.Mem); err != nil {
				return nil, fmt.Errorf("shuffle: column %s: %v", out.Field(c).Name, err)
			}
		}
		for _, col := range cols[c] {
			col.Release()
		}
		cols[c] = nil
		col, err := takeArray(ctx, t.Mem, all, order, idx)
		all.Release()
		if err != nil {
			return nil, fmt.Errorf("shuffle: column %s: %v", out.Field(c).Name, err)
		}
		sorted = append(sorted, col)
	}
	rec := array.NewRecord(out, sorted, int64(len(order)))
	return rec, nil
}

// selectRange returns the rows of rec whose key falls in sub-bucket j
// (rec itself, retained, when all do; nil when none do).
func (a *shuffleApplier) selectRange(mem memory.Allocator, rec arrow.Record, j int, sel *[]int32) (arrow.Record, error) {
	if a.nb == 1 {
		rec.Retain()
		return rec, nil
	}
	keys, err := keyColumn(rec)
	if err != nil {
		return nil, err
	}
	s := (*sel)[:0]
	for i, k := range keys {
		if subBucket(k, a.nb) == j {
			s = append(s, int32(i))
		}
	}
	*sel = s
	switch len(s) {
	case 0:
		return nil, nil
	case len(keys):
		rec.Retain()
		return rec, nil
	}
	return takeColumns(mem, rec, s, rec.Schema(), nil)
}

func keyColumn(rec arrow.Record) ([]uint64, error) {
	last := int(rec.NumCols()) - 1
	if last < 0 || rec.Schema().Field(last).Name != shuffleKeyField {
		return nil, fmt.Errorf("shuffle: batch without its %s column", shuffleKeyField)
	}
	col, ok := rec.Column(last).(*array.Uint64)
	if !ok || col.NullN() != 0 {
		return nil, fmt.Errorf("shuffle: bad %s column", shuffleKeyField)
	}
	return col.Uint64Values(), nil
}

// dataSchema is a schema without the trailing key column, if it has one.
func dataSchema(s *arrow.Schema) *arrow.Schema {
	n := s.NumFields()
	if n == 0 || s.Field(n-1).Name != shuffleKeyField {
		return s
	}
	md := s.Metadata()
	return arrow.NewSchema(s.Fields()[:n-1], &md)
}

// takeColumns returns the rows of rec at the given positions, in that
// order, as a record of schema out: its first columns are rec's (out may
// have fewer, dropping the key column), and when keys is not nil a last
// uint64 column holding keys (aliased, not copied). One take per column
// (takeArray): no per-row allocation.
func takeColumns(mem memory.Allocator, rec arrow.Record, order []int32, out *arrow.Schema, keys []uint64) (arrow.Record, error) {
	ctx := compute.WithAllocator(context.Background(), mem)
	idx := array.NewInt32Data(array.NewData(arrow.PrimitiveTypes.Int32, len(order),
		[]*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(order))}, nil, 0, 0))
	defer idx.Release()
	ncols := out.NumFields()
	if keys != nil {
		ncols--
	}
	cols := make([]arrow.Array, 0, out.NumFields())
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	for c := 0; c < ncols; c++ {
		col, err := takeArray(ctx, mem, rec.Column(c), order, idx)
		if err != nil {
			return nil, fmt.Errorf("shuffle: column %s: %v", out.Field(c).Name, err)
		}
		cols = append(cols, col)
	}
	if keys != nil {
		cols = append(cols, array.NewUint64Data(array.NewData(arrow.PrimitiveTypes.Uint64, len(keys),
			[]*memory.Buffer{nil, memory.NewBufferBytes(arrow.Uint64Traits.CastToBytes(keys))}, nil, 0, 0)))
	}
	return array.NewRecord(out, cols, int64(len(order))), nil
}

// concatRecords joins records of one schema into one (the only one,
// retained, when there is a single record).
func concatRecords(mem memory.Allocator, recs []arrow.Record) (arrow.Record, error) {
	if len(recs) == 1 {
		recs[0].Retain()
		return recs[0], nil
	}
	schema := recs[0].Schema()
	cols := make([]arrow.Array, 0, schema.NumFields())
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	var rows int64
	for _, r := range recs {
		rows += r.NumRows()
	}
	parts := make([]arrow.Array, len(recs))
	for c := 0; c < schema.NumFields(); c++ {
		for i, r := range recs {
			parts[i] = r.Column(c)
		}
		col, err := array.Concatenate(parts, mem)
		if err != nil {
			return nil, err
		}
		cols = append(cols, col)
	}
	return array.NewRecord(schema, cols, rows), nil
}

// recordBytes is the size of a record's Arrow buffers (children included);
// slices count the buffers they share whole.
func recordBytes(rec arrow.Record) int64 {
	var n int64
	for _, c := range rec.Columns() {
		n += dataBytes(c.Data())
	}
	return n
}

func dataBytes(d arrow.ArrayData) int64 {
	var n int64
	for _, b := range d.Buffers() {
		if b != nil {
			n += int64(b.Len())
		}
	}
	for _, c := range d.Children() {
		n += dataBytes(c)
	}
	return n
}

// takeArray returns arr's values at idx, in that order. It is hand-written
// for the types rows carry (fixed-width numbers, booleans, strings and
// binaries, lists of these): Arrow's take kernel for lists costs about
// 1.6 µs per list element (11 s to permute 1,000 rows of three 2048-token
// columns), which made the shuffle the slowest step of a run; this copies
// each row's bytes with one copy. Other types go to Arrow's kernel (idxArr
// holds idx as an Arrow array for it), or when it has none, to one-row
// slices concatenated.
func takeArray(ctx context.Context, mem memory.Allocator, arr arrow.Array, idx []int32, idxArr arrow.Array) (arrow.Array, error) {
	if d := takeData(mem, arr, idx); d != nil {
		defer d.Release()
		return array.MakeFromData(d), nil
	}
	if out, err := compute.TakeArray(ctx, arr, idxArr); err == nil {
		return out, nil
	}
	return takeBySlices(mem, arr, idx) // types Arrow's kernel lacks (dictionaries)
}

// takeBySlices concatenates one-row slices: slow, but for any type.
func takeBySlices(mem memory.Allocator, arr arrow.Array, idx []int32) (arrow.Array, error) {
	if len(idx) == 0 {
		return array.NewSlice(arr, 0, 0), nil
	}
	parts := make([]arrow.Array, len(idx))
	for i, j := range idx {
		parts[i] = array.NewSlice(arr, int64(j), int64(j)+1)
	}
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	return array.Concatenate(parts, mem)
}

type offsets32 interface {
	ValueOffsets() []int32
	ValueBytes() []byte
}

type offsets64 interface {
	ValueOffsets() []int64
	ValueBytes() []byte
}

// gatherBinary copies the values idx picks from a string or binary column
// (offsets offs, bytes data) into new offsets and data buffers; nil buffers
// when the bytes picked do not fit the offset type.
func gatherBinary[O int32 | int64](offs []O, data []byte, idx []int32, alloc func(int) *memory.Buffer) (ob, db *memory.Buffer) {
	base, total := offs[0], int64(0)
	for _, j := range idx {
		total += int64(offs[j+1] - offs[j])
	}
	width := int(unsafe.Sizeof(O(0)))
	if width == 4 && total > math.MaxInt32 {
		return nil, nil
	}
	ob, db = alloc((len(idx)+1)*width), alloc(int(total))
	o, d := unsafe.Slice((*O)(unsafe.Pointer(unsafe.SliceData(ob.Bytes()))), len(idx)+1), db.Bytes()
	pos := 0
	for i, j := range idx {
		o[i] = O(pos)
		pos += copy(d[pos:], data[offs[j]-base:offs[j+1]-base])
	}
	o[len(idx)] = O(pos)
	return ob, db
}

type listArray interface {
	arrow.Array
	ValueOffsets(i int) (start, end int64)
	ListValues() arrow.Array
}

// takeData is takeArray's kernel; nil means a type it leaves to Arrow.
func takeData(mem memory.Allocator, arr arrow.Array, idx []int32) arrow.ArrayData {
	n := len(idx)
	dt := arr.DataType()
	var bufs []*memory.Buffer
	defer func() {
		for _, b := range bufs {
			if b != nil {
				b.Release()
			}
		}
	}()
	alloc := func(size int) *memory.Buffer {
		b := memory.NewResizableBuffer(mem)
		b.Resize(size)
		bufs = append(bufs, b)
		return b
	}
	var valid *memory.Buffer
	nulls := 0
	if arr.NullN() > 0 {
		valid = alloc(int(bitutil.BytesForBits(int64(n))))
		bits := valid.Bytes()
		clear(bits)
		for i, j := range idx {
			if arr.IsValid(int(j)) {
				bitutil.SetBit(bits, i)
			} else {
				nulls++
			}
		}
	}
	switch a := arr.(type) {
	case *array.Boolean:
		out := alloc(int(bitutil.BytesForBits(int64(n))))
		bits := out.Bytes()
		clear(bits)
		for i, j := range idx {
			if a.Value(int(j)) {
				bitutil.SetBit(bits, i)
			}
		}
		return array.NewData(dt, n, []*memory.Buffer{valid, out}, nil, nulls, 0)
	case offsets32:
		ob, db := gatherBinary(a.ValueOffsets(), a.ValueBytes(), idx, alloc)
		if ob == nil {
			return nil
		}
		return array.NewData(dt, n, []*memory.Buffer{valid, ob, db}, nil, nulls, 0)
	case offsets64:
		ob, db := gatherBinary(a.ValueOffsets(), a.ValueBytes(), idx, alloc)
		return array.NewData(dt, n, []*memory.Buffer{valid, ob, db}, nil, nulls, 0)
	case listArray:
		large := dt.ID() == arrow.LARGE_LIST
		if dt.ID() != arrow.LIST && !large {
			return nil
		}
		total := int64(0)
		for _, j := range idx {
			s, e := a.ValueOffsets(int(j))
			total += e - s
		}
		if total > math.MaxInt32 {
			return nil
		}
		var ob *memory.Buffer
		if large {
			ob = alloc((n + 1) * 8)
		} else {
			ob = alloc((n + 1) * 4)
		}
		setOff := func(i int, v int64) {
			if large {
				arrow.Int64Traits.CastFromBytes(ob.Bytes())[i] = v
			} else {
				arrow.Int32Traits.CastFromBytes(ob.Bytes())[i] = int32(v)
			}
		}
		child := a.ListValues()
		cd := takeRanges(mem, child, idx, a, total)
		if cd == nil {
			return nil
		}
		defer cd.Release()
		pos := int64(0)
		for i, j := range idx {
			setOff(i, pos)
			s, e := a.ValueOffsets(int(j))
			pos += e - s
		}
		setOff(n, pos)
		return array.NewData(dt, n, []*memory.Buffer{valid, ob}, []arrow.ArrayData{cd}, nulls, 0)
	}
	if w := fixedWidth(arr); w > 0 {
		src := arr.Data().Buffers()[1].Bytes()[arr.Data().Offset()*w:]
		out := alloc(n * w)
		d := out.Bytes()
		for i, j := range idx {
			copy(d[i*w:(i+1)*w], src[int(j)*w:(int(j)+1)*w])
		}
		return array.NewData(dt, n, []*memory.Buffer{valid, out}, nil, nulls, 0)
	}
	return nil
}

// fixedWidth is the byte width of a plain fixed-width array (validity and
// values buffers), 0 for other layouts.
func fixedWidth(arr arrow.Array) int {
	fw, ok := arr.DataType().(arrow.FixedWidthDataType)
	if !ok || fw.BitWidth()%8 != 0 || len(arr.Data().Buffers()) != 2 || arr.Data().Buffers()[1] == nil {
		return 0
	}
	switch arr.DataType().ID() {
	case arrow.DICTIONARY, arrow.EXTENSION:
		return 0
	}
	return fw.BitWidth() / 8
}

// takeRanges returns the list elements of the rows idx of list, in order
// (total of them): one copy per row for fixed-width elements without nulls,
// otherwise a take of the element positions.
func takeRanges(mem memory.Allocator, child arrow.Array, idx []int32, list listArray, total int64) arrow.ArrayData {
	if w := fixedWidth(child); w > 0 && child.NullN() == 0 {
		src := child.Data().Buffers()[1].Bytes()[child.Data().Offset()*w:]
		out := memory.NewResizableBuffer(mem)
		out.Resize(int(total) * w)
		defer out.Release()
		d, pos := out.Bytes(), 0
		for _, j := range idx {
			s, e := list.ValueOffsets(int(j))
			pos += copy(d[pos:], src[int(s)*w:int(e)*w])
		}
		return array.NewData(child.DataType(), int(total), []*memory.Buffer{nil, out}, nil, 0, 0)
	}
	elems := make([]int32, 0, total)
	for _, j := range idx {
		s, e := list.ValueOffsets(int(j))
		for k := s; k < e; k++ {
			elems = append(elems, int32(k))
		}
	}
	return takeData(mem, child, elems)
}
