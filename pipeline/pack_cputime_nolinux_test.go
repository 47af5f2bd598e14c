//go:build !linux

package pipeline

import "time"

// threadCPU falls back to the process's CPU time where per-thread clocks
// are missing.
func threadCPU() time.Duration { return processCPU() }
