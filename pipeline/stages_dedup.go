package pipeline

import (
	"context"
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/grist/grist/dedup"
)

// Columns written by dedup stages in annotate mode (drop: false), and the
// column of rejected rows naming the kept document.
const (
	ColClusterID   = "cluster_id"
	ColClusterSize = "cluster_size"
	ColDuplicateOf = "duplicate_of"
)

// dedupMemoryBudget bounds the records a dedup decision sorts in memory
// before spilling sorted runs to disk.
const dedupMemoryBudget = 1 << 30

func init() {
	Register(Spec{
		Name:      "dedup_exact",
		Doc:       dedup.ExactDoc,
		Source:    "exact hashing as in datatrove and NeMo Curator's exact dedup",
		Kind:      KindBarrier,
		Options:   dedup.ExactOptions{},
		Annotates: true,
		New: func(opts any, env *Env) (Stage, error) {
			e, err := dedup.NewExact(*opts.(*dedup.ExactOptions))
			if err != nil {
				return nil, err
			}
			return &groupDedup{name: env.Name, drop: env.Drop, engine: e, reason: "duplicate"}, nil
		},
	})
	Register(Spec{
		Name:      "dedup_minhash",
		Doc:       "near-duplicate removal: MinHash signatures of word n-gram shingles, LSH banding, union-find clusters; one document kept per cluster (first in input order)",
		Source:    "Broder 1997; Lee et al. 2021; datatrove MinhashDedup defaults (5-grams, 14 x 8, seed 1)",
		Kind:      KindBarrier,
		Options:   dedup.MinHashOptions{},
		Annotates: true,
		New: func(opts any, env *Env) (Stage, error) {
			m, err := dedup.NewMinHash(*opts.(*dedup.MinHashOptions))
			if err != nil {
				return nil, err
			}
			return &groupDedup{name: env.Name, drop: env.Drop, engine: minhashEngine{m}, reason: "near_duplicate"}, nil
		},
	})
	Register(Spec{
		Name:    "dedup_lines",
		Doc:     "remove lines or sentence spans seen earlier in the corpus (first occurrence kept); documents left too short are dropped",
		Source:  "Raffel et al. 2020 (C4 three-sentence dedup); datatrove SentenceDedup defaults",
		Kind:    KindBarrier,
		Options: dedup.LinesOptions{},
		New: func(opts any, env *Env) (Stage, error) {
			l, err := dedup.NewLines(*opts.(*dedup.LinesOptions))
			if err != nil {
				return nil, err
			}
			return &linesDedup{l: l}, nil
		},
	})
}

type taskAdder interface {
	Add(row int, text string) error
	Close() error
	Abort()
}

type minhashEngine struct{ *dedup.MinHash }

func (m minhashEngine) newWriter(dir string, task int) (taskAdder, error) {
	return m.MinHash.NewTaskWriter(dir, task)
}

// groupDedup adapts a dedup engine that groups whole documents.
type groupDedup struct {
	name   string
	drop   bool
	engine interface {
		Cluster(ctx context.Context, workDir string, numTasks int, cfg dedup.ClusterConfig) (dedup.Stats, error)
		LoadDecisions(workDir string, task int) (*dedup.Decisions, error)
	}
	reason string
}

func (g *groupDedup) Process(ctx context.Context, t *Task, rec arrow.Record) (arrow.Record, error) {
	return nil, fmt.Errorf("%s is a barrier: it runs through Observer and Applier", g.name)
}

func (g *groupDedup) Observer(t *Task, dir string) (Observer, error) {
	var w taskAdder
	var err error
	switch e := g.engine.(type) {
	case *dedup.Exact:
		w, err = e.NewTaskWriter(dir, t.Index())
	case minhashEngine:
		w, err = e.newWriter(dir, t.Index())
	default:
		err = fmt.Errorf("unknown dedup engine %T", e)
	}
	if err != nil {
		return nil, err
	}
	return &textObserver{w: w}, nil
}

// textObserver hands every row's text to a dedup task writer.
type textObserver struct{ w taskAdder }

func (o *textObserver) Observe(rec arrow.Record, firstRow int) error {
	texts, err := TextColumn(rec)
	if err != nil {
		return err
	}
	for i := 0; i < texts.Len(); i++ {
		if err := o.w.Add(firstRow+i, texts.Value(i)); err != nil {
			return err
		}
	}
	return nil
}

func (o *textObserver) Close() error { return o.w.Close() }
func (o *textObserver) Abort()       { o.w.Abort() }

func (g *groupDedup) Decide(ctx context.Context, dir string, numTasks, workers int) (any, error) {
	return g.engine.Cluster(ctx, dir, numTasks, dedup.ClusterConfig{Workers: workers, MemoryBudget: dedupMemoryBudget})
}

// clusterSizeBin names the histogram bin of a cluster size: 2, 3-4, 5-8,
// 9-16, ... (powers of two).
func clusterSizeBin(n int) string {
	if n <= 2 {
		return "clusters_size_2"
	}
	lo := 3
	for hi := 4; ; hi *= 2 {
		if n <= hi {
			return fmt.Sprintf("clusters_size_%d-%d", lo, hi)
		}
		lo = hi + 1
	}
}

func (g *groupDedup) Applier(t *Task, dir string) (Applier, error) {
	dec, err := g.engine.LoadDecisions(dir, t.Index())
	if err != nil {
		return nil, err
	}
	return &groupApplier{g: g, dec: dec}, nil
}

type groupApplier struct {
	g   *groupDedup
	dec *dedup.Decisions
}

// Apply drops every duplicate but the kept one, each rejected row naming the
// id of the document it duplicates; in annotate mode it writes cluster_id,
// cluster_size and duplicate_of instead.
func (a *groupApplier) Apply(ctx context.Context, t *Task, rec arrow.Record, firstRow int) (arrow.Record, error) {
	n := int(rec.NumRows())
	reasons := make([]string, n)
	dupOf := array.NewStringBuilder(t.Mem)
	defer dupOf.Release()
	cid := array.NewInt64Builder(t.Mem)
	defer cid.Release()
	csize := array.NewInt64Builder(t.Mem)
	defer csize.Release()
	dups := 0
	for i := 0; i < n; i++ {
		d := a.dec.Lookup(firstRow + i)
		cid.Append(d.ClusterID)
		csize.Append(int64(d.ClusterSize))
		if !d.Drop {
			if d.ClusterSize > 1 {
				// each cluster counted once, at its kept document
				t.Count(clusterSizeBin(d.ClusterSize), 1)
			}
			dupOf.AppendNull()
			continue
		}
		id, err := t.DocIDAt(d.KeptTask, d.KeptRow)
		if err != nil {
			return nil, err
		}
		dupOf.Append(id)
		reasons[i] = a.g.reason
		dups++
	}
	t.Count("duplicates", int64(dups))
	dupCol := dupOf.NewArray()
	defer dupCol.Release()
	out := ReplaceColumn(rec, ColDuplicateOf, dupCol)
	if !a.g.drop {
		c1, c2 := cid.NewArray(), csize.NewArray()
		defer c1.Release()
		defer c2.Release()
		o2 := ReplaceColumn(out, ColClusterID, c1)
		out.Release()
		o3 := ReplaceColumn(o2, ColClusterSize, c2)
		o2.Release()
		return o3, nil
	}
	if dups == 0 {
		out.Release()
		rec.Retain()
		return rec, nil
	}
	kept, err := t.Reject(out, reasons)
	out.Release()
	if err != nil {
		return nil, err
	}
	// kept rows carry no duplicate_of: drop the column again
	final := DropColumn(kept, ColDuplicateOf)
	kept.Release()
	return final, nil
}

// linesDedup adapts span deduplication: documents are rewritten without
// spans seen earlier, and dropped when too little is left.
type linesDedup struct{ l *dedup.Lines }

func (s *linesDedup) Process(ctx context.Context, t *Task, rec arrow.Record) (arrow.Record, error) {
	return nil, fmt.Errorf("dedup_lines is a barrier")
}

func (s *linesDedup) Observer(t *Task, dir string) (Observer, error) {
	w, err := s.l.NewTaskWriter(dir, t.Index())
	if err != nil {
		return nil, err
	}
	return &textObserver{w: w}, nil
}

func (s *linesDedup) Decide(ctx context.Context, dir string, numTasks, workers int) (any, error) {
	return s.l.Cluster(ctx, dir, numTasks, dedup.ClusterConfig{Workers: workers, MemoryBudget: dedupMemoryBudget})
}

func (s *linesDedup) Applier(t *Task, dir string) (Applier, error) {
	dec, err := s.l.LoadDecisions(dir, t.Index())
	if err != nil {
		return nil, err
	}
	return &linesApplier{dec: dec}, nil
}

type linesApplier struct{ dec *dedup.LineDecisions }

func (a *linesApplier) Apply(ctx context.Context, t *Task, rec arrow.Record, firstRow int) (arrow.Record, error) {
	texts, err := TextColumn(rec)
	if err != nil {
		return nil, err
	}
	n := texts.Len()
	reasons := make([]string, n)
	var out []string
	removed := 0
	for i := 0; i < n; i++ {
		v, changed, keep := a.dec.Rewrite(firstRow+i, texts.Value(i))
		if changed && out == nil {
			out = make([]string, n)
			for j := 0; j < i; j++ {
				out[j] = texts.Value(j)
			}
		}
		if out != nil {
			out[i] = v
		}
		if changed {
			removed++
		}
		if !keep {
			reasons[i] = "too_short_after_dedup"
		}
	}
	t.Count("docs_rewritten", int64(removed))
	cur := rec
	cur.Retain()
	if out != nil {
		col := NewStringArray(t.Mem, out)
		next := ReplaceColumn(cur, ColText, col)
		col.Release()
		cur.Release()
		cur = next
	}
	kept, err := t.Reject(cur, reasons)
	cur.Release()
	return kept, err
}
