package filters

import (
	"errors"
	"fmt"
	"math"

	"github.com/grist/grist/annotate"
)

// GopherQualityDoc describes the gopher_quality stage.
const GopherQualityDoc = "Gopher quality heuristics (Rae et al. 2021, MassiveText; datatrove GopherQualityFilter): document length, mean word length, symbol ratios, bullet and ellipsis lines, alphabetic words, stop words"

// GopherQualityOptions configure GopherQuality. A nil or 0 threshold disables
// its rule, as in datatrove.
type GopherQualityOptions struct {
	MinDocWords           *int     `yaml:"min_doc_words" default:"50" doc:"drop documents with fewer words (punctuation-only words not counted); Gopher/datatrove 50"`
	MaxDocWords           *int     `yaml:"max_doc_words" default:"100000" doc:"drop documents with more words (punctuation-only words not counted); Gopher/datatrove 100000"`
	MinAvgWordLength      *float64 `yaml:"min_avg_word_length" default:"3" doc:"drop documents whose mean word length, in characters, is below; Gopher/datatrove 3; only for documents in language"`
	MaxAvgWordLength      *float64 `yaml:"max_avg_word_length" default:"10" doc:"drop documents whose mean word length, in characters, is above; Gopher/datatrove 10; only for documents in language"`
	MaxSymbolWordRatio    *float64 `yaml:"max_symbol_word_ratio" default:"0.1" doc:"drop documents with more '#', or more '...' and '…', per word than this; Gopher/datatrove 0.1"`
	MaxBulletLinesRatio   *float64 `yaml:"max_bullet_lines_ratio" default:"0.9" doc:"drop documents with a larger share of lines starting with '•' or '-'; Gopher/datatrove 0.9"`
	MaxEllipsisLinesRatio *float64 `yaml:"max_ellipsis_lines_ratio" default:"0.3" doc:"drop documents with a larger share of lines ending with '...' or '…'; Gopher/datatrove 0.3"`
	MaxNonAlphaWordsRatio *float64 `yaml:"max_non_alpha_words_ratio" default:"0.8" doc:"despite the datatrove name, the MINIMUM share of words with an alphabetic character; drop below; Gopher/datatrove 0.8"`
	MinStopWords          *int     `yaml:"min_stop_words" default:"2" doc:"drop documents with fewer distinct stop words; Gopher/datatrove 2; only for documents in language"`
	StopWords             []string `yaml:"stop_words" default:"the,be,to,of,and,that,have,with" doc:"stop words of language, matched case-sensitively; Gopher/datatrove list"`
	Language              string   `yaml:"language" default:"en" doc:"language of stop_words and of the word-length bounds; documents whose language is known and different skip those two rules; datatrove english"`
}

// Validate checks the options.
func (o *GopherQualityOptions) Validate() error {
	return errors.Join(
		checkNonNeg("min_doc_words", o.MinDocWords),
		checkNonNeg("max_doc_words", o.MaxDocWords),
		checkNonNegF("min_avg_word_length", o.MinAvgWordLength),
		checkNonNegF("max_avg_word_length", o.MaxAvgWordLength),
		checkNonNegF("max_symbol_word_ratio", o.MaxSymbolWordRatio),
		checkRatio("max_bullet_lines_ratio", o.MaxBulletLinesRatio),
		checkRatio("max_ellipsis_lines_ratio", o.MaxEllipsisLinesRatio),
		checkRatio("max_non_alpha_words_ratio", o.MaxNonAlphaWordsRatio),
		checkNonNeg("min_stop_words", o.MinStopWords),
	)
}

func checkNonNegF(key string, p *float64) error {
	if p != nil && (*p < 0 || math.IsNaN(*p)) {
		return fmt.Errorf("%s: must be >= 0, got %g", key, *p)
	}
	return nil
}

// Signals of gopher_quality, in order.
var gopherQualitySignals = []string{
	"words", "avg_word_length", "hash_ratio", "ellipsis_ratio",
	"bullet_lines_ratio", "end_ellipsis_lines_ratio", "alpha_words_ratio", "stop_words",
}

// GopherQuality is the Gopher quality filter. Safe for concurrent use.
type GopherQuality struct {
	o    GopherQualityOptions
	stop *annotate.StopWords
}

// NewGopherQuality builds the filter.
func NewGopherQuality(o GopherQualityOptions) (*GopherQuality, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return &GopherQuality{o: o, stop: annotate.NewStopWords(o.StopWords)}, nil
}

// Signals: words (non-punctuation words), avg_word_length (NaN without
// words), hash_ratio, ellipsis_ratio, bullet_lines_ratio,
// end_ellipsis_lines_ratio, alpha_words_ratio, stop_words (distinct).
func (g *GopherQuality) Signals() []string { return gopherQualitySignals }

// Apply is ApplyLang with an unknown language.
func (g *GopherQuality) Apply(text string, sig []float64) Result {
	r, _ := g.ApplyLang(text, "", sig)
	return r
}

// ApplyLang applies the rules in datatrove's order. lang selects the word
// splitter ("" = the language option); the stop-word and word-length rules
// only apply when lang is "" or the option's language.
func (g *GopherQuality) ApplyLang(text, lang string, sig []float64) (Result, error) {
	s := getScratch()
	defer putScratch(s)
	docLang := lang
	if docLang == "" {
		docLang = g.o.Language
	}
	own := lang == "" || sameLanguage(lang, g.o.Language)

	s.words = annotate.SharedWords.Split(&s.split, s.words[:0], text, docLang)
	ws := annotate.CountWords(text, s.words)
	var ls annotate.GopherLineStats
	ls, s.lines = annotate.CountGopherLines(text, s.lines)
	var stops int
	stops, s.seen = g.stop.CountDistinct(text, s.words, s.seen)

	avg := math.NaN()
	if ws.NonSymbol > 0 {
		avg = float64(ws.NonSymbolRunes) / float64(ws.NonSymbol)
	}
	hashR, ellR, alphaR := ratio(ls.TextHashes, ws.Words), ratio(ls.TextEllipses, ws.Words), ratio(ws.Alpha, ws.Words)
	bulletR, endEllR := ratio(ls.Bullet, ls.Lines), ratio(ls.EndEllipsis, ls.Lines)
	sig[0], sig[1], sig[2], sig[3] = float64(ws.NonSymbol), avg, hashR, ellR
	sig[4], sig[5], sig[6], sig[7] = bulletR, endEllR, alphaR, float64(stops)

	o := &g.o
	switch {
	case enabledI(o.MinDocWords) && ws.NonSymbol < *o.MinDocWords:
		return Result{Reason: "gopher_short_doc"}, nil
	case enabledI(o.MaxDocWords) && ws.NonSymbol > *o.MaxDocWords:
		return Result{Reason: "gopher_long_doc"}, nil
	case own && enabledF(o.MinAvgWordLength) && avg < *o.MinAvgWordLength:
		return Result{Reason: "gopher_below_avg_threshold"}, nil
	case own && enabledF(o.MaxAvgWordLength) && avg > *o.MaxAvgWordLength:
		return Result{Reason: "gopher_above_avg_threshold"}, nil
	case enabledF(o.MaxSymbolWordRatio) && ws.Words > 0 && hashR > *o.MaxSymbolWordRatio:
		return Result{Reason: "gopher_too_many_hashes"}, nil
	case enabledF(o.MaxSymbolWordRatio) && ws.Words > 0 && ellR > *o.MaxSymbolWordRatio:
		return Result{Reason: "gopher_too_many_ellipsis"}, nil
	case enabledF(o.MaxBulletLinesRatio) && ls.Lines > 0 && bulletR > *o.MaxBulletLinesRatio:
		return Result{Reason: "gopher_too_many_bullets"}, nil
	case enabledF(o.MaxEllipsisLinesRatio) && ls.Lines > 0 && endEllR > *o.MaxEllipsisLinesRatio:
		return Result{Reason: "gopher_too_many_end_ellipsis"}, nil
	case enabledF(o.MaxNonAlphaWordsRatio) && ws.Words > 0 && alphaR < *o.MaxNonAlphaWordsRatio:
		return Result{Reason: "gopher_below_alpha_threshold"}, nil
	case own && enabledI(o.MinStopWords) && stops < *o.MinStopWords:
		return Result{Reason: "gopher_enough_stop_words"}, nil
	}
	return Result{}, nil
}

// ratio is a/b, 0 when b is 0.
func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
