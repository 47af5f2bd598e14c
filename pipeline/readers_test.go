package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
	"github.com/klauspost/compress/zstd"
	"github.com/valyala/fastjson"
)

// readAll runs a pipeline with no steps to JSONL and returns the rows.
func readAll(t *testing.T, dir, input string) (*Result, []string) {
	t.Helper()
	cfg := writeConfig(t, dir, input+"\noutput: {path: "+dir+"/out, format: jsonl, compression: none}\nerrors: {path: "+dir+"/err, format: jsonl, compression: none}\n")
	res := run(t, cfg, RunOptions{Workers: 2})
	var rows []string
	for _, s := range res.Manifest.Shards {
		b, err := os.ReadFile(filepath.Join(dir, "out", s.Path))
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, strings.Split(strings.TrimSpace(string(b)), "\n")...)
	}
	return res, rows
}

func TestTextReaderModes(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "docs", "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "docs", "a.txt"), []byte("\xef\xbb\xbfFirst document.\r\nSecond line.\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "docs", "sub", "b.txt"), []byte("Another one."), 0o644)
	os.WriteFile(filepath.Join(dir, "docs", "sub", "bad.txt"), []byte("caf\xe9"), 0o644)
	os.WriteFile(filepath.Join(dir, "docs", ".hidden.txt"), []byte("skip me"), 0o644)
	os.WriteFile(filepath.Join(dir, "docs", "notes.bin"), []byte("skip me too"), 0o644)
	res, rows := readAll(t, dir, "input: {paths: ["+dir+"/docs]}")
	if len(rows) != 2 || !strings.Contains(rows[0], `"id":"`+dir+`/docs/a.txt","text":"First document.\r\nSecond line.\n"`) ||
		!strings.Contains(rows[1], `"text":"Another one."`) {
		t.Fatalf("file mode rows: %q", rows)
	}
	if res.Stats.Errors["invalid_utf8"] != 1 {
		t.Fatalf("errors: %v", res.Stats.Errors)
	}
	dir2 := t.TempDir()
	os.WriteFile(filepath.Join(dir2, "lines.txt"), []byte("one\n\n  \ntwo\r\nthree"), 0o644)
	_, rows = readAll(t, dir2, "input: {paths: ["+dir2+"/lines.txt], text_mode: line}")
	want := []string{`lines.txt:1","text":"one"`, `lines.txt:4","text":"two"`, `lines.txt:5","text":"three"`}
	if len(rows) != 3 {
		t.Fatalf("line mode rows: %q", rows)
	}
	for i, w := range want {
		if !strings.Contains(rows[i], w) {
			t.Fatalf("row %d = %s, want %s", i, rows[i], w)
		}
	}
}

func TestZstdAndGlobInputs(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	zw, _ := zstd.NewWriter(&buf)
	zw.Write([]byte(`{"text": "zstd doc", "url": "http://x"}` + "\n"))
	zw.Close()
	os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755)
	os.WriteFile(filepath.Join(dir, "a", "b", "x.jsonl.zst"), buf.Bytes(), 0o644)
	os.WriteFile(filepath.Join(dir, "a", "y.jsonl"), []byte(`{"text": "plain doc"}`+"\n"), 0o644)
	_, rows := readAll(t, dir, "input: {paths: ['"+dir+"/**/*.jsonl*']}")
	if len(rows) != 2 || !strings.Contains(rows[0], `"text":"zstd doc","url":"http://x"`) || !strings.Contains(rows[1], "plain doc") {
		t.Fatalf("rows: %q", rows)
	}
}

// TestParquetInputColumnMapping reads a FineWeb-shaped Parquet file (written
// by Arrow's own writer) with text/id/url columns and a renamed text column.
func TestParquetInputColumnMapping(t *testing.T) {
	dir := t.TempDir()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "content", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "doc_id", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "url", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := 0; i < 1000; i++ {
		if i == 500 {
			b.Field(0).AppendNull()
		} else {
			b.Field(0).(*array.StringBuilder).Append("text " + string(rune('a'+i%26)))
		}
		if i%2 == 0 {
			b.Field(1).(*array.StringBuilder).Append("doc-" + string(rune('A'+i%26)))
		} else {
			b.Field(1).AppendNull()
		}
		b.Field(2).(*array.StringBuilder).Append("https://example.com/" + string(rune('a'+i%26)))
		b.Field(3).(*array.Float64Builder).Append(float64(i) / 10)
	}
	rec := b.NewRecord()
	defer rec.Release()
	f, _ := os.Create(filepath.Join(dir, "fw.parquet"))
	w, err := pqarrow.NewFileWriter(schema, f, parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(100)), pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	w.Write(rec)
	w.Close()
	cfg := writeConfig(t, dir, `
input: {paths: [`+dir+`/fw.parquet], text_field: content, id_field: doc_id, split_bytes: 1048576}
output: {path: `+dir+`/out}
errors: {path: `+dir+`/err}
`)
	res := run(t, cfg, RunOptions{Workers: 2})
	if res.Stats.Read != 1000 || res.Stats.Written != 999 || res.Stats.Errors["null_text"] != 1 {
		t.Fatalf("read %d written %d errors %v", res.Stats.Read, res.Stats.Written, res.Stats.Errors)
	}
	tbl := readParquet(t, filepath.Join(dir, "out", "part-00000.parquet"))
	defer tbl.Release()
	var names []string
	for _, f := range tbl.Schema().Fields() {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "id,text,url,score" {
		t.Fatalf("columns %v", names)
	}
	tr := array.NewTableReader(tbl, 0)
	defer tr.Release()
	tr.Next()
	r := tr.Record()
	if r.Column(0).(*array.String).Value(0) != "doc-A" || r.Column(0).(*array.String).Value(1) != filepath.Join(dir, "fw.parquet")+":2" {
		t.Fatalf("ids: %q %q", r.Column(0).(*array.String).Value(0), r.Column(0).(*array.String).Value(1))
	}
}

func TestOnErrorFail(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "in.jsonl"), []byte("{\"text\": \"ok\"}\n{\"text\": \n"), 0o644)
	cfg := writeConfig(t, dir, "input: {paths: ["+dir+"/in.jsonl]}\noutput: {path: "+dir+"/out}\non_error: fail\n")
	_, err := Run(context.Background(), cfg, RunOptions{FaultTask: -1})
	if err == nil || !strings.Contains(err.Error(), "in.jsonl:2: malformed JSON") {
		t.Fatalf("want a failure naming in.jsonl:2, got %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "part-00000.parquet")); err == nil {
		t.Fatal("a failed task left its part")
	}
}

// TestMaxDocBytes: a record over max_doc_bytes becomes an error row with its
// line, without stopping the file, in JSONL and in text line mode.
func TestMaxDocBytes(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("x", 3<<20) // longer than the reader's buffer too
	os.WriteFile(filepath.Join(dir, "in.jsonl"), []byte(`{"text": "a"}`+"\n"+`{"text": "`+big+`"}`+"\n"+`{"text": "b"}`+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "in.txt"), []byte("a\n"+big+"\nb\n"), 0o644)
	for _, in := range []string{"input: {paths: [" + dir + "/in.jsonl], max_doc_bytes: 1048576}", "input: {paths: [" + dir + "/in.txt], text_mode: line, max_doc_bytes: 1048576}"} {
		sub := t.TempDir()
		res, rows := readAll(t, sub, in)
		if len(rows) != 2 || res.Stats.Errors["too_large"] != 1 || res.Stats.Read != 3 {
			t.Fatalf("%s: rows %d errors %v", in, len(rows), res.Stats.Errors)
		}
		b, _ := os.ReadFile(filepath.Join(sub, "err", "part-00000.jsonl"))
		if !strings.Contains(string(b), `"line":2,`) || !strings.Contains(string(b), "larger than input.max_doc_bytes") {
			t.Fatalf("error row: %s", b)
		}
	}
}

// TestLangStage: the lang stage labels the quickstart's UDHR articles with
// their language (the corpus carries the true tag in its lang field, which
// the stage replaces), adds lang_score, and drops languages not kept.
func TestLangStage(t *testing.T) {
	if _, err := os.Stat("../configs/data/quickstart.jsonl.gz"); err != nil {
		t.Skip("quickstart corpus absent")
	}
	dir := t.TempDir()
	// the true tags, from a run without the stage
	_, truth := readAll(t, t.TempDir(), "input: {paths: [../configs/data/quickstart.jsonl.gz], fields: [lang, source]}")
	want := map[string]string{}
	for _, row := range truth {
		var d struct{ ID, Lang, Source string }
		json.Unmarshal([]byte(row), &d)
		if d.Source == "udhr" && d.Lang != "" {
			want[d.ID] = d.Lang
		}
	}
	res, rows := readAll(t, dir, "input: {paths: [../configs/data/quickstart.jsonl.gz]}\nsteps:\n  - lang: {keep: [en, fr, de, es, ko, ja, zh, ar, hi, ru]}")
	right, total := 0, 0
	for _, row := range rows {
		var d struct {
			ID, Lang  string
			LangScore float64 `json:"lang_score"`
		}
		json.Unmarshal([]byte(row), &d)
		if d.LangScore < 0 || d.LangScore > 1 {
			t.Fatalf("%s: lang_score %v", d.ID, d.LangScore)
		}
		if tag, ok := want[d.ID]; ok {
			total++
			if tag == d.Lang {
				right++
			}
		}
	}
	if total < 80 || float64(right)/float64(total) < 0.95 {
		t.Fatalf("%d of %d kept UDHR articles labelled with their language", right, total)
	}
	if res.Stats.Rejected["lang:lang_not_kept"] < 200 {
		t.Fatalf("rejected: %v", res.Stats.Rejected)
	}
}

// TestJSONLStrictness: records fastjson alone would accept and alter are
// error rows; lone surrogates become U+FFFD (as encoding/json); pairs decode.
func TestJSONLStrictness(t *testing.T) {
	dir := t.TempDir()
	lines := []string{
		`{"id": "pair", "text": "smile \ud83d\ude00"}`,
		`{"id": "lone", "text": "x\ud800\u0041y"}`,
		`{"id": "badesc", "text": "a\qb"}`,
		"{\"id\": \"ctrl\", \"text\": \"tab\there\"}",
		`{"id": "short", "text": "\u12"}`,
		"{\"id\": \"bad\xffid\", \"text\": \"fine\"}",
		`{"id": "ok", "text": "plain"}`,
	}
	os.WriteFile(filepath.Join(dir, "in.jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	res, rows := readAll(t, dir, "input: {paths: ["+dir+"/in.jsonl]}")
	got := map[string]string{}
	for _, r := range rows {
		var d struct{ ID, Text string }
		json.Unmarshal([]byte(r), &d)
		got[d.ID] = d.Text
	}
	if got["pair"] != "smile 😀" || got["lone"] != "x\uFFFDAy" || got["ok"] != "plain" || len(got) != 3 {
		t.Fatalf("kept %q", got)
	}
	if res.Stats.Errors["malformed_json"] != 3 || res.Stats.Errors["invalid_utf8_id"] != 1 {
		t.Fatalf("errors %v", res.Stats.Errors)
	}
}

// TestFolderSymlinks: symlinked files in an input folder are read; symlinked
// folders are not followed, so a loop cannot hang the walk.
func TestFolderSymlinks(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "blobs"), 0o755)
	os.MkdirAll(filepath.Join(dir, "snap", "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "blobs", "abc"), []byte(`{"text": "via a link"}`+"\n"), 0o644)
	os.Symlink(filepath.Join(dir, "blobs", "abc"), filepath.Join(dir, "snap", "data.jsonl"))
	os.Symlink(filepath.Join(dir, "snap"), filepath.Join(dir, "snap", "sub", "loop"))
	_, rows := readAll(t, t.TempDir(), "input: {paths: ["+dir+"/snap]}")
	if len(rows) != 1 || !strings.Contains(rows[0], "via a link") {
		t.Fatalf("rows %q", rows)
	}
}

func TestJSONErrShortWithColumn(t *testing.T) {
	long := `{"text": "abc" "` + strings.Repeat("x", 5000) + `"}`
	cases := []struct{ line, want string }{
		{`{"text": "x", "a": tru}`, `column 23: invalid character '}' in literal true (expecting 'e')`},
		{`{"text": "abc" "b"}`, `column 16: invalid character '"' after object key:value pair`},
		{`{"id": 1, "text": "unterminated`, `column 31: unexpected end of JSON input`},
		{long, `column 16: invalid character '"' after object key:value pair`},
	}
	for _, c := range cases {
		err := fastjson.ValidateBytes([]byte(c.line))
		if err == nil {
			t.Fatalf("%q: no error", c.line)
		}
		got := jsonErr(err, []byte(c.line))
		if got != c.want {
			t.Errorf("%.40q:\n got %s\nwant %s", c.line, got, c.want)
		}
	}
	var x any
	err := json.Unmarshal([]byte(`{"a": [1, 2,]}`), &x)
	if got := jsonErr(err, nil); !strings.HasPrefix(got, "column 13: ") {
		t.Errorf("encoding/json error: %s", got)
	}
}
