package dedup

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type docRef struct{ task, row int }

// plantedCorpus spreads base documents and exact copies over tasks. It
// returns texts[task][row] and, for each copy, the location of its original
// (the first occurrence in (task,row) order).
func plantedExact(numTasks, perTask int, seed uint64) ([][]string, map[docRef]docRef) {
	rng := rand.New(rand.NewPCG(seed, 99))
	texts := make([][]string, numTasks)
	first := map[string]docRef{}
	want := map[docRef]docRef{}
	var pool []string
	for t := 0; t < numTasks; t++ {
		for r := 0; r < perTask; r++ {
			var s string
			if len(pool) > 0 && rng.IntN(4) == 0 {
				s = pool[rng.IntN(len(pool))]
			} else {
				s = fmt.Sprintf("document %d-%d body %x", t, r, rng.Uint64())
				pool = append(pool, s)
			}
			texts[t] = append(texts[t], s)
			ref := docRef{t, r}
			if f, ok := first[s]; ok {
				want[ref] = f
			} else {
				first[s] = ref
			}
		}
	}
	return texts, want
}

func newTestExact(t testing.TB, norm string) *Exact {
	e, err := NewExact(ExactOptions{Normalize: norm})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func writeExactTasks(t *testing.T, e *Exact, dir string, texts [][]string, order []int) {
	t.Helper()
	for _, task := range order {
		w, err := e.NewTaskWriter(dir, task)
		if err != nil {
			t.Fatal(err)
		}
		for r, s := range texts[task] {
			if err := w.Add(r, s); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestExactRemovesAllAndOnlyCopies(t *testing.T) {
	cases := []struct {
		name     string
		tasks    int
		perTask  int
		budget   int64
		reversed bool
	}{
		{"few tasks", 5, 200, 0, false},
		{"reversed task order", 5, 200, 0, true},
		{"tiny budget spills", 5, 200, 32 * 20, false},
		{"more tasks than fan-in", maxFanIn + 6, 20, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newTestExact(t, NormalizeNone)
			dir := t.TempDir()
			texts, want := plantedExact(c.tasks, c.perTask, 3)
			order := make([]int, c.tasks)
			for i := range order {
				order[i] = i
				if c.reversed {
					order[i] = c.tasks - 1 - i
				}
			}
			writeExactTasks(t, e, dir, texts, order)
			st, err := e.Cluster(context.Background(), dir, c.tasks, ClusterConfig{Workers: 2, MemoryBudget: c.budget})
			if err != nil {
				t.Fatal(err)
			}
			if st.Duplicates != int64(len(want)) || len(want) == 0 {
				t.Fatalf("stats: %d duplicates, planted %d", st.Duplicates, len(want))
			}
			if c.budget > 0 && st.SpillRuns == 0 {
				t.Errorf("tiny budget made no spill runs")
			}
			dropped := 0
			for task := 0; task < c.tasks; task++ {
				d, err := e.LoadDecisions(dir, task)
				if err != nil {
					t.Fatal(err)
				}
				for r := range texts[task] {
					dec := d.Lookup(r)
					orig, isCopy := want[docRef{task, r}]
					if dec.Drop != isCopy {
						t.Fatalf("task %d row %d: drop=%v, planted copy=%v", task, r, dec.Drop, isCopy)
					}
					if isCopy {
						dropped++
						if (docRef{dec.KeptTask, dec.KeptRow}) != orig {
							t.Fatalf("task %d row %d: kept %d/%d, want %v", task, r, dec.KeptTask, dec.KeptRow, orig)
						}
						if dec.ClusterSize < 2 || dec.ClusterID < 0 {
							t.Fatalf("copy without cluster info: %+v", dec)
						}
					}
				}
				if len(d.Dropped()) != countCopies(want, task) {
					t.Fatalf("task %d: Dropped() lists %d rows, want %d", task, len(d.Dropped()), countCopies(want, task))
				}
			}
			if dropped != len(want) {
				t.Fatalf("dropped %d, want %d", dropped, len(want))
			}
			if entries, _ := os.ReadDir(filepath.Join(dir, "exact", "spill")); len(entries) != 0 {
				t.Errorf("spill files left behind: %d", len(entries))
			}
		})
	}
}

func countCopies(want map[docRef]docRef, task int) int {
	n := 0
	for k := range want {
		if k.task == task {
			n++
		}
	}
	return n
}

func TestExactNormalizeSimpleMergesVariants(t *testing.T) {
	dir := t.TempDir()
	texts := [][]string{{"Hello,  World!", "hello world", "HELLO WORLD?", "goodbye world"}}
	for _, c := range []struct {
		norm string
		dups int64
	}{{NormalizeNone, 0}, {NormalizeSimple, 2}} {
		e := newTestExact(t, c.norm)
		writeExactTasks(t, e, dir, texts, []int{0})
		st, err := e.Cluster(context.Background(), dir, 1, ClusterConfig{})
		if err != nil {
			t.Fatal(err)
		}
		if st.Duplicates != c.dups {
			t.Errorf("normalize=%s: %d duplicates, want %d", c.norm, st.Duplicates, c.dups)
		}
	}
}

func TestExactPhase2ErrorsAndRerun(t *testing.T) {
	e := newTestExact(t, NormalizeNone)
	dir := t.TempDir()
	texts, _ := plantedExact(3, 50, 5)
	writeExactTasks(t, e, dir, texts, []int{0, 2})
	if _, err := e.Cluster(context.Background(), dir, 3, ClusterConfig{}); err == nil || !strings.Contains(err.Error(), "task-00001") {
		t.Fatalf("missing task file: err = %v", err)
	}
	if _, err := e.LoadDecisions(dir, 0); err == nil {
		t.Fatalf("decisions loaded before phase 2 completed")
	}
	writeExactTasks(t, e, dir, texts, []int{1})
	st1, err := e.Cluster(context.Background(), dir, 3, ClusterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	st2, err := e.Cluster(context.Background(), dir, 3, ClusterConfig{})
	if err != nil || st1 != st2 {
		t.Fatalf("rerun: %+v vs %+v, err %v", st1, st2, err)
	}
	other := newTestExact(t, NormalizeSimple)
	if _, err := other.Cluster(context.Background(), dir, 3, ClusterConfig{}); err == nil {
		t.Fatalf("phase 2 accepted files written with other options")
	}
	w, _ := e.NewTaskWriter(dir, 0)
	if err := w.Add(5, "a"); err != nil {
		t.Fatal(err)
	}
	if err := w.Add(5, "b"); err == nil {
		t.Fatalf("non-increasing row accepted")
	}
	w.Abort()
}

func BenchmarkExactHash(b *testing.B) {
	docs := testCorpus(b)
	size := 0
	for _, d := range docs {
		size += len(d.Text)
	}
	for _, norm := range []string{NormalizeNone, NormalizeSimple} {
		e := newTestExact(b, norm)
		b.Run(norm, func(b *testing.B) {
			b.SetBytes(int64(size))
			for i := 0; i < b.N; i++ {
				for _, d := range docs {
					e.Hash(d.Text)
				}
			}
		})
	}
}
