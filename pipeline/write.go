package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"path"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"

	"github.com/grist/grist/internal/storage"
)

// PartInfo describes one committed output file, for the manifest.
type PartInfo struct {
	Path   string `json:"path"` // relative to the sink folder
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// recordWriter encodes batches into one open file.
type recordWriter interface {
	Write(rec arrow.Record) error
	Close() error // flushes the encoding; does not close the file
}

// Part is one output file written atomically (see internal/storage): on a
// local disk to a hidden temporary name in the same folder, renamed into
// place by Commit; on object storage an upload completed by Commit. A part
// that is never committed leaves nothing visible (Abort discards it).
type Part struct {
	dir, name string
	f         storage.Writer
	bw        *bufio.Writer
	h         hash.Hash
	n         int64
	rows      int64
	enc       recordWriter
	sink      SinkConfig
}

// OpenPart starts writing a part. dir is a local folder or a URL; name must
// be a plain file name: shard names never escape their folder.
func OpenPart(dir, name string, sink SinkConfig) (*Part, error) {
	if name != path.Base(name) || strings.ContainsAny(name, `/\?`) || strings.HasPrefix(name, ".") || name == "" {
		return nil, fmt.Errorf("bad part name %q", name)
	}
	removeStaleTemps(dir, name)
	f, err := storage.Create(context.Background(), storage.Join(dir, name))
	if err != nil {
		return nil, err
	}
	p := &Part{dir: dir, name: name, f: f, h: sha256.New(), sink: sink}
	p.bw = bufio.NewWriterSize(io.MultiWriter(f, p.h, countWriter{&p.n}), 1<<20)
	return p, nil
}

type countWriter struct{ n *int64 }

func (c countWriter) Write(b []byte) (int, error) { *c.n += int64(len(b)); return len(b), nil }

// Write appends a batch; the encoder is chosen by the sink's format.
func (p *Part) Write(rec arrow.Record) error {
	if rec.NumRows() == 0 {
		return nil
	}
	if p.enc == nil {
		var err error
		switch p.sink.Format {
		case "jsonl":
			p.enc, err = newJSONLWriter(p.bw, p.sink.Compression)
		case "megatron":
			p.enc, err = newMegatronWriter(p.bw, p.sink.vocab)
		default:
			p.enc, err = newParquetWriter(p.bw, rec.Schema(), p.sink)
		}
		if err != nil {
			return err
		}
	}
	p.rows += rec.NumRows()
	if err := p.enc.Write(rec); err != nil {
		return fmt.Errorf("%s: %w", storage.Display(storage.Join(p.dir, p.name)), err)
	}
	return nil
}

// Rows written so far.
func (p *Part) Rows() int64 { return p.rows }

// Size estimates the part's size so far in bytes: the encoder's estimate
// where it has one (Parquet's open row group), else the bytes written.
func (p *Part) Size() int64 {
	if s, ok := p.enc.(interface{ Size() int64 }); ok {
		return s.Size()
	}
	return p.n + int64(p.bw.Buffered())
}

// sidecarWriter is an encoder that writes a second file beside the part
// (Megatron's .idx beside its .bin).
type sidecarWriter interface {
	Sidecar() (ext string, write func(io.Writer) error)
}

// Commit finishes the file and makes it visible whole (a sidecar file
// first, so the main file appears last). A part with no rows is removed and
// reports no files.
func (p *Part) Commit() ([]PartInfo, error) {
	final := storage.Join(p.dir, p.name)
	fail := func(err error) ([]PartInfo, error) {
		p.Abort()
		return nil, fmt.Errorf("%s: %w", storage.Display(final), err)
	}
	if p.rows == 0 {
		p.Abort()
		_ = storage.Remove(context.Background(), final) // a rerun that now writes nothing
		return nil, nil
	}
	if err := p.enc.Close(); err != nil {
		return fail(err)
	}
	if err := p.bw.Flush(); err != nil {
		return fail(err)
	}
	var infos []PartInfo
	if sc, ok := p.enc.(sidecarWriter); ok {
		ext, write := sc.Sidecar()
		name := strings.TrimSuffix(p.name, path.Ext(p.name)) + ext
		h := sha256.New()
		var n int64
		var buf bytes.Buffer
		if err := write(io.MultiWriter(&buf, h, countWriter{&n})); err != nil {
			return fail(err)
		}
		if err := writeFileAtomic(storage.Join(p.dir, name), buf.Bytes()); err != nil {
			return fail(err)
		}
		infos = append(infos, PartInfo{Path: name, Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))})
	}
	f := p.f
	p.f = nil
	if err := f.Commit(); err != nil {
		return nil, fmt.Errorf("%s: %w", storage.Display(final), err)
	}
	info := PartInfo{Path: p.name, Rows: p.rows, Bytes: p.n, SHA256: hex.EncodeToString(p.h.Sum(nil))}
	return append([]PartInfo{info}, infos...), nil
}

// Abort discards what was written.
func (p *Part) Abort() {
	if p.f != nil {
		p.f.Abort()
		p.f = nil
	}
}

// removeStaleTemps deletes the temporary files of dir/name left by a
// process killed while writing it. A part, marker or stats file is only
// written by the unit that owns it, so when that unit starts again any such
// file is stale (and never another live writer's). Object storage has none.
func removeStaleTemps(dir, name string) {
	storage.RemoveStaleTemps(storage.Join(dir, name))
}
