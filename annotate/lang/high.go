package lang

import (
	"errors"
	"sync"
)

// ShortTextScorer scores a text of fewer than 120 letters in accuracy high
// mode: it returns what lingua-go's high-accuracy detector over the
// detector's languages returns (ISO 639-1 code, confidence), or
// Undetermined and 0.
type ShortTextScorer func(text string) (code string, score float64)

var (
	highMu      sync.Mutex
	highFactory func(codes []string) (ShortTextScorer, error)
)

// RegisterHighAccuracy installs the builder of accuracy high's short-text
// scorer; package linguahigh calls it from init. Kept apart so that
// binaries not importing linguahigh do not link lingua-go's embedded
// models (about 150 MB).
func RegisterHighAccuracy(build func(codes []string) (ShortTextScorer, error)) {
	highMu.Lock()
	defer highMu.Unlock()
	highFactory = build
}

func highAvailable() bool {
	highMu.Lock()
	defer highMu.Unlock()
	return highFactory != nil
}

func newHigh(codes []string) (ShortTextScorer, error) {
	highMu.Lock()
	f := highFactory
	highMu.Unlock()
	if f == nil {
		return nil, errNoHigh
	}
	return f(codes)
}

var errNoHigh = errors.New("high needs lingua-go's 1- to 5-gram models: import _ \"github.com/grist/grist/annotate/lang/linguahigh\" (adds about 150 MB to the binary)")
