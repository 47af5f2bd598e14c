//go:build unix

package dedup

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestThroughputCPUTime reports signature and normalization throughput per
// CPU-second of this process (robust to other load on a shared machine).
// Run with DEDUP_CPU_BENCH=1.
func TestThroughputCPUTime(t *testing.T) {
	if os.Getenv("DEDUP_CPU_BENCH") == "" {
		t.Skip("set DEDUP_CPU_BENCH=1")
	}
	docs := loadJSONLGz(t, filepath.Join("..", "..", "shared", "data", "spam-assassin.jsonl.gz"))
	var texts []string
	size := 0
	for _, d := range docs[:500] {
		texts = append(texts, d.Text)
		size += len(d.Text)
	}
	m := newTestMinHash(t, nil)
	e := newTestExact(t, NormalizeSimple)
	var sig []uint64
	var buf []byte
	for _, c := range []struct {
		name string
		fn   func(string)
	}{
		{"signature", func(s string) { sig = m.Signature(s, sig) }},
		{"signature-avx2", func(s string) {
			s512, s2 := useAVX512, useAVX2
			useAVX512, useAVX2 = false, hasAVX2
			sig = m.Signature(s, sig)
			useAVX512, useAVX2 = s512, s2
		}},
		{"signature-portable", func(s string) {
			s512, s2 := useAVX512, useAVX2
			useAVX512, useAVX2 = false, false
			sig = m.Signature(s, sig)
			useAVX512, useAVX2 = s512, s2
		}},
		{"simplify", func(s string) { buf = appendSimplified(buf[:0], s) }},
		{"exact-simple", func(s string) { e.Hash(s) }},
	} {
		cpu0 := cpuTime()
		wall0 := time.Now()
		n := 0
		for cpuTime()-cpu0 < 3*time.Second {
			for _, s := range texts {
				c.fn(s)
			}
			n++
		}
		cpu := cpuTime() - cpu0
		t.Logf("%s: %.1f MB per CPU-second (%.1f MB/s wall)", c.name, float64(n*size)/1e6/cpu.Seconds(), float64(n*size)/1e6/time.Since(wall0).Seconds())
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
