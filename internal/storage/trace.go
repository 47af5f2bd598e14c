package storage

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
)

// Counts are the requests made to object storage by this process.
type Counts struct {
	Gets       int64 // GETs of a whole object or of a byte range
	RangeGets  int64 // GETs of a bounded byte range (OpenAt reads: Parquet, Arrow IPC)
	RangeBytes int64 // bytes asked for by OpenAt reads
	Puts       int64 // completed uploads
	Heads      int64
	Lists      int64
	Deletes    int64
}

var counts struct {
	gets, rangeGets, rangeBytes, puts, heads, lists, deletes atomic.Int64
}

// ReadCounts returns the requests made so far.
func ReadCounts() Counts {
	return Counts{
		Gets: counts.gets.Load(), RangeGets: counts.rangeGets.Load(), RangeBytes: counts.rangeBytes.Load(),
		Puts: counts.puts.Load(), Heads: counts.heads.Load(), Lists: counts.lists.Load(), Deletes: counts.deletes.Load(),
	}
}

// TraceEnv names an environment variable: when set to a file path, every
// object storage request is appended to that file, one line each
// ("GET key off len", "PUT key bytes", ...), for checking ranged reads.
const TraceEnv = "GRIST_STORAGE_TRACE"

var (
	traceOnce sync.Once
	traceMu   sync.Mutex
	traceFile io.Writer
)

// SetTrace logs every object storage request to w from now on (nil: stop),
// instead of the file named by TraceEnv.
func SetTrace(w io.Writer) {
	traceOnce.Do(func() {})
	traceMu.Lock()
	traceFile = w
	traceMu.Unlock()
}

// trace counts one request and logs it when TraceEnv is set.
func trace(op, key string, off, n int64) {
	switch op {
	case "GET":
		counts.gets.Add(1)
		if n >= 0 {
			counts.rangeGets.Add(1)
		}
	case "PUT":
		counts.puts.Add(1)
	case "HEAD":
		counts.heads.Add(1)
	case "LIST":
		counts.lists.Add(1)
	case "DELETE":
		counts.deletes.Add(1)
	}
	traceOnce.Do(func() {
		if p := os.Getenv(TraceEnv); p != "" {
			if f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644); err == nil {
				traceFile = f
			}
		}
	})
	traceMu.Lock()
	defer traceMu.Unlock()
	if traceFile == nil {
		return
	}
	switch op {
	case "GET":
		if n >= 0 {
			fmt.Fprintf(traceFile, "GET %s range=%d-%d\n", key, off, off+n-1)
		} else {
			fmt.Fprintf(traceFile, "GET %s from=%d\n", key, off)
		}
	case "PUT":
		fmt.Fprintf(traceFile, "PUT %s bytes=%d\n", key, n)
	default:
		fmt.Fprintf(traceFile, "%s %s\n", op, key)
	}
}
