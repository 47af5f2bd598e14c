package storage

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Local is the local file system; names are OS paths (relative ones are
// relative to the working folder).
var Local FS = localFS{}

type localFS struct{}

type localReader struct {
	io.Reader
	f *os.File
}

func (r *localReader) Close() error { return r.f.Close() }

func (localFS) Open(ctx context.Context, name string, off, n int64) (io.ReadCloser, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	if off > 0 {
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			f.Close()
			return nil, err
		}
	}
	if n < 0 {
		return f, nil
	}
	return &localReader{Reader: io.LimitReader(f, n), f: f}, nil
}

type localReaderAt struct {
	*os.File
	size int64
}

func (r *localReaderAt) Size() int64 { return r.size }

func (localFS) OpenAt(ctx context.Context, name string) (ReaderAt, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: errIsDir}
	}
	return &localReaderAt{File: f, size: st.Size()}, nil
}

// localWriter writes to a hidden temporary file beside the target
// (".name.tmp-*"), synced and renamed over the target by Commit: rename is
// atomic within a folder, so readers see the old file or the whole new one.
type localWriter struct {
	f     *os.File
	final string
}

func (localFS) Create(ctx context.Context, name string) (Writer, error) {
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return nil, err
	}
	return &localWriter{f: f, final: name}, nil
}

func (w *localWriter) Write(b []byte) (int, error) { return w.f.Write(b) }

func (w *localWriter) Commit() error {
	if w.f == nil {
		return os.ErrClosed
	}
	f := w.f
	w.f = nil
	err := f.Sync()
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), w.final)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

func (w *localWriter) Abort() {
	if w.f != nil {
		w.f.Close()
		os.Remove(w.f.Name())
		w.f = nil
	}
}

func (localFS) Stat(ctx context.Context, name string) (Entry, error) {
	st, err := os.Stat(name)
	if err != nil {
		return Entry{}, err
	}
	return Entry{Name: name, Size: st.Size(), IsDir: st.IsDir()}, nil
}

// List lists regular files (and symlinks to them) under dir; symlinked
// folders are not followed, so links cannot loop.
func (localFS) List(ctx context.Context, dir string, recursive bool) ([]Entry, error) {
	var out []Entry
	if !recursive {
		ents, err := os.ReadDir(dir)
		if err != nil {
			if os.IsNotExist(err) {
				return nil, nil
			}
			return nil, err
		}
		for _, e := range ents {
			info, err := e.Info()
			if err != nil {
				continue // removed meanwhile
			}
			out = append(out, Entry{Name: e.Name(), Size: info.Size(), IsDir: e.IsDir()})
		}
		return out, nil
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir && os.IsNotExist(err) {
				return filepath.SkipAll
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		size := int64(0)
		if d.Type()&fs.ModeSymlink != 0 {
			st, err := os.Stat(p)
			if err != nil || !st.Mode().IsRegular() {
				return nil
			}
			size = st.Size()
		} else if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return nil
			}
			size = info.Size()
		} else {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, Entry{Name: filepath.ToSlash(rel), Size: size})
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortEntries(out)
	return out, nil
}

func (localFS) Remove(ctx context.Context, name string) error { return os.Remove(name) }

func (localFS) RemoveAll(ctx context.Context, name string) error { return os.RemoveAll(name) }

func readLocalFile(name string) ([]byte, error) { return os.ReadFile(name) }

func removeLocal(name string) { os.Remove(name) }

type errString string

func (e errString) Error() string { return string(e) }

const errIsDir = errString("is a directory")
