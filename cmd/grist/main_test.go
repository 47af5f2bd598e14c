package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/grist/grist/pipeline"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"grist": func() { os.Exit(Main(os.Args[1:])) },
	})
}

// TestScripts runs the CLI scripts in testdata/script: whole-binary tests of
// what a user types and sees. $REPO is the repository root.
func TestScripts(t *testing.T) {
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("REPO", repo)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"checkrun": checkRun,
		},
	})
}

// checkRun verifies a finished run folder with readers independent of the
// writer: stats.json accounting, the manifest against the files (rows read
// back with Arrow's Parquet reader, sizes), and optional expected counts:
//
//	checkrun DIR [read=N] [errors=N] [written=N]
func checkRun(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("checkrun does not support !")
	}
	if len(args) < 1 {
		ts.Fatalf("usage: checkrun DIR [key=N]...")
	}
	dir := ts.MkAbs(args[0])
	var st pipeline.Stats
	readJSON(ts, filepath.Join(dir, "stats.json"), &st)
	if err := st.CheckAccounting(); err != nil {
		ts.Fatalf("%v", err)
	}
	var man pipeline.Manifest
	readJSON(ts, filepath.Join(dir, "manifest.json"), &man)
	var rows int64
	for _, s := range man.Shards {
		n := parquetRows(ts, filepath.Join(dir, s.Path))
		if n != s.Rows {
			ts.Fatalf("%s: manifest says %d rows, file holds %d", s.Path, s.Rows, n)
		}
		fi, err := os.Stat(filepath.Join(dir, s.Path))
		ts.Check(err)
		if fi.Size() != s.Bytes {
			ts.Fatalf("%s: manifest says %d bytes, file has %d", s.Path, s.Bytes, fi.Size())
		}
		rows += n
	}
	want := st.Written
	if st.Examples > 0 {
		want = st.Examples // a pack step turned documents into examples
	}
	if rows != want || man.Rows != want || man.Documents != st.Written {
		ts.Fatalf("shards hold %d rows, manifest %d (%d documents), stats written %d, examples %d", rows, man.Rows, man.Documents, st.Written, st.Examples)
	}
	got := map[string]int64{"read": st.Read, "errors": man.ErrorRows, "written": st.Written, "rejected": man.RejectedRows}
	for _, kv := range args[1:] {
		var k string
		var v int64
		if _, err := fmt.Sscanf(kv, "%s", &k); err != nil {
			ts.Fatalf("bad expectation %q", kv)
		}
		for i := range kv {
			if kv[i] == '=' {
				k = kv[:i]
				fmt.Sscan(kv[i+1:], &v)
			}
		}
		if g, ok := got[k]; !ok || g != v {
			ts.Fatalf("%s: got %d, want %d", k, g, v)
		}
	}
}

func readJSON(ts *testscript.TestScript, path string, v any) {
	b, err := os.ReadFile(path)
	ts.Check(err)
	ts.Check(json.Unmarshal(b, v))
}

func parquetRows(ts *testscript.TestScript, path string) int64 {
	pf, err := file.OpenParquetFile(path, false)
	ts.Check(err)
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 4096}, memory.DefaultAllocator)
	ts.Check(err)
	tbl, err := fr.ReadTable(context.Background())
	ts.Check(err)
	defer tbl.Release()
	return tbl.NumRows()
}
