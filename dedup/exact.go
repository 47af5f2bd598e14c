package dedup

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/zeebo/xxh3"

	"github.com/grist/grist/internal/storage"
)

// ExactDoc describes the exact-duplicate stage.
const ExactDoc = "exact-duplicate removal: 128-bit xxh3 of the (optionally normalized) text, first occurrence in (task,row) order kept"

// ExactOptions configures exact deduplication.
type ExactOptions struct {
	Normalize string `yaml:"normalize" default:"none" doc:"text normalization before hashing: none (byte-exact) or simple (datatrove simplify_text: lowercase, digits->0, punctuation removed, whitespace collapsed, diacritics stripped)"`
}

// Validate checks option values.
func (o ExactOptions) Validate() error { return checkNormalize("normalize", o.Normalize) }

// Exact finds documents whose normalized text is identical. Safe for
// concurrent use.
type Exact struct {
	opts        ExactOptions
	fingerprint uint64
	pool        sync.Pool // *[]byte
}

// NewExact validates opts.
func NewExact(opts ExactOptions) (*Exact, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	e := &Exact{opts: opts, fingerprint: xxh3.HashString("exact/v1 norm=" + opts.Normalize)}
	e.pool.New = func() any { b := make([]byte, 0, 4096); return &b }
	return e, nil
}

// Hash returns the 128-bit xxh3 hash of the normalized text.
func (e *Exact) Hash(text string) xxh3.Uint128 {
	if e.opts.Normalize == NormalizeNone {
		return xxh3.HashString128(text)
	}
	bp := e.pool.Get().(*[]byte)
	*bp = appendNormalized((*bp)[:0], text, e.opts.Normalize)
	h := xxh3.Hash128(*bp)
	e.pool.Put(bp)
	return h
}

func (e *Exact) dir(workDir string) string { return storage.Join(workDir, "exact") }

type exactRec struct {
	hi, lo uint64
	row    uint32
}

const exactRecSize = 20

// ExactTaskWriter collects the hashes of one task (phase 1). Rows must be
// added in increasing order (gaps allowed). Not safe for concurrent use.
type ExactTaskWriter struct {
	e      *Exact
	path   string
	task   int
	recs   []exactRec
	maxRow int64
	done   bool
}

// NewTaskWriter starts phase 1 for task: Add every document, then Close
// writes workDir/exact/p1/task-NNNNN.hash (sorted by hash, 20 bytes a row).
func (e *Exact) NewTaskWriter(workDir string, task int) (*ExactTaskWriter, error) {
	if task < 0 || task > maxRows {
		return nil, fmt.Errorf("dedup: task %d out of range", task)
	}
	return &ExactTaskWriter{e: e, task: task, maxRow: -1, path: taskFile(storage.Join(e.dir(workDir), "p1"), task, "hash")}, nil
}

// Add hashes one document.
func (w *ExactTaskWriter) Add(row int, text string) error {
	if w.done {
		return fmt.Errorf("dedup: Add after Close")
	}
	if row < 0 || row > maxRows-1 {
		return fmt.Errorf("dedup: row %d out of range", row)
	}
	if int64(row) <= w.maxRow {
		return fmt.Errorf("dedup: task %d: row %d after row %d: rows must increase", w.task, row, w.maxRow)
	}
	h := w.e.Hash(text)
	w.recs = append(w.recs, exactRec{hi: h.Hi, lo: h.Lo, row: uint32(row)})
	w.maxRow = max(w.maxRow, int64(row))
	return nil
}

// Close sorts and writes the task's file atomically.
func (w *ExactTaskWriter) Close() error {
	if w.done {
		return nil
	}
	w.done = true
	slices.SortFunc(w.recs, cmpExactRec)
	f, err := createAtomic(w.path, header{kind: kindExact, task: uint32(w.task), recSize: exactRecSize,
		rows: uint64(w.maxRow + 1), fingerprint: w.e.fingerprint})
	if err != nil {
		return err
	}
	var b [exactRecSize]byte
	le := binary.LittleEndian
	for _, r := range w.recs {
		le.PutUint64(b[0:], r.hi)
		le.PutUint64(b[8:], r.lo)
		le.PutUint32(b[16:], r.row)
		f.writeRec(b[:])
	}
	w.recs = nil
	return f.Close()
}

// Abort discards the task's records without writing.
func (w *ExactTaskWriter) Abort() { w.done = true; w.recs = nil }

func cmpExactRec(a, b exactRec) int {
	switch {
	case a.hi != b.hi:
		return cmpU64(a.hi, b.hi)
	case a.lo != b.lo:
		return cmpU64(a.lo, b.lo)
	}
	return cmpU64(uint64(a.row), uint64(b.row))
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// exactItem is a phase-2 record: hash and global id.
type exactItem struct{ hi, lo, g uint64 }

var exactItemCodec = codec[exactItem]{
	size: 24,
	put: func(b []byte, v exactItem) {
		le := binary.LittleEndian
		le.PutUint64(b, v.hi)
		le.PutUint64(b[8:], v.lo)
		le.PutUint64(b[16:], v.g)
	},
	get: func(b []byte) exactItem {
		le := binary.LittleEndian
		return exactItem{le.Uint64(b), le.Uint64(b[8:]), le.Uint64(b[16:])}
	},
	cmp: func(a, b exactItem) int {
		if a.hi != b.hi {
			return cmpU64(a.hi, b.hi)
		}
		if a.lo != b.lo {
			return cmpU64(a.lo, b.lo)
		}
		return cmpU64(a.g, b.g)
	},
}

// taskSource streams one phase-1 exact file as global items.
type taskSource struct {
	r   *recReader
	off uint64
}

func (s *taskSource) next() (exactItem, bool, error) {
	b, err := s.r.next()
	if err != nil || b == nil {
		return exactItem{}, false, err
	}
	le := binary.LittleEndian
	return exactItem{le.Uint64(b), le.Uint64(b[8:]), s.off + uint64(le.Uint32(b[16:]))}, true, nil
}

func (s *taskSource) close() { s.r.Close() }

// Cluster runs phase 2 over the phase-1 files of tasks 0..numTasks-1: a
// streaming k-way merge by (hash, task, row) groups equal hashes; the first
// member of each group is kept. It writes workDir/exact/decisions/
// task-NNNNN.dec for every task and then _DONE.json. Rerunning replaces the
// previous result.
func (e *Exact) Cluster(ctx context.Context, workDir string, numTasks int, cfg ClusterConfig) (Stats, error) {
	st := Stats{Tasks: numTasks}
	dir := e.dir(workDir)
	p1 := storage.Join(dir, "p1")
	rows, records, err := scanTaskFiles(p1, numTasks, "hash", kindExact, e.fingerprint)
	if err != nil {
		return st, err
	}
	st.Hashed = records
	layout, err := newTaskLayout(rows)
	if err != nil {
		return st, err
	}
	st.Documents = int64(layout.total())
	sd, cleanup, err := newSpill(dir)
	if err != nil {
		return st, err
	}
	defer cleanup()

	// Merge task files in groups of maxFanIn into runs, then merge the runs.
	openTask := func(t int) (source[exactItem], error) {
		r, _, err := openRecords(taskFile(p1, t, "hash"), kindExact, t, e.fingerprint)
		if err != nil {
			return nil, err
		}
		return &taskSource{r: r, off: layout.offsets[t]}, nil
	}
	var srcs []source[exactItem]
	if numTasks <= maxFanIn {
		for t := 0; t < numTasks; t++ {
			s, err := openTask(t)
			if err != nil {
				closeAll(srcs)
				return st, err
			}
			srcs = append(srcs, s)
		}
	} else {
		var runs []string
		for t0 := 0; t0 < numTasks; t0 += maxFanIn {
			var group []source[exactItem]
			for t := t0; t < min(t0+maxFanIn, numTasks); t++ {
				s, err := openTask(t)
				if err != nil {
					closeAll(group)
					return st, err
				}
				group = append(group, s)
			}
			path := sd.name("exact")
			w, err := createRun(exactItemCodec, path)
			if err != nil {
				closeAll(group)
				return st, err
			}
			if err := mergeSources(exactItemCodec, group, w.add); err != nil {
				w.close()
				return st, err
			}
			if err := w.close(); err != nil {
				return st, err
			}
			runs = append(runs, path)
		}
		if runs, err = reduceRuns(exactItemCodec, sd, "exact", runs); err != nil {
			return st, err
		}
		for _, p := range runs {
			s, err := openRun(exactItemCodec, p)
			if err != nil {
				closeAll(srcs)
				return st, err
			}
			srcs = append(srcs, s)
		}
	}

	decs := newExtSorter(decGCodec, sd, "dec", int(cfg.budget()/32))
	var group []uint64
	var cluster uint64
	var cur exactItem
	flush := func() error {
		if len(group) > 1 {
			st.Clusters++
			st.Duplicates += int64(len(group) - 1)
			st.LargestCluster = max(st.LargestCluster, int64(len(group)))
			for _, g := range group {
				if err := decs.add(decG{g: g, kept: group[0], cluster: cluster, size: uint32(len(group))}); err != nil {
					return err
				}
			}
			cluster++
		}
		group = group[:0]
		return nil
	}
	n := 0
	err = mergeSources(exactItemCodec, srcs, func(it exactItem) error {
		if n++; n&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if len(group) > 0 && (it.hi != cur.hi || it.lo != cur.lo) {
			if err := flush(); err != nil {
				return err
			}
		}
		cur = it
		group = append(group, it.g)
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		decs.discard()
		return st, err
	}
	dw, err := newDecisionWriter(storage.Join(dir, "decisions"), layout)
	if err != nil {
		return st, err
	}
	if err := decs.each(dw.add); err != nil {
		dw.abort()
		return st, err
	}
	st.SpillRuns = sd.runs.Load()
	if err := dw.finish(st); err != nil {
		return st, err
	}
	return st, nil
}

// LoadDecisions reads the phase-2 result for one task (phase 3).
func (e *Exact) LoadDecisions(workDir string, task int) (*Decisions, error) {
	return loadDecisions(storage.Join(e.dir(workDir), "decisions"), task)
}

// newSpill creates an empty spill folder under dir (removing any left by
// an earlier, interrupted run) and returns its remover. When dir is on
// object storage the spill folder is a local temporary folder: sorted runs
// are read back many times and never shared.
func newSpill(dir string) (*spillDir, func(), error) {
	if storage.IsURL(dir) {
		sdir, err := os.MkdirTemp("", "grist-spill-*")
		if err != nil {
			return nil, nil, err
		}
		return &spillDir{dir: sdir}, func() { os.RemoveAll(sdir) }, nil
	}
	sdir := filepath.Join(dir, "spill")
	if err := os.RemoveAll(sdir); err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(sdir, 0o755); err != nil {
		return nil, nil, err
	}
	return &spillDir{dir: sdir}, func() { os.RemoveAll(sdir) }, nil
}
