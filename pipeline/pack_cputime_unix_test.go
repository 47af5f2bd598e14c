//go:build unix

package pipeline

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user + system) this process has used: with
// -cpu 1 it measures a benchmark's own work, garbage collection included,
// on a shared machine where wall time is noisy.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
