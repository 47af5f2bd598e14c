package pipeline

import (
	"bufio"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// decompress wraps r for the given compression ("" = none). The closer
// releases decoder resources; it does not close r.
func decompress(r io.Reader, compression string) (io.Reader, io.Closer, error) {
	switch compression {
	case "gzip":
		br := bufio.NewReaderSize(r, 1<<16)
		if _, err := br.Peek(1); err == io.EOF {
			// a 0-byte .gz holds no documents: read it as an empty file
			// (gzip itself would only say "EOF").
			return br, closerFunc(func() error { return nil }), nil
		}
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, err
		}
		return zr, zr, nil
	case "zstd":
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(1<<30))
		if err != nil {
			return nil, nil, err
		}
		return zr, closerFunc(func() error { zr.Close(); return nil }), nil
	}
	return r, closerFunc(func() error { return nil }), nil
}

// compressWriter wraps w; Close flushes the compressor, not w.
func compressWriter(w io.Writer, compression string) (io.WriteCloser, error) {
	switch compression {
	case "gzip":
		// Level 1: gzip output is for interchange; it costs a third of the
		// default level's time for files about 10% larger.
		return gzip.NewWriterLevel(w, gzip.BestSpeed)
	case "zstd":
		return zstd.NewWriter(w, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedFastest))
	}
	return nopWriteCloser{w}, nil
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// DetectCompression returns the format and compression a path's extension names.
func DetectCompression(path string) (format, compression string) { return detectFormat(path, "auto") }

// Decompress wraps r for a compression name ("gzip", "zstd" or "").
func Decompress(r io.Reader, compression string) (io.Reader, error) {
	d, _, err := decompress(r, compression)
	return d, err
}
