package filters

import (
	"errors"
	"fmt"
	"strings"

	"github.com/grist/grist/annotate"
)

// FineWebQualityDoc describes the fineweb_quality stage.
const FineWebQualityDoc = "FineWeb quality heuristics (Penedo et al. 2024; datatrove FineWebQualityFilter): share of lines ending in punctuation, share of short lines, duplicated line characters, newlines per word"

// FineWebQualityOptions configure FineWebQuality (datatrove defaults).
type FineWebQualityOptions struct {
	LinePunctThr         float64  `yaml:"line_punct_thr" default:"0.12" doc:"drop when the share of non-blank lines ending in a stop char is below; FineWeb/datatrove 0.12"`
	LinePunctExcludeZero bool     `yaml:"line_punct_exclude_zero" default:"false" doc:"keep documents where no line ends in a stop char (the rule only fires on a non-zero share); datatrove false"`
	StopChars            []string `yaml:"stop_chars" doc:"line endings counted as punctuation; empty = datatrove TERMINAL_PUNCTUATION (. ! ? and the terminal marks of other scripts)"`
	ShortLineThr         float64  `yaml:"short_line_thr" default:"0.67" doc:"drop when the share of non-blank lines of at most short_line_length characters is above; FineWeb/datatrove 0.67"`
	ShortLineLength      int      `yaml:"short_line_length" default:"30" doc:"a line of at most this many characters is short; FineWeb/datatrove 30"`
	CharDuplicatesRatio  float64  `yaml:"char_duplicates_ratio" default:"0.01" doc:"drop when characters in non-blank lines equal to an earlier line, over non-newline characters, are above; FineWeb/datatrove 0.01"`
	NewLineRatio         float64  `yaml:"new_line_ratio" default:"0.3" doc:"drop when newlines per word are above; FineWeb/datatrove 0.3"`
	Language             string   `yaml:"language" default:"en" doc:"word splitter for documents without a language (words count only in new_line_ratio); datatrove english"`
}

// Validate checks the options.
func (o *FineWebQualityOptions) Validate() error {
	var errs []error
	if o.LinePunctThr < 0 || o.LinePunctThr > 1 {
		errs = append(errs, fmt.Errorf("line_punct_thr: must be in [0, 1], got %g", o.LinePunctThr))
	}
	if o.ShortLineThr < 0 || o.ShortLineThr > 1 {
		errs = append(errs, fmt.Errorf("short_line_thr: must be in [0, 1], got %g", o.ShortLineThr))
	}
	if o.ShortLineLength < 0 {
		errs = append(errs, fmt.Errorf("short_line_length: must be >= 0, got %d", o.ShortLineLength))
	}
	if o.CharDuplicatesRatio < 0 {
		errs = append(errs, fmt.Errorf("char_duplicates_ratio: must be >= 0, got %g", o.CharDuplicatesRatio))
	}
	if o.NewLineRatio < 0 {
		errs = append(errs, fmt.Errorf("new_line_ratio: must be >= 0, got %g", o.NewLineRatio))
	}
	for _, s := range o.StopChars {
		if s == "" {
			errs = append(errs, errors.New("stop_chars: empty entry"))
		}
	}
	return errors.Join(errs...)
}

var fineWebSignals = []string{"line_punct_ratio", "short_line_ratio", "char_dup_ratio", "list_ratio"}

// FineWebQuality is the FineWeb quality filter. Safe for concurrent use.
type FineWebQuality struct {
	o FineWebQualityOptions
}

// NewFineWebQuality builds the filter.
func NewFineWebQuality(o FineWebQualityOptions) (*FineWebQuality, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return &FineWebQuality{o: o}, nil
}

// Signals: line_punct_ratio, short_line_ratio, char_dup_ratio, list_ratio
// (newlines per word), named as the drop reasons.
func (f *FineWebQuality) Signals() []string { return fineWebSignals }

// Apply is ApplyLang with an unknown language.
func (f *FineWebQuality) Apply(text string, sig []float64) Result {
	r, _ := f.ApplyLang(text, "", sig)
	return r
}

func (f *FineWebQuality) endsWithStop(line string) bool {
	if len(f.o.StopChars) == 0 {
		r, n := lastRuneOf(line)
		return n > 0 && annotate.IsTerminalPunctuation(r)
	}
	for _, s := range f.o.StopChars {
		if strings.HasSuffix(line, s) {
			return true
		}
	}
	return false
}

// ApplyLang computes the four ratios and returns the first rule, in
// datatrove's order, that fails; "empty" when every line is blank. lang only
// selects the word splitter ("" = the language option).
func (f *FineWebQuality) ApplyLang(text, lang string, sig []float64) (Result, error) {
	s := getScratch()
	defer putScratch(s)
	if lang == "" {
		lang = f.o.Language
	}
	all := annotate.SplitNewlines(s.paras[:0], text)
	s.paras = all
	lines := s.lines[:0]
	punct, short := 0, 0
	for _, l := range all {
		line := l.Of(text)
		if annotate.IsBlank(line) {
			continue
		}
		lines = append(lines, l)
		// the line is not stripped: trailing spaces hide its punctuation.
		if f.endsWithStop(line) {
			punct++
		}
		if annotate.RuneLenAtMost(line, f.o.ShortLineLength) {
			short++
		}
	}
	s.lines = lines
	for i := range sig[:4] {
		sig[i] = 0
	}
	if len(lines) == 0 {
		return Result{Reason: "empty"}, nil
	}
	_, dupChars := s.rep.Duplicates(text, lines)
	newlines := strings.Count(text, "\n")
	var nw int
	nw, s.words = annotate.SharedWords.Count(&s.split, s.words[:0], text, lang)

	punctR := ratio(punct, len(lines))
	shortR := ratio(short, len(lines))
	dupR := ratio(dupChars, annotate.RuneLen(text)-newlines)
	listR := ratio(newlines, nw)
	sig[0], sig[1], sig[2], sig[3] = punctR, shortR, dupR, listR

	o := &f.o
	switch {
	case punctR < o.LinePunctThr && !(punctR == 0 && o.LinePunctExcludeZero):
		return Result{Reason: "line_punct_ratio"}, nil
	case shortR > o.ShortLineThr:
		return Result{Reason: "short_line_ratio"}, nil
	case dupR > o.CharDuplicatesRatio:
		return Result{Reason: "char_dup_ratio"}, nil
	case listR > o.NewLineRatio:
		return Result{Reason: "list_ratio"}, nil
	}
	return Result{}, nil
}
