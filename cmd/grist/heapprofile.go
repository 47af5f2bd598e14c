package main

import (
	"os"
	"runtime/metrics"
	"runtime/pprof"
	"time"
)

// startHeapProfile, when GRIST_HEAPPROFILE names a file, writes a heap
// profile there each time the live heap (as of the last GC, as the
// profile's in-use figures are) reaches a new high, checked every 200 ms and
// at least 5% above the last profile: the file ends up holding the
// allocations live at the run's peak. It returns a function that stops
// the sampling. Meant for soak runs (scripts/soak.sh sets it with PROFILE=1).
func startHeapProfile() (stop func()) {
	path := os.Getenv("GRIST_HEAPPROFILE")
	if path == "" {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		var high uint64
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > high+high/20 {
				high = v
				writeHeapProfile(path)
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// writeHeapProfile replaces path atomically, so a reader never sees half a
// profile.
func writeHeapProfile(path string) {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return
	}
	err = pprof.Lookup("heap").WriteTo(f, 0)
	if cerr := f.Close(); err == nil && cerr == nil {
		os.Rename(tmp, path)
	} else {
		os.Remove(tmp)
	}
}
