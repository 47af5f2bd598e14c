package cputime

import (
	"runtime"
	"testing"
	"time"
)

// TestClocksAdvanceWithWork spins on a locked thread until its clock has
// advanced 20 ms: the process clock must have advanced at least as much,
// and the thread clock must stand still while the thread sleeps.
func TestClocksAdvanceWithWork(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if Process() == 0 {
		t.Skip("no CPU clock here")
	}
	p0, t0 := Process(), Thread()
	x := uint64(1)
	deadline := time.Now().Add(10 * time.Second)
	for Thread()-t0 < 20*time.Millisecond {
		for range 10000 {
			x = x*6364136223846793005 + 1
		}
		if time.Now().After(deadline) {
			t.Fatalf("the thread clock advanced %v in 10 s of spinning", Thread()-t0)
		}
	}
	th, p := Thread()-t0, Process()-p0
	if x == 0 || p+time.Millisecond < th {
		t.Fatalf("process clock advanced %v, less than the thread's %v", p, th)
	}
	t1 := Thread()
	time.Sleep(30 * time.Millisecond)
	if d := Thread() - t1; d > 10*time.Millisecond {
		t.Fatalf("the thread clock advanced %v while sleeping", d)
	}
}
