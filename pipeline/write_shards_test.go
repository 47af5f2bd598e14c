package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/grist/grist/internal/storage"
	"github.com/grist/grist/internal/storage/storagetest"
	"github.com/grist/grist/tokenize/megatron"
)

// shardsConfig writes 3 input files and a pack pipeline whose output sets
// bounds (a YAML flow mapping body, may be empty).
func shardsConfig(t *testing.T, dir, out, bounds string) *Config {
	t.Helper()
	for i := 0; i < 3; i++ {
		p := filepath.Join(dir, fmt.Sprintf("in-%d.jsonl.gz", i))
		if _, err := os.Stat(p); err != nil {
			writeCorpus(t, p, 300+100*i)
		}
	}
	if bounds != "" {
		bounds = ", " + bounds
	}
	return writeConfig(t, dir, `
input: {paths: [`+dir+`/in-*.jsonl.gz], batch_size: 40}
steps:
  - length: {min_chars: 1}
  - tokenize: {tokenizer: cl100k_base, add_eos: true}
  - pack: {seq_len: 64, strategy: concat, examples: ar}
output: {path: "`+out+`", row_group_rows: 50`+bounds+`}
`)
}

// exampleRows reads the input_ids of every row of the manifest's shards, in
// shard order, and the rows of each shard.
func exampleRows(t *testing.T, dir string, res *Result) (rows [][]int32, perShard map[string]int64) {
	t.Helper()
	perShard = map[string]int64{}
	for _, s := range res.Manifest.Shards {
		tbl := readParquet(t, filepath.Join(dir, s.Path))
		tr := array.NewTableReader(tbl, 0)
		for tr.Next() {
			ids := tr.Record().Column(0).(*array.List)
			vals := ids.ListValues().(*array.Int32).Int32Values()
			for i := 0; i < int(tr.Record().NumRows()); i++ {
				lo, hi := ids.ValueOffsets(i)
				rows = append(rows, slices.Clone(vals[lo:hi]))
				perShard[s.Path]++
			}
		}
		tr.Release()
		tbl.Release()
		if perShard[s.Path] != s.Rows {
			t.Fatalf("%s: %d rows read, manifest %d", s.Path, perShard[s.Path], s.Rows)
		}
	}
	return rows, perShard
}

// TestOutputShardBounds: with max_rows, every task's rows go in order to
// part-TTTTT-SSSSS files of exactly max_rows rows but the last; with
// max_bytes, no file passes the bound by more than a step of rows; either
// way the rows, read back in shard order, are those of the unbounded run.
func TestOutputShardBounds(t *testing.T) {
	dir := t.TempDir()
	plain := run(t, shardsConfig(t, dir, dir+"/plain", ""), RunOptions{Workers: 2})
	want, _ := exampleRows(t, dir+"/plain", plain)
	if len(plain.Manifest.Shards) != 3 || len(want) < 60 {
		t.Fatalf("unbounded run: %d shards, %d rows", len(plain.Manifest.Shards), len(want))
	}
	name := regexp.MustCompile(`^part-(\d{5})-(\d{5})\.parquet$`)

	res := run(t, shardsConfig(t, dir, dir+"/rows", "max_rows: 7"), RunOptions{Workers: 2})
	got, per := exampleRows(t, dir+"/rows", res)
	if !slices.EqualFunc(got, want, slices.Equal[[]int32]) {
		t.Fatalf("max_rows: %d rows differ from the unbounded run's %d", len(got), len(want))
	}
	last := map[string]string{} // task -> its last shard
	for _, s := range res.Manifest.Shards {
		m := name.FindStringSubmatch(s.Path)
		if m == nil {
			t.Fatalf("shard name %q", s.Path)
		}
		last[m[1]] = s.Path
	}
	for _, s := range res.Manifest.Shards {
		m := name.FindStringSubmatch(s.Path)
		if per[s.Path] > 7 || (s.Path != last[m[1]] && per[s.Path] != 7) {
			t.Errorf("%s: %d rows (max_rows 7, last of its task %s)", s.Path, per[s.Path], last[m[1]])
		}
	}
	if len(res.Manifest.Shards) <= 3 {
		t.Fatalf("max_rows 7 gave %d shards", len(res.Manifest.Shards))
	}
	entries, _ := os.ReadDir(dir + "/rows")
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "part-") && !slices.ContainsFunc(res.Manifest.Shards, func(s PartInfo) bool { return s.Path == e.Name() }) {
			t.Errorf("%s is not in the manifest", e.Name())
		}
	}

	const maxBytes = 20000
	res = run(t, shardsConfig(t, dir, dir+"/bytes", fmt.Sprintf("max_bytes: %d", maxBytes)), RunOptions{Workers: 2})
	got, per = exampleRows(t, dir+"/bytes", res)
	if !slices.EqualFunc(got, want, slices.Equal[[]int32]) {
		t.Fatalf("max_bytes: %d rows differ from the unbounded run's %d", len(got), len(want))
	}
	// a part passes the bound by at most about a row (64 ids, labels and
	// positions as int32 and a mask byte, uncompressed) and its footer
	slack := int64(2*64*13 + 4000)
	for _, s := range res.Manifest.Shards {
		if !name.MatchString(s.Path) || s.Bytes > maxBytes+slack {
			t.Errorf("%s: %d bytes, %d rows (max_bytes %d)", s.Path, s.Bytes, per[s.Path], maxBytes)
		}
	}
	if len(res.Manifest.Shards) <= 3 {
		t.Fatalf("max_bytes %d gave %d shards", maxBytes, len(res.Manifest.Shards))
	}
}

// TestOutputShardBoundsDeterministicAndResumable: bounded shards are
// byte-identical for 1 and 4 workers, and a run whose task failed after
// filling parts leaves none of that task's parts and, resumed, gives the
// files of an uninterrupted run.
func TestOutputShardBoundsDeterministicAndResumable(t *testing.T) {
	dir := t.TempDir()
	run(t, shardsConfig(t, dir, dir+"/w1", "max_rows: 5"), RunOptions{Workers: 1})
	run(t, shardsConfig(t, dir, dir+"/w4", "max_rows: 5"), RunOptions{Workers: 4})
	sameFiles(t, readDirFiles(t, dir+"/w1"), readDirFiles(t, dir+"/w4"))

	cfg := shardsConfig(t, dir, dir+"/resumed", "max_rows: 5")
	if _, err := Run(context.Background(), cfg, RunOptions{Workers: 1, FaultTask: 1}); err == nil {
		t.Fatal("the injected fault did not fail the run")
	}
	entries, _ := os.ReadDir(dir + "/resumed")
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "part-00001-") {
			t.Errorf("failed task 1 left %s", e.Name())
		}
	}
	run(t, cfg, RunOptions{Workers: 1, Resume: true})
	sameFiles(t, readDirFiles(t, dir+"/w1"), readDirFiles(t, dir+"/resumed"))
}

// TestOutputShardBoundsConfig: bounds are output options, never negative.
func TestOutputShardBoundsConfig(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"output: {path: o, max_rows: -1}", "pipeline.yaml:4:29: output.max_rows: must be >= 0"},
		{"output: {path: o}\nrejected: {path: r, max_bytes: 100}", "pipeline.yaml:5:32: rejected.max_bytes: only the output's shards are bounded"},
	} {
		_, err := ParseConfig("pipeline.yaml", []byte("input: {paths: [in.jsonl]}\nsteps:\n  - normalize: {}\n"+c.yaml+"\n"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.yaml, err, c.want)
		}
	}
}

// TestOutputShardBoundsMegatron: bounded Megatron output is a series of
// .bin/.idx pairs, each a valid indexed dataset of at most max_rows
// documents, together holding the documents of the unbounded run, in order.
func TestOutputShardBoundsMegatron(t *testing.T) {
	dir := t.TempDir()
	writeCorpus(t, filepath.Join(dir, "in.jsonl.gz"), 300)
	docs := func(bounds string) (all [][]int32, bins int) {
		out := filepath.Join(dir, fmt.Sprintf("out%d", len(bounds)))
		res := run(t, writeConfig(t, dir, `
input: {paths: [`+dir+`/in.jsonl.gz]}
steps:
  - tokenize: {tokenizer: r50k_base, add_eos: true}
output: {path: `+out+`, format: megatron`+bounds+`}
`), RunOptions{Workers: 1})
		for _, s := range res.Manifest.Shards {
			if !strings.HasSuffix(s.Path, ".bin") {
				continue
			}
			bins++
			r, err := megatron.Open(filepath.Join(out, strings.TrimSuffix(s.Path, ".bin")))
			if err != nil {
				t.Fatal(err)
			}
			if n := r.Index.Documents(); int64(n) != s.Rows || (bounds != "" && n > 40) {
				t.Errorf("%s: %d documents, manifest %d (%s)", s.Path, n, s.Rows, bounds)
			}
			for d := 0; d < r.Index.Documents(); d++ {
				ids, err := r.Document(nil, d)
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, ids)
			}
			r.Close()
		}
		return all, bins
	}
	want, _ := docs("")
	got, bins := docs(", max_rows: 40")
	if bins < 2 || !slices.EqualFunc(got, want, slices.Equal[[]int32]) {
		t.Fatalf("%d .bin files holding %d documents; the unbounded run has %d", bins, len(got), len(want))
	}
}

// TestOutputShardBoundsS3: bounded shards written to (fake) S3 equal the
// local ones; a failed task leaves none of its parts in the bucket, and the
// resumed run completes the same files.
func TestOutputShardBoundsS3(t *testing.T) {
	dir := t.TempDir()
	run(t, shardsConfig(t, dir, dir+"/local", "max_rows: 7"), RunOptions{Workers: 2})
	want := listOutput(t, dir+"/local")
	out := storage.Join(storagetest.FakeS3(t, "grist"), "runs", "bounded")
	cfg := shardsConfig(t, dir, out, "max_rows: 7")
	if _, err := Run(context.Background(), cfg, RunOptions{Workers: 1, FaultTask: 1}); err == nil {
		t.Fatal("the injected fault did not fail the run")
	}
	for name := range listOutput(t, out) {
		if strings.HasPrefix(name, "part-00001-") {
			t.Errorf("failed task 1 left %s", name)
		}
	}
	run(t, cfg, RunOptions{Workers: 2, Resume: true})
	sameOutput(t, want, listOutput(t, out), dir, dir)
}
