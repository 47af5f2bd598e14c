package pipeline

import (
	"fmt"
	"math"
	"regexp"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/zeebo/xxh3"

	"github.com/grist/grist/annotate"
)

func init() {
	Register(Spec{
		Name:    "normalize",
		Doc:     annotate.NormalizeDoc,
		Source:  "Unicode UAX #15; whitespace rules as in CCNet and datatrove's text normalization",
		Kind:    KindMap,
		Options: annotate.NormalizeOptions{},
		New: func(opts any, env *Env) (Stage, error) {
			n, err := annotate.NewNormalizer(*opts.(*annotate.NormalizeOptions))
			if err != nil {
				return nil, err
			}
			return &MapTextStage{Rewrite: n.Normalize}, nil
		},
	})
	Register(Spec{
		Name:    "sample",
		Doc:     "keep a seeded fraction of documents, decided by a hash of the id (the same documents whatever the workers)",
		Kind:    KindFilter,
		Options: SampleOptions{},
		New:     newSample,
	})
	Register(Spec{
		Name:    "select",
		Doc:     "keep documents whose metadata field equals one of the values or matches a pattern",
		Kind:    KindFilter,
		Options: SelectOptions{},
		New:     newSelect,
	})
}

// SampleOptions configure the sample stage.
type SampleOptions struct {
	Fraction float64 `yaml:"fraction" default:"0.1" doc:"share of documents kept, in (0, 1]"`
	Seed     *int64  `yaml:"seed" doc:"seed of the hash (default: the run's seed)"`
}

// Validate checks the options.
func (o *SampleOptions) Validate() error {
	if !(o.Fraction > 0 && o.Fraction <= 1) {
		return fmt.Errorf("fraction: must be in (0, 1], got %g", o.Fraction)
	}
	return nil
}

func newSample(opts any, env *Env) (Stage, error) {
	o := opts.(*SampleOptions)
	seed := uint64(env.Seed)
	if o.Seed != nil {
		seed = uint64(*o.Seed)
	}
	limit := uint64(o.Fraction * math.MaxUint64)
	if o.Fraction >= 1 {
		limit = math.MaxUint64
	}
	return &RowFilterStage{Decide: func(rec arrow.Record, row int) string {
		ids, err := stringColumn(rec, ColID)
		if err != nil {
			return ""
		}
		if xxh3.HashStringSeed(ids.Value(row), seed) <= limit {
			return ""
		}
		return "not_sampled"
	}}, nil
}

// SelectOptions configure the select stage.
type SelectOptions struct {
	Field   string   `yaml:"field" doc:"metadata column to test (required)"`
	Values  []string `yaml:"values" doc:"keep rows whose field, as text, equals one of these"`
	Pattern string   `yaml:"pattern" doc:"keep rows whose field matches this regular expression (RE2 syntax)"`
	Invert  bool     `yaml:"invert" default:"false" doc:"keep the rows that do not match instead"`
}

// Validate checks the options.
func (o *SelectOptions) Validate() error {
	if o.Field == "" {
		return fmt.Errorf("field: required")
	}
	if len(o.Values) == 0 && o.Pattern == "" {
		return fmt.Errorf("values: give values or a pattern")
	}
	if o.Pattern != "" {
		if _, err := regexp.Compile(o.Pattern); err != nil {
			return fmt.Errorf("pattern: %v", err)
		}
	}
	return nil
}

func newSelect(opts any, env *Env) (Stage, error) {
	o := opts.(*SelectOptions)
	values := map[string]bool{}
	for _, v := range o.Values {
		values[v] = true
	}
	var re *regexp.Regexp
	if o.Pattern != "" {
		re = regexp.MustCompile(o.Pattern)
	}
	return &RowFilterStage{Decide: func(rec arrow.Record, row int) string {
		idx := rec.Schema().FieldIndices(o.Field)
		match, present := false, false
		if len(idx) > 0 {
			var v string
			if v, present = columnString(rec.Column(idx[0]), row); present {
				match = values[v] || (re != nil && re.MatchString(v))
			}
		}
		if match != o.Invert {
			return ""
		}
		if !present {
			return "missing_field" // absent or null
		}
		return "no_match"
	}}, nil
}
