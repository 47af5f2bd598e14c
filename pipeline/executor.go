package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/grist/grist/internal/storage"
	"github.com/grist/grist/tokenize/pack"
)

// RunOptions are the command-line knobs of a run.
type RunOptions struct {
	OutDir    string // overrides output.path
	Workers   int    // tasks run at once; 0 = number of cores
	Resume    bool   // skip tasks whose completion marker exists
	Overwrite bool   // replace a previous run's output
	Rank      int    // run tasks with index % WorldSize == Rank
	WorldSize int
	Phase     string    // run only this phase (see PhaseNames); "" = every phase it can
	Progress  io.Writer // progress and log lines (nil = quiet)
	Terminal  bool      // Progress is a terminal: draw a bar
	Mem       memory.Allocator
	// FaultTask makes the task with this index fail after writing its
	// output but before committing it (fault injection for resume tests);
	// -1 = none.
	FaultTask int
}

// Result is what a run did.
type Result struct {
	OutDir   string
	Stats    *Stats
	Manifest *Manifest
	Pending  string // non-empty when this rank stopped before the run was complete
	Wall     time.Duration
}

// UserError is a problem with the config, the inputs or the command line:
// the CLI prints it on one line and exits 2.
type UserError struct{ Err error }

func (e *UserError) Error() string { return e.Err.Error() }
func (e *UserError) Unwrap() error { return e.Err }

func userErr(format string, args ...any) error {
	return &UserError{Err: fmt.Errorf(format, args...)}
}

// phase is one pass over the tasks (per-task) or a global barrier decision.
type phase struct {
	index   int
	global  bool
	barrier int   // step index of the barrier this phase observes (per-task) or decides (global); -1 none
	apply   int   // step index of the barrier applied at the start (per-task phases after one); -1 none
	steps   []int // map/filter steps run in this phase
}

type runner struct {
	cfg         *Config
	opts        RunOptions
	out         string
	work        string
	rejectedDir string
	errorsDir   string
	tasks       []TaskSpec
	stages      []Stage
	phases      []phase
	mem         memory.Allocator
	idMu        sync.Mutex
	idCache     map[[2]int]*idList // dropped at the end of each task phase
	readDocs    atomic.Int64
	readBytes   atomic.Int64
	inputBytes  int64
	progressN   int64 // compressed input bytes consumed
}

// Run executes a pipeline.
func Run(ctx context.Context, cfg *Config, opts RunOptions) (*Result, error) {
	start := time.Now()
	r := &runner{cfg: cfg, opts: opts, mem: opts.Mem}
	if r.mem == nil {
		r.mem = memory.DefaultAllocator
	}
	if opts.Workers <= 0 {
		r.opts.Workers = runtime.NumCPU()
	}
	if opts.WorldSize <= 0 {
		r.opts.WorldSize = 1
	}
	if opts.Phase != "" {
		r.opts.Resume = true // phases of one run are run by separate invocations
	}
	if r.opts.Rank < 0 || r.opts.Rank >= r.opts.WorldSize {
		return nil, userErr("--rank %d is outside --world-size %d", r.opts.Rank, r.opts.WorldSize)
	}
	r.out = cfg.Output.Path
	if opts.OutDir != "" {
		r.out = opts.OutDir
	}
	if r.out == "" {
		return nil, userErr("%s: output.path is empty (set it or pass -o)", cfg.File)
	}
	r.work = cfg.WorkDir
	if r.work == "" {
		r.work = storage.Join(r.out, ".grist")
	}
	if cfg.Rejected != nil {
		r.rejectedDir = rebase(cfg.Rejected.Path, cfg.Output.Path, r.out)
	}
	if cfg.Errors != nil {
		r.errorsDir = rebase(cfg.Errors.Path, cfg.Output.Path, r.out)
	}
	if err := r.prepare(); err != nil {
		return nil, err
	}
	defer func() {
		for _, s := range r.stages {
			if c, ok := s.(Closer); ok {
				c.Close()
			}
		}
	}()
	stop := r.startProgress()
	pending, err := r.runPhases(ctx)
	stop()
	if err != nil {
		return nil, err
	}
	res := &Result{OutDir: r.out, Pending: pending, Wall: time.Since(start)}
	if pending != "" {
		return res, nil
	}
	for i, st := range r.stages {
		if f, ok := st.(RunFinisher); ok {
			if err := f.FinishRun(ctx); err != nil {
				return nil, fmt.Errorf("%s: %w", r.cfg.Plan[i].Name, err)
			}
		}
	}
	res.Stats, res.Manifest, err = r.finish(time.Since(start))
	if err != nil {
		return nil, err
	}
	return res, nil
}

// prepare checks inputs and the output folder, plans tasks and phases, and
// builds the stages.
func (r *runner) prepare() error {
	files, err := ExpandInputs(r.cfg.Input)
	if err != nil {
		return &UserError{Err: fmt.Errorf("%s: %w", r.cfg.File, err)}
	}
	r.cfg.Files = files
	for _, f := range files {
		r.inputBytes += f.Size
	}
	r.tasks, err = PlanTasks(files, r.cfg.Input)
	if err != nil {
		return &UserError{Err: err}
	}
	if err := r.checkOutput(); err != nil {
		return err
	}
	// the config as run, for the report
	if err := writeSharedFileAtomic(storage.Join(r.out, ".grist", "pipeline.yaml"), r.cfg.Raw); err != nil {
		return err
	}
	r.planPhases()
	for _, sc := range r.cfg.Plan {
		// the shuffle keeps its barrier data with local file calls
		if sc.Spec.Name == "shuffle" && storage.IsURL(r.work) {
			return userErr("%s: %s keeps its data in a local folder: set work_dir to a local or shared path when the output (%s) is on object storage", r.cfg.File, sc.Name, storage.Display(r.out))
		}
		if _, ok := sc.Options.(*TrainTokenizerOptions); ok && (r.opts.Resume || r.opts.WorldSize > 1 || r.opts.Phase != "") {
			return userErr("%s: %s sees every document only in one complete run: it cannot run with --resume, --phase or ranks", r.cfg.File, sc.Name)
		}
	}
	env := func(i int, sc StepConf) *Env {
		return &Env{Name: sc.Name, Index: i, Drop: sc.Drop, Seed: r.cfg.Seed, Mem: r.mem, Config: r.cfg, Logf: r.logf}
	}
	if r.cfg.Output.Format == "megatron" {
		for _, sc := range r.cfg.Plan {
			if to, ok := sc.Options.(*TokenizeOptions); ok {
				tok, err := LoadTokenizer(to.Tokenizer, to.ParseSpecial)
				if err != nil {
					return &UserError{Err: fmt.Errorf("%s:%d: %s: %w", r.cfg.File, sc.Line, sc.Path, err)}
				}
				r.cfg.Output.vocab = tok.VocabSize()
			}
		}
		if r.cfg.Output.vocab == 0 {
			return userErr("%s: output format megatron needs a tokenize step", r.cfg.File)
		}
	}
	for i, sc := range r.cfg.Plan {
		st, err := sc.Spec.New(sc.Options, env(i, sc))
		if err != nil {
			return &UserError{Err: fmt.Errorf("%s:%d: %s: %w", r.cfg.File, sc.Line, sc.Path, err)}
		}
		r.stages = append(r.stages, st)
	}
	return nil
}

// rebase moves a sink folder that lives inside the configured output folder
// to the same place inside the output folder given with -o.
func rebase(p, cfgOut, out string) string {
	rel, ok := storage.Rel(cfgOut, p)
	if cfgOut == "" || !ok {
		return p
	}
	return storage.Join(out, rel)
}

func (r *runner) planPhases() {
	cur := phase{index: 0, barrier: -1, apply: -1}
	for i, sc := range r.cfg.Plan {
		if sc.Spec.Kind != KindBarrier {
			cur.steps = append(cur.steps, i)
			continue
		}
		cur.barrier = i
		r.phases = append(r.phases, cur)
		r.phases = append(r.phases, phase{index: len(r.phases), global: true, barrier: i, apply: -1})
		cur = phase{index: len(r.phases), barrier: -1, apply: i}
	}
	r.phases = append(r.phases, cur)
}

// runState is written once per output folder; a resume must match it.
type runState struct {
	ConfigHash string `json:"config_hash"`
	Tasks      int    `json:"tasks"`
	Version    string `json:"version"`
}

func (r *runner) checkOutput() error {
	state := runState{ConfigHash: r.cfg.Hash(), Tasks: len(r.tasks), Version: Version}
	ctx := context.Background()
	statePath := storage.Join(r.work, "run.json")
	prev, err := storage.ReadFile(ctx, statePath)
	hasRun := err == nil
	if err != nil && !storage.IsNotExist(err) && storage.IsURL(statePath) {
		return fmt.Errorf("%s: %v", storage.Display(statePath), unwrapPathErr(err))
	}
	nonEmpty := false
	if ents, err := storage.List(ctx, r.out, false); err == nil && len(ents) > 0 {
		nonEmpty = true
	}
	switch {
	case r.opts.Overwrite:
		if nonEmpty && !hasRun && !isGristOutput(r.out) {
			return userErr("output %s is not empty and holds no grist run: refusing to overwrite it", r.out)
		}
		owned := []string{r.work, r.rejectedDir, r.errorsDir}
		for _, d := range []string{r.out, r.rejectedDir, r.errorsDir} {
			if d != "" && isGristOutputOrEmpty(d, owned) {
				if err := storage.RemoveAll(ctx, d); err != nil {
					return err
				}
			}
		}
		if r.cfg.WorkDir != "" {
			storage.RemoveAll(ctx, r.work)
		}
	case r.opts.Resume:
		if hasRun {
			var ps runState
			if err := json.Unmarshal(prev, &ps); err != nil {
				return fmt.Errorf("%s: %v", storage.Display(statePath), err)
			}
			if ps.ConfigHash != state.ConfigHash || ps.Tasks != state.Tasks {
				return userErr("cannot resume in %s: the config or the inputs changed since that run started (use --overwrite to start again)", r.out)
			}
		} else if nonEmpty {
			return userErr("cannot resume in %s: it holds no grist run", r.out)
		}
	default:
		if hasRun || nonEmpty {
			return userErr("output %s is not empty: use --resume to continue that run or --overwrite to replace it", r.out)
		}
	}
	if !storage.IsURL(r.work) {
		if err := os.MkdirAll(r.work, 0o755); err != nil {
			return fmt.Errorf("cannot create %s: %v", r.work, unwrapPathErr(err))
		}
	}
	b, _ := json.MarshalIndent(state, "", "  ")
	return writeSharedFileAtomic(statePath, b)
}

func isGristOutput(dir string) bool {
	for _, f := range []string{".grist", "manifest.json"} {
		if exists(storage.Join(dir, f)) {
			return true
		}
	}
	return false
}

// isGristOutputOrEmpty: a folder we may clear on --overwrite: it holds only
// part files, manifests and grist work data.
func isGristOutputOrEmpty(dir string, owned []string) bool {
	if !exists(dir) {
		return false
	}
	ents, err := storage.List(context.Background(), dir, false)
	if err != nil {
		return false
	}
next:
	for _, e := range ents {
		n := e.Name
		if n == ".grist" || n == "manifest.json" || n == "stats.json" || n == "report.html" {
			continue
		}
		for _, o := range owned {
			if o != "" && storage.Display(storage.Join(dir, n)) == storage.Display(storage.Join(o)) {
				continue next
			}
		}
		if m, _ := filepath.Match("part-*", n); m {
			continue
		}
		if m, _ := filepath.Match(".part-*", n); m {
			continue
		}
		return false
	}
	return true
}

func (r *runner) markerPath(p, task int) string {
	if task < 0 {
		return storage.Join(r.work, "markers", fmt.Sprintf("p%d", p), "global.done")
	}
	return storage.Join(r.work, "markers", fmt.Sprintf("p%d", p), fmt.Sprintf("task-%05d.done", task))
}

// doneTasks reports which tasks of phase p have their marker, from one
// listing of the phase's markers: what exists(markerPath(p, i)) tells for
// each task, for one request per thousand tasks on object storage instead
// of one or two per task. A listing that fails counts no task as done, as
// exists counts a marker it cannot stat.
func (r *runner) doneTasks(p int) map[int]bool {
	done := map[int]bool{}
	entries, err := storage.List(context.Background(), storage.Join(r.work, "markers", fmt.Sprintf("p%d", p)), false)
	if err != nil {
		return done
	}
	for _, e := range entries {
		var i int
		if _, err := fmt.Sscanf(e.Name, "task-%d.done", &i); err == nil && !e.IsDir && e.Name == fmt.Sprintf("task-%05d.done", i) {
			done[i] = true
		}
	}
	return done
}

func (r *runner) statsPath(p, task int) string {
	return storage.Join(r.work, "stats", fmt.Sprintf("p%d", p), fmt.Sprintf("task-%05d.json", task))
}

func (r *runner) interPath(p, task int) string {
	return storage.Join(r.work, "data", fmt.Sprintf("p%d", p), fmt.Sprintf("task-%05d.arrow", task))
}

// exists reports whether a file or folder exists (locally or in a bucket).
func exists(p string) bool { return storage.Exists(context.Background(), p) }

// runPhases runs every phase this rank can run. It returns a non-empty note
// when the run cannot complete in this process (other ranks not done).
func (r *runner) runPhases(ctx context.Context) (string, error) {
	if r.opts.Phase != "" {
		found := false
		for _, ph := range r.phases {
			found = found || r.phaseName(ph) == r.opts.Phase
		}
		if !found {
			return "", userErr("no phase %q: the phases are %s", r.opts.Phase, strings.Join(r.PhaseNames(), ", "))
		}
	}
	for _, ph := range r.phases {
		if r.opts.Phase != "" && r.phaseName(ph) != r.opts.Phase {
			if !r.phaseDone(ph) {
				if r.phaseIndex(r.opts.Phase) < ph.index {
					break
				}
				return "", userErr("phase %s is not complete: run it first (grist status shows what is missing)", r.phaseName(ph))
			}
			continue
		}
		if ph.global {
			if exists(r.markerPath(ph.index, -1)) {
				continue
			}
			done := r.doneTasks(ph.index - 1)
			for _, t := range r.tasks {
				if !done[t.Index] {
					return fmt.Sprintf("phase %d (%s) waits for every task of phase %d: run the other ranks, then run again with --resume", ph.index, r.cfg.Plan[ph.barrier].Name, ph.index-1), nil
				}
			}
			if r.opts.Rank != 0 {
				return fmt.Sprintf("phase %d (%s) is run by rank 0", ph.index, r.cfg.Plan[ph.barrier].Name), nil
			}
			b := r.stages[ph.barrier].(Barrier)
			dir := r.barrierDir(ph.barrier)
			r.logf("phase %d: %s decides over %d tasks", ph.index, r.cfg.Plan[ph.barrier].Name, len(r.tasks))
			t0 := time.Now()
			st, err := b.Decide(ctx, dir, len(r.tasks), r.opts.Workers)
			if err != nil {
				return "", fmt.Errorf("%s: %w", r.cfg.Plan[ph.barrier].Name, err)
			}
			mb, _ := json.Marshal(globalResult{Decision: st, Seconds: time.Since(t0).Seconds()})
			if err := writeFileAtomic(r.markerPath(ph.index, -1), mb); err != nil {
				return "", err
			}
			continue
		}
		if ph.apply >= 0 && !exists(r.markerPath(ph.index-1, -1)) {
			return fmt.Sprintf("phase %d waits for the decision of %s", ph.index, r.cfg.Plan[ph.apply].Name), nil
		}
		if err := r.runTaskPhase(ctx, ph); err != nil {
			return "", err
		}
	}
	done := r.doneTasks(r.phases[len(r.phases)-1].index)
	for _, t := range r.tasks {
		if !done[t.Index] {
			if r.opts.Phase != "" {
				return fmt.Sprintf("phase %s: this rank's part is done", r.opts.Phase), nil
			}
			return "this rank is done; the run completes when every rank has finished (then run again with --resume, or any rank writes the manifest at its end)", nil
		}
	}
	return "", nil
}

func (r *runner) numTasks() int { return len(r.tasks) }

// phaseName names a phase for --phase and status: "tasks" for a run without
// barriers; otherwise "read", "<barrier>.decide", "<barrier>.apply".
func (r *runner) phaseName(ph phase) string {
	switch {
	case ph.global:
		return r.cfg.Plan[ph.barrier].Name + ".decide"
	case ph.apply >= 0:
		return r.cfg.Plan[ph.apply].Name + ".apply"
	case len(r.phases) == 1:
		return "tasks"
	}
	return "read"
}

// PhaseNames lists the phases in order.
func (r *runner) PhaseNames() []string {
	var out []string
	for _, ph := range r.phases {
		out = append(out, r.phaseName(ph))
	}
	return out
}

func (r *runner) phaseIndex(name string) int {
	for _, ph := range r.phases {
		if r.phaseName(ph) == name {
			return ph.index
		}
	}
	return -1
}

// phaseDone reports whether every unit of a phase has its marker.
func (r *runner) phaseDone(ph phase) bool {
	if ph.global {
		return exists(r.markerPath(ph.index, -1))
	}
	done := r.doneTasks(ph.index)
	for _, t := range r.tasks {
		if !done[t.Index] {
			return false
		}
	}
	return true
}

func (r *runner) barrierDir(step int) string {
	return storage.Join(r.work, "barrier", fmt.Sprintf("step-%02d-%s", step, r.cfg.Plan[step].Name))
}

func (r *runner) runTaskPhase(ctx context.Context, ph phase) error {
	var todo []TaskSpec
	done := r.doneTasks(ph.index)
	for _, t := range r.tasks {
		if t.Index%r.opts.WorldSize != r.opts.Rank {
			continue
		}
		if done[t.Index] && r.opts.Resume {
			continue
		}
		todo = append(todo, t)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer r.dropIDCache()
	defer r.dropIdle()
	jobs := make(chan TaskSpec)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for w := 0; w < min(r.opts.Workers, max(1, len(todo))); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range jobs {
				if err := r.runTask(ctx, ph, t); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					cancel()
				}
			}
		}()
	}
feed:
	for _, t := range todo {
		select {
		case jobs <- t:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// globalResult is what a barrier decision's completion marker records.
type globalResult struct {
	Decision any     `json:"decision"`
	Seconds  float64 `json:"seconds"`
}

// taskResult is what a task's completion marker records.
type taskResult struct {
	Output   []PartInfo `json:"output,omitempty"`
	Rejected []PartInfo `json:"rejected,omitempty"`
	Errors   []PartInfo `json:"errors,omitempty"`
}

func (r *runner) runTask(ctx context.Context, ph phase, spec TaskSpec) (err error) {
	t := &Task{Spec: spec, Phase: ph.index, Mem: r.mem, ctx: ctx, r: r, stats: NewStats(r.cfg.Plan)}
	t.stats.Tasks = 1
	if ph.index != 0 {
		t.stats.Tasks = 0 // a task is counted once, in phase 0
	}
	started := time.Now()
	var out *shardWriter
	var inter *interWriter
	var obs Observer
	var app Applier
	defer func() {
		if err != nil {
			if out != nil {
				out.Abort()
			}
			for _, p := range []*Part{t.rejected, t.errors} {
				if p != nil {
					p.Abort()
				}
			}
			if inter != nil {
				inter.abort()
			}
			if a, ok := obs.(interface{ Abort() }); ok {
				a.Abort()
			}
			err = fmt.Errorf("task %d (%s): %w", spec.Index, spec.File.Path, err)
		}
	}()
	last := ph.index == r.phases[len(r.phases)-1].index
	if last {
		out, err = openShards(r.out, spec.Index, r.cfg.Output)
		if err != nil {
			return err
		}
	} else {
		inter = newInterWriter(r.interPath(ph.index, spec.Index))
		obs, err = r.stages[ph.barrier].(Barrier).Observer(t, r.barrierDir(ph.barrier))
		if err != nil {
			return err
		}
	}
	if ph.apply >= 0 {
		app, err = r.stages[ph.apply].(Barrier).Applier(t, r.barrierDir(ph.apply))
		if err != nil {
			return err
		}
	}
	src, err := r.openSource(ctx, ph, t)
	if err != nil {
		return err
	}
	defer src.Close()
	// Stages with per-task state get their own instance for this task.
	stages := make([]Stage, len(r.stages))
	copy(stages, r.stages)
	var perTask []int
	for _, i := range ph.steps {
		if ts, ok := r.stages[i].(TaskStager); ok {
			inst, err := ts.StartTask(t)
			if err != nil {
				return err
			}
			stages[i] = inst
			perTask = append(perTask, i)
		}
	}
	reshaped := false // rows reaching the output are examples, not documents
	for _, sc := range r.cfg.Plan {
		if sc.Spec.Kind == KindReshape {
			reshaped = true
		}
	}
	outRow := 0
	// flow runs steps[from:] on a batch and writes what comes out.
	flow := func(rec arrow.Record, from int) error {
		var err error
		for _, i := range ph.steps[from:] {
			if rec == nil || rec.NumRows() == 0 {
				break
			}
			t.step = i
			st := stages[i]
			rec, err = r.timed(t, i, rec, func(rec arrow.Record) (arrow.Record, error) {
				return st.Process(ctx, t, rec)
			})
			if err != nil {
				return err
			}
		}
		if rec == nil {
			return nil
		}
		defer rec.Release()
		if rec.NumRows() == 0 {
			return nil
		}
		if !last {
			if err := obs.Observe(rec, outRow); err != nil {
				return err
			}
			outRow += int(rec.NumRows())
			return inter.write(rec)
		}
		if reshaped {
			t.stats.Examples += rec.NumRows()
		} else {
			t.stats.Written += rec.NumRows()
			t.stats.WrittenBytes += TextBytes(rec)
			t.collectWritten(rec)
		}
		return out.Write(rec)
	}
	inRow := 0
	for {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rec, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if ph.index == 0 {
			n := rec.NumRows()
			t.stats.Read += n
			b := TextBytes(rec)
			t.stats.ReadBytes += b
			t.collectRead(rec)
			r.readDocs.Add(n)
			r.readBytes.Add(b)
		}
		if app != nil {
			n := int(rec.NumRows())
			t.step = ph.apply
			rec, err = r.timed(t, ph.apply, rec, func(rec arrow.Record) (arrow.Record, error) {
				return app.Apply(ctx, t, rec, inRow)
			})
			inRow += n
			if err != nil {
				return err
			}
		}
		if err := flow(rec, 0); err != nil {
			return err
		}
	}
	// A barrier may hold rows until its task's input ends (shuffle): it
	// hands them on in batches of its choosing, until Finish returns nil.
	if f, ok := app.(interface {
		Finish(ctx context.Context, t *Task) (arrow.Record, error)
	}); ok {
		t.step = ph.apply
		for {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			rec, err := f.Finish(ctx, t)
			if err != nil {
				return err
			}
			if rec == nil {
				break
			}
			t.stats.Stages[ph.apply].DocsOut += rec.NumRows()
			if err := flow(rec, 0); err != nil {
				return err
			}
		}
	}
	// Per-task stages flush what they hold, in step order; their rows go
	// through the steps after them.
	for _, i := range perTask {
		t.step = i
		t0 := time.Now()
		rec, err := stages[i].(TaskStage).Finish(ctx, t)
		t.stats.Stages[i].Seconds += time.Since(t0).Seconds()
		if err != nil {
			return err
		}
		if rec == nil {
			continue
		}
		t.stats.Stages[i].DocsOut += rec.NumRows()
		pos := 0
		for k, j := range ph.steps {
			if j == i {
				pos = k + 1
			}
		}
		if err := flow(rec, pos); err != nil {
			return err
		}
	}
	if w, ok := src.(interface{ Warnings() map[string]int64 }); ok {
		addMap(&t.stats.Warnings, w.Warnings())
	}
	if r.opts.FaultTask == spec.Index {
		return errors.New("injected fault")
	}
	// Commit: outputs, then stats, then the marker, each atomic.
	var res taskResult
	if out != nil {
		infos, err := out.Commit()
		if err != nil {
			return err
		}
		res.Output = append(res.Output, infos...)
	}
	if inter != nil {
		if err := obs.Close(); err != nil {
			return err
		}
		if err := inter.commit(); err != nil {
			return err
		}
	}
	for _, pp := range []struct {
		p   *Part
		dst *[]PartInfo
	}{{t.rejected, &res.Rejected}, {t.errors, &res.Errors}} {
		if pp.p == nil {
			continue
		}
		infos, err := pp.p.Commit()
		if err != nil {
			return err
		}
		*pp.dst = append(*pp.dst, infos...)
	}
	t.stats.Seconds = time.Since(started).Seconds()
	sb, _ := json.Marshal(t.stats)
	if err := writeFileAtomic(r.statsPath(ph.index, spec.Index), sb); err != nil {
		return err
	}
	mb, _ := json.Marshal(res)
	return writeFileAtomic(r.markerPath(ph.index, spec.Index), mb)
}

// timed runs one step on a batch, counting docs and bytes in and out.
func (r *runner) timed(t *Task, step int, rec arrow.Record, f func(arrow.Record) (arrow.Record, error)) (arrow.Record, error) {
	st := t.stats.Stages[step]
	st.DocsIn += rec.NumRows()
	st.BytesIn += TextBytes(rec)
	r.beforeStep(t, step, rec)
	t0 := time.Now()
	out, err := f(rec) // out is owned by us: rec itself retained, or a new record
	st.Seconds += time.Since(t0).Seconds()
	if err == nil {
		r.afterStep(t, step, out)
	}
	rec.Release()
	if err != nil {
		if out != nil {
			out.Release()
		}
		return nil, err
	}
	if out != nil {
		st.DocsOut += out.NumRows()
		st.BytesOut += TextBytes(out)
	}
	return out, nil
}

func (r *runner) openSource(ctx context.Context, ph phase, t *Task) (Reader, error) {
	if ph.index > 0 {
		return openInter(r.interPath(ph.index-2, t.Spec.Index), r.mem)
	}
	onErr := t.addError
	switch t.Spec.File.Format {
	case "jsonl":
		return newJSONLReader(t.Spec, r.cfg.Input, r.mem, &r.progressN, onErr)
	case "text":
		return newTextReader(t.Spec, r.cfg.Input, r.mem, &r.progressN, onErr)
	case "parquet":
		return newParquetReader(ctx, t.Spec, r.cfg.Input, r.mem, &r.progressN, onErr)
	}
	return nil, fmt.Errorf("unknown format %q", t.Spec.File.Format)
}

// finish merges the per-task stats and results of the last phase into
// stats.json and manifest.json.
func (r *runner) finish(wall time.Duration) (*Stats, *Manifest, error) {
	total := NewStats(r.cfg.Plan)
	man := &Manifest{Version: Version, ConfigHash: r.cfg.Hash(), Format: r.cfg.Output.Format, Compression: r.cfg.Output.Compression}
	for _, f := range r.cfg.Files {
		man.Inputs = append(man.Inputs, ManifestInput{Path: filepath.ToSlash(f.Path), Bytes: f.Size})
	}
	for _, ph := range r.phases {
		if ph.global {
			b, err := storage.ReadFile(context.Background(), r.markerPath(ph.index, -1))
			if err != nil {
				return nil, nil, err
			}
			var g globalResult
			if err := json.Unmarshal(b, &g); err != nil {
				return nil, nil, fmt.Errorf("%s: %v", r.markerPath(ph.index, -1), err)
			}
			st := total.Stages[ph.barrier]
			st.Decision = g.Decision
			st.Seconds += g.Seconds
			continue
		}
		for _, t := range r.tasks {
			b, err := storage.ReadFile(context.Background(), r.statsPath(ph.index, t.Index))
			if err != nil {
				return nil, nil, fmt.Errorf("stats of task %d: %v", t.Index, err)
			}
			var s Stats
			if err := json.Unmarshal(b, &s); err != nil {
				return nil, nil, fmt.Errorf("%s: %v", r.statsPath(ph.index, t.Index), err)
			}
			total.Merge(&s)
			mb, err := storage.ReadFile(context.Background(), r.markerPath(ph.index, t.Index))
			if err != nil {
				return nil, nil, err
			}
			var res taskResult
			if err := json.Unmarshal(mb, &res); err != nil {
				return nil, nil, fmt.Errorf("%s: %v", r.markerPath(ph.index, t.Index), err)
			}
			man.Shards = append(man.Shards, res.Output...)
			man.Rejected = append(man.Rejected, res.Rejected...)
			man.Errors = append(man.Errors, res.Errors...)
		}
	}
	sort.Slice(man.Shards, func(i, j int) bool { return man.Shards[i].Path < man.Shards[j].Path })
	sort.Slice(man.Rejected, func(i, j int) bool { return man.Rejected[i].Path < man.Rejected[j].Path })
	sort.Slice(man.Errors, func(i, j int) bool { return man.Errors[i].Path < man.Errors[j].Path })
	for _, s := range man.Shards {
		man.Rows += s.Rows
		man.Bytes += s.Bytes
	}
	man.Documents = total.Written
	man.Examples = total.Examples
	for i, sc := range r.cfg.Plan {
		switch o := sc.Options.(type) {
		case *TokenizeOptions:
			man.Tokenizer = tokenizerInfo(o.Tokenizer)
			man.Tokens = total.Stages[i].Counters["tokens"]
		case *ChatOptions:
			man.Tokenizer = tokenizerInfo(o.Tokenizer)
			man.Tokens = total.Stages[i].Counters["tokens"]
		case *pack.PackOptions:
			man.SeqLen = o.SeqLen
			man.ExampleKind = o.Examples
			man.Tokens = total.Stages[i].Counters["tokens"]
		}
	}
	man.Read, man.RejectedRows, man.ErrorRows = total.Read, sum(total.Rejected), sum(total.Errors)
	if err := total.CheckAccounting(); err != nil {
		return nil, nil, err
	}
	total.Seconds = wall.Seconds()
	total.PeakRSS, total.CPUSeconds = processUsage()
	sb, _ := json.MarshalIndent(total, "", "  ")
	if err := writeFileAtomic(storage.Join(r.out, "stats.json"), append(sb, '\n')); err != nil {
		return nil, nil, err
	}
	mb, _ := json.MarshalIndent(man, "", "  ")
	if err := writeFileAtomic(storage.Join(r.out, "manifest.json"), append(mb, '\n')); err != nil {
		return nil, nil, err
	}
	// Rows kept between phases are no longer needed once the manifest is
	// written; markers and stats stay for --resume and status.
	if err := storage.RemoveAll(context.Background(), storage.Join(r.work, "data")); err != nil {
		return nil, nil, err
	}
	return total, man, nil
}

// Manifest lists what a run wrote. It holds no timings or timestamps, so the
// same input, config and seed give the same manifest byte for byte.
type Manifest struct {
	Version      string          `json:"grist_version"`
	ConfigHash   string          `json:"config_hash"`
	Format       string          `json:"format"`
	Compression  string          `json:"compression"`
	Inputs       []ManifestInput `json:"inputs"`
	Read         int64           `json:"read"`
	Documents    int64           `json:"documents"` // documents written (or packed into the rows)
	Rows         int64           `json:"rows"`
	Examples     int64           `json:"examples,omitempty"`
	ExampleKind  string          `json:"example_kind,omitempty"` // ar, mlm or sft
	SeqLen       int             `json:"seq_len,omitempty"`
	Tokens       int64           `json:"tokens,omitempty"` // tokens written (padding excluded)
	Tokenizer    *TokenizerInfo  `json:"tokenizer,omitempty"`
	Bytes        int64           `json:"bytes"`
	RejectedRows int64           `json:"rejected_rows"`
	ErrorRows    int64           `json:"error_rows"`
	Shards       []PartInfo      `json:"shards"`
	Rejected     []PartInfo      `json:"rejected,omitempty"`
	Errors       []PartInfo      `json:"errors,omitempty"`
}

// TokenizerInfo names the tokenizer of a run and pins its content.
type TokenizerInfo struct {
	Name   string `json:"name"`             // built-in name or path as configured
	SHA256 string `json:"sha256,omitempty"` // of the file (of the folder's tokenizer file); empty for built-ins
}

func tokenizerInfo(spec string) *TokenizerInfo {
	info := &TokenizerInfo{Name: spec}
	path := spec
	if st, err := os.Stat(spec); err == nil && st.IsDir() {
		for _, n := range []string{"tokenizer.json", "tokenizer.model"} {
			if _, err := os.Stat(filepath.Join(spec, n)); err == nil {
				path = filepath.Join(spec, n)
				break
			}
		}
	}
	if b, err := os.ReadFile(path); err == nil {
		sum := sha256.Sum256(b)
		info.SHA256 = hex.EncodeToString(sum[:])
	}
	return info
}

// ManifestInput is one input file.
type ManifestInput struct {
	Path  string `json:"path"`
	Bytes int64  `json:"bytes"`
}

// writeFileAtomic writes a file that one unit of work owns: temporary files
// of it left by a killed earlier attempt are removed first.
func writeFileAtomic(path string, data []byte) error {
	storage.RemoveStaleTemps(path)
	return writeSharedFileAtomic(path, data)
}

// writeSharedFileAtomic writes a file that every rank of a run writes with
// the same content (run.json, pipeline.yaml): it must not remove the others'
// temporary files, which may be in flight.
func writeSharedFileAtomic(path string, data []byte) error {
	return storage.WriteFile(context.Background(), path, data)
}

// interWriter keeps a task's rows between phases as an Arrow IPC file.
type interWriter struct {
	path string
	f    storage.Writer
	w    *ipc.FileWriter
}

func newInterWriter(path string) *interWriter { return &interWriter{path: path} }

func (w *interWriter) write(rec arrow.Record) error {
	if w.w == nil {
		storage.RemoveStaleTemps(w.path)
		f, err := storage.Create(context.Background(), w.path)
		if err != nil {
			return err
		}
		w.f = f
		w.w, err = ipc.NewFileWriter(&appendSeeker{w: f}, ipc.WithSchema(rec.Schema()), ipc.WithZstd())
		if err != nil {
			return err
		}
	}
	return w.w.Write(rec)
}

// appendSeeker gives an append-only writer the Seek that Arrow's IPC file
// writer asks for: its current position, nothing else.
type appendSeeker struct {
	w io.Writer
	n int64
}

func (a *appendSeeker) Write(b []byte) (int, error) {
	n, err := a.w.Write(b)
	a.n += int64(n)
	return n, err
}

func (a *appendSeeker) Seek(off int64, whence int) (int64, error) {
	if (whence == io.SeekCurrent && off == 0) || (whence == io.SeekStart && off == a.n) {
		return a.n, nil
	}
	return a.n, errors.New("append-only writer: cannot seek")
}

func (w *interWriter) commit() error {
	if w.w == nil {
		// no rows reached the barrier: an empty marker file
		return writeFileAtomic(w.path, nil)
	}
	if err := w.w.Close(); err != nil {
		return err
	}
	f := w.f
	w.f = nil
	return f.Commit()
}

func (w *interWriter) abort() {
	if w.f != nil {
		w.f.Abort()
		w.f = nil
	}
}

type interReader struct {
	f storage.ReaderAt
	r *ipc.FileReader
	i int
}

// openInter reads a task's rows kept between phases, with ranged reads
// (the file is not downloaded whole from object storage).
func openInter(path string, mem memory.Allocator) (Reader, error) {
	f, err := storage.OpenAt(context.Background(), path)
	if err != nil {
		return nil, err
	}
	if f.Size() == 0 {
		return &interReader{f: f}, nil
	}
	r, err := ipc.NewFileReader(io.NewSectionReader(f, 0, f.Size()), ipc.WithAllocator(mem))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %v", storage.Display(path), err)
	}
	return &interReader{f: f, r: r}, nil
}

func (r *interReader) Next() (arrow.Record, error) {
	if r.r == nil || r.i >= r.r.NumRecords() {
		return nil, io.EOF
	}
	rec, err := r.r.RecordAt(r.i)
	r.i++
	return rec, err
}

func (r *interReader) Close() error {
	if r.r != nil {
		r.r.Close()
	}
	return r.f.Close()
}

// idList holds the ids of one task's barrier data compactly: the bytes of
// all ids and where each ends (a []string would cost a 16-byte header per id
// and keep the decoded Arrow buffers alive).
type idList struct {
	bytes []byte
	ends  []uint32
}

func (l *idList) at(i int) string {
	start := uint32(0)
	if i > 0 {
		start = l.ends[i-1]
	}
	return string(l.bytes[start:l.ends[i]])
}

// docIDAt reads the id column of a task's barrier data once and caches it
// for the rest of the task phase (runTaskPhase drops the cache, so it does
// not grow from phase to phase).
func (r *runner) docIDAt(phase, task, row int) (string, error) {
	r.idMu.Lock()
	defer r.idMu.Unlock()
	key := [2]int{phase, task}
	ids, ok := r.idCache[key]
	if !ok {
		src, err := openInter(r.interPath(phase, task), r.mem)
		if err != nil {
			return "", err
		}
		defer src.Close()
		ids = &idList{}
		for {
			rec, err := src.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return "", err
			}
			col, err := stringColumn(rec, ColID)
			if err != nil {
				rec.Release()
				return "", err
			}
			for i := 0; i < col.Len(); i++ {
				ids.bytes = append(ids.bytes, col.Value(i)...)
				if len(ids.bytes) > math.MaxUint32 {
					rec.Release()
					return "", fmt.Errorf("barrier data of task %d: ids exceed 4 GB", task)
				}
				ids.ends = append(ids.ends, uint32(len(ids.bytes)))
			}
			rec.Release()
		}
		ids.bytes = slices.Clip(ids.bytes)
		ids.ends = slices.Clip(ids.ends)
		if r.idCache == nil {
			r.idCache = map[[2]int]*idList{}
		}
		r.idCache[key] = ids
	}
	if row < 0 || row >= len(ids.ends) {
		return "", fmt.Errorf("barrier data of task %d has no row %d", task, row)
	}
	return ids.at(row), nil
}

// dropIDCache forgets the ids docIDAt cached.
// IdleDropper is an optional ability of stages that keep per-task state
// for the next task to reuse: DropIdle lets it go when a phase's tasks are
// done, so a later phase does not carry it.
type IdleDropper interface{ DropIdle() }

// dropIdle calls DropIdle on the stages that have it.
func (r *runner) dropIdle() {
	for _, s := range r.stages {
		if d, ok := s.(IdleDropper); ok {
			d.DropIdle()
		}
	}
}

func (r *runner) dropIDCache() {
	r.idMu.Lock()
	r.idCache = nil
	r.idMu.Unlock()
}

// beforeStep collects what the report needs from a step's input: the
// documents reaching the first reshape (pack) step count as written. It
// returns a copy of the step's drop counts when the step's own rejections
// are sampled by comparing its input and output (stages other than the
// filter adapters, which sample with their reasons).
func (r *runner) beforeStep(t *Task, step int, rec arrow.Record) {
	sc := r.cfg.Plan[step]
	if sc.Spec.Kind != KindReshape {
		return
	}
	for i := range r.cfg.Plan[:step] {
		if r.cfg.Plan[i].Spec.Kind == KindReshape {
			return
		}
	}
	t.collectWritten(rec) // documents as they enter the first pack step
}

// afterStep collects from a step's output: tokens per document after a
// tokenize step. (Rejected samples are taken in Task.Reject.)
func (r *runner) afterStep(t *Task, step int, out arrow.Record) {
	switch r.cfg.Plan[step].Options.(type) {
	case *TokenizeOptions, *ChatOptions:
		if out != nil {
			t.collectTokens(out)
		}
	}
}
