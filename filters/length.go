package filters

import (
	"fmt"

	"github.com/grist/grist/annotate"
)

// LengthDoc describes the length stage.
const LengthDoc = "document length bounds in characters and words (0 = unbounded)"

// LengthOptions configure Length; 0 leaves a bound open.
type LengthOptions struct {
	MinChars int    `yaml:"min_chars" default:"0" doc:"drop documents with fewer characters (code points); 0 = no bound"`
	MaxChars int    `yaml:"max_chars" default:"0" doc:"drop documents with more characters (code points); 0 = no bound"`
	MinWords int    `yaml:"min_words" default:"0" doc:"drop documents with fewer words (as gopher_quality counts them: punctuation-only words excluded); 0 = no bound"`
	MaxWords int    `yaml:"max_words" default:"0" doc:"drop documents with more words; 0 = no bound"`
	Language string `yaml:"language" default:"en" doc:"word splitter for documents without a language: English rules for en, Unicode word segmentation otherwise"`
}

// Validate checks the options.
func (o *LengthOptions) Validate() error {
	switch {
	case o.MinChars < 0:
		return fmt.Errorf("min_chars: must be >= 0, got %d", o.MinChars)
	case o.MaxChars < 0:
		return fmt.Errorf("max_chars: must be >= 0, got %d", o.MaxChars)
	case o.MinWords < 0:
		return fmt.Errorf("min_words: must be >= 0, got %d", o.MinWords)
	case o.MaxWords < 0:
		return fmt.Errorf("max_words: must be >= 0, got %d", o.MaxWords)
	case o.MaxChars > 0 && o.MinChars > o.MaxChars:
		return fmt.Errorf("min_chars: must be <= max_chars (%d), got %d", o.MaxChars, o.MinChars)
	case o.MaxWords > 0 && o.MinWords > o.MaxWords:
		return fmt.Errorf("min_words: must be <= max_words (%d), got %d", o.MaxWords, o.MinWords)
	}
	return nil
}

var lengthSignals = []string{"chars", "words"}

// Length is the length filter. Safe for concurrent use.
type Length struct {
	o LengthOptions
}

// NewLength builds the filter.
func NewLength(o LengthOptions) (*Length, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return &Length{o: o}, nil
}

// Signals: chars (code points), words (NaN when no word bound is set: not computed).
func (l *Length) Signals() []string { return lengthSignals }

// Apply is ApplyLang with an unknown language.
func (l *Length) Apply(text string, sig []float64) Result {
	r, _ := l.ApplyLang(text, "", sig)
	return r
}

// ApplyLang checks the bounds in order min_chars, max_chars, min_words,
// max_words; reasons too_short_chars, too_long_chars, too_few_words,
// too_many_words.
func (l *Length) ApplyLang(text, lang string, sig []float64) (Result, error) {
	o := &l.o
	chars := annotate.RuneLen(text)
	sig[0] = float64(chars)
	words := -1
	if o.MinWords > 0 || o.MaxWords > 0 {
		if lang == "" {
			lang = o.Language
		}
		s := getScratch()
		s.words = annotate.SharedWords.Split(&s.split, s.words[:0], text, lang)
		words = annotate.CountWords(text, s.words).NonSymbol
		putScratch(s)
		sig[1] = float64(words)
	} else {
		sig[1] = nan
	}
	switch {
	case o.MinChars > 0 && chars < o.MinChars:
		return Result{Reason: "too_short_chars"}, nil
	case o.MaxChars > 0 && chars > o.MaxChars:
		return Result{Reason: "too_long_chars"}, nil
	case o.MinWords > 0 && words < o.MinWords:
		return Result{Reason: "too_few_words"}, nil
	case o.MaxWords > 0 && words > o.MaxWords:
		return Result{Reason: "too_many_words"}, nil
	}
	return Result{}, nil
}
