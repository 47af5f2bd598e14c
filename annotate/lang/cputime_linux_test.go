package lang

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used, in all its threads
// (lingua-go scores on goroutines of its own; the garbage collector counts
// too).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
