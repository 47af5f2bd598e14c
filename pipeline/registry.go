package pipeline

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"sync"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// Kind says how a stage moves documents.
type Kind string

const (
	KindMap     Kind = "map"     // rewrites or adds columns, keeps every row
	KindFilter  Kind = "filter"  // drops rows, each drop counted under stage:reason
	KindBarrier Kind = "barrier" // decides over the whole corpus: splits the run into phases
	KindSink    Kind = "sink"    // consumes documents into something other than shards
	KindReshape Kind = "reshape" // turns documents into other rows (training examples)
)

// Spec declares a stage once: the registry, `grist stages`, the README table
// and `grist validate` all read it.
type Spec struct {
	Name    string
	Doc     string // one line
	Source  string // paper or tool the rule and its defaults come from
	Kind    Kind
	Options any // the options struct (a value), fields tagged yaml/default/doc
	// Annotates marks filters that can run annotate-only (option drop: false).
	Annotates bool
	// Check validates decoded options when the options struct has no
	// Validate method of its own (optional).
	Check func(opts any) error
	// New builds the stage from a pointer to decoded options.
	New func(opts any, env *Env) (Stage, error)
}

// NewOptions returns a pointer to a zero options struct of the spec.
func (s *Spec) NewOptions() any {
	return reflect.New(reflect.TypeOf(s.Options)).Interface()
}

// Env carries what a stage gets from the run: no globals.
type Env struct {
	Name   string // stage name as in the config
	Index  int    // step index
	Drop   bool   // filters: drop failing rows (false = annotate only)
	Seed   int64  // the run's seed
	Mem    memory.Allocator
	Logf   func(format string, args ...any)
	Config *Config
}

// Stage processes one batch of documents. It returns the batch to pass on
// (the same record retained, a new one, or nil for none left). Rows it drops
// are handed to Task.Reject with their reason. A stage is shared by every
// worker: it must be safe for concurrent use.
type Stage interface {
	Process(ctx context.Context, t *Task, rec arrow.Record) (arrow.Record, error)
}

// Closer is an optional ability of stages holding resources.
type Closer interface{ Close() error }

// Barrier is a stage that decides over the whole corpus. The run is split at
// it: every task first observes its rows (phase A, per task, writing what it
// needs under dir), then Decide runs once (global), then every task applies
// the decision to the same rows in the same order (phase B, per task).
// Rows are numbered per task in the order they reach the barrier.
type Barrier interface {
	Stage
	// Observer returns the per-task collector for phase A.
	Observer(t *Task, dir string) (Observer, error)
	// Decide runs the global step; it must be idempotent (a rerun rewrites the
	// same files) and may use up to workers goroutines. Its result (stats) is
	// kept in stats.json under the step.
	Decide(ctx context.Context, dir string, numTasks, workers int) (any, error)
	// Applier returns the per-task filter for phase B.
	Applier(t *Task, dir string) (Applier, error)
}

// Observer sees one task's rows before a barrier.
type Observer interface {
	Observe(rec arrow.Record, firstRow int) error
	Close() error // commits the task's observations atomically
}

// Applier drops or annotates one task's rows after the barrier's decision.
type Applier interface {
	Apply(ctx context.Context, t *Task, rec arrow.Record, firstRow int) (arrow.Record, error)
}

var (
	regMu    sync.RWMutex
	registry = map[string]*Spec{}
)

// Register adds a stage spec; it panics on a duplicate name (a programming error).
func Register(s Spec) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[s.Name]; dup {
		panic("pipeline: stage registered twice: " + s.Name)
	}
	if reflect.TypeOf(s.Options).Kind() != reflect.Struct {
		panic("pipeline: options of " + s.Name + " must be a struct value")
	}
	if err := ApplyDefaults(s.NewOptions()); err != nil {
		panic(fmt.Sprintf("pipeline: stage %s: %v", s.Name, err))
	}
	sp := s
	registry[s.Name] = &sp
}

// Lookup finds a stage spec by name.
func Lookup(name string) (*Spec, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	s, ok := registry[name]
	return s, ok
}

// StageNames lists registered stages, sorted.
func StageNames() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Specs lists registered specs sorted by name.
func Specs() []*Spec {
	var out []*Spec
	for _, n := range StageNames() {
		s, _ := Lookup(n)
		out = append(out, s)
	}
	return out
}
