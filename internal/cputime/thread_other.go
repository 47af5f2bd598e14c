//go:build !linux

package cputime

import "time"

// Thread falls back to the process's CPU time where per-thread clocks are
// missing.
func Thread() time.Duration { return Process() }
