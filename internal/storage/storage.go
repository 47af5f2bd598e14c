package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Entry is one file or folder found by Stat or List.
type Entry struct {
	// Name is, for List, the entry's path relative to the listed folder,
	// "/"-separated; for Stat, the location as given.
	Name  string
	Size  int64
	IsDir bool
}

// Writer writes one file atomically: nothing is visible under its name
// until Commit returns nil, and Abort (or never committing) leaves nothing.
type Writer interface {
	io.Writer
	// Commit makes the whole file visible under its name.
	Commit() error
	// Abort discards what was written; safe after Commit (then a no-op).
	Abort()
}

// ReaderAt reads ranges of one file; safe for concurrent use.
type ReaderAt interface {
	io.ReaderAt
	io.Closer
	// Size is the file's length in bytes.
	Size() int64
}

// FS is a tree of files under one root: a local folder tree or a bucket.
// Names are OS paths for the local tree and "/"-separated keys in a bucket.
type FS interface {
	// Open streams n bytes of name from offset off (n < 0: to the end).
	Open(ctx context.Context, name string, off, n int64) (io.ReadCloser, error)
	// OpenAt opens name for ranged reads.
	OpenAt(ctx context.Context, name string) (ReaderAt, error)
	// Create starts an atomic write of name (parent folders are made).
	Create(ctx context.Context, name string) (Writer, error)
	// Stat describes name; a folder of a bucket exists when a key starts
	// with name + "/". A missing name gives an error matching fs.ErrNotExist.
	Stat(ctx context.Context, name string) (Entry, error)
	// List lists the files under the folder dir sorted by name (and, when
	// not recursive, the folders right under it). A missing folder lists
	// nothing.
	List(ctx context.Context, dir string, recursive bool) ([]Entry, error)
	// Remove deletes one file.
	Remove(ctx context.Context, name string) error
	// RemoveAll deletes name and everything under it; nothing to delete is
	// not an error.
	RemoveAll(ctx context.Context, name string) error
}

// IsURL reports whether loc names object storage (scheme://...) rather
// than a local path. file:// is a URL: it goes through the blob layer.
func IsURL(loc string) bool {
	i := strings.Index(loc, "://")
	if i <= 0 {
		return false
	}
	for _, c := range loc[:i] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// Resolve maps a location (local path or URL) to its FS and the name in it.
func Resolve(ctx context.Context, loc string) (FS, string, error) {
	if !IsURL(loc) {
		return Local, loc, nil
	}
	u, err := parseURL(loc)
	if err != nil {
		return nil, "", err
	}
	b, err := openBucket(ctx, u)
	if err != nil {
		return nil, "", err
	}
	return b, u.key, nil
}

// Join joins path elements onto a location: with the OS separator for a
// local path; with "/" inside a URL, whose query stays at the end.
func Join(loc string, elem ...string) string {
	if !IsURL(loc) {
		return filepath.Join(append([]string{loc}, elem...)...)
	}
	base, query, hasQuery := strings.Cut(loc, "?")
	scheme, rest, _ := strings.Cut(base, "://")
	host, p, _ := strings.Cut(rest, "/")
	joined := strings.TrimPrefix(path.Join(append([]string{"/" + p}, elem...)...), "/")
	out := scheme + "://" + host + "/" + joined
	if joined == "" {
		out = scheme + "://" + host
	}
	if hasQuery {
		out += "?" + query
	}
	return out
}

// Dir is the parent folder of a location (query kept for URLs).
func Dir(loc string) string {
	if !IsURL(loc) {
		return filepath.Dir(loc)
	}
	return Join(loc, "..")
}

// Base is the last element of a location, without a URL's query.
func Base(loc string) string {
	if !IsURL(loc) {
		return filepath.Base(loc)
	}
	base, _, _ := strings.Cut(loc, "?")
	return path.Base(base)
}

// Display is a location as shown in messages, ids and manifests: a URL
// loses its query (endpoint and other connection settings).
func Display(loc string) string {
	if !IsURL(loc) {
		return loc
	}
	base, _, _ := strings.Cut(loc, "?")
	return strings.TrimSuffix(base, "/")
}

// Rel returns target relative to base ("/"-separated for URLs) and whether
// target lies inside base (or is base: then "."). Queries are ignored.
func Rel(base, target string) (string, bool) {
	if IsURL(base) != IsURL(target) {
		return "", false
	}
	if !IsURL(base) {
		rel, err := filepath.Rel(filepath.Clean(base), filepath.Clean(target))
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return "", false
		}
		return rel, true
	}
	b, t := Display(Join(base)), Display(Join(target))
	if b == t {
		return ".", true
	}
	if !strings.HasPrefix(t, b+"/") {
		return "", false
	}
	return t[len(b)+1:], true
}

// Open streams a whole file.
func Open(ctx context.Context, loc string) (io.ReadCloser, error) {
	return OpenRange(ctx, loc, 0, -1)
}

// OpenRange streams n bytes of a file from offset off (n < 0: to the end).
func OpenRange(ctx context.Context, loc string, off, n int64) (io.ReadCloser, error) {
	f, name, err := Resolve(ctx, loc)
	if err != nil {
		return nil, err
	}
	return f.Open(ctx, name, off, n)
}

// OpenAt opens a file for ranged reads.
func OpenAt(ctx context.Context, loc string) (ReaderAt, error) {
	f, name, err := Resolve(ctx, loc)
	if err != nil {
		return nil, err
	}
	return f.OpenAt(ctx, name)
}

// Create starts an atomic write.
func Create(ctx context.Context, loc string) (Writer, error) {
	f, name, err := Resolve(ctx, loc)
	if err != nil {
		return nil, err
	}
	return f.Create(ctx, name)
}

// ReadFile reads a whole file.
func ReadFile(ctx context.Context, loc string) ([]byte, error) {
	if !IsURL(loc) {
		return readLocalFile(loc)
	}
	r, err := Open(ctx, loc)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// WriteFile writes a whole file atomically (local files are synced and
// renamed into place; objects are one completed upload).
func WriteFile(ctx context.Context, loc string, data []byte) error {
	w, err := Create(ctx, loc)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		w.Abort()
		return fmt.Errorf("%s: %w", Display(loc), err)
	}
	if err := w.Commit(); err != nil {
		return fmt.Errorf("%s: %w", Display(loc), err)
	}
	return nil
}

// Stat describes a file or folder.
func Stat(ctx context.Context, loc string) (Entry, error) {
	f, name, err := Resolve(ctx, loc)
	if err != nil {
		return Entry{}, err
	}
	return f.Stat(ctx, name)
}

// Exists reports whether a file or folder exists.
func Exists(ctx context.Context, loc string) bool {
	_, err := Stat(ctx, loc)
	return err == nil
}

// List lists a folder (see FS.List).
func List(ctx context.Context, dir string, recursive bool) ([]Entry, error) {
	f, name, err := Resolve(ctx, dir)
	if err != nil {
		return nil, err
	}
	return f.List(ctx, name, recursive)
}

// Remove deletes one file.
func Remove(ctx context.Context, loc string) error {
	f, name, err := Resolve(ctx, loc)
	if err != nil {
		return err
	}
	return f.Remove(ctx, name)
}

// RemoveAll deletes a file or folder tree.
func RemoveAll(ctx context.Context, loc string) error {
	f, name, err := Resolve(ctx, loc)
	if err != nil {
		return err
	}
	return f.RemoveAll(ctx, name)
}

// RemoveStaleTemps deletes the temporary files of a local file left by a
// process killed while writing it (".name.tmp-*" beside it). Only the one
// unit of work that owns a file may call this. Object storage has no such
// leftovers (an unfinished upload is never visible), so it is a no-op there.
func RemoveStaleTemps(loc string) {
	if IsURL(loc) {
		return
	}
	old, _ := filepath.Glob(filepath.Join(filepath.Dir(loc), "."+globEscape(filepath.Base(loc))+".tmp-*"))
	for _, f := range old {
		removeLocal(f)
	}
}

func globEscape(s string) string {
	r := strings.NewReplacer(`*`, `\*`, `?`, `\?`, `[`, `\[`, `\`, `\\`)
	return r.Replace(s)
}

// IsNotExist reports whether err says a file does not exist.
func IsNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

func sortEntries(es []Entry) {
	sort.Slice(es, func(i, j int) bool { return es[i].Name < es[j].Name })
}
