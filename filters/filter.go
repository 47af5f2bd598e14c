package filters

// Filter is a document-level quality rule. Apply computes the rule's signals for
// one document into sig (len(sig) == len(Signals())) and returns the decision.
// Implementations are safe for concurrent use; per-call scratch comes from pools.
type Filter interface {
	// Signals names the float64 signals Apply writes, in order; the pipeline
	// writes them as columns named "<stage>_<signal>" in annotate-only mode.
	Signals() []string
	Apply(text string, sig []float64) Result
}

// Result is the decision for one document.
type Result struct {
	// Reason is empty to keep the document, or the drop reason in datatrove's
	// words ("gopher_short_doc", "top_3_gram", "line_punct_ratio", ...).
	Reason string
	// Text replaces the document's text when Rewritten is true (C4 drops lines).
	Text      string
	Rewritten bool
}
