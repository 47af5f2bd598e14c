package pipeline

import (
	"context"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/grist/grist/internal/cputime"
)

// tokenizePackBench drives a tokenize step and a pack step over the same
// in-memory batches as the executor's task loop does: a fresh Task and a
// fresh pack instance (StartTask) per pass, both steps through runner.timed
// (their statistics and sample collection), the documents collected where a
// run collects them (at the pack step, or at the output without one), and
// the pack instance's Finish at the end of the task. Nothing is written.
type tokenizePackBench struct {
	r       *runner
	batches []arrow.Record
	size    int64 // text bytes in batches
	// stepCPU is the calling thread's CPU time inside the tokenize and the
	// pack step's calls during the last pass (see paired).
	stepCPU [2]time.Duration
}

// newTokenizePackBench reads about size bytes of text from corpus into
// batches, for a plan of exactly two steps (tokenize, pack).
func newTokenizePackBench(b *testing.B, corpus, tokenize, pack string, size int64) *tokenizePackBench {
	b.Helper()
	dir := b.TempDir()
	cfg, err := ParseConfig("bench.yaml", []byte("input: {paths: ["+corpus+"]}\nsteps:\n  - tokenize: "+tokenize+"\n  - pack: "+pack+"\noutput: {path: "+dir+"}\n"))
	if err != nil {
		b.Fatal(err)
	}
	r := &runner{cfg: cfg, mem: memory.DefaultAllocator, opts: RunOptions{FaultTask: -1, WorldSize: 1}, out: dir, work: filepath.Join(dir, ".grist")}
	if err := r.prepare(); err != nil {
		b.Fatal(err)
	}
	tp := &tokenizePackBench{r: r}
	src, err := r.openSource(context.Background(), r.phases[0], tp.task())
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	for tp.size < size {
		rec, err := src.Next()
		if err != nil {
			break
		}
		tp.batches = append(tp.batches, rec)
		tp.size += TextBytes(rec)
	}
	return tp
}

func (tp *tokenizePackBench) task() *Task {
	return &Task{Spec: tp.r.tasks[0], Mem: tp.r.mem, r: tp.r, stats: NewStats(tp.r.cfg.Plan)}
}

// pass runs every batch through tokenize (and pack) once, as one task, and
// returns the tokens produced by the tokenizer and the examples made.
func (tp *tokenizePackBench) pass(b *testing.B, withPack bool) (tokens, examples int64) {
	ctx := context.Background()
	r, t := tp.r, tp.task()
	tp.stepCPU = [2]time.Duration{}
	// in measures the thread CPU time of f, a step's own call
	in := func(step int, f func() (arrow.Record, error)) (arrow.Record, error) {
		c0 := cputime.Thread()
		out, err := f()
		tp.stepCPU[step] += cputime.Thread() - c0
		return out, err
	}
	var pt TaskStage
	if withPack {
		var err error
		if pt, err = r.stages[1].(TaskStager).StartTask(t); err != nil {
			b.Fatal(err)
		}
	}
	for _, rec := range tp.batches {
		rec.Retain()
		t.step = 0
		out, err := r.timed(t, 0, rec, func(rec arrow.Record) (arrow.Record, error) {
			return in(0, func() (arrow.Record, error) { return r.stages[0].Process(ctx, t, rec) })
		})
		if err != nil {
			b.Fatal(err)
		}
		if !withPack {
			// what the executor does with documents reaching the output
			t.stats.Written += out.NumRows()
			t.stats.WrittenBytes += TextBytes(out)
			t.collectWritten(out)
			out.Release()
			continue
		}
		t.step = 1
		ex, err := r.timed(t, 1, out, func(rec arrow.Record) (arrow.Record, error) {
			return in(1, func() (arrow.Record, error) { return pt.Process(ctx, t, rec) })
		})
		if err != nil {
			b.Fatal(err)
		}
		if ex != nil {
			examples += ex.NumRows()
			ex.Release()
		}
	}
	if withPack {
		last, err := in(1, func() (arrow.Record, error) { return pt.Finish(ctx, t) })
		if err != nil {
			b.Fatal(err)
		}
		if last != nil {
			examples += last.NumRows()
			last.Release()
		}
	}
	return t.stats.Stages[0].Counters["tokens"], examples
}

// run measures b.N passes and reports CPU time per pass and tokens per
// CPU-second (tokens/s per core), besides the wall-clock ns/op.
func (tp *tokenizePackBench) run(b *testing.B, withPack bool) {
	b.SetBytes(tp.size)
	b.ResetTimer()
	cpu0 := cputime.Process()
	var tokens int64
	for i := 0; i < b.N; i++ {
		tokens, _ = tp.pass(b, withPack)
	}
	cpu := cputime.Process() - cpu0
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(tokens)*float64(b.N)/cpu.Seconds(), "tokens/cpu-s")
}

// paired alternates passes without and with pack (swapping which goes first
// every iteration, so garbage one pass leaves for the next is shared evenly)
// and reports the CPU time pack adds, in percent of tokenize alone: from the
// total CPU time of each kind of pass (pack-overhead-%), from the fastest
// pass of each kind (pack-overhead-min-%), and the median over iterations of
// the two passes' ratio (pack-overhead-median-%). On a shared machine the
// median is the steadiest: a burst of other work inflates one pair, which
// the median ignores, where it shifts the total and can set either minimum.
// It also reports the pack step's own CPU time in percent of the tokenize
// step's, both measured on the thread around their calls in the same passes
// (pack-share-%): the direct cost of packing, which other work on the
// machine skews least, though it leaves out what packing costs elsewhere
// (background garbage collection, caches it takes from tokenization), which
// the pass totals include.
func (tp *tokenizePackBench) paired(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.SetBytes(2 * tp.size)
	b.ResetTimer()
	var cpu, best, steps [2]time.Duration
	ratios := make([]float64, 0, b.N)
	for i := 0; i < b.N; i++ {
		var pair [2]time.Duration
		for k := 0; k < 2; k++ {
			withPack := (i+k)%2 == 1
			c0 := cputime.Process()
			tp.pass(b, withPack)
			c := cputime.Process() - c0
			j := 0
			if withPack {
				j = 1
			}
			pair[j] = c
			cpu[j] += c
			if withPack {
				steps[0] += tp.stepCPU[0]
				steps[1] += tp.stepCPU[1]
			}
			if best[j] == 0 || c < best[j] {
				best[j] = c
			}
		}
		ratios = append(ratios, float64(pair[1])/float64(pair[0]))
	}
	slices.Sort(ratios)
	median := ratios[len(ratios)/2]
	if len(ratios)%2 == 0 {
		median = (ratios[len(ratios)/2-1] + median) / 2
	}
	b.ReportMetric(float64(cpu[0].Nanoseconds())/float64(b.N), "tokenize-cpu-ns/op")
	b.ReportMetric(float64(cpu[1].Nanoseconds())/float64(b.N), "tokenize+pack-cpu-ns/op")
	b.ReportMetric(100*(float64(cpu[1])/float64(cpu[0])-1), "pack-overhead-%")
	b.ReportMetric(100*(float64(best[1])/float64(best[0])-1), "pack-overhead-min-%")
	b.ReportMetric(100*(median-1), "pack-overhead-median-%")
	b.ReportMetric(100*float64(steps[1])/float64(steps[0]), "pack-share-%")
}

// packOnly measures the pack step alone on batches tokenized beforehand:
// its own CPU time per pass, and the tokens it consumes per CPU-second.
func (tp *tokenizePackBench) packOnly(b *testing.B) {
	ctx := context.Background()
	r, t := tp.r, tp.task()
	var toks []arrow.Record
	var tokens int64
	for _, rec := range tp.batches {
		rec.Retain()
		out, err := r.stages[0].Process(ctx, t, rec)
		rec.Release()
		if err != nil {
			b.Fatal(err)
		}
		toks = append(toks, out)
	}
	tokens = t.stats.Stages[0].Counters["tokens"]
	defer func() {
		for _, rec := range toks {
			rec.Release()
		}
	}()
	b.SetBytes(tp.size)
	b.ResetTimer()
	cpu0 := cputime.Process()
	for i := 0; i < b.N; i++ {
		t := tp.task()
		pt, err := r.stages[1].(TaskStager).StartTask(t)
		if err != nil {
			b.Fatal(err)
		}
		t.step = 1
		for _, rec := range toks {
			rec.Retain()
			ex, err := r.timed(t, 1, rec, func(rec arrow.Record) (arrow.Record, error) {
				return pt.Process(ctx, t, rec)
			})
			if err != nil {
				b.Fatal(err)
			}
			ex.Release()
		}
		last, err := pt.Finish(ctx, t)
		if err != nil {
			b.Fatal(err)
		}
		last.Release()
	}
	cpu := cputime.Process() - cpu0
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(tokens)*float64(b.N)/cpu.Seconds(), "tokens/cpu-s")
}

func (tp *tokenizePackBench) release() {
	for _, rec := range tp.batches {
		rec.Release()
	}
}
