package dedup

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"

	"github.com/grist/grist/internal/storage"
)

// ClusterConfig holds the run-time resources of phase 2.
type ClusterConfig struct {
	// Workers is the number of goroutines (<= 0: 1).
	Workers int
	// MemoryBudget bounds, in bytes, the records phase 2 sorts in memory
	// before spilling sorted runs to disk (<= 0: 1 GiB). Fixed per-document
	// arrays (12 bytes per document for minhash) come on top.
	MemoryBudget int64
}

func (c ClusterConfig) workers() int {
	if c.Workers <= 0 {
		return 1
	}
	return c.Workers
}

func (c ClusterConfig) budget() int64 {
	if c.MemoryBudget <= 0 {
		return 1 << 30
	}
	return c.MemoryBudget
}

// Stats summarizes a phase-2 run. It is also stored as JSON in the
// decisions folder.
type Stats struct {
	Tasks          int   `json:"tasks"`
	Documents      int64 `json:"documents"`       // rows over all tasks
	Hashed         int64 `json:"hashed"`          // documents with a hash or signature
	Duplicates     int64 `json:"duplicates"`      // documents to drop
	Clusters       int64 `json:"clusters"`        // groups of two or more documents
	LargestCluster int64 `json:"largest_cluster"` // documents in the largest group
	CandidatePairs int64 `json:"candidate_pairs"` // minhash: band collisions examined
	RejectedPairs  int64 `json:"rejected_pairs"`  // minhash: candidates below threshold
	SpillRuns      int64 `json:"spill_runs"`      // sorted runs written to disk
}

// Decision tells phase 3 what to do with one row.
type Decision struct {
	// Drop is true for every member of a duplicate group but its kept
	// representative.
	Drop bool
	// KeptTask and KeptRow locate the representative kept for this row's
	// group (the row itself when it is kept or unique).
	KeptTask, KeptRow int
	// ClusterID numbers the groups of two or more documents from 0; -1 for
	// a unique document.
	ClusterID int64
	// ClusterSize is the number of documents in the group (1 if unique).
	ClusterSize int
}

// Decisions is the phase-2 result for one task: the rows that belong to a
// group of two or more documents, sorted by row. Safe for concurrent use.
type Decisions struct {
	task int
	recs []decRec
}

type decRec struct {
	row, keptTask, keptRow, size uint32
	cluster                      uint64
}

const decRecSize = 24

// Lookup returns the decision for row.
func (d *Decisions) Lookup(row int) Decision {
	i := sort.Search(len(d.recs), func(i int) bool { return int(d.recs[i].row) >= row })
	if i < len(d.recs) && int(d.recs[i].row) == row {
		r := d.recs[i]
		return Decision{
			Drop:     int(r.keptTask) != d.task || r.keptRow != r.row,
			KeptTask: int(r.keptTask), KeptRow: int(r.keptRow),
			ClusterID: int64(r.cluster), ClusterSize: int(r.size),
		}
	}
	return Decision{KeptTask: d.task, KeptRow: row, ClusterID: -1, ClusterSize: 1}
}

// Dropped lists the rows to drop in ascending order.
func (d *Decisions) Dropped() []int {
	var out []int
	for _, r := range d.recs {
		if int(r.keptTask) != d.task || r.keptRow != r.row {
			out = append(out, int(r.row))
		}
	}
	return out
}

// Grouped is the number of rows of the task that belong to a group.
func (d *Decisions) Grouped() int { return len(d.recs) }

const doneFile = "_DONE.json"

func loadDecisions(dir string, task int) (*Decisions, error) {
	if _, err := statFile(storage.Join(dir, doneFile)); err != nil {
		return nil, fmt.Errorf("dedup: phase 2 has not completed in %s: %w", dir, err)
	}
	path := taskFile(dir, task, "dec")
	r, h, err := openRecords(path, kindDecision, task, 0)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	d := &Decisions{task: task, recs: make([]decRec, 0, h.records)}
	le := binary.LittleEndian
	for {
		b, err := r.next()
		if err != nil {
			return nil, err
		}
		if b == nil {
			break
		}
		d.recs = append(d.recs, decRec{
			row: le.Uint32(b), keptTask: le.Uint32(b[4:]), keptRow: le.Uint32(b[8:]),
			size: le.Uint32(b[12:]), cluster: le.Uint64(b[16:]),
		})
	}
	return d, nil
}

// taskLayout maps (task,row) to dense global ids: offsets[t] is the id of
// row 0 of task t; ids ascend in (task,row) order.
type taskLayout struct {
	offsets []uint64 // len tasks+1
}

func newTaskLayout(rows []uint64) (taskLayout, error) {
	off := make([]uint64, len(rows)+1)
	for t, r := range rows {
		off[t+1] = off[t] + r
	}
	if off[len(rows)] > maxRows {
		return taskLayout{}, fmt.Errorf("dedup: %d documents exceed the phase-2 limit of %d", off[len(rows)], uint64(maxRows))
	}
	return taskLayout{offsets: off}, nil
}

func (l taskLayout) total() uint64 { return l.offsets[len(l.offsets)-1] }

func (l taskLayout) locate(g uint64) (task, row int) {
	t := sort.Search(len(l.offsets)-1, func(i int) bool { return l.offsets[i+1] > g })
	return t, int(g - l.offsets[t])
}

// decG is a decision keyed by global id, as produced by phase 2.
type decG struct {
	g, kept uint64
	cluster uint64
	size    uint32
}

var decGCodec = codec[decG]{
	size: 32,
	put: func(b []byte, v decG) {
		le := binary.LittleEndian
		le.PutUint64(b, v.g)
		le.PutUint64(b[8:], v.kept)
		le.PutUint64(b[16:], v.cluster)
		le.PutUint64(b[24:], uint64(v.size))
	},
	get: func(b []byte) decG {
		le := binary.LittleEndian
		return decG{g: le.Uint64(b), kept: le.Uint64(b[8:]), cluster: le.Uint64(b[16:]), size: uint32(le.Uint64(b[24:]))}
	},
	cmp: func(a, b decG) int {
		switch {
		case a.g < b.g:
			return -1
		case a.g > b.g:
			return 1
		}
		return 0
	},
}

// decisionWriter writes per-task decision files from decisions fed in
// ascending global id; every task gets a file, empty when it has no groups.
type decisionWriter struct {
	dir    string
	layout taskLayout
	cur    int // task of the open file
	f      *atomicFile
	rec    [decRecSize]byte
}

func newDecisionWriter(dir string, layout taskLayout) (*decisionWriter, error) {
	if !storage.IsURL(dir) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	storage.Remove(context.Background(), storage.Join(dir, doneFile))
	w := &decisionWriter{dir: dir, layout: layout, cur: -1}
	return w, nil
}

func (w *decisionWriter) openNext() error {
	if w.f != nil {
		if err := w.f.Close(); err != nil {
			return err
		}
		w.f = nil
	}
	w.cur++
	tasks := len(w.layout.offsets) - 1
	if w.cur >= tasks {
		return nil
	}
	f, err := createAtomic(taskFile(w.dir, w.cur, "dec"), header{kind: kindDecision, task: uint32(w.cur), recSize: decRecSize,
		rows: w.layout.offsets[w.cur+1] - w.layout.offsets[w.cur]})
	if err != nil {
		return err
	}
	w.f = f
	return nil
}

func (w *decisionWriter) add(d decG) error {
	for w.cur < 0 || d.g >= w.layout.offsets[w.cur+1] {
		if w.cur >= len(w.layout.offsets)-2 {
			return errors.New("dedup: decision beyond the last task")
		}
		if err := w.openNext(); err != nil {
			return err
		}
	}
	kt, kr := w.layout.locate(d.kept)
	le := binary.LittleEndian
	le.PutUint32(w.rec[0:], uint32(d.g-w.layout.offsets[w.cur]))
	le.PutUint32(w.rec[4:], uint32(kt))
	le.PutUint32(w.rec[8:], uint32(kr))
	le.PutUint32(w.rec[12:], d.size)
	le.PutUint64(w.rec[16:], d.cluster)
	w.f.writeRec(w.rec[:])
	return nil
}

// finish writes the remaining (empty) task files and the completion marker.
func (w *decisionWriter) finish(st Stats) error {
	tasks := len(w.layout.offsets) - 1
	for w.cur < tasks {
		if err := w.openNext(); err != nil {
			return err
		}
	}
	raw, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(storage.Join(w.dir, doneFile), append(raw, '\n'))
}

func (w *decisionWriter) abort() {
	if w.f != nil {
		w.f.Abort()
	}
}

// TaskWriter is the phase-1 writer of every deduper.
type TaskWriter interface {
	// Add records one document; rows must increase within a task.
	Add(row int, text string) error
	// Close writes the task's files atomically.
	Close() error
	// Abort discards them.
	Abort()
}

var (
	_ TaskWriter = (*ExactTaskWriter)(nil)
	_ TaskWriter = (*MinHashTaskWriter)(nil)
	_ TaskWriter = (*LinesTaskWriter)(nil)
)
