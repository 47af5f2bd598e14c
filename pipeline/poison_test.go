package pipeline

// Every test of the package runs with poisoned frees: a buffer of example
// columns returned to its pool is overwritten, so any reader that keeps
// column values past their release reads garbage and fails its test.
func init() { poisonFreed = true }
