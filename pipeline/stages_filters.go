package pipeline

import (
	"github.com/grist/grist/filters"
)

func init() {
	registerFilter("length", filters.LengthDoc, "", filters.NewLength)
	registerFilter("gopher_quality", filters.GopherQualityDoc, "Rae et al. 2021 (Gopher), datatrove GopherQualityFilter defaults", filters.NewGopherQuality)
	registerFilter("gopher_repetition", filters.GopherRepetitionDoc, "Rae et al. 2021 (Gopher) Table A1, datatrove GopherRepetitionFilter defaults", filters.NewGopherRepetition)
	registerFilter("c4_quality", filters.C4QualityDoc, "Raffel et al. 2020 (C4), datatrove C4QualityFilter defaults", filters.NewC4Quality)
	registerFilter("c4_badwords", filters.C4BadWordsDoc, "Raffel et al. 2020 (C4), LDNOOBW word lists (CC-BY-4.0)", filters.NewC4BadWords)
	registerFilter("fineweb_quality", filters.FineWebQualityDoc, "Penedo et al. 2024 (FineWeb), datatrove FineWebQualityFilter defaults", filters.NewFineWebQuality)
}

// registerFilter declares a quality rule of the filters package as a stage.
// Its options struct, rule and description stay in filters; the constructor
// doubles as the option check so `grist validate` reports bad values.
func registerFilter[O any, F filters.Filter](name, doc, source string, build func(O) (F, error)) {
	var zero O
	Register(Spec{
		Name:      name,
		Doc:       doc,
		Source:    source,
		Kind:      KindFilter,
		Options:   zero,
		Annotates: true,
		Check: func(opts any) error {
			_, err := build(*opts.(*O))
			return err
		},
		New: func(opts any, env *Env) (Stage, error) {
			f, err := build(*opts.(*O))
			if err != nil {
				return nil, err
			}
			return &TextFilterStage{Name: env.Name, Filter: f, Drop: env.Drop}, nil
		},
	})
}
