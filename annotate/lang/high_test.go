package lang

import (
	"strings"
	"testing"

	"github.com/pemistahl/lingua-go"
)

// The tests link accuracy high as package linguahigh does (which they cannot
// import: it imports this package).
func init() {
	RegisterHighAccuracy(func(codes []string) (ShortTextScorer, error) { return linguaHigh(codes, false), nil })
}

// linguaHigh is lingua-go's high-accuracy detector over codes as a
// ShortTextScorer; preload loads its models at once.
func linguaHigh(codes []string, preload bool) ShortTextScorer {
	var isos []lingua.IsoCode639_1
	for _, c := range codes {
		isos = append(isos, lingua.GetIsoCode639_1FromValue(c))
	}
	b := lingua.NewLanguageDetectorBuilder().FromIsoCodes639_1(isos...)
	if preload {
		b = b.WithPreloadedLanguageModels()
	}
	det := b.Build()
	return func(text string) (string, float64) {
		vals := det.ComputeLanguageConfidenceValues(text)
		if len(vals) < 2 || vals[0].Value() == vals[1].Value() {
			return Undetermined, 0
		}
		return strings.ToLower(vals[0].Language().IsoCode639_1().String()), vals[0].Value()
	}
}

func TestHighNeedsRegistration(t *testing.T) {
	highMu.Lock()
	saved := highFactory
	highFactory = nil
	highMu.Unlock()
	defer RegisterHighAccuracy(saved)
	opts := withDefaults(&LangOptions{Accuracy: "high"})
	if err := opts.Validate(); err == nil || !strings.HasPrefix(err.Error(), "accuracy:") {
		t.Errorf("Validate = %v, want an accuracy: error", err)
	}
	if _, err := NewDetector(*opts); err == nil {
		t.Error("NewDetector accepted accuracy high without a scorer")
	}
	if _, err := NewDetector(*withDefaults(&LangOptions{})); err != nil {
		t.Errorf("low: %v", err)
	}
}

// TestHighShortTexts: under 120 letters accuracy high answers what lingua-go's
// high accuracy mode answers; from 120 letters on, what its low mode does.
func TestHighShortTexts(t *testing.T) {
	if testing.Short() {
		t.Skip("loads lingua-go's 1- to 5-gram models")
	}
	d := newTestDetector(t, LangOptions{Accuracy: "high", Languages: []string{"en", "de", "nl", "da", "sv", "nb"}})
	ref := linguaHigh([]string{"en", "de", "nl", "da", "sv", "nb"}, false)
	for _, text := range []string{"bank", "Er hat", "de kat", "Han har en hund", "the sea", "Vi er glade for at se jer"} {
		got, score := d.Detect(text)
		want, wantScore := ref(text)
		if got != want || abs(score-wantScore) > 1e-9 {
			t.Errorf("%q: got %s %v, lingua-go high %s %v", text, got, score, want, wantScore)
		}
	}
}
