package dedup

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/grist/grist/internal/storage"
)

// TestWorkDirOnObjectStorage runs the three dedupers with their work folder
// on a local disk, on file:// and on mem:// (the blob code path): the same
// decisions and byte-identical phase-1 and decision files, spill files in a
// local temporary folder only while phase 2 runs.
func TestWorkDirOnObjectStorage(t *testing.T) {
	ctx := context.Background()
	thr := 0.75
	mh := newTestMinHash(t, func(o *MinHashOptions) { o.Threshold = &thr })
	corpus := buildNearDupCorpus(t, mh, 4, 7)
	ex := newTestExact(t, NormalizeNone)
	exTexts, _ := plantedExact(4, 50, 3)
	ln := newTestLines(t, func(o *LinesOptions) { o.MinDocWords = 3 })
	boiler := "Subscribe to our newsletter\nFollow us on social media\nAll rights reserved 2024\n"
	lnTexts := [][]string{
		{"Intro one\nbody alpha\nbody beta\n" + boiler, "short\n"},
		{"Intro two\n" + boiler + "body gamma\nbody delta\nend\n", "Intro one\nbody alpha\nbody beta\nmore text\n"},
	}
	order4 := []int{3, 1, 0, 2}
	type run func(t *testing.T, dir string) any
	engines := map[string]run{
		"exact": func(t *testing.T, dir string) any {
			writeExactTasks(t, ex, dir, exTexts, order4)
			st, err := ex.Cluster(ctx, dir, 4, ClusterConfig{Workers: 2, MemoryBudget: 32 * 40})
			if err != nil {
				t.Fatal(err)
			}
			if st.SpillRuns == 0 {
				t.Errorf("exact: no spill runs with a tiny budget")
			}
			return []any{st, loadAllDecisions(t, ex.LoadDecisions, dir, exTexts)}
		},
		"minhash": func(t *testing.T, dir string) any {
			writeMinHashTasks(t, mh, dir, corpus.texts, order4)
			st, err := mh.Cluster(ctx, dir, 4, ClusterConfig{Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			if st.Clusters == 0 || st.CandidatePairs == 0 {
				t.Errorf("minhash: no clusters: %+v", st)
			}
			return []any{st, loadAllDecisions(t, mh.LoadDecisions, dir, corpus.texts)}
		},
		"lines": func(t *testing.T, dir string) any {
			for task, texts := range lnTexts {
				w, err := ln.NewTaskWriter(dir, task)
				if err != nil {
					t.Fatal(err)
				}
				for r, s := range texts {
					if err := w.Add(r, s); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
			}
			st, err := ln.Cluster(ctx, dir, 2, ClusterConfig{MemoryBudget: 16 * 20})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for task, texts := range lnTexts {
				d, err := ln.LoadDecisions(dir, task)
				if err != nil {
					t.Fatal(err)
				}
				for r, s := range texts {
					v, _, keep := d.Rewrite(r, s)
					out = append(out, fmt.Sprintf("%q %v", v, keep))
				}
			}
			if st.Duplicates != 2 {
				t.Errorf("lines: %d repeated spans, want 2", st.Duplicates)
			}
			return []any{st, out}
		},
	}
	tmpBefore := spillTemps(t)
	for name, fn := range engines {
		t.Run(name, func(t *testing.T) {
			local := t.TempDir()
			want := fn(t, local)
			for _, root := range []string{
				"file://" + filepath.ToSlash(t.TempDir()),
				"mem://dedup-" + name,
			} {
				got := fn(t, root)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s: results differ from the local run:\n got %v\nwant %v", root, got, want)
				}
				ents, err := storage.List(ctx, root, true)
				if err != nil {
					t.Fatal(err)
				}
				if len(ents) == 0 {
					t.Fatalf("%s: nothing written", root)
				}
				for _, e := range ents {
					if strings.Contains(e.Name, "spill") || strings.Contains(e.Name, ".tmp") {
						t.Errorf("%s: left %s", root, e.Name)
					}
					b, err := storage.ReadFile(ctx, storage.Join(root, e.Name))
					if err != nil {
						t.Fatal(err)
					}
					lb, err := os.ReadFile(filepath.Join(local, filepath.FromSlash(e.Name)))
					if err != nil || !bytes.Equal(b, lb) {
						t.Errorf("%s: %s differs from the local file (%v)", root, e.Name, err)
					}
				}
			}
		})
	}
	if after := spillTemps(t); after != tmpBefore {
		t.Errorf("local temporary files left: %d before, %d after", tmpBefore, after)
	}
}

func spillTemps(t *testing.T) int {
	n := 0
	for _, pat := range []string{"grist-spill-*", "grist-dedup-*"} {
		m, _ := filepath.Glob(filepath.Join(os.TempDir(), pat))
		n += len(m)
	}
	return n
}

// TestRemotePhase1FileChecked: a truncated phase-1 object is refused from
// its header and size alone, as a local file is.
func TestRemotePhase1FileChecked(t *testing.T) {
	ctx := context.Background()
	e := newTestExact(t, NormalizeNone)
	dir := "mem://dedup-truncated"
	writeExactTasks(t, e, dir, [][]string{{"a", "b", "a"}}, []int{0})
	path := taskFile(storage.Join(dir, "exact", "p1"), 0, "hash")
	raw, err := storage.ReadFile(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := storage.WriteFile(ctx, path, raw[:len(raw)-5]); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Cluster(ctx, dir, 1, ClusterConfig{}); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("err = %v, want truncated", err)
	}
	if _, err := e.LoadDecisions(dir, 0); err == nil || !strings.Contains(err.Error(), "phase 2 has not completed") {
		t.Fatalf("LoadDecisions before phase 2: %v", err)
	}
}
