package tokenize

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkTiktokenEncodeParallel encodes the English texts from GOMAXPROCS
// goroutines sharing one tokenizer, documents handed out one at a time: run
// with -cpu 1,2 to see throughput scale with cores.
func BenchmarkTiktokenEncodeParallel(b *testing.B) {
	docs := benchTexts(b)["english"]
	size := 0
	for _, d := range docs {
		size += len(d)
	}
	tok := mustBuiltin(b, "o200k_base", Options{})
	b.SetBytes(int64(size))
	for b.Loop() {
		var next atomic.Int64
		var wg sync.WaitGroup
		for g := 0; g < runtime.GOMAXPROCS(0); g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				dst := make([]int32, 0, 1<<16)
				for {
					k := int(next.Add(1)) - 1
					if k >= len(docs) {
						return
					}
					dst = tok.Encode(dst[:0], docs[k])
				}
			}()
		}
		wg.Wait()
	}
}
