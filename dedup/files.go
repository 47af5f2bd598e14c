package dedup

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"
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

// readHeader reads and checks the header of path against the expected
// kind, task and fingerprint.
func readHeader(f *os.File, path string, kind uint32, task int, fingerprint uint64) (header, error) {
	b := make([]byte, headerSize)
	if _, err := io.ReadFull(f, b); err != nil {
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
	if st, err := f.Stat(); err == nil && uint64(st.Size()) != headerSize+h.records*uint64(h.recSize) {
		return h, fmt.Errorf("%s: size %d does not match %d records of %d bytes: truncated file", path, st.Size(), h.records, h.recSize)
	}
	return h, nil
}

func taskFile(dir string, task int, ext string) string {
	return filepath.Join(dir, fmt.Sprintf("task-%05d.%s", task, ext))
}

var tmpSeq atomic.Uint64

// atomicFile writes path through a temporary file in the same directory,
// renamed over path by Close; Abort removes it. The header is written last.
type atomicFile struct {
	path, tmp string
	f         *os.File
	w         *bufio.Writer
	hdr       header
	rec       []byte
	err       error
}

func createAtomic(path string, hdr header) (*atomicFile, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	removeStaleTemps(path)
	tmp := path + ".tmp-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatUint(tmpSeq.Add(1), 10) + "-" + strconv.FormatInt(time.Now().UnixNano()%1e9, 10)
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

// Abort discards the file; safe after Close.
func (a *atomicFile) Abort() {
	if a.f != nil {
		a.f.Close()
		a.f = nil
		os.Remove(a.tmp)
	}
}

// writeFileAtomic writes data to path via a temporary file and rename.
func writeFileAtomic(path string, data []byte) error {
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
	f    *os.File
	r    *bufio.Reader
	buf  []byte
	left uint64
}

func openRecords(path string, kind uint32, task int, fingerprint uint64) (*recReader, header, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, header{}, err
	}
	h, err := readHeader(f, path, kind, task, fingerprint)
	if err != nil {
		f.Close()
		return nil, h, err
	}
	return &recReader{f: f, r: bufio.NewReaderSize(f, 256<<10), buf: make([]byte, h.recSize), left: h.records}, h, nil
}

// next returns the next record's bytes (valid until the next call), or nil
// at the end.
func (r *recReader) next() ([]byte, error) {
	if r.left == 0 {
		return nil, nil
	}
	if _, err := io.ReadFull(r.r, r.buf); err != nil {
		return nil, fmt.Errorf("%s: %w", r.f.Name(), err)
	}
	r.left--
	return r.buf, nil
}

func (r *recReader) Close() error { return r.f.Close() }

// removeStaleTemps deletes temporary files of path left by a process that
// was killed while writing it. A file is only ever written by the one unit
// that owns it, so any such file is stale when that unit starts again.
func removeStaleTemps(path string) {
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
		r, h, err := openRecords(taskFile(dir, t, ext), kind, t, fingerprint)
		if err != nil {
			return nil, 0, err
		}
		r.Close()
		rows[t] = h.rows
		records += int64(h.records)
	}
	return rows, records, nil
}
