//go:build race

package tokenize

// raceEnabled: the race detector allocates, so allocation counts mean nothing.
const raceEnabled = true
