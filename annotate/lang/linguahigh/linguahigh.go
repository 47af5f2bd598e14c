// Package linguahigh makes accuracy high of package lang available: it
// links lingua-go (github.com/pemistahl/lingua-go, Apache-2.0, Copyright
// Peter M. Stahl) with its embedded unigram to fivegram models (about
// 150 MB of binary) and registers its high-accuracy detector as lang's
// scorer of documents under 120 letters. Import it for its side effect:
//
//	import _ "github.com/grist/grist/annotate/lang/linguahigh"
//
// lingua-go loads a language's models on first use (about 2 GB for all 75
// languages) and its detector is safe for concurrent use.
package linguahigh

import (
	"fmt"
	"strings"

	"github.com/pemistahl/lingua-go"

	"github.com/grist/grist/annotate/lang"
)

func init() { lang.RegisterHighAccuracy(New) }

// New builds lingua-go's high-accuracy detector over the languages with the
// given ISO 639-1 codes (at least 2) and returns its scorer: the most
// likely language and its confidence, or lang.Undetermined and 0 when
// lingua-go cannot tell (no letters, tie).
func New(codes []string) (lang.ShortTextScorer, error) {
	if len(codes) < 2 {
		return nil, fmt.Errorf("need at least 2 languages, got %d", len(codes))
	}
	isos := make([]lingua.IsoCode639_1, len(codes))
	for i, c := range codes {
		isos[i] = lingua.GetIsoCode639_1FromValue(c)
		if isos[i] == lingua.UnknownIsoCode639_1 {
			return nil, fmt.Errorf("unknown ISO 639-1 code %q", c)
		}
	}
	det := lingua.NewLanguageDetectorBuilder().FromIsoCodes639_1(isos...).Build()
	return func(text string) (string, float64) {
		vals := det.ComputeLanguageConfidenceValues(text)
		if len(vals) < 2 || vals[0].Value() == vals[1].Value() {
			return lang.Undetermined, 0
		}
		return strings.ToLower(vals[0].Language().IsoCode639_1().String()), vals[0].Value()
	}, nil
}
