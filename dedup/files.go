package dedup

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/grist/grist/internal/storage"
)

// File kinds stored in the header of every file this package writes.
const (
	kindExact    = 1 // phase-1 exact hashes: (hash128, row), sorted
	kindBands    = 2 // phase-1 minhash bands: (row, band hashes...)
	kindSigs     = 3 // phase-1 minhash signatures, indexed by row
	kindDecision = 4 // phase-2 decisions for one task
	kindLines    = 5 // phase-1 line hashes
	kindLineDrop = 6 // phase-2 line decisions for one task
)

const (
	fileMagic   = "GRISTDD1"
	headerSize  = 64
	maxRows     = 1<<32 - 2
	fileVersion = 1
)

// header is the fixed 64-byte prefix of every file:
// magic[8] kind u32 version u32 task u32 recSize u32 rows u64 records u64
// fingerprint u64, then zero padding (little-endian).
type header struct {
	kind        uint32
	task        uint32
	recSize     uint32
	rows        uint64 // 1 + largest row number added (0 when none)
	records     uint64
	fingerprint uint64
}

func (h header) encode() []byte {
	b := make([]byte, headerSize)
	copy(b, fileMagic)
	le := binary.LittleEndian
	le.PutUint32(b[8:], h.kind)
	le.PutUint32(b[12:], fileVersion)
	le.PutUint32(b[16:], h.task)
	le.PutUint32(b[20:], h.recSize)
	le.PutUint64(b[24:], h.rows)
	le.PutUint64(b[32:], h.records)
	le.PutUint64(b[40:], h.fingerprint)
	return b
}

// readHeader reads and checks the header of a local file against the
// expected kind, task and fingerprint.
func readHeader(f *os.File, path string, kind uint32, task int, fingerprint uint64) (header, error) {
	st, err := f.Stat()
	if err != nil {
		return header{}, err
	}
	return readHeaderFrom(f, st.Size(), path, kind, task, fingerprint)
}

// readHeaderFrom reads and checks the header at the start of r, a file of
// size bytes.
func readHeaderFrom(r io.Reader, size int64, path string, kind uint32, task int, fingerprint uint64) (header, error) {
	b := make([]byte, headerSize)
	if _, err := io.ReadFull(r, b); err != nil {
		return header{}, fmt.Errorf("%s: reading header: %w", path, err)
	}
	le := binary.LittleEndian
	if string(b[:8]) != fileMagic || le.Uint32(b[12:]) != fileVersion {
		return header{}, fmt.Errorf("%s: not a dedup file of this version", path)
	}
	h := header{
		kind: le.Uint32(b[8:]), task: le.Uint32(b[16:]), recSize: le.Uint32(b[20:]),
		rows: le.Uint64(b[24:]), records: le.Uint64(b[32:]), fingerprint: le.Uint64(b[40:]),
	}
	if h.kind != kind {
		return h, fmt.Errorf("%s: file kind %d, want %d", path, h.kind, kind)
	}
	if int(h.task) != task {
		return h, fmt.Errorf("%s: holds task %d, want %d", path, h.task, task)
	}
	if h.fingerprint != fingerprint {
		return h, fmt.Errorf("%s: written with different options (fingerprint %x, want %x): rerun phase 1", path, h.fingerprint, fingerprint)
	}
	if uint64(size) != headerSize+h.records*uint64(h.recSize) {
		return h, fmt.Errorf("%s: size %d does not match %d records of %d bytes: truncated file", path, size, h.records, h.recSize)
	}
	return h, nil
}

// taskFile names a task's file in dir, a local folder or a URL.
func taskFile(dir string, task int, ext string) string {
	return storage.Join(dir, fmt.Sprintf("task-%05d.%s", task, ext))
}

var tmpSeq atomic.Uint64

// atomicFile writes path through a temporary file in the same directory,
// renamed over path by Close; Abort removes it. The header is written last.
// When path is on object storage the temporary file is a local one,
// uploaded whole by Close (the header is only known at the end).
type atomicFile struct {
	path, tmp string
	f         *os.File
	w         *bufio.Writer
	hdr       header
	rec       []byte
	err       error
}

func createAtomic(path string, hdr header) (*atomicFile, error) {
	var tmp string
	if storage.IsURL(path) {
		f, err := os.CreateTemp("", "grist-dedup-*")
		if err != nil {
			return nil, err
		}
		f.Close()
		tmp = f.Name()
	} else {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		removeStaleTemps(path)
		tmp = path + ".tmp-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatUint(tmpSeq.Add(1), 10) + "-" + strconv.FormatInt(time.Now().UnixNano()%1e9, 10)
	}
	f, err := os.Create(tmp)
	if err != nil {
		return nil, err
	}
	a := &atomicFile{path: path, tmp: tmp, f: f, w: bufio.NewWriterSize(f, 1<<20), hdr: hdr, rec: make([]byte, hdr.recSize)}
	if _, err := a.w.Write(make([]byte, headerSize)); err != nil {
		a.Abort()
		return nil, err
	}
	return a, nil
}

// writeRec writes one record of hdr.recSize bytes.
func (a *atomicFile) writeRec(b []byte) {
	if a.err != nil {
		return
	}
	_, a.err = a.w.Write(b)
	a.hdr.records++
}

func (a *atomicFile) Close() error {
	if a.f == nil {
		return errors.New("dedup: file already closed")
	}
	err := a.err
	if err == nil {
		err = a.w.Flush()
	}
	if err == nil {
		_, err = a.f.WriteAt(a.hdr.encode(), 0)
	}
	if storage.IsURL(a.path) {
		if err == nil {
			_, err = a.f.Seek(0, io.SeekStart)
		}
		if err == nil {
			err = upload(a.path, a.f)
		}
		a.f.Close()
		a.f = nil
		os.Remove(a.tmp)
		return err
	}
	if err == nil {
		err = a.f.Sync()
	}
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	a.f = nil
	if err == nil {
		err = os.Rename(a.tmp, a.path)
	}
	if err != nil {
		os.Remove(a.tmp)
	}
	return err
}

// upload copies r to path on object storage as one atomic upload.
func upload(path string, r io.Reader) error {
	w, err := storage.Create(context.Background(), path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Abort()
		return fmt.Errorf("%s: %w", storage.Display(path), err)
	}
	return w.Commit()
}

// localCopy returns a local path holding the file at path: path itself when
// it is local, else a download into the local folder dir (for random
// access, which object storage would serve one request per read).
func localCopy(path, dir string) (string, error) {
	if !storage.IsURL(path) {
		return path, nil
	}
	r, err := storage.Open(context.Background(), path)
	if err != nil {
		return "", err
	}
	defer r.Close()
	f, err := os.CreateTemp(dir, "download-*-"+storage.Base(path))
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return "", fmt.Errorf("%s: %w", storage.Display(path), err)
	}
	return f.Name(), f.Close()
}

// statFile checks that a file exists, locally or on object storage.
func statFile(path string) (storage.Entry, error) {
	return storage.Stat(context.Background(), path)
}

// Abort discards the file; safe after Close.
func (a *atomicFile) Abort() {
	if a.f != nil {
		a.f.Close()
		a.f = nil
		os.Remove(a.tmp)
	}
}

// writeFileAtomic writes data to path via a temporary file and rename (on
// object storage: one upload).
func writeFileAtomic(path string, data []byte) error {
	if storage.IsURL(path) {
		return storage.WriteFile(context.Background(), path, data)
	}
	removeStaleTemps(path)
	tmp := path + ".tmp-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatUint(tmpSeq.Add(1), 10)
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// recReader reads fixed-size records after a header.
type recReader struct {
	f    io.Closer
	name string
	r    *bufio.Reader
	buf  []byte
	left uint64
}

// openRecords opens a file of records, local or on object storage (read
// as one stream).
func openRecords(path string, kind uint32, task int, fingerprint uint64) (*recReader, header, error) {
	return openRecordsN(path, kind, task, fingerprint, -1)
}

// openRecordsN is openRecords reading at most n bytes (n < 0: all); with
// n = headerSize only the header is fetched from object storage.
func openRecordsN(path string, kind uint32, task int, fingerprint uint64, n int64) (*recReader, header, error) {
	if !storage.IsURL(path) {
		f, err := os.Open(path)
		if err != nil {
			return nil, header{}, err
		}
		h, err := readHeader(f, path, kind, task, fingerprint)
		if err != nil {
			f.Close()
			return nil, h, err
		}
		return &recReader{f: f, name: path, r: bufio.NewReaderSize(f, 256<<10), buf: make([]byte, h.recSize), left: h.records}, h, nil
	}
	r, err := storage.OpenRange(context.Background(), path, 0, n)
	if err != nil {
		return nil, header{}, err
	}
	sized, ok := r.(interface{ Size() int64 })
	if !ok {
		r.Close()
		return nil, header{}, fmt.Errorf("%s: size unknown", storage.Display(path))
	}
	h, err := readHeaderFrom(r, sized.Size(), storage.Display(path), kind, task, fingerprint)
	if err != nil {
		r.Close()
		return nil, h, err
	}
	return &recReader{f: r, name: storage.Display(path), r: bufio.NewReaderSize(r, 256<<10), buf: make([]byte, h.recSize), left: h.records}, h, nil
}

// next returns the next record's bytes (valid until the next call), or nil
// at the end.
func (r *recReader) next() ([]byte, error) {
	if r.left == 0 {
		return nil, nil
	}
	if _, err := io.ReadFull(r.r, r.buf); err != nil {
		return nil, fmt.Errorf("%s: %w", r.name, err)
	}
	r.left--
	return r.buf, nil
}

func (r *recReader) Close() error { return r.f.Close() }

// removeStaleTemps deletes temporary files of path left by a process that
// was killed while writing it. A file is only ever written by the one unit
// that owns it, so any such file is stale when that unit starts again.
func removeStaleTemps(path string) {
	if storage.IsURL(path) {
		return // an unfinished upload is never visible
	}
	old, _ := filepath.Glob(path + ".tmp-*")
	for _, f := range old {
		os.Remove(f)
	}
}

// scanTaskFiles checks the header of every task's phase-1 file (task, kind,
// options fingerprint) and returns each task's row count and the total of
// records, before phase 2 reads them.
func scanTaskFiles(dir string, numTasks int, ext string, kind uint32, fingerprint uint64) ([]uint64, int64, error) {
	rows := make([]uint64, numTasks)
	var records int64
	for t := 0; t < numTasks; t++ {
		r, h, err := openRecordsN(taskFile(dir, t, ext), kind, t, fingerprint, headerSize)
		if err != nil {
			return nil, 0, err
		}
		r.Close()
		rows[t] = h.rows
		records += int64(h.records)
	}
	return rows, records, nil
}
