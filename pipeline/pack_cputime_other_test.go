//go:build !unix

package pipeline

import "time"

var cpuStart = time.Now()

// processCPU falls back to wall time where getrusage is missing.
func processCPU() time.Duration { return time.Since(cpuStart) }
