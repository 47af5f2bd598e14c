package pipeline

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"
)

// FuzzJSONLReader: any bytes as a JSONL file never panic, and every
// non-blank line becomes exactly one document or one error row.
func FuzzJSONLReader(f *testing.F) {
	f.Add([]byte(`{"id": "a", "text": "hello", "n": 1}` + "\n" + `{"text": "x"}`))
	f.Add([]byte("{\"text\": \"caf\xe9\"}\n{\"text\": \"\\ud800\"}\n"))
	f.Add([]byte("\xef\xbb\xbf{\"text\": \"bom\"}\r\n\n  \n{\"text\": 5}\n[1,2]\n"))
	f.Add([]byte(`{"text": "a", "meta": {"x": [1, {"y": null}]}, "f": 1.5e300, "b": true}`))
	f.Add([]byte(`{"text": "a", "text": "b", "id": 7}` + "\n" + `{"id": null, "text": ""}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		p := filepath.Join(dir, "in.jsonl")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		in := InputConfig{TextField: "text", IDField: "id", BatchSize: 3}
		errs := 0
		r, err := newJSONLReader(TaskSpec{File: InputFile{Path: p, Format: "jsonl"}, End: -1}, in, mem, nil, func(BadRecord) error { errs++; return nil })
		if err != nil {
			t.Fatal(err)
		}
		docs := 0
		for {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			docs += int(rec.NumRows())
			rec.Release()
		}
		r.Close()
		lines := 0
		for i, l := range strings.Split(string(data), "\n") {
			l = strings.TrimSuffix(l, "\r")
			if i == 0 {
				l = strings.TrimPrefix(l, "\xef\xbb\xbf")
			}
			if strings.TrimSpace(l) != "" {
				lines++
			}
		}
		if docs+errs != lines {
			t.Fatalf("%d lines gave %d docs + %d errors", lines, docs, errs)
		}
	})
}

// FuzzConfig: any YAML never panics the loader; a config either loads or
// fails with positioned findings.
func FuzzConfig(f *testing.F) {
	f.Add("input: {paths: [x.jsonl]}\noutput: {path: out}\nsteps:\n  - normalize: {form: nfkc}\n")
	f.Add("input:\n  paths: [\"${HOME}\"]\nsteps: [{sample: {fraction: 0.5, seed: 3}}]\noutput: {path: o, format: jsonl, compression: gzip}\n")
	f.Add("steps:\n  - select: {field: lang, values: [en, ko], invert: true}\n  - nope: 1\n")
	f.Add("input: &a {paths: *a}\n")
	f.Add("- - - [\n")
	f.Add("input: {batch_size: 1e400, split_bytes: -5}\non_error: maybe\n")
	f.Fuzz(func(t *testing.T, src string) {
		cfg, err := ParseConfig("fuzz.yaml", []byte(src))
		if err == nil {
			if cfg == nil {
				t.Fatal("nil config without error")
			}
			return
		}
		if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}
