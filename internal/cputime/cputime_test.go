package cputime

import (
	"runtime"
	"testing"
	"time"
)

// TestClocksAdvanceWithWork spins for 50 ms of wall time on a locked thread:
// both clocks must advance by a plausible amount, and not while sleeping.
func TestClocksAdvanceWithWork(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if Process() == 0 {
		t.Skip("no CPU clock here")
	}
	p0, t0 := Process(), Thread()
	x := uint64(1)
	for start := time.Now(); time.Since(start) < 50*time.Millisecond; {
		x = x*6364136223846793005 + 1
	}
	p, th := Process()-p0, Thread()-t0
	if x == 0 || p < 10*time.Millisecond || th < 10*time.Millisecond || th > p+5*time.Millisecond {
		t.Fatalf("50 ms of work: process %v, thread %v", p, th)
	}
	t1 := Thread()
	time.Sleep(30 * time.Millisecond)
	if d := Thread() - t1; d > 10*time.Millisecond {
		t.Fatalf("the thread clock advanced %v while sleeping", d)
	}
}
