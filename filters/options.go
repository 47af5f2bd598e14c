package filters

import (
	"fmt"
	"github.com/grist/grist/internal/tagdefaults"
)

// withDefaults fills the options from their `default` tags, as the pipeline
// does; tests use it so defaults live only in the tags.
func withDefaults[T any](ptr *T) *T { return tagdefaults.Must(ptr) }

// enabled reports whether an optional threshold is set; as in datatrove
// (Python truthiness), 0 disables a rule too.
func enabledF(p *float64) bool { return p != nil && *p != 0 }
func enabledI(p *int) bool     { return p != nil && *p != 0 }

func checkRatio(key string, p *float64) error {
	if p != nil && (*p < 0 || *p > 1) {
		return fmt.Errorf("%s: must be in [0, 1], got %g", key, *p)
	}
	return nil
}

func checkNonNeg(key string, p *int) error {
	if p != nil && *p < 0 {
		return fmt.Errorf("%s: must be >= 0, got %d", key, *p)
	}
	return nil
}
