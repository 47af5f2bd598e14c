package pack

import (
	"github.com/grist/grist/internal/tagdefaults"
)

// withDefaults fills the options (embedded ones inline) from their `default`
// tags, as the pipeline does, so tests keep the defaults in the tags only.
func withDefaults[T any](ptr *T) *T { return tagdefaults.Must(ptr) }
