// Package cputime reads the CPU time a benchmark has used, which on a shared
// machine measures its own work more steadily than wall time.
package cputime
