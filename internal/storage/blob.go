package storage

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file://
	_ "gocloud.dev/blob/memblob"  // mem://
	_ "gocloud.dev/blob/s3blob"   // s3://
	"gocloud.dev/gcerrors"
)

// location is a parsed URL: the bucket it names and the key in it.
type location struct {
	bucketURL string // scheme://host?query, the cache key of the bucket
	key       string // no leading "/"
}

// parseURL splits a URL location into its bucket and key, and fills in the
// defaults: s3 with a custom endpoint (endpoint= or AWS_ENDPOINT_URL) gets
// use_path_style=true and a region (AWS_REGION, AWS_DEFAULT_REGION or
// us-east-1); file:// writes no ".attrs" sidecar files.
func parseURL(loc string) (location, error) {
	u, err := url.Parse(loc)
	if err != nil {
		return location{}, fmt.Errorf("%s: %v", loc, err)
	}
	scheme := strings.ToLower(u.Scheme)
	q := u.Query()
	switch scheme {
	case "s3":
		custom := q.Get("endpoint") != "" || os.Getenv("AWS_ENDPOINT_URL_S3") != "" || os.Getenv("AWS_ENDPOINT_URL") != ""
		if custom && q.Get("use_path_style") == "" && q.Get("s3ForcePathStyle") == "" {
			q.Set("use_path_style", "true")
		}
		if q.Get("region") == "" && os.Getenv("AWS_REGION") == "" {
			if r := os.Getenv("AWS_DEFAULT_REGION"); r != "" {
				q.Set("region", r)
			} else if custom {
				q.Set("region", "us-east-1")
			}
		}
		// S3-compatible servers often send no checksums; validating them
		// only when required keeps the SDK from logging each GET.
		if q.Get("response_checksum_validation") == "" && os.Getenv("AWS_RESPONSE_CHECKSUM_VALIDATION") == "" {
			q.Set("response_checksum_validation", "when_required")
		}
		if u.Host == "" {
			return location{}, fmt.Errorf("%s: no bucket name", loc)
		}
	case "gs":
		if u.Host == "" {
			return location{}, fmt.Errorf("%s: no bucket name", loc)
		}
	case "az", "azblob":
		scheme = "azblob"
		if u.Host == "" {
			return location{}, fmt.Errorf("%s: no container name", loc)
		}
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return location{}, fmt.Errorf("%s: file URLs name a local path (file:///abs/path)", loc)
		}
		u.Host = ""
		if q.Get("metadata") == "" {
			q.Set("metadata", "skip")
		}
	case "mem":
	default:
		return location{}, fmt.Errorf("%s: unsupported storage scheme %q (use a local path or s3://, gs://, az://, file://, mem://)", loc, u.Scheme)
	}
	key := strings.TrimPrefix(u.Path, "/")
	key = strings.TrimSuffix(key, "/")
	b := scheme + "://" + u.Host
	if scheme == "file" {
		b += "/"
	}
	if enc := q.Encode(); enc != "" {
		b += "?" + enc
	}
	return location{bucketURL: b, key: key}, nil
}

var (
	bucketsMu sync.Mutex
	buckets   = map[string]*blobFS{}
)

// openBucket opens a bucket once per process (clients are reused; mem://
// buckets live as long as the process).
func openBucket(ctx context.Context, l location) (*blobFS, error) {
	bucketsMu.Lock()
	defer bucketsMu.Unlock()
	if b, ok := buckets[l.bucketURL]; ok {
		return b, nil
	}
	b, err := blob.OpenBucket(ctx, l.bucketURL)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", Display(l.bucketURL), err)
	}
	fsys := &blobFS{b: b, name: Display(l.bucketURL)}
	buckets[l.bucketURL] = fsys
	return fsys, nil
}

// blobFS is a bucket through gocloud.dev/blob.
type blobFS struct {
	b    *blob.Bucket
	name string // for messages
}

// wrap names the object in an error and maps the blob layer's NotFound
// to fs.ErrNotExist.
func (f *blobFS) wrap(op, key string, err error) error {
	if err == nil {
		return nil
	}
	if gcerrors.Code(err) == gcerrors.NotFound {
		return &fs.PathError{Op: op, Path: f.name + "/" + key, Err: fs.ErrNotExist}
	}
	return &fs.PathError{Op: op, Path: f.name + "/" + key, Err: err}
}

func (f *blobFS) Open(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	trace("GET", key, off, n)
	r, err := f.b.NewRangeReader(ctx, key, off, n, nil)
	if err != nil {
		return nil, f.wrap("open", key, err)
	}
	return r, nil
}

func (f *blobFS) OpenAt(ctx context.Context, key string) (ReaderAt, error) {
	trace("HEAD", key, 0, -1)
	a, err := f.b.Attributes(ctx, key)
	if err != nil {
		return nil, f.wrap("open", key, err)
	}
	return &blobReaderAt{ctx: ctx, fs: f, key: key, size: a.Size}, nil
}

// readAhead is the block a small ranged read fetches: file formats read
// their footer and then many small neighbouring pieces (Arrow IPC message
// headers and bodies), so one request serves the next reads.
const readAhead = 1 << 20

// blobReaderAt serves ReadAt with ranged GETs; reads smaller than readAhead
// go through a one-block cache.
type blobReaderAt struct {
	ctx  context.Context
	fs   *blobFS
	key  string
	size int64

	mu     sync.Mutex
	buf    []byte
	bufOff int64
}

func (r *blobReaderAt) Size() int64  { return r.size }
func (r *blobReaderAt) Close() error { return nil }

func (r *blobReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("%s/%s: negative offset", r.fs.name, r.key)
	}
	if off >= r.size {
		return 0, io.EOF
	}
	want := min(int64(len(p)), r.size-off)
	var n int
	var err error
	if want >= readAhead {
		n, err = r.fetch(p[:want], off)
	} else {
		r.mu.Lock()
		if off < r.bufOff || off+want > r.bufOff+int64(len(r.buf)) {
			end := min(off+readAhead, r.size)
			if cap(r.buf) < int(end-off) {
				r.buf = make([]byte, end-off)
			}
			r.buf = r.buf[:end-off]
			r.bufOff = off
			var m int
			m, err = r.fetch(r.buf, off)
			r.buf = r.buf[:m]
		}
		if err == nil {
			n = copy(p[:want], r.buf[off-r.bufOff:])
		}
		r.mu.Unlock()
	}
	if err != nil {
		return n, err
	}
	if int64(n) < int64(len(p)) {
		return n, io.EOF
	}
	return n, nil
}

func (r *blobReaderAt) fetch(p []byte, off int64) (int, error) {
	trace("GET", r.key, off, int64(len(p)))
	counts.rangeBytes.Add(int64(len(p)))
	rr, err := r.fs.b.NewRangeReader(r.ctx, r.key, off, int64(len(p)), nil)
	if err != nil {
		return 0, r.fs.wrap("read", r.key, err)
	}
	defer rr.Close()
	n, err := io.ReadFull(rr, p)
	if err != nil {
		return n, r.fs.wrap("read", r.key, err)
	}
	return n, nil
}

// blobWriter streams an upload; Commit (the writer's Close) completes it,
// Abort cancels its context, which aborts a multipart upload.
type blobWriter struct {
	w      *blob.Writer
	cancel context.CancelFunc
	fs     *blobFS
	key    string
	n      int64
	done   bool
}

func (f *blobFS) Create(ctx context.Context, key string) (Writer, error) {
	ctx, cancel := context.WithCancel(ctx)
	// Parts of 8 MiB, two in flight: a task holds up to four writers at
	// once (output, rejected, errors, inter-phase rows), so memory per
	// writer stays bounded (~24 MiB) while uploads overlap the encoding.
	w, err := f.b.NewWriter(ctx, key, &blob.WriterOptions{
		ContentType:    "application/octet-stream",
		BufferSize:     8 << 20,
		MaxConcurrency: 2,
	})
	if err != nil {
		cancel()
		return nil, f.wrap("create", key, err)
	}
	return &blobWriter{w: w, cancel: cancel, fs: f, key: key}, nil
}

func (w *blobWriter) Write(b []byte) (int, error) {
	n, err := w.w.Write(b)
	w.n += int64(n)
	return n, err
}

func (w *blobWriter) Commit() error {
	if w.done {
		return os.ErrClosed
	}
	w.done = true
	trace("PUT", w.key, 0, w.n)
	err := w.w.Close()
	w.cancel()
	return w.fs.wrap("write", w.key, err)
}

func (w *blobWriter) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.cancel()
	_ = w.w.Close() // reports the cancellation; nothing was written
}

func (f *blobFS) Stat(ctx context.Context, key string) (Entry, error) {
	if key != "" {
		trace("HEAD", key, 0, -1)
		a, err := f.b.Attributes(ctx, key)
		if err == nil {
			return Entry{Name: key, Size: a.Size}, nil
		}
		if gcerrors.Code(err) != gcerrors.NotFound {
			return Entry{}, f.wrap("stat", key, err)
		}
	}
	prefix := dirPrefix(key)
	trace("LIST", prefix, 0, 1)
	it := f.b.List(&blob.ListOptions{Prefix: prefix})
	if _, err := it.Next(ctx); err == nil {
		return Entry{Name: key, IsDir: true}, nil
	} else if err != io.EOF {
		return Entry{}, f.wrap("stat", key, err)
	}
	return Entry{}, &fs.PathError{Op: "stat", Path: f.name + "/" + key, Err: fs.ErrNotExist}
}

func dirPrefix(key string) string {
	if key == "" {
		return ""
	}
	return strings.TrimSuffix(key, "/") + "/"
}

func (f *blobFS) List(ctx context.Context, dir string, recursive bool) ([]Entry, error) {
	prefix := dirPrefix(dir)
	opts := &blob.ListOptions{Prefix: prefix}
	if !recursive {
		opts.Delimiter = "/"
	}
	trace("LIST", prefix, 0, -1)
	it := f.b.List(opts)
	var out []Entry
	for {
		o, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, f.wrap("list", dir, err)
		}
		name := strings.TrimSuffix(strings.TrimPrefix(o.Key, prefix), "/")
		if name == "" {
			continue
		}
		out = append(out, Entry{Name: name, Size: o.Size, IsDir: o.IsDir})
	}
	sortEntries(out)
	return out, nil
}

func (f *blobFS) Remove(ctx context.Context, key string) error {
	trace("DELETE", key, 0, -1)
	return f.wrap("remove", key, f.b.Delete(ctx, key))
}

func (f *blobFS) RemoveAll(ctx context.Context, key string) error {
	ents, err := f.List(ctx, key, true)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(ents)+1)
	for _, e := range ents {
		keys = append(keys, dirPrefix(key)+e.Name)
	}
	if key != "" {
		if _, err := f.b.Attributes(ctx, key); err == nil {
			keys = append(keys, key) // a file, not only a folder
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		trace("DELETE", k, 0, -1)
		if err := f.b.Delete(ctx, k); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return f.wrap("remove", k, err)
		}
	}
	return nil
}
