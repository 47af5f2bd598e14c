package pipeline

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
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
			return &shuffleStage{seed: seed}, nil
		},
	})
}

// ShuffleOptions configure the shuffle stage.
type ShuffleOptions struct {
	Seed *int64 `yaml:"seed" doc:"seed of the shuffle (default: the run's seed)"`
}

// shuffleStage is a barrier: in phase A each task sends every row to a
// destination part chosen by a seeded hash of (task, row), writing its rows
// grouped by destination; phase B makes part k from the rows sent to k by
// every task, in task order, then permutes them with a seed of its own.
// Memory in phase B is one part's rows.
type shuffleStage struct{ seed uint64 }

func (s *shuffleStage) Process(ctx context.Context, t *Task, rec arrow.Record) (arrow.Record, error) {
	return nil, fmt.Errorf("shuffle is a barrier")
}

func (s *shuffleStage) dest(task, row, numTasks int) int {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], uint64(task))
	binary.LittleEndian.PutUint64(b[8:], uint64(row))
	return int(xxh3.HashSeed(b[:], s.seed) % uint64(numTasks))
}

func (s *shuffleStage) Observer(t *Task, dir string) (Observer, error) {
	return &shuffleObserver{s: s, t: t, dir: dir, numTasks: t.r.numTasks()}, nil
}

type shuffleObserver struct {
	s        *shuffleStage
	t        *Task
	dir      string
	numTasks int
	recs     []arrow.Record
	firsts   []int
}

func (o *shuffleObserver) Observe(rec arrow.Record, firstRow int) error {
	rec.Retain()
	o.recs = append(o.recs, rec)
	o.firsts = append(o.firsts, firstRow)
	return nil
}

// Close writes the task's rows grouped by destination (one record batch per
// destination, in destination order) and an index of which batch goes where.
func (o *shuffleObserver) Close() error {
	defer o.release()
	byDest := map[int][][2]int{} // dest -> (record, row)
	for ri, rec := range o.recs {
		for i := 0; i < int(rec.NumRows()); i++ {
			d := o.s.dest(o.t.Index(), o.firsts[ri]+i, o.numTasks)
			byDest[d] = append(byDest[d], [2]int{ri, i})
		}
	}
	dests := make([]int, 0, len(byDest))
	for d := range byDest {
		dests = append(dests, d)
	}
	sort.Ints(dests)
	path := filepath.Join(o.dir, fmt.Sprintf("task-%05d.arrow", o.t.Index()))
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return err
	}
	removeStaleTemps(o.dir, filepath.Base(path))
	f, err := os.CreateTemp(o.dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	var w *ipc.FileWriter
	index := make([]int, 0, len(dests))
	for _, d := range dests {
		keep := make([][]bool, len(o.recs))
		for _, p := range byDest[d] {
			if keep[p[0]] == nil {
				keep[p[0]] = make([]bool, o.recs[p[0]].NumRows())
			}
			keep[p[0]][p[1]] = true
		}
		var parts []arrow.Record
		for ri, k := range keep {
			if k == nil {
				continue
			}
			part, err := TakeRows(o.t.Mem, o.recs[ri], k)
			if err != nil {
				return err
			}
			parts = append(parts, part)
		}
		for _, part := range parts {
			if w == nil {
				if w, err = ipc.NewFileWriter(f, ipc.WithSchema(part.Schema()), ipc.WithZstd()); err != nil {
					return err
				}
			}
			err := w.Write(part)
			part.Release()
			if err != nil {
				return err
			}
			index = append(index, d)
		}
	}
	if w != nil {
		if err := w.Close(); err != nil {
			return err
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	b, _ := json.Marshal(index)
	return writeFileAtomic(path+".index", b)
}

func (o *shuffleObserver) Abort() { o.release() }

func (o *shuffleObserver) release() {
	for _, r := range o.recs {
		r.Release()
	}
	o.recs = nil
}

func (s *shuffleStage) Decide(ctx context.Context, dir string, numTasks, workers int) (any, error) {
	return map[string]int{"parts": numTasks}, nil
}

func (s *shuffleStage) Applier(t *Task, dir string) (Applier, error) {
	return &shuffleApplier{s: s, dir: dir}, nil
}

type shuffleApplier struct {
	s   *shuffleStage
	dir string
}

// Apply consumes the task's own rows: they were sent to their destinations
// in phase A and come out of Finish there.
func (a *shuffleApplier) Apply(ctx context.Context, t *Task, rec arrow.Record, firstRow int) (arrow.Record, error) {
	return nil, nil
}

// Finish gathers the rows sent to this part by every task and permutes them.
func (a *shuffleApplier) Finish(ctx context.Context, t *Task) (arrow.Record, error) {
	var parts []arrow.Record
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	for src := 0; src < t.r.numTasks(); src++ {
		path := filepath.Join(a.dir, fmt.Sprintf("task-%05d.arrow", src))
		b, err := os.ReadFile(path + ".index")
		if err != nil {
			return nil, err
		}
		var index []int
		if err := json.Unmarshal(b, &index); err != nil {
			return nil, fmt.Errorf("%s.index: %v", path, err)
		}
		if len(index) == 0 {
			continue
		}
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		r, err := ipc.NewFileReader(f, ipc.WithAllocator(t.Mem))
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		for bi, d := range index {
			if d != t.Index() {
				continue
			}
			rec, err := r.RecordAt(bi)
			if err != nil {
				r.Close()
				f.Close()
				return nil, err
			}
			parts = append(parts, rec)
		}
		r.Close()
		f.Close()
	}
	if len(parts) == 0 {
		return nil, nil
	}
	all, err := concatRecords(t, parts)
	if err != nil {
		return nil, err
	}
	defer all.Release()
	n := int(all.NumRows())
	perm := rand.New(rand.NewPCG(a.s.seed, uint64(t.Index()))).Perm(n)
	return takeOrder(t, all, perm)
}

func concatRecords(t *Task, recs []arrow.Record) (arrow.Record, error) {
	if len(recs) == 1 {
		recs[0].Retain()
		return recs[0], nil
	}
	schema := recs[0].Schema()
	cols := make([]arrow.Array, schema.NumFields())
	var rows int64
	for _, r := range recs {
		if !r.Schema().Equal(schema) {
			return nil, fmt.Errorf("shuffle: tasks have different columns: %s vs %s", schema, r.Schema())
		}
		rows += r.NumRows()
	}
	for c := range cols {
		parts := make([]arrow.Array, len(recs))
		for i, r := range recs {
			parts[i] = r.Column(c)
		}
		col, err := array.Concatenate(parts, t.Mem)
		if err != nil {
			return nil, err
		}
		cols[c] = col
	}
	out := array.NewRecord(schema, cols, rows)
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}

// takeOrder returns the rows of rec in the given order, one-row slices
// concatenated per column.
func takeOrder(t *Task, rec arrow.Record, order []int) (arrow.Record, error) {
	cols := make([]arrow.Array, rec.NumCols())
	for c := range cols {
		src := rec.Column(c)
		parts := make([]arrow.Array, len(order))
		for i, r := range order {
			parts[i] = array.NewSlice(src, int64(r), int64(r+1))
		}
		col, err := array.Concatenate(parts, t.Mem)
		for _, p := range parts {
			p.Release()
		}
		if err != nil {
			return nil, err
		}
		cols[c] = col
	}
	out := array.NewRecord(rec.Schema(), cols, rec.NumRows())
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}
