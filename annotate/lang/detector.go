package lang

import (
	"fmt"
	"slices"
	"sync"
	"unsafe"

	"golang.org/x/text/unicode/norm"
)

// Detector detects the language of documents. Build one per run with
// NewDetector; it is safe for concurrent use (per-call scratch is pooled).
type Detector struct {
	enabled   langSet
	langs     []language // enabled, ascending
	oneLang   [numAlphabets + 1]language
	unique    [letterTabSize]uint8  // letter -> 1 + language it proves (enabled only), or 0
	alphaLang [numAlphabets]langSet // enabled languages writing each alphabet
	shared    [letterTabSize]uint8  // letter -> 1 + index into sharedSets, or 0
	sharedSet []langSet             // languages sharing letters (all, unfiltered)
	model     *ngramModel
	high      ShortTextScorer // accuracy high: documents under 120 letters
	short     *ngramModel     // accuracy compact: pruned 4- and 5-gram table
	minScore  float64
	maxChars  int
	keep      map[string]bool
	pool      sync.Pool
}

// letterTabSize bounds the letters of uniqueCharacters and
// sharedCharacters (all below U+1F00), so that lookups are array loads.
const letterTabSize = 0x1F00

// scratch is one call's working memory, reused through Detector.pool.
type scratch struct {
	sample    []byte
	nfc       []byte
	runes     []rune     // lower-cased letters of all words
	wordEnd   []int32    // word i ends at runes[wordEnd[i]]
	wordAlpha []alphabet // the alphabet of each word
	keys      []uint64   // distinct trigrams, sorted
	spans     []span     // postings of keys
	runs      []run      // runs of keys sharing a bigram prefix
	sums      langSums
	tmpKeys   []uint64
	counts    [1 << radixBits]int32
	// scoreShort's distinct n-grams by order and multiplicities.
	g1, g2, g3 []uint64
	g4, g5     []gram45
	m2, m3, m4 []int32
}

// NewDetector builds the detector the options ask for: the embedded trigram
// table (parsed once per process and shared), plus the embedded pruned 4-
// and 5-gram table when accuracy is compact (also parsed once), or
// lingua-go's own high-accuracy detector when accuracy is high.
func NewDetector(opts LangOptions) (*Detector, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	m, err := loadModel()
	if err != nil {
		return nil, err
	}
	d := &Detector{model: m, minScore: opts.MinScore, maxChars: opts.MaxChars}
	if len(opts.Languages) == 0 {
		d.langs = allLanguages()
	} else {
		for _, c := range opts.Languages {
			l, _ := languageOf(c)
			d.langs = append(d.langs, l)
		}
		slices.Sort(d.langs)
	}
	for _, l := range d.langs {
		d.enabled.add(l)
	}
	if len(d.langs) < numLangs {
		d.model = m.restrict(d.enabled)
	}
	// An alphabet written by exactly one of all lingua languages decides the
	// language of its letters, when that language is enabled.
	var writers [numAlphabets][]language
	for _, l := range allLanguages() {
		for _, a := range languageAlphabets(l) {
			writers[a] = append(writers[a], l)
			if d.enabled.has(l) {
				d.alphaLang[a].add(l)
			}
		}
	}
	for a := range d.oneLang {
		d.oneLang[a] = unknown
		if a < int(numAlphabets) && len(writers[a]) == 1 && d.enabled.has(writers[a][0]) {
			d.oneLang[a] = writers[a][0]
		}
	}
	for l, chars := range uniqueCharacters {
		if d.enabled.has(l) {
			for _, r := range chars {
				if r < letterTabSize {
					d.unique[r] = uint8(l) + 1
				}
			}
		}
	}
	for chars, ls := range sharedCharacters {
		var s langSet
		for _, l := range ls {
			s.add(l)
		}
		d.sharedSet = append(d.sharedSet, s)
		for _, r := range chars {
			d.shared[r] = uint8(len(d.sharedSet))
		}
	}
	if opts.Accuracy == "compact" {
		if d.short, err = loadShort(); err != nil {
			return nil, err
		}
	}
	if opts.Accuracy == "high" {
		codes := make([]string, len(d.langs))
		for i, l := range d.langs {
			codes[i] = isoCode(l)
		}
		if d.high, err = newHigh(codes); err != nil {
			return nil, fmt.Errorf("accuracy: %w", err)
		}
	}
	if len(opts.Keep) > 0 {
		d.keep = map[string]bool{}
		for _, c := range opts.Keep {
			d.keep[c] = true
		}
	}
	d.pool.New = func() any { return new(scratch) }
	return d, nil
}

// Detect returns the ISO 639-1 code of text's language and lingua's
// confidence in it (1 when the script or the letters decide it). The code
// is Undetermined for text without letters, in a script of no candidate
// language, when two languages tie, or when the score is below min_score
// (the score is still returned).
func (d *Detector) Detect(text string) (code string, score float64) {
	l, score := d.detect(text)
	if l == unknown || score < d.minScore {
		return Undetermined, score
	}
	return isoCode(l), score
}

// Apply is Detect plus the keep decision: reason is "" to keep the
// document, "lang_low_score" when it is below min_score and und is not
// kept, or "lang_not_kept" when its language is not in keep.
func (d *Detector) Apply(text string) (code string, score float64, reason string) {
	l, score := d.detect(text)
	low := l != unknown && score < d.minScore
	code = isoCode(l)
	if low {
		code = Undetermined
	}
	return code, score, d.reason(code, low)
}

// Reason returns the keep decision for a code and score from Detect, as
// Apply does (und with a positive score is und for being below min_score:
// und otherwise comes with score 0).
func (d *Detector) Reason(code string, score float64) string {
	return d.reason(code, code == Undetermined && score > 0)
}

func (d *Detector) reason(code string, low bool) string {
	if d.keep == nil {
		return ""
	}
	if low {
		if d.keep[Undetermined] {
			return ""
		}
		return "lang_low_score"
	}
	if d.keep[code] {
		return ""
	}
	return "lang_not_kept"
}

// belowU0300 reports whether text has only code points below U+0300 (UTF-8
// lead bytes below 0xCC): such text is in NFC, since every code point that
// can compose or reorder is at or above U+0300.
func belowU0300(text string) bool {
	for i := 0; i < len(text); i++ {
		if text[i] >= 0xCC {
			return false
		}
	}
	return true
}

func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// detect implements lingua-go's ComputeLanguageConfidenceValues +
// DetectLanguageOf on a bounded NFC sample; see doc.go for the rules.
func (d *Detector) detect(text string) (language, float64) {
	sc := d.pool.Get().(*scratch)
	defer d.pool.Put(sc)
	var sampled bool
	sc.sample, sampled = sampleText(sc.sample, text, d.maxChars)
	if sampled {
		text = bytesString(sc.sample)
	}
	if !belowU0300(text) && norm.NFC.QuickSpanString(text) < len(text) {
		sc.nfc = norm.NFC.AppendString(sc.nfc[:0], text)
		text = bytesString(sc.nfc)
	}
	sc.splitWords(text)
	nw := len(sc.wordEnd)
	if nw == 0 {
		return unknown, 0
	}
	if l := d.ruleLanguage(sc); l != unknown {
		return l, 1
	}
	cand := d.filterLanguages(sc)
	if n := cand.count(); n == 1 {
		return cand.first(), 1
	}
	chars := len(sc.runes)
	if d.short != nil && chars < 120 {
		// lingua's high accuracy mode, with the pruned 4- and 5-gram table.
		return d.scoreShort(sc, cand)
	}
	if d.high != nil && chars < 120 {
		// lingua scores short texts with 1- to 5-gram models in high
		// accuracy mode; those are not embedded here (~120 MB zipped).
		code, score := d.high(text)
		l, ok := languageOf(code)
		if !ok || !d.enabled.has(l) {
			return unknown, 0
		}
		return l, score
	}
	if d.high == nil && d.short == nil && chars < 3 {
		return unknown, 0
	}
	return d.scoreTrigrams(sc, cand)
}
