//go:build !unix

package cputime

import "time"

// Process is 0 where getrusage is missing: callers then omit CPU metrics.
func Process() time.Duration { return 0 }
