package filters

import (
	"errors"
	"math"
	"strconv"

	"github.com/grist/grist/annotate"
)

// GopherRepetitionDoc describes the gopher_repetition stage.
const GopherRepetitionDoc = "Gopher repetition heuristics (Rae et al. 2021, Table A1; datatrove GopherRepetitionFilter): duplicate lines and paragraphs, most frequent 2-4-grams, duplicated 5-10-grams"

// GopherRepetitionOptions configure GopherRepetition: each is the largest
// allowed fraction; nil or 0 disables the rule, as in datatrove.
type GopherRepetitionOptions struct {
	DupLineFrac     *float64 `yaml:"dup_line_frac" default:"0.3" doc:"max share of lines (split on newline runs) equal to an earlier line; Gopher/datatrove 0.3"`
	DupParaFrac     *float64 `yaml:"dup_para_frac" default:"0.3" doc:"max share of paragraphs (split on 2+ newlines) equal to an earlier one; Gopher/datatrove 0.3"`
	DupLineCharFrac *float64 `yaml:"dup_line_char_frac" default:"0.2" doc:"max characters in duplicate lines over document characters; Gopher/datatrove 0.2"`
	DupParaCharFrac *float64 `yaml:"dup_para_char_frac" default:"0.2" doc:"max characters in duplicate paragraphs over document characters; Gopher/datatrove 0.2"`
	Top2GramFrac    *float64 `yaml:"top_2_gram_frac" default:"0.2" doc:"max characters of the most frequent word 2-gram (times its count) over document characters; Gopher/datatrove 0.2"`
	Top3GramFrac    *float64 `yaml:"top_3_gram_frac" default:"0.18" doc:"same for 3-grams; Gopher/datatrove 0.18"`
	Top4GramFrac    *float64 `yaml:"top_4_gram_frac" default:"0.16" doc:"same for 4-grams; Gopher/datatrove 0.16"`
	Dup5GramFrac    *float64 `yaml:"dup_5_gram_frac" default:"0.15" doc:"max characters in repeated word 5-grams over document characters; Gopher/datatrove 0.15"`
	Dup6GramFrac    *float64 `yaml:"dup_6_gram_frac" default:"0.14" doc:"same for 6-grams; Gopher/datatrove 0.14"`
	Dup7GramFrac    *float64 `yaml:"dup_7_gram_frac" default:"0.13" doc:"same for 7-grams; Gopher/datatrove 0.13"`
	Dup8GramFrac    *float64 `yaml:"dup_8_gram_frac" default:"0.12" doc:"same for 8-grams; Gopher/datatrove 0.12"`
	Dup9GramFrac    *float64 `yaml:"dup_9_gram_frac" default:"0.11" doc:"same for 9-grams; Gopher/datatrove 0.11"`
	Dup10GramFrac   *float64 `yaml:"dup_10_gram_frac" default:"0.10" doc:"same for 10-grams; Gopher/datatrove 0.10"`
	Language        string   `yaml:"language" default:"en" doc:"language of the word splitter for documents without a language: English rules for en, Unicode word segmentation otherwise; datatrove english"`
}

// Validate checks the options.
func (o *GopherRepetitionOptions) Validate() error {
	var errs []error
	for _, f := range o.fields() {
		errs = append(errs, checkRatio(f.key, f.p))
	}
	return errors.Join(errs...)
}

type fracField struct {
	key, signal string
	p           *float64
	n           int // n-gram size, 0 for lines and paragraphs
	top         bool
}

// fields lists the rules in datatrove's order.
func (o *GopherRepetitionOptions) fields() []fracField {
	f := []fracField{
		{"dup_para_frac", "dup_para_frac", o.DupParaFrac, 0, false},
		{"dup_para_char_frac", "dup_para_char_frac", o.DupParaCharFrac, 0, false},
		{"dup_line_frac", "dup_line_frac", o.DupLineFrac, 0, false},
		{"dup_line_char_frac", "dup_line_char_frac", o.DupLineCharFrac, 0, false},
	}
	for n, p := range []*float64{o.Top2GramFrac, o.Top3GramFrac, o.Top4GramFrac} {
		k := strconv.Itoa(n + 2)
		f = append(f, fracField{"top_" + k + "_gram_frac", "top_" + k + "_gram", p, n + 2, true})
	}
	for n, p := range []*float64{o.Dup5GramFrac, o.Dup6GramFrac, o.Dup7GramFrac, o.Dup8GramFrac, o.Dup9GramFrac, o.Dup10GramFrac} {
		k := strconv.Itoa(n + 5)
		f = append(f, fracField{"dup_" + k + "_gram_frac", "duplicated_" + k + "_n_grams", p, n + 5, false})
	}
	return f
}

// GopherRepetition is the Gopher repetition filter. Safe for concurrent use.
type GopherRepetition struct {
	o       GopherRepetitionOptions
	rules   []fracField
	signals []string
}

// NewGopherRepetition builds the filter.
func NewGopherRepetition(o GopherRepetitionOptions) (*GopherRepetition, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	g := &GopherRepetition{o: o, rules: o.fields()}
	for _, f := range g.rules {
		g.signals = append(g.signals, f.signal)
	}
	return g, nil
}

// Signals are the measured fractions, named as datatrove's drop reasons:
// dup_para_frac, dup_para_char_frac, dup_line_frac, dup_line_char_frac,
// top_2_gram..top_4_gram, duplicated_5_n_grams..duplicated_10_n_grams. A
// disabled rule's signal is NaN (not computed).
func (g *GopherRepetition) Signals() []string { return g.signals }

// Apply is ApplyLang with an unknown language.
func (g *GopherRepetition) Apply(text string, sig []float64) Result {
	r, _ := g.ApplyLang(text, "", sig)
	return r
}

// ApplyLang computes every enabled fraction and returns the first rule, in
// datatrove's order, whose fraction exceeds its threshold. lang only selects
// the word splitter ("" = the language option).
func (g *GopherRepetition) ApplyLang(text, lang string, sig []float64) (Result, error) {
	s := getScratch()
	defer putScratch(s)
	if lang == "" {
		lang = g.o.Language
	}
	chars := annotate.RuneLen(text)

	s.paras = annotate.SplitParagraphs(s.paras[:0], text)
	pd, pdc := s.rep.Duplicates(text, s.paras)
	s.lines = annotate.SplitNewlineRuns(s.lines[:0], text)
	ld, ldc := s.rep.Duplicates(text, s.lines)
	sig[0], sig[1] = ratio(pd, len(s.paras)), ratio(pdc, chars)
	sig[2], sig[3] = ratio(ld, len(s.lines)), ratio(ldc, chars)

	needWords := false
	for _, f := range g.rules[4:] {
		needWords = needWords || enabledF(f.p)
	}
	if needWords {
		s.words = annotate.SharedWords.Split(&s.split, s.words[:0], text, lang)
		s.rep.Reset(text, s.words)
	}
	for i := 4; i < len(g.rules); i++ {
		f := g.rules[i]
		switch {
		case !enabledF(f.p):
			sig[i] = math.NaN()
		case f.top:
			sig[i] = ratio(s.rep.TopNGramRunes(f.n), chars)
		default:
			sig[i] = ratio(s.rep.DupNGramRunes(f.n), chars)
		}
	}
	for i, f := range g.rules {
		if enabledF(f.p) && sig[i] > *f.p {
			return Result{Reason: f.signal}, nil
		}
	}
	return Result{}, nil
}
