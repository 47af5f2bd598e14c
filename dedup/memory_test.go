package dedup

import (
	"context"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestClusterMillionDocsMemory measures phase 2 on 1M synthetic documents
// (10% planted in pairs). Run with DEDUP_MEM_TEST=1; it reports the peak
// heap and process RSS.
func TestClusterMillionDocsMemory(t *testing.T) {
	if os.Getenv("DEDUP_MEM_TEST") == "" {
		t.Skip("set DEDUP_MEM_TEST=1 to run the 1M-document memory test")
	}
	m := newTestMinHash(t, nil)
	dir := t.TempDir()
	const tasks, per = 8, 125000
	rng := rand.New(rand.NewPCG(9, 9))
	sig := make([]uint64, m.NumHashes())
	planted := 0
	for task := 0; task < tasks; task++ {
		w, err := m.NewTaskWriter(dir, task)
		if err != nil {
			t.Fatal(err)
		}
		for r := 0; r < per; r++ {
			if rng.IntN(10) != 0 {
				for i := range sig {
					sig[i] = rng.Uint64() & mersenne61
				}
			} else {
				planted++
			}
			if err := w.AddSignature(r, sig); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	debug.FreeOSMemory()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	rss0 := vmHWM(t)
	start := time.Now()
	st, err := m.Cluster(context.Background(), dir, tasks, ClusterConfig{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	t.Logf("1M docs: %v, stats %+v", elapsed, st)
	t.Logf("total allocated during phase 2: %d MB; peak RSS before %d MB, after %d MB", (after.TotalAlloc-before.TotalAlloc)>>20, rss0>>10, vmHWM(t)>>10)
	if st.Duplicates != int64(planted) {
		t.Errorf("found %d duplicates, planted %d", st.Duplicates, planted)
	}
}

// vmHWM returns the peak resident set size in KiB.
func vmHWM(t *testing.T) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}
