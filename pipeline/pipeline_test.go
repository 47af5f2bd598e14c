package pipeline

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
)

// writeCorpus writes a gzipped JSONL corpus with good and bad lines and
// returns the number of good documents and of bad lines.
func writeCorpus(t testing.TB, path string, n int) (good, bad int) {
	t.Helper()
	var buf bytes.Buffer
	for i := 0; i < n; i++ {
		switch {
		case i%97 == 13:
			buf.WriteString(`{"id": "x` + fmt.Sprint(i) + `", "text": "unterminated` + "\n")
			bad++
		case i%89 == 7:
			buf.WriteString(`{"id": "m` + fmt.Sprint(i) + `", "body": "no text field"}` + "\n")
			bad++
		case i%83 == 5:
			buf.WriteString(`{"id": "u` + fmt.Sprint(i) + "\", \"text\": \"caf\xe9\"}\n")
			bad++
		case i%79 == 3:
			fmt.Fprintf(&buf, `{"id": "e%d", "text": ""}`+"\n", i)
			good++
		default:
			words := strings.Repeat(fmt.Sprintf("word%d ", i%31), 3+i%17)
			fmt.Fprintf(&buf, `{"id": "d%d", "text": %q, "n": %d, "tag": "t%d"}`+"\n", i, "Document "+fmt.Sprint(i)+": "+words, i, i%3)
			good++
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	zw.Write(buf.Bytes())
	zw.Close()
	f.Close()
	return good, bad
}

func writeConfig(t testing.TB, dir, body string) *Config {
	t.Helper()
	p := filepath.Join(dir, "pipeline.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func run(t testing.TB, cfg *Config, opts RunOptions) *Result {
	t.Helper()
	if opts.FaultTask == 0 {
		opts.FaultTask = -1
	}
	res, err := Run(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// readParquet reads a Parquet file with Arrow's own reader (an independent
// implementation from the writer's parquet-go).
func readParquet(t testing.TB, path string) arrow.Table {
	t.Helper()
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1024}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

func TestAccountingWithBadInput(t *testing.T) {
	dir := t.TempDir()
	good, bad := writeCorpus(t, filepath.Join(dir, "in.jsonl.gz"), 3000)
	cfg := writeConfig(t, dir, `
input: {paths: [`+dir+`/in.jsonl.gz], batch_size: 100}
steps:
  - select: {field: tag, values: [t0, t1]}
output: {path: `+dir+`/out}
rejected: {path: `+dir+`/rej}
errors: {path: `+dir+`/err}
`)
	res := run(t, cfg, RunOptions{Workers: 2})
	s := res.Stats
	if s.Read != int64(good+bad) {
		t.Fatalf("read %d, want %d", s.Read, good+bad)
	}
	if got := sum(s.Errors); got != int64(bad) {
		t.Fatalf("errors %d, want %d: %v", got, bad, s.Errors)
	}
	for _, k := range []string{"malformed_json", "missing_text", "invalid_utf8"} {
		if s.Errors[k] == 0 {
			t.Errorf("no %s errors counted: %v", k, s.Errors)
		}
	}
	if err := s.CheckAccounting(); err != nil {
		t.Fatal(err)
	}
	// the files agree with the stats
	count := func(sub string) int64 {
		var n int64
		ms, _ := filepath.Glob(filepath.Join(dir, sub, "part-*.parquet"))
		for _, m := range ms {
			tbl := readParquet(t, m)
			n += tbl.NumRows()
			tbl.Release()
		}
		return n
	}
	if w, r, e := count("out"), count("rej"), count("err"); w != s.Written || r != sum(s.Rejected) || e != sum(s.Errors) || w+r+e != s.Read {
		t.Fatalf("files hold written %d rejected %d errors %d; stats say %d %d %d of %d", w, r, e, s.Written, sum(s.Rejected), sum(s.Errors), s.Read)
	}
	if s.Rejected["select:no_match"] == 0 || s.Rejected["select:missing_field"] == 0 {
		t.Fatalf("rejections by reason: %v", s.Rejected)
	}
	// error rows carry file and line
	tbl := readParquet(t, filepath.Join(dir, "err", "part-00000.parquet"))
	defer tbl.Release()
	tr := array.NewTableReader(tbl, 0)
	defer tr.Release()
	tr.Next()
	rec := tr.Record()
	if rec.Column(0).(*array.String).Value(0) != filepath.Join(dir, "in.jsonl.gz") || rec.Column(1).(*array.Int64).Value(0) != 6 {
		t.Fatalf("first error row: file %q line %d", rec.Column(0).(*array.String).Value(0), rec.Column(1).(*array.Int64).Value(0))
	}
}

func TestParquetReadBackByArrow(t *testing.T) {
	dir := t.TempDir()
	writeCorpus(t, filepath.Join(dir, "in.jsonl.gz"), 500)
	cfg := writeConfig(t, dir, `
input: {paths: [`+dir+`/in.jsonl.gz], batch_size: 64}
output: {path: `+dir+`/out, row_group_rows: 100}
`)
	run(t, cfg, RunOptions{Workers: 1})
	tbl := readParquet(t, filepath.Join(dir, "out", "part-00000.parquet"))
	defer tbl.Release()
	want := []string{"id:utf8", "text:utf8", "n:int64", "tag:utf8"}
	var got []string
	for _, f := range tbl.Schema().Fields() {
		got = append(got, f.Name+":"+f.Type.String())
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("schema %v, want %v", got, want)
	}
	// compare every row with the input
	tr := array.NewTableReader(tbl, 0)
	defer tr.Release()
	row := 0
	for tr.Next() {
		rec := tr.Record()
		ids := rec.Column(0).(*array.String)
		texts := rec.Column(1).(*array.String)
		ns := rec.Column(2).(*array.Int64)
		for i := 0; i < int(rec.NumRows()); i++ {
			id := ids.Value(i)
			if strings.HasPrefix(id, "d") {
				var k int
				fmt.Sscanf(id, "d%d", &k)
				if !ns.IsValid(i) || ns.Value(i) != int64(k) || !strings.HasPrefix(texts.Value(i), fmt.Sprintf("Document %d: ", k)) {
					t.Fatalf("row %d: id %s n %v text %q", row, id, ns.Value(i), texts.Value(i))
				}
			} else if ns.IsValid(i) {
				t.Fatalf("row %d (%s): n should be null", row, id)
			}
			row++
		}
	}
	if row == 0 {
		t.Fatal("no rows")
	}
}

func readDirFiles(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if strings.HasPrefix(rel, ".grist") || rel == "stats.json" {
			return nil // work data and timings
		}
		b, _ := os.ReadFile(p)
		out[rel] = b
		return nil
	})
	return out
}

func sameFiles(t *testing.T, a, b map[string][]byte) {
	t.Helper()
	var names []string
	for k := range a {
		names = append(names, k)
	}
	sort.Strings(names)
	if len(a) != len(b) {
		t.Fatalf("file sets differ: %d vs %d files", len(a), len(b))
	}
	for _, k := range names {
		if !bytes.Equal(a[k], b[k]) {
			t.Fatalf("%s differs", k)
		}
	}
}

func multiFileConfig(t *testing.T, dir, out string) *Config {
	for i := 0; i < 5; i++ {
		writeCorpus(t, filepath.Join(dir, fmt.Sprintf("in-%d.jsonl.gz", i)), 400+i*50)
	}
	return writeConfig(t, dir, `
input: {paths: [`+dir+`/in-*.jsonl.gz], batch_size: 37}
steps:
  - normalize: {}
  - sample: {fraction: 0.7}
output: {path: `+out+`}
rejected: {path: `+out+`/rejected}
errors: {path: `+out+`/errors}
`)
}

func TestDeterministicAcrossWorkers(t *testing.T) {
	dir := t.TempDir()
	cfg := multiFileConfig(t, dir, dir+"/out1")
	run(t, cfg, RunOptions{Workers: 1})
	cfg2 := multiFileConfig(t, dir, dir+"/out4")
	run(t, cfg2, RunOptions{Workers: 4})
	a, b := readDirFiles(t, dir+"/out1"), readDirFiles(t, dir+"/out4")
	if _, ok := a["manifest.json"]; !ok || len(a) < 5 {
		t.Fatalf("too few files: %v", len(a))
	}
	sameFiles(t, a, b)
}

func TestResumeAfterFailedTask(t *testing.T) {
	dir := t.TempDir()
	cfg := multiFileConfig(t, dir, dir+"/ref")
	run(t, cfg, RunOptions{Workers: 2})
	ref := readDirFiles(t, dir+"/ref")

	cfg2 := multiFileConfig(t, dir, dir+"/out")
	_, err := Run(context.Background(), cfg2, RunOptions{Workers: 2, FaultTask: 3})
	if err == nil || !strings.Contains(err.Error(), "task 3") {
		t.Fatalf("want task 3 to fail, got %v", err)
	}
	if _, err := os.Stat(dir + "/out/part-00003.parquet"); err == nil {
		t.Fatal("failed task left its part visible")
	}
	if tmp, _ := filepath.Glob(dir + "/out/.part-*"); len(tmp) > 0 {
		t.Fatalf("temporary files left: %v", tmp)
	}
	// without --resume the folder is refused
	if _, err := Run(context.Background(), cfg2, RunOptions{FaultTask: -1}); err == nil {
		t.Fatal("a second run into the same folder must need --resume or --overwrite")
	}
	before, _ := os.Stat(dir + "/out/part-00000.parquet")
	res := run(t, cfg2, RunOptions{Workers: 2, Resume: true})
	after, _ := os.Stat(dir + "/out/part-00000.parquet")
	if !before.ModTime().Equal(after.ModTime()) {
		t.Fatal("resume rewrote a completed task")
	}
	if err := res.Stats.CheckAccounting(); err != nil {
		t.Fatal(err)
	}
	sameFiles(t, ref, readDirFiles(t, dir+"/out"))
}

func TestRanksGiveSameOutput(t *testing.T) {
	dir := t.TempDir()
	cfg := multiFileConfig(t, dir, dir+"/ref")
	run(t, cfg, RunOptions{Workers: 2})
	cfg2 := multiFileConfig(t, dir, dir+"/ranks")
	for rank := 2; rank >= 0; rank-- {
		res := run(t, cfg2, RunOptions{Workers: 1, Rank: rank, WorldSize: 3, Resume: rank != 2})
		if rank > 0 && res.Pending == "" {
			t.Fatalf("rank %d: the run cannot be complete yet", rank)
		}
		if rank == 0 && res.Pending != "" {
			t.Fatalf("rank 0 finished last: %s", res.Pending)
		}
	}
	sameFiles(t, readDirFiles(t, dir+"/ref"), readDirFiles(t, dir+"/ranks"))
}

func TestSplitLargeFileIntoTasks(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&buf, `{"text": "line %d %s"}`+"\n", i, strings.Repeat("x", i%300))
	}
	os.WriteFile(filepath.Join(dir, "big.jsonl"), buf.Bytes(), 0o644)
	cfg := writeConfig(t, dir, `
input: {paths: [`+dir+`/big.jsonl], split_bytes: 1048576}
output: {path: `+dir+`/out, format: jsonl, compression: none}
`)
	res := run(t, cfg, RunOptions{Workers: 3})
	if res.Stats.Tasks < 3 {
		t.Fatalf("want the 3+ MB file split into tasks, got %d", res.Stats.Tasks)
	}
	// every line read exactly once, in order, with its file:line id
	var all []byte
	for _, s := range res.Manifest.Shards {
		b, _ := os.ReadFile(filepath.Join(dir, "out", s.Path))
		all = append(all, b...)
	}
	lines := bytes.Split(bytes.TrimSpace(all), []byte("\n"))
	if len(lines) != 20000 {
		t.Fatalf("got %d docs, want 20000", len(lines))
	}
	for i, l := range lines {
		var d struct{ ID, Text string }
		json.Unmarshal(l, &d)
		if d.ID != fmt.Sprintf("%s:%d", filepath.Join(dir, "big.jsonl"), i+1) || !strings.HasPrefix(d.Text, fmt.Sprintf("line %d ", i)) {
			t.Fatalf("doc %d: %s", i, l)
		}
	}
}

// TestResumeRemovesStaleTemporaryFiles: temporary files left by a killed
// process (simulated) are gone after --resume, and the output is complete.
func TestResumeRemovesStaleTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	cfg := multiFileConfig(t, dir, dir+"/out")
	_, err := Run(context.Background(), cfg, RunOptions{Workers: 2, FaultTask: 2})
	if err == nil {
		t.Fatal("want the injected failure")
	}
	// what SIGKILL would leave: temporary parts and markers of unfinished tasks
	for _, f := range []string{"out/.part-00002.parquet.tmp-123", "out/rejected/.part-00002.parquet.tmp-9", "out/.grist/markers/p0/.task-00002.done.tmp-7"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755)
		os.WriteFile(filepath.Join(dir, f), []byte("partial"), 0o644)
	}
	run(t, cfg, RunOptions{Workers: 2, Resume: true})
	var left []string
	filepath.WalkDir(dir+"/out", func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".tmp-") {
			left = append(left, p)
		}
		return nil
	})
	if len(left) > 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}
