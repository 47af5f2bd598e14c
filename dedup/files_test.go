package dedup

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPhase1FilesAreCheckedAndAtomic(t *testing.T) {
	e := newTestExact(t, NormalizeNone)
	dir := t.TempDir()
	writeExactTasks(t, e, dir, [][]string{{"a", "b", "a"}}, []int{0})
	path := taskFile(filepath.Join(dir, "exact", "p1"), 0, "hash")
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("phase-1 folder holds %d entries, want only the task file", len(entries))
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != headerSize+3*exactRecSize {
		t.Fatalf("file size %d", len(raw))
	}
	cases := []struct {
		name, wantErr string
		data          []byte
	}{
		{"truncated", "truncated", raw[:len(raw)-5]},
		{"bad magic", "not a dedup file", append([]byte("XXXXXXXX"), raw[8:]...)},
		{"short header", "header", raw[:10]},
	}
	for _, c := range cases {
		if err := os.WriteFile(path, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := e.Cluster(context.Background(), dir, 1, ClusterConfig{})
		if err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.wantErr)
		}
	}
	// A file of another task under this task's name is refused.
	w, err := e.NewTaskWriter(dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(taskFile(filepath.Join(dir, "exact", "p1"), 1, "hash"), path); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Cluster(context.Background(), dir, 1, ClusterConfig{}); err == nil || !strings.Contains(err.Error(), "holds task 1") {
		t.Errorf("misplaced task file: err = %v", err)
	}
	// Abort leaves nothing behind.
	m := newTestMinHash(t, nil)
	mw, err := m.NewTaskWriter(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := mw.Add(0, "one two three four five six"); err != nil {
		t.Fatal(err)
	}
	mw.Abort()
	if entries, _ := os.ReadDir(filepath.Join(dir, "minhash", "p1")); len(entries) != 0 {
		t.Errorf("abort left %d files", len(entries))
	}
}
