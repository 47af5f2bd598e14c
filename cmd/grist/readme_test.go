package main

import (
	"bytes"
	"flag"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/grist/grist/pipeline"
)

var update = flag.Bool("update", false, "rewrite generated files (the README's stage reference)")

// TestREADMEStages keeps the README's stage and config references equal to
// what the specs generate; `go test ./cmd/grist -run README -update` rewrites them.
func TestREADMEStages(t *testing.T) {
	checkGenerated(t, "stages", pipeline.WriteStagesMarkdown)
	checkGenerated(t, "config", pipeline.WriteConfigMarkdown)
}

func checkGenerated(t *testing.T, name string, gen func(w io.Writer)) {
	begin, end := "<!-- "+name+":begin -->\n", "<!-- "+name+":end -->"
	path := "../../README.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README has no %s markers", name)
	}
	var out bytes.Buffer
	gen(&out)
	want := s[:i+len(begin)] + out.String() + s[j:]
	if want == s {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("README %s reference is out of date: run go test ./cmd/grist -run README -update", name)
}
