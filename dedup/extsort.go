package dedup

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
)

// maxFanIn bounds the files a merge keeps open at once; more runs are first
// merged in groups into longer runs.
const maxFanIn = 64

// codec describes a fixed-size record type: its encoding and total order.
type codec[T any] struct {
	size int
	put  func(b []byte, v T)
	get  func(b []byte) T
	cmp  func(a, b T) int
	// sort, if set, sorts a slice by cmp faster than slices.SortFunc.
	sort func([]T)
}

func (c codec[T]) sortSlice(a []T) {
	if c.sort != nil {
		c.sort(a)
		return
	}
	slices.SortFunc(a, c.cmp)
}

// source yields records in ascending order.
type source[T any] interface {
	// next returns the next record, false at the end.
	next() (T, bool, error)
	close()
}

type sliceSource[T any] struct {
	s []T
	i int
}

func (s *sliceSource[T]) next() (T, bool, error) {
	if s.i >= len(s.s) {
		var z T
		return z, false, nil
	}
	s.i++
	return s.s[s.i-1], true, nil
}

func (s *sliceSource[T]) close() {}

// runSource reads a headerless run file written by writeRun.
type runSource[T any] struct {
	c   codec[T]
	f   *os.File
	r   *bufio.Reader
	buf []byte
}

func openRun[T any](c codec[T], path string) (*runSource[T], error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return &runSource[T]{c: c, f: f, r: bufio.NewReaderSize(f, 64<<10), buf: make([]byte, c.size)}, nil
}

func (s *runSource[T]) next() (T, bool, error) {
	var z T
	if _, err := io.ReadFull(s.r, s.buf); err != nil {
		if err == io.EOF {
			return z, false, nil
		}
		return z, false, fmt.Errorf("%s: %w", s.f.Name(), err)
	}
	return s.c.get(s.buf), true, nil
}

func (s *runSource[T]) close() { s.f.Close() }

// mergeSources streams the union of sorted sources in order to fn; ties go
// to the earlier source. It closes the sources.
func mergeSources[T any](c codec[T], srcs []source[T], fn func(T) error) error {
	defer func() {
		for _, s := range srcs {
			s.close()
		}
	}()
	type item struct {
		v   T
		src int
	}
	h := make([]item, 0, len(srcs))
	less := func(i, j int) bool {
		if d := c.cmp(h[i].v, h[j].v); d != 0 {
			return d < 0
		}
		return h[i].src < h[j].src
	}
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			m := l
			if r := l + 1; r < len(h) && less(r, l) {
				m = r
			}
			if !less(m, i) {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	for i, s := range srcs {
		v, ok, err := s.next()
		if err != nil {
			return err
		}
		if ok {
			h = append(h, item{v, i})
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(i)
	}
	for len(h) > 0 {
		if err := fn(h[0].v); err != nil {
			return err
		}
		v, ok, err := srcs[h[0].src].next()
		if err != nil {
			return err
		}
		if ok {
			h[0].v = v
		} else {
			h[0] = h[len(h)-1]
			h = h[:len(h)-1]
		}
		down(0)
	}
	return nil
}

// runWriter writes a headerless run file.
type runWriter[T any] struct {
	c    codec[T]
	f    *os.File
	w    *bufio.Writer
	buf  []byte
	err  error
	path string
}

func createRun[T any](c codec[T], path string) (*runWriter[T], error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &runWriter[T]{c: c, f: f, w: bufio.NewWriterSize(f, 256<<10), buf: make([]byte, c.size), path: path}, nil
}

func (w *runWriter[T]) add(v T) error {
	if w.err == nil {
		w.c.put(w.buf, v)
		_, w.err = w.w.Write(w.buf)
	}
	return w.err
}

func (w *runWriter[T]) close() error {
	err := w.err
	if err == nil {
		err = w.w.Flush()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// spillDir hands out unique run file names under one directory.
type spillDir struct {
	dir  string
	seq  atomic.Int64
	runs atomic.Int64 // sorted runs spilled (not counting merge passes)
}

func (d *spillDir) name(prefix string) string {
	return filepath.Join(d.dir, fmt.Sprintf("%s-%06d.run", prefix, d.seq.Add(1)))
}

// reduceRuns merges groups of run files until at most maxFanIn remain.
func reduceRuns[T any](c codec[T], sd *spillDir, prefix string, runs []string) ([]string, error) {
	for len(runs) > maxFanIn {
		var next []string
		for i := 0; i < len(runs); i += maxFanIn {
			group := runs[i:min(i+maxFanIn, len(runs))]
			if len(group) == 1 {
				next = append(next, group[0])
				continue
			}
			out := sd.name(prefix + "-m")
			w, err := createRun(c, out)
			if err != nil {
				return nil, err
			}
			srcs := make([]source[T], 0, len(group))
			for _, p := range group {
				s, err := openRun(c, p)
				if err != nil {
					closeAll(srcs)
					w.close()
					return nil, err
				}
				srcs = append(srcs, s)
			}
			if err := mergeSources(c, srcs, w.add); err != nil {
				w.close()
				return nil, err
			}
			if err := w.close(); err != nil {
				return nil, err
			}
			for _, p := range group {
				os.Remove(p)
			}
			next = append(next, out)
		}
		runs = next
	}
	return runs, nil
}

func closeAll[T any](srcs []source[T]) {
	for _, s := range srcs {
		s.close()
	}
}

// extSorter sorts a stream of records within a memory budget: it buffers up
// to limit records, spills each full buffer as a sorted run, and merges the
// runs with the last in-memory buffer when read.
type extSorter[T any] struct {
	c      codec[T]
	sd     *spillDir
	prefix string
	limit  int
	buf    []T
	runs   []string
}

func newExtSorter[T any](c codec[T], sd *spillDir, prefix string, limit int) *extSorter[T] {
	return &extSorter[T]{c: c, sd: sd, prefix: prefix, limit: max(limit, 16)}
}

// reserve preallocates the buffer for n more records (bounded by limit).
func (s *extSorter[T]) reserve(n int) {
	if n = min(n, s.limit); cap(s.buf) < n {
		s.buf = slices.Grow(s.buf[:0], n)
	}
}

func (s *extSorter[T]) add(v T) error {
	if len(s.buf) >= s.limit {
		if err := s.spill(); err != nil {
			return err
		}
	}
	s.buf = append(s.buf, v)
	return nil
}

func (s *extSorter[T]) spill() error {
	s.c.sortSlice(s.buf)
	path := s.sd.name(s.prefix)
	w, err := createRun(s.c, path)
	if err != nil {
		return err
	}
	for _, v := range s.buf {
		if err := w.add(v); err != nil {
			w.close()
			return err
		}
	}
	if err := w.close(); err != nil {
		return err
	}
	s.sd.runs.Add(1)
	s.runs = append(s.runs, path)
	s.buf = s.buf[:0]
	return nil
}

// each streams all records added so far in sorted order, then frees the
// sorter's memory and run files.
func (s *extSorter[T]) each(fn func(T) error) error {
	defer s.discard()
	s.c.sortSlice(s.buf)
	if len(s.runs) == 0 {
		for _, v := range s.buf {
			if err := fn(v); err != nil {
				return err
			}
		}
		return nil
	}
	runs, err := reduceRuns(s.c, s.sd, s.prefix, s.runs)
	s.runs = runs
	if err != nil {
		return err
	}
	srcs := make([]source[T], 0, len(runs)+1)
	for _, p := range runs {
		r, err := openRun(s.c, p)
		if err != nil {
			closeAll(srcs)
			return err
		}
		srcs = append(srcs, r)
	}
	srcs = append(srcs, &sliceSource[T]{s: s.buf})
	return mergeSources(s.c, srcs, fn)
}

func (s *extSorter[T]) discard() {
	for _, p := range s.runs {
		os.Remove(p)
	}
	s.runs = nil
	s.buf = nil
}
