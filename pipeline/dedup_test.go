package pipeline

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/array"
)

// dedupCorpus writes 4 files where some documents are exact copies of
// documents in other files (and of earlier ones in the same file).
func dedupCorpus(t *testing.T, dir string) (originals, copies int) {
	t.Helper()
	var docs [][]string // per file
	for f := 0; f < 4; f++ {
		var lines []string
		for i := 0; i < 200; i++ {
			text := fmt.Sprintf("Document %d of file %d talks about %s and more words to make a shingle or two.", i, f, strings.Repeat("topic ", 1+i%5))
			if i%10 == 9 && f > 0 {
				// a copy of a document of the previous file
				text = fmt.Sprintf("Document %d of file %d talks about %s and more words to make a shingle or two.", i-1, f-1, strings.Repeat("topic ", 1+(i-1)%5))
				copies++
			} else if i%25 == 24 {
				// a copy within the same file
				text = fmt.Sprintf("Document %d of file %d talks about %s and more words to make a shingle or two.", i-4, f, strings.Repeat("topic ", 1+(i-4)%5))
				copies++
			} else {
				originals++
			}
			b, _ := json.Marshal(map[string]string{"id": fmt.Sprintf("f%d-%d", f, i), "text": text})
			lines = append(lines, string(b))
		}
		docs = append(docs, lines)
	}
	for f, lines := range docs {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte(strings.Join(lines, "\n") + "\n"))
		zw.Close()
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("in-%d.jsonl.gz", f)), buf.Bytes(), 0o644)
	}
	return originals, copies
}

func dedupConfig(t *testing.T, dir, out string) *Config {
	return writeConfig(t, dir, `
input: {paths: [`+dir+`/in-*.jsonl.gz], batch_size: 50}
steps:
  - normalize: {}
  - dedup_exact: {}
  - dedup_minhash: {}
output: {path: `+out+`}
rejected: {path: `+out+`/rejected}
`)
}

func TestDedupExactRemovesAllAndOnlyCopies(t *testing.T) {
	dir := t.TempDir()
	originals, copies := dedupCorpus(t, dir)
	cfg := writeConfig(t, dir, `
input: {paths: [`+dir+`/in-*.jsonl.gz], batch_size: 50}
steps:
  - dedup_exact: {}
output: {path: `+dir+`/out}
rejected: {path: `+dir+`/out/rejected}
`)
	res := run(t, cfg, RunOptions{Workers: 2})
	if res.Stats.Written != int64(originals) || res.Stats.Rejected["dedup_exact:duplicate"] != int64(copies) {
		t.Fatalf("written %d rejected %v; want %d originals, %d copies", res.Stats.Written, res.Stats.Rejected, originals, copies)
	}
	// every kept text is unique, every rejected row names a kept id with the same text
	kept := map[string]string{}
	for _, s := range res.Manifest.Shards {
		tbl := readParquet(t, filepath.Join(dir, "out", s.Path))
		tr := array.NewTableReader(tbl, 0)
		for tr.Next() {
			rec := tr.Record()
			ids, texts := rec.Column(0).(*array.String), rec.Column(1).(*array.String)
			for i := 0; i < ids.Len(); i++ {
				for _, v := range kept {
					if v == texts.Value(i) {
						t.Fatalf("duplicate text kept: %s", ids.Value(i))
					}
				}
				kept[ids.Value(i)] = texts.Value(i)
			}
		}
		tr.Release()
		tbl.Release()
	}
	n := 0
	for _, s := range res.Manifest.Rejected {
		tbl := readParquet(t, filepath.Join(dir, "out", "rejected", s.Path))
		tr := array.NewTableReader(tbl, 0)
		for tr.Next() {
			rec := tr.Record()
			texts, metas := rec.Column(1).(*array.String), rec.Column(3).(*array.String)
			for i := 0; i < texts.Len(); i++ {
				var m struct {
					DuplicateOf string `json:"duplicate_of"`
				}
				json.Unmarshal([]byte(metas.Value(i)), &m)
				if kept[m.DuplicateOf] != texts.Value(i) {
					t.Fatalf("rejected row says duplicate_of %q, whose text differs", m.DuplicateOf)
				}
				n++
			}
		}
		tr.Release()
		tbl.Release()
	}
	if n != copies {
		t.Fatalf("%d rejected rows, want %d", n, copies)
	}
}

func TestDedupSameOutputAcrossWorkersAndRanks(t *testing.T) {
	dir := t.TempDir()
	dedupCorpus(t, dir)
	run(t, dedupConfig(t, dir, dir+"/w1"), RunOptions{Workers: 1})
	run(t, dedupConfig(t, dir, dir+"/w4"), RunOptions{Workers: 4})
	ref := readDirFiles(t, dir+"/w1")
	sameFiles(t, ref, readDirFiles(t, dir+"/w4"))
	// three ranks, each run until it cannot go on, in turns, as a scheduler would
	cfg := dedupConfig(t, dir, dir+"/ranks")
	first := true
	for round := 0; round < 4; round++ {
		for rank := 0; rank < 3; rank++ {
			res := run(t, cfg, RunOptions{Workers: 1, Rank: rank, WorldSize: 3, Resume: !first})
			first = false
			_ = res
		}
	}
	sameFiles(t, ref, readDirFiles(t, dir+"/ranks"))
}

// TestShuffleMixesSourcesDeterministically: after a global shuffle every
// document is still there exactly once, parts mix documents of different
// input files, and the output is the same whatever the workers.
func TestShuffleMixesSourcesDeterministically(t *testing.T) {
	dir := t.TempDir()
	originals, copies := dedupCorpus(t, dir)
	cfgFor := func(out string) *Config {
		return writeConfig(t, dir, `
input: {paths: [`+dir+`/in-*.jsonl.gz], batch_size: 64}
steps:
  - shuffle: {seed: 3}
output: {path: `+out+`, format: jsonl, compression: none}
`)
	}
	res := run(t, cfgFor(dir+"/s1"), RunOptions{Workers: 1})
	run(t, cfgFor(dir+"/s4"), RunOptions{Workers: 4})
	sameFiles(t, readDirFiles(t, dir+"/s1"), readDirFiles(t, dir+"/s4"))
	if res.Stats.Written != int64(originals+copies) {
		t.Fatalf("written %d, want %d", res.Stats.Written, originals+copies)
	}
	seen := map[string]bool{}
	for _, s := range res.Manifest.Shards {
		b, _ := os.ReadFile(filepath.Join(dir, "s1", s.Path))
		files := map[byte]bool{}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var d struct{ ID string }
			json.Unmarshal([]byte(line), &d)
			if seen[d.ID] {
				t.Fatalf("%s written twice", d.ID)
			}
			seen[d.ID] = true
			files[d.ID[1]] = true
		}
		if len(files) < 3 {
			t.Fatalf("%s holds documents of %d input files only", s.Path, len(files))
		}
	}
	if len(seen) != originals+copies {
		t.Fatalf("%d distinct documents, want %d", len(seen), originals+copies)
	}
}
