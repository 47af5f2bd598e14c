package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/grist/grist/internal/storage"
	"github.com/grist/grist/internal/storage/storagetest"
)

// storageCorpus writes the dedup corpus, a corpus with bad records (for the
// errors sink) and two Parquet files (written by a first local run), so a
// run reads JSONL.gz through streams and Parquet through ranged reads.
func storageCorpus(t *testing.T, dir string) {
	t.Helper()
	dedupCorpus(t, dir)
	writeCorpus(t, filepath.Join(dir, "in-9.jsonl.gz"), 300)
	pq := filepath.Join(dir, "pq")
	cfg := writeConfig(t, dir, `
input: {paths: [`+dir+`/in-1.jsonl.gz, `+dir+`/in-2.jsonl.gz]}
output: {path: `+pq+`, row_group_rows: 60}
`)
	res := run(t, cfg, RunOptions{Workers: 1})
	if len(res.Manifest.Shards) != 2 {
		t.Fatalf("parquet inputs: %d shards", len(res.Manifest.Shards))
	}
	if err := os.MkdirAll(filepath.Join(dir, "in"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i, s := range res.Manifest.Shards {
		if err := os.Rename(filepath.Join(pq, s.Path), filepath.Join(dir, "in", fmt.Sprintf("pq-%d.parquet", i))); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"in-0.jsonl.gz", "in-3.jsonl.gz", "in-9.jsonl.gz"} {
		if err := os.Rename(filepath.Join(dir, n), filepath.Join(dir, "in", n)); err != nil {
			t.Fatal(err)
		}
	}
	// hidden files and unknown kinds in an input folder are skipped
	os.WriteFile(filepath.Join(dir, "in", ".hidden.jsonl"), []byte(`{"text":"no"}`+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "in", "notes.bin"), []byte("x"), 0o644)
}

// storageConfig is a dedup pipeline over the folder in, with every sink
// under out; split_bytes makes one Parquet task per row group range.
func storageConfig(t *testing.T, cfgDir, in, out string) *Config {
	rejected, errs := storage.Join(out, "rejected"), storage.Join(out, "errors")
	return writeConfig(t, cfgDir, `
input: {paths: ["`+in+`"], batch_size: 50, split_bytes: 1048576}
steps:
  - normalize: {}
  - dedup_exact: {}
  - dedup_minhash: {}
output: {path: "`+out+`"}
rejected: {path: "`+rejected+`"}
errors: {path: "`+errs+`", format: jsonl, compression: none}
`)
}

// listOutput reads every file of an output folder but the work data and
// the timings, by storage location.
func listOutput(t *testing.T, out string) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	ents, err := storage.List(ctx, out, true)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range ents {
		if strings.HasPrefix(e.Name, ".grist/") || e.Name == "stats.json" {
			continue
		}
		b, err := storage.ReadFile(ctx, storage.Join(out, e.Name))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name] = b
	}
	return files
}

// sameOutput compares two output folders byte for byte; only the input
// names differ (in the manifest's inputs and config hash, and in the file
// column of error rows), so those are normalized first.
func sameOutput(t *testing.T, want, got map[string][]byte, wantIn, gotIn string) {
	t.Helper()
	var names []string
	for k := range want {
		names = append(names, k)
	}
	sort.Strings(names)
	var gotNames []string
	for k := range got {
		gotNames = append(gotNames, k)
	}
	sort.Strings(gotNames)
	if strings.Join(names, " ") != strings.Join(gotNames, " ") {
		t.Fatalf("file sets differ:\nwant %v\n got %v", names, gotNames)
	}
	shards := 0
	for _, k := range names {
		a, b := want[k], got[k]
		switch {
		case k == "manifest.json":
			a, b = normManifest(t, a, wantIn), normManifest(t, b, gotIn)
		case strings.HasPrefix(k, "errors/"):
			b = bytes.ReplaceAll(b, []byte(gotIn), []byte(wantIn))
		case strings.HasPrefix(k, "part-"):
			shards++
		}
		if !bytes.Equal(a, b) {
			if k == "manifest.json" {
				t.Errorf("manifest differs:\n%s\n%s", a, b)
			}
			t.Errorf("%s differs", k)
		}
	}
	if shards == 0 || want["manifest.json"] == nil {
		t.Fatalf("no shards or no manifest: %v", names)
	}
}

func normManifest(t *testing.T, b []byte, in string) []byte {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	m.ConfigHash = ""
	for i := range m.Errors {
		// error rows name their input file: compared apart, normalized
		m.Errors[i].Bytes, m.Errors[i].SHA256 = 0, ""
	}
	for i := range m.Inputs {
		m.Inputs[i].Path = strings.TrimPrefix(m.Inputs[i].Path, in)
	}
	out, _ := json.Marshal(m)
	return out
}

// TestObjectStorageRunMatchesLocal runs a dedup pipeline with input, work
// folder and output on file:// and mem:// URLs (the blob code path) and
// checks the files equal those of the same run on local paths. The file://
// run also fails one task and resumes; the mem:// run is overwritten.
func TestObjectStorageRunMatchesLocal(t *testing.T) {
	dir := t.TempDir()
	storageCorpus(t, dir)
	ref := run(t, storageConfig(t, dir, dir+"/in", dir+"/ref"), RunOptions{Workers: 2})
	if ref.Stats.Rejected["dedup_exact:duplicate"] == 0 || sum(ref.Stats.Errors) == 0 {
		t.Fatalf("the reference run has no duplicates or no errors: %+v %+v", ref.Stats.Rejected, ref.Stats.Errors)
	}
	if len(ref.Manifest.Inputs) != 5 {
		t.Fatalf("inputs: %+v", ref.Manifest.Inputs)
	}
	want := listOutput(t, dir+"/ref")
	fileIn := "file://" + filepath.ToSlash(dir)

	t.Run("file", func(t *testing.T) {
		out := fileIn + "/fout"
		cfg := storageConfig(t, dir, fileIn+"/in", out)
		_, err := Run(context.Background(), cfg, RunOptions{Workers: 2, FaultTask: 1})
		if err == nil || !strings.Contains(err.Error(), "task 1") {
			t.Fatalf("want task 1 to fail, got %v", err)
		}
		// the failed task's part and marker never appear; no temporary files
		for _, p := range []string{out + "/part-00001.parquet", out + "/.grist/markers/p0/task-00001.done"} {
			if exists(p) {
				t.Fatalf("%s visible after a failed task", p)
			}
		}
		if _, err := Run(context.Background(), cfg, RunOptions{FaultTask: -1}); err == nil || !strings.Contains(err.Error(), "--resume") {
			t.Fatalf("a second run into the same folder must need --resume: %v", err)
		}
		res := run(t, cfg, RunOptions{Workers: 2, Resume: true})
		if res.Pending != "" {
			t.Fatal(res.Pending)
		}
		if exists(out + "/.grist/data") {
			t.Error("inter-phase data left after the manifest")
		}
		local, _ := filepath.Glob(filepath.Join(dir, "fout", ".*.tmp-*"))
		if len(local) > 0 {
			t.Errorf("temporary files: %v", local)
		}
		sameOutput(t, want, listOutput(t, out), dir, fileIn)
		st, err := Status(cfg, "")
		if err != nil || !st.Complete || st.Phases[0].Done != st.Tasks {
			t.Fatalf("status: %+v %v", st, err)
		}
	})

	t.Run("mem", func(t *testing.T) {
		out := "mem://pipeline-out/run"
		cfg := storageConfig(t, dir, fileIn+"/in/[ip]*", out)
		run(t, cfg, RunOptions{Workers: 1})
		if _, err := Run(context.Background(), cfg, RunOptions{FaultTask: -1}); err == nil {
			t.Fatal("a second run into the same folder must need --overwrite")
		}
		// a foreign file in the output is refused by --overwrite
		storage.WriteFile(context.Background(), out+"/keep.txt", []byte("mine"))
		if _, err := Run(context.Background(), cfg, RunOptions{Overwrite: true, FaultTask: -1}); err != nil {
			t.Logf("overwrite with a foreign file: %v", err)
		}
		if !exists(out + "/keep.txt") {
			t.Fatal("--overwrite removed a file grist did not write")
		}
		storage.Remove(context.Background(), out+"/keep.txt")
		res := run(t, cfg, RunOptions{Workers: 3, Overwrite: true})
		if res.Stats.Written != ref.Stats.Written {
			t.Fatalf("written %d, want %d", res.Stats.Written, ref.Stats.Written)
		}
		sameOutput(t, want, listOutput(t, out), dir, fileIn)
	})
}

// TestS3RunMatchesLocal uploads the corpus to a fake S3 server and runs
// the dedup pipeline with input, work folder and output all s3://; the
// Parquet inputs are read with ranged GETs, never whole.
func TestS3RunMatchesLocal(t *testing.T) {
	dir := t.TempDir()
	storageCorpus(t, dir)
	run(t, storageConfig(t, dir, dir+"/in", dir+"/ref"), RunOptions{Workers: 2})
	want := listOutput(t, dir+"/ref")

	bucket := storagetest.FakeS3(t, "grist")
	ctx := context.Background()
	ents, err := storage.List(ctx, dir+"/in", true)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, "in", e.Name))
		if err != nil {
			t.Fatal(err)
		}
		if err := storage.WriteFile(ctx, storage.Join(bucket, "corpus", e.Name), b); err != nil {
			t.Fatal(err)
		}
	}
	in, out := storage.Join(bucket, "corpus"), storage.Join(bucket, "runs", "one")
	before := storage.ReadCounts()
	var trace syncBuffer
	storage.SetTrace(&trace)
	res := run(t, storageConfig(t, dir, in, out), RunOptions{Workers: 2})
	storage.SetTrace(nil)
	after := storage.ReadCounts()
	if res.Pending != "" {
		t.Fatal(res.Pending)
	}
	shownIn := storage.Display(in)
	sameOutput(t, want, listOutput(t, out), dir+"/in", shownIn)
	if res.Manifest.Inputs[0].Path != shownIn+"/in-0.jsonl.gz" {
		t.Errorf("manifest input %q: the endpoint must not show", res.Manifest.Inputs[0].Path)
	}
	if after.RangeGets == before.RangeGets || after.Puts == before.Puts {
		t.Fatalf("no ranged reads or no uploads: %+v -> %+v", before, after)
	}
	t.Logf("requests: %+v", countsDiff(before, after))
	// Parquet inputs and inter-phase Arrow files: ranged GETs only
	ranged := 0
	for _, line := range strings.Split(trace.String(), "\n") {
		if !strings.HasPrefix(line, "GET ") || !(strings.Contains(line, ".parquet") || strings.Contains(line, ".arrow")) {
			continue
		}
		if !strings.Contains(line, " range=") {
			t.Errorf("whole-object read: %s", line)
		}
		ranged++
	}
	if ranged == 0 {
		t.Fatalf("no ranged reads traced:\n%s", trace.String())
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// countsDiff is after - before.
func countsDiff(before, after storage.Counts) storage.Counts {
	return storage.Counts{
		Gets: after.Gets - before.Gets, RangeGets: after.RangeGets - before.RangeGets, RangeBytes: after.RangeBytes - before.RangeBytes,
		Puts: after.Puts - before.Puts, Heads: after.Heads - before.Heads, Lists: after.Lists - before.Lists, Deletes: after.Deletes - before.Deletes,
	}
}

// TestDoneTasksOneListing checks the marker listing that replaces a stat per
// task: the same answer as a stat per marker, locally and on object storage,
// where it takes one LIST and no HEAD.
func TestDoneTasksOneListing(t *testing.T) {
	for _, where := range []string{"local", "s3"} {
		t.Run(where, func(t *testing.T) {
			r := &runner{work: filepath.Join(t.TempDir(), ".grist")}
			if where == "s3" {
				r.work = storage.Join(storagetest.FakeS3(t, "grist"), "run", ".grist")
			}
			ctx := context.Background()
			for _, name := range []string{"task-00000.done", "task-00002.done", "task-00011.done", "global.done", "task-3.done", "task-00004.done.tmp"} {
				if err := storage.WriteFile(ctx, storage.Join(r.work, "markers", "p1", name), []byte("{}")); err != nil {
					t.Fatal(err)
				}
			}
			var trace syncBuffer
			storage.SetTrace(&trace)
			done := r.doneTasks(1)
			storage.SetTrace(nil)
			want := map[int]bool{0: true, 2: true, 11: true}
			if !maps.Equal(done, want) {
				t.Fatalf("doneTasks = %v, want %v", done, want)
			}
			for i := 0; i < 13; i++ {
				if got := exists(r.markerPath(1, i)); got != done[i] {
					t.Errorf("task %d: exists %v, doneTasks %v", i, got, done[i])
				}
			}
			if where == "s3" {
				if tr := trace.String(); strings.Count(tr, "LIST ") != 1 || strings.Contains(tr, "HEAD ") {
					t.Errorf("want one LIST and no HEAD, traced:\n%s", tr)
				}
			}
			if len(r.doneTasks(7)) != 0 {
				t.Error("a phase without markers has done tasks")
			}
		})
	}
}
