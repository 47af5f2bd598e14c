package main

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/grist/grist/pipeline"
)

var update = flag.Bool("update", false, "rewrite generated files (the README's stage reference)")

// TestREADMEStages keeps the README's stage reference equal to what the
// specs generate; `go test ./cmd/grist -run README -update` rewrites it.
func TestREADMEStages(t *testing.T) {
	const begin, end = "<!-- stages:begin -->\n", "<!-- stages:end -->"
	path := "../../README.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatal("README has no stages markers")
	}
	var gen bytes.Buffer
	pipeline.WriteStagesMarkdown(&gen)
	want := s[:i+len(begin)] + gen.String() + s[j:]
	if want == s {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatal("README stage reference is out of date: run go test ./cmd/grist -run README -update")
}
