//go:build !linux

package lang

import "time"

// processCPU is not measured off Linux; the cpuMB/s metric is then omitted.
func processCPU() time.Duration { return 0 }
