package lang

import (
	"fmt"
	"github.com/grist/grist/internal/tagdefaults"
	"strings"
)

// LangDoc describes the lang stage in one line.
const LangDoc = "detect each document's language with lingua-go's models (ISO 639-1 code or und, and a confidence); optionally keep only some languages"

// Undetermined is the code of documents in no language the detector knows,
// without letters, or scored below min_score.
const Undetermined = "und"

// LangOptions configures a Detector.
type LangOptions struct {
	Languages []string `yaml:"languages" default:"" doc:"ISO 639-1 codes of the candidate languages, at least 2; empty = all 75 languages of lingua-go"`
	MinScore  float64  `yaml:"min_score" default:"0" doc:"confidence (0-1) below which a document gets und; lingua's confidence is a softmax over the candidate languages, near 1 for any text longer than a sentence even in an unknown language, unlike fasttext's probability that datatrove thresholds at 0.65; 0 = off"`
	Accuracy  string   `yaml:"accuracy" default:"compact" doc:"compact = lingua-go's high accuracy mode with its 4- and 5-gram models pruned to the 30,000 of each order per language that matter most (embedded, 12 MB; ~100 MB of memory; as accurate as lingua-go's high mode on UDHR articles); low = lingua-go's low accuracy mode (trigrams only, also under 120 letters; -1.5 points on UDHR articles); high = lingua-go's high accuracy mode with its full models (~2 GB, slow; needs package annotate/lang/linguahigh linked in); the modes differ only for documents under 120 letters"`
	MaxChars  int      `yaml:"max_chars" default:"2000" doc:"longer documents are judged on 4 slices of max_chars/4 characters spread over the text, cut at whitespace; 0 = whole text"`
	Keep      []string `yaml:"keep" default:"" doc:"ISO 639-1 codes (or und) of the languages to keep; others are dropped with reason lang_not_kept, or lang_low_score when below min_score; empty = keep all"`
}

// Validate checks the options; errors start with the yaml key at fault.
func (o LangOptions) Validate() error {
	seen := map[string]bool{}
	for _, c := range o.Languages {
		if _, ok := languageOf(c); !ok {
			return fmt.Errorf("languages: %q is not a supported ISO 639-1 code (supported: %s)", c, strings.Join(SupportedLanguages(), " "))
		}
		if seen[c] {
			return fmt.Errorf("languages: %q listed twice", c)
		}
		seen[c] = true
	}
	if len(o.Languages) == 1 {
		return fmt.Errorf("languages: need at least 2 candidate languages, got %q", o.Languages[0])
	}
	if o.MinScore < 0 || o.MinScore > 1 {
		return fmt.Errorf("min_score: must be in [0, 1], got %g", o.MinScore)
	}
	if o.Accuracy != "low" && o.Accuracy != "compact" && o.Accuracy != "high" {
		return fmt.Errorf("accuracy: must be low, compact or high, got %q", o.Accuracy)
	}
	if o.Accuracy == "high" && !highAvailable() {
		return fmt.Errorf("accuracy: %w", errNoHigh)
	}
	if o.MaxChars < 0 {
		return fmt.Errorf("max_chars: must be >= 0, got %d", o.MaxChars)
	}
	for _, c := range o.Keep {
		if c == Undetermined {
			continue
		}
		if _, ok := languageOf(c); !ok {
			return fmt.Errorf("keep: %q is not a supported ISO 639-1 code or und", c)
		}
		if len(o.Languages) > 0 && !seen[c] {
			return fmt.Errorf("keep: %q is not among languages", c)
		}
	}
	return nil
}

// withDefaults fills the zero fields of the options from their `default`
// tags, as the pipeline does for keys a config leaves out; tests use it so
// defaults live only in the tags.
func withDefaults[T any](ptr *T) *T { return tagdefaults.Must(ptr) }
