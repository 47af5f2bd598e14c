package storage

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/grist/grist/internal/storage/storagetest"
)

var memSeq struct {
	sync.Mutex
	n int
}

// roots returns one fresh root of each kind that needs no server.
func roots(t *testing.T) map[string]string {
	dir := t.TempDir()
	memSeq.Lock()
	memSeq.n++
	n := memSeq.n
	memSeq.Unlock()
	return map[string]string{
		"local": filepath.Join(dir, "local"),
		"file":  "file://" + filepath.ToSlash(filepath.Join(dir, "fileurl")),
		"mem":   fmt.Sprintf("mem://t%d", n),
	}
}

func TestStorageLocalFileMem(t *testing.T) {
	for kind, root := range roots(t) {
		t.Run(kind, func(t *testing.T) { checkFS(t, root) })
	}
}

func TestStorageFakeS3(t *testing.T) {
	checkFS(t, Join(storagetest.FakeS3(t, "grist-test"), "root"))
}

func names(es []Entry) string {
	var out []string
	for _, e := range es {
		s := e.Name
		if e.IsDir {
			s += "/"
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

// checkFS runs the behaviour every kind of storage must share.
func checkFS(t *testing.T, root string) {
	ctx := context.Background()
	at := func(p ...string) string { return Join(root, p...) }

	// Atomic create: invisible before Commit, whole after it.
	w, err := Create(ctx, at("out", "part-0.bin"))
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 3<<20+17)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for off := 0; off < len(data); off += 100_000 {
		if _, err := w.Write(data[off:min(off+100_000, len(data))]); err != nil {
			t.Fatal(err)
		}
	}
	if Exists(ctx, at("out", "part-0.bin")) {
		t.Fatal("visible before Commit")
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(ctx, at("out", "part-0.bin"))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("ReadFile after Commit: %d bytes, err %v; want %d bytes", len(got), err, len(data))
	}
	w.Abort() // after Commit: no effect
	if !Exists(ctx, at("out", "part-0.bin")) {
		t.Fatal("Abort after Commit removed the file")
	}

	// Abort leaves nothing, not even a temporary file.
	w, err = Create(ctx, at("out", "part-1.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("half")); err != nil {
		t.Fatal(err)
	}
	w.Abort()
	if _, err := Stat(ctx, at("out", "part-1.bin")); !IsNotExist(err) {
		t.Fatalf("after Abort: Stat err %v, want not-exist", err)
	}
	if err := w.Commit(); err == nil {
		t.Fatal("Commit after Abort succeeded")
	}

	// Overwrite replaces whole.
	if err := WriteFile(ctx, at("out", "a.json"), []byte("old")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(ctx, at("out", "a.json"), []byte("new!")); err != nil {
		t.Fatal(err)
	}
	if b, _ := ReadFile(ctx, at("out", "a.json")); string(b) != "new!" {
		t.Fatalf("overwrite: %q", b)
	}

	// Ranged reads: within the read-ahead block, across it, big, at the end.
	ra, err := OpenAt(ctx, at("out", "part-0.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if ra.Size() != int64(len(data)) {
		t.Fatalf("Size %d, want %d", ra.Size(), len(data))
	}
	for _, c := range []struct{ off, n int }{
		{0, 8}, {5, 100}, {1<<20 - 3, 10}, {1 << 20, 2 << 20}, {len(data) - 8, 8}, {len(data) - 4, 8}, {123_456, 70_000},
	} {
		p := make([]byte, c.n)
		n, err := ra.ReadAt(p, int64(c.off))
		wantN := min(c.n, len(data)-c.off)
		if n != wantN || !bytes.Equal(p[:n], data[c.off:c.off+wantN]) {
			t.Fatalf("ReadAt(%d, %d): n=%d want %d, bytes equal %v", c.off, c.n, n, wantN, bytes.Equal(p[:n], data[c.off:c.off+n]))
		}
		if wantN < c.n && err != io.EOF {
			t.Fatalf("ReadAt past the end: err %v, want io.EOF", err)
		}
		if wantN == c.n && err != nil {
			t.Fatalf("ReadAt(%d, %d): %v", c.off, c.n, err)
		}
	}
	if n, err := ra.ReadAt(make([]byte, 4), int64(len(data))); n != 0 || err != io.EOF {
		t.Fatalf("ReadAt at the end: %d, %v", n, err)
	}
	ra.Close()
	r, err := OpenRange(ctx, at("out", "part-0.bin"), 1000, 5000)
	if err != nil {
		t.Fatal(err)
	}
	got, err = io.ReadAll(r)
	r.Close()
	if err != nil || !bytes.Equal(got, data[1000:6000]) {
		t.Fatalf("OpenRange: %d bytes, %v", len(got), err)
	}
	r, err = OpenRange(ctx, at("out", "part-0.bin"), int64(len(data)-10), -1)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = io.ReadAll(r)
	r.Close()
	if !bytes.Equal(got, data[len(data)-10:]) {
		t.Fatalf("OpenRange to the end: %q", got)
	}

	// List: sorted; recursive lists files only; a missing folder is empty.
	for _, p := range []string{"out/b/z.txt", "out/b/c/y.txt", "out/.grist/markers/p0/task-00000.done"} {
		if err := WriteFile(ctx, at(strings.Split(p, "/")...), []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	ents, err := List(ctx, at("out"), true)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(ents), ".grist/markers/p0/task-00000.done a.json b/c/y.txt b/z.txt part-0.bin"; got != want {
		t.Fatalf("recursive List:\n got %s\nwant %s", got, want)
	}
	for _, e := range ents {
		if e.Name == "a.json" && e.Size != 4 {
			t.Fatalf("List size of a.json: %d", e.Size)
		}
	}
	ents, err = List(ctx, at("out"), false)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(ents), ".grist/ a.json b/ part-0.bin"; got != want {
		t.Fatalf("List:\n got %s\nwant %s", got, want)
	}
	if ents, err := List(ctx, at("nothing-here"), true); err != nil || len(ents) != 0 {
		t.Fatalf("List of a missing folder: %v, %v", ents, err)
	}

	// Stat: files, folders, missing names.
	if e, err := Stat(ctx, at("out", "b")); err != nil || !e.IsDir {
		t.Fatalf("Stat folder: %+v %v", e, err)
	}
	if e, err := Stat(ctx, at("out", "a.json")); err != nil || e.IsDir || e.Size != 4 {
		t.Fatalf("Stat file: %+v %v", e, err)
	}
	if _, err := Stat(ctx, at("out", "nope")); !IsNotExist(err) {
		t.Fatalf("Stat missing: %v", err)
	}
	if _, err := OpenAt(ctx, at("out", "nope")); !IsNotExist(err) {
		t.Fatalf("OpenAt missing: %v", err)
	}
	if _, err := Open(ctx, at("out", "nope")); !IsNotExist(err) {
		t.Fatalf("Open missing: %v", err)
	}

	// Remove and RemoveAll.
	if err := Remove(ctx, at("out", "a.json")); err != nil {
		t.Fatal(err)
	}
	if Exists(ctx, at("out", "a.json")) {
		t.Fatal("Remove left the file")
	}
	if err := RemoveAll(ctx, at("out", "b")); err != nil {
		t.Fatal(err)
	}
	if err := RemoveAll(ctx, at("out", "never-made")); err != nil {
		t.Fatalf("RemoveAll of nothing: %v", err)
	}
	ents, _ = List(ctx, at("out"), true)
	if got, want := names(ents), ".grist/markers/p0/task-00000.done part-0.bin"; got != want {
		t.Fatalf("after RemoveAll:\n got %s\nwant %s", got, want)
	}
	if err := RemoveAll(ctx, at("out")); err != nil {
		t.Fatal(err)
	}
	if Exists(ctx, at("out")) {
		t.Fatal("RemoveAll left the folder")
	}
}

// TestLocalAbortLeavesNoTemp checks the local writer's temporary file.
func TestLocalAbortLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	w, err := Create(ctx, filepath.Join(dir, "x.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || !strings.HasPrefix(ents[0].Name(), ".x.parquet.tmp-") {
		t.Fatalf("temporary file: %v", ents)
	}
	w.Abort()
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("after Abort: %v", ents)
	}
	// stale temporaries of a killed writer are removed by their owner
	for _, n := range []string{".x.parquet.tmp-1", ".x.parquet.tmp-2", ".y.parquet.tmp-1"} {
		os.WriteFile(filepath.Join(dir, n), nil, 0o644)
	}
	RemoveStaleTemps(filepath.Join(dir, "x.parquet"))
	if ents, _ := os.ReadDir(dir); len(ents) != 1 || ents[0].Name() != ".y.parquet.tmp-1" {
		t.Fatalf("after RemoveStaleTemps: %v", ents)
	}
	if st, err := os.Stat(filepath.Join(dir, ".y.parquet.tmp-1")); err != nil || st.Mode().Perm() != 0o644 {
		t.Fatal(err)
	}
}

// TestLocalCommitMode: committed files are 0644 like the files written
// before this package existed.
func TestLocalCommitMode(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sub", "m.json")
	if err := WriteFile(context.Background(), p, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil || st.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v, %v", st.Mode(), err)
	}
}

func TestPaths(t *testing.T) {
	for _, c := range []struct{ fn, in, arg, want string }{
		{"join", "out", "a/b", filepath.Join("out", "a", "b")},
		{"join", "s3://bkt/out?endpoint=http://h:1&region=x", "a/b", "s3://bkt/out/a/b?endpoint=http://h:1&region=x"},
		{"join", "s3://bkt", "a", "s3://bkt/a"},
		{"join", "s3://bkt/x/", "..", "s3://bkt"},
		{"join", "file:///tmp/o", ".grist", "file:///tmp/o/.grist"},
		{"dir", "s3://bkt/a/b.json?r=1", "", "s3://bkt/a?r=1"},
		{"dir", "/a/b", "", "/a"},
		{"base", "s3://bkt/a/b.jsonl.gz?endpoint=http://h:1/x", "", "b.jsonl.gz"},
		{"base", "/a/b.txt", "", "b.txt"},
		{"display", "s3://bkt/a/b.txt?endpoint=http://h:1", "", "s3://bkt/a/b.txt"},
		{"display", "data/x.txt", "", "data/x.txt"},
		{"rel", "s3://b/out?e=1", "s3://b/out/rejected?e=1", "rejected"},
		{"rel", "s3://b/out", "s3://b/outside", "!"},
		{"rel", "s3://b/out", "s3://b/out", "."},
		{"rel", "out", "out/rej", "rej"},
		{"rel", "out", "other", "!"},
		{"rel", "out", "s3://b/out", "!"},
	} {
		var got string
		switch c.fn {
		case "join":
			got = Join(c.in, c.arg)
		case "dir":
			got = Dir(c.in)
		case "base":
			got = Base(c.in)
		case "display":
			got = Display(c.in)
		case "rel":
			var ok bool
			if got, ok = Rel(c.in, c.arg); !ok {
				got = "!"
			}
		}
		if got != c.want {
			t.Errorf("%s(%q, %q) = %q, want %q", c.fn, c.in, c.arg, got, c.want)
		}
	}
	for _, c := range []struct {
		in  string
		url bool
	}{{"s3://b/k", true}, {"file:///x", true}, {"/abs/x", false}, {"rel/x:y", false}, {"C:/x", false}, {"a b://x", false}} {
		if IsURL(c.in) != c.url {
			t.Errorf("IsURL(%q) = %v", c.in, !c.url)
		}
	}
}

func TestParseURLDefaults(t *testing.T) {
	for _, env := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_RESPONSE_CHECKSUM_VALIDATION"} {
		t.Setenv(env, "")
	}
	for _, c := range []struct {
		env, in, bucket, key string
	}{
		{"", "s3://bkt/a/b.parquet", "s3://bkt?response_checksum_validation=when_required", "a/b.parquet"},
		{"", "s3://bkt/a?endpoint=http://127.0.0.1:7070", "s3://bkt?endpoint=http%3A%2F%2F127.0.0.1%3A7070&region=us-east-1&response_checksum_validation=when_required&use_path_style=true", "a"},
		{"", "s3://bkt/a?endpoint=http://h&use_path_style=false&region=eu-west-3", "s3://bkt?endpoint=http%3A%2F%2Fh&region=eu-west-3&response_checksum_validation=when_required&use_path_style=false", "a"},
		{"AWS_ENDPOINT_URL=http://h:9000", "s3://bkt/a/", "s3://bkt?region=us-east-1&response_checksum_validation=when_required&use_path_style=true", "a"},
		{"AWS_DEFAULT_REGION=ap-south-1", "s3://bkt/a", "s3://bkt?region=ap-south-1&response_checksum_validation=when_required", "a"},
		{"", "file:///tmp/x/y.jsonl", "file:///?metadata=skip", "tmp/x/y.jsonl"},
		{"", "az://cont/p/q", "azblob://cont", "p/q"},
		{"", "gs://bkt/p", "gs://bkt", "p"},
		{"", "mem://m/p", "mem://m", "p"},
	} {
		t.Run(c.in, func(t *testing.T) {
			if k, v, ok := strings.Cut(c.env, "="); ok {
				t.Setenv(k, v)
			}
			l, err := parseURL(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if l.bucketURL != c.bucket || l.key != c.key {
				t.Fatalf("got (%s, %s), want (%s, %s)", l.bucketURL, l.key, c.bucket, c.key)
			}
		})
	}
	for _, bad := range []string{"http://x/y", "s3:///key", "file://host/x"} {
		if _, err := parseURL(bad); err == nil {
			t.Errorf("parseURL(%q): no error", bad)
		}
	}
}

// TestFakeS3RangedReads: a 3 MiB object read through OpenAt costs a few
// ranged GETs, never a whole-object GET.
func TestFakeS3RangedReads(t *testing.T) {
	root := Join(storagetest.FakeS3(t, "ranges"), "root")
	ctx := context.Background()
	data := bytes.Repeat([]byte("0123456789abcdef"), 3<<16)
	if err := WriteFile(ctx, Join(root, "f.bin"), data); err != nil {
		t.Fatal(err)
	}
	before := ReadCounts()
	ra, err := OpenAt(ctx, Join(root, "f.bin"))
	if err != nil {
		t.Fatal(err)
	}
	p := make([]byte, 16)
	for off := int64(0); off < 1<<19; off += 4096 { // 128 small reads in one block
		if _, err := ra.ReadAt(p, off); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(p, data[off:off+16]) {
			t.Fatalf("bytes at %d", off)
		}
	}
	after := ReadCounts()
	if g := after.RangeGets - before.RangeGets; g != 1 {
		t.Fatalf("128 small reads in one block made %d ranged GETs, want 1", g)
	}
	if g := after.Gets - before.Gets; g != 1 {
		t.Fatalf("%d GETs, want 1", g)
	}
}

func BenchmarkMemReadAt(b *testing.B) {
	ctx := context.Background()
	root := "mem://bench"
	data := bytes.Repeat([]byte("x"), 8<<20)
	if err := WriteFile(ctx, Join(root, "f"), data); err != nil {
		b.Fatal(err)
	}
	ra, err := OpenAt(ctx, Join(root, "f"))
	if err != nil {
		b.Fatal(err)
	}
	p := make([]byte, 64<<10)
	b.SetBytes(int64(len(p)))
	for i := 0; b.Loop(); i++ {
		off := int64(i*len(p)) % int64(len(data)-len(p))
		if _, err := ra.ReadAt(p, off); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMemWrite(b *testing.B) {
	ctx := context.Background()
	buf := bytes.Repeat([]byte("y"), 1<<20)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		w, err := Create(ctx, "mem://benchw/f")
		if err != nil {
			b.Fatal(err)
		}
		w.Write(buf)
		if err := w.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFakeS3Multipart: an object larger than one upload part is committed
// whole; aborting one after parts were sent leaves nothing.
func TestFakeS3Multipart(t *testing.T) {
	root := Join(storagetest.FakeS3(t, "multi"), "root")
	ctx := context.Background()
	data := make([]byte, 17<<20+5)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for _, commit := range []bool{true, false} {
		name := Join(root, fmt.Sprintf("big-%v.bin", commit))
		w, err := Create(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		for off := 0; off < len(data); off += 1 << 20 {
			if _, err := w.Write(data[off:min(off+1<<20, len(data))]); err != nil {
				t.Fatal(err)
			}
		}
		if Exists(ctx, name) {
			t.Fatal("visible before Commit")
		}
		if !commit {
			w.Abort()
			if Exists(ctx, name) {
				t.Fatal("visible after Abort")
			}
			continue
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		got, err := ReadFile(ctx, name)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read back %d bytes (%v), want %d equal bytes", len(got), err, len(data))
		}
	}
	ents, err := List(ctx, root, true)
	if err != nil || names(ents) != "big-true.bin" {
		t.Fatalf("objects: %s %v", names(ents), err)
	}
}

// TestConcurrentReadAt: one ReaderAt shared by goroutines (Parquet readers
// may read columns at once) returns the right bytes.
func TestConcurrentReadAt(t *testing.T) {
	ctx := context.Background()
	data := make([]byte, 3<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	loc := "mem://concurrent/f"
	if err := WriteFile(ctx, loc, data); err != nil {
		t.Fatal(err)
	}
	ra, err := OpenAt(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			p := make([]byte, 5000)
			for i := 0; i < 200; i++ {
				off := rng.IntN(len(data) - len(p))
				if _, err := ra.ReadAt(p, int64(off)); err != nil || !bytes.Equal(p, data[off:off+len(p)]) {
					errs <- fmt.Errorf("goroutine %d: read at %d: %v", g, off, err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
