package storage

import (
	"strings"
	"testing"
)

// FuzzPaths: URL parsing and joining never panic; a joined element is the
// location's Base; Display never shows the query; a bucket URL that parsed
// parses again to the same bucket.
func FuzzPaths(f *testing.F) {
	for _, s := range []string{
		"s3://bkt/a/b.jsonl.gz?endpoint=http://127.0.0.1:7070&use_path_style=true",
		"file:///tmp/x/y", "mem://m", "az://c/p?x=1", "gs://b/", "s3://b//k", "rel/path", "/abs/../x",
		"s3://b/a?b?c", "file://host/x", "s3://b/%zz", "mem://m/ünï/cödé",
	} {
		f.Add(s, "part-00000.parquet")
	}
	f.Fuzz(func(t *testing.T, loc, elem string) {
		if strings.ContainsAny(elem, "/?#%\\") || elem == "" || elem == "." || elem == ".." {
			elem = "x"
		}
		j := Join(loc, elem)
		if IsURL(loc) != IsURL(j) {
			t.Fatalf("Join(%q, %q) = %q changes the kind", loc, elem, j)
		}
		if b := Base(j); b != elem {
			t.Fatalf("Base(Join(%q, %q)) = %q", loc, elem, b)
		}
		if IsURL(loc) && strings.Contains(Display(loc), "?") {
			t.Fatalf("Display(%q) = %q shows a query", loc, Display(loc))
		}
		if !IsURL(loc) {
			return
		}
		l, err := parseURL(loc)
		if err != nil {
			return
		}
		l2, err := parseURL(l.bucketURL)
		if err != nil || l2.bucketURL != l.bucketURL || l2.key != "" {
			t.Fatalf("bucket URL %q of %q parses to (%q, %q), %v", l.bucketURL, loc, l2.bucketURL, l2.key, err)
		}
	})
}
