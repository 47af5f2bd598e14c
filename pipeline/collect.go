package pipeline

import (
	"bufio"
	"bytes"
	"math"
	"math/bits"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/zeebo/xxh3"
)

// What a run collects for its report, besides the counts: fixed-bin
// histograms and bottom-k samples, kept per task in Stats and merged like the
// counts. Both are bounded by construction (bins and k), so stats.json stays
// small whatever the corpus size, and both are deterministic: histograms are
// sums, and a bottom-k sample by a seeded hash of the document id holds the
// same documents whatever the workers and the task order.

// Histogram scales.
const (
	ScaleLog2     = "log2"     // bin 0: v < 1; bin b >= 1: 2^(b-1) <= v < 2^b
	ScaleLinear   = "linear"   // LinearBins equal bins over [Lo, Hi], values clamped
	ScaleCategory = "category" // counts per label
)

// Histogram sizes.
const (
	Log2Bins   = 48
	LinearBins = 20
)

// Sample sizes and the text kept per sampled document (characters).
const (
	SampleKeptK     = 5
	SampleRejectedK = 3
	SampleTextChars = 500
)

// Histogram keys that are not per-signal.
const (
	HistDocCharsRead    = "doc_chars_read"
	HistDocCharsWritten = "doc_chars_written"
	HistTokensPerDoc    = "tokens_per_doc"
	HistLang            = "lang"
	HistLangScore       = "lang_score"
	SampleKept          = "kept"
	SampleRejectedPre   = "rejected:" // + stage:reason
)

// Histogram is a fixed-bin histogram (or, with ScaleCategory, counts per
// label). N counts every value offered, NaN included; Sum sums the others.
type Histogram struct {
	Scale      string             `json:"scale"`
	Lo         float64            `json:"lo,omitempty"`
	Hi         float64            `json:"hi,omitempty"`
	Counts     []int64            `json:"counts,omitempty"`
	Categories map[string]int64   `json:"categories,omitempty"`
	N          int64              `json:"n"`
	NaN        int64              `json:"nan,omitempty"`
	Sum        float64            `json:"sum"`
	Step       int                `json:"step"`
	Stage      string             `json:"stage,omitempty"`
	Signal     string             `json:"signal,omitempty"`
	Thresholds map[string]float64 `json:"thresholds,omitempty"` // option yaml key -> value, for signals
}

// NewHistogram makes an empty histogram of a scale.
func NewHistogram(scale string) *Histogram {
	h := &Histogram{Scale: scale, Step: -1}
	switch scale {
	case ScaleLog2:
		h.Counts = make([]int64, Log2Bins)
	case ScaleLinear:
		h.Counts = make([]int64, LinearBins)
		h.Hi = 1
	case ScaleCategory:
		h.Categories = map[string]int64{}
	}
	return h
}

// Bin returns the bin of v (not for NaN or categories).
func (h *Histogram) Bin(v float64) int {
	if h.Scale == ScaleLinear {
		b := int((v - h.Lo) / (h.Hi - h.Lo) * float64(len(h.Counts)))
		return max(0, min(len(h.Counts)-1, b))
	}
	if v < 1 {
		return 0
	}
	if v >= math.MaxInt64 {
		return len(h.Counts) - 1
	}
	return min(len(h.Counts)-1, bits.Len64(uint64(v)))
}

// BinBounds returns the interval [lo, hi) of bin b.
func (h *Histogram) BinBounds(b int) (lo, hi float64) {
	if h.Scale == ScaleLinear {
		w := (h.Hi - h.Lo) / float64(len(h.Counts))
		return h.Lo + float64(b)*w, h.Lo + float64(b+1)*w
	}
	if b == 0 {
		return 0, 1
	}
	return math.Ldexp(1, b-1), math.Ldexp(1, b)
}

// Add counts one value.
func (h *Histogram) Add(v float64) {
	h.N++
	if math.IsNaN(v) {
		h.NaN++
		return
	}
	h.Sum += v
	h.Counts[h.Bin(v)]++
}

// AddLabel counts one label of a category histogram.
func (h *Histogram) AddLabel(label string) {
	h.N++
	if _, ok := h.Categories[label]; !ok {
		label = strings.Clone(label)
	}
	h.Categories[label]++
}

// Merge adds o into h.
func (h *Histogram) Merge(o *Histogram) {
	h.N += o.N
	h.NaN += o.NaN
	h.Sum += o.Sum
	if len(o.Counts) > len(h.Counts) {
		h.Counts = append(h.Counts, make([]int64, len(o.Counts)-len(h.Counts))...)
	}
	for i, c := range o.Counts {
		h.Counts[i] += c
	}
	addMap(&h.Categories, o.Categories)
	for k, v := range o.Thresholds {
		if h.Thresholds == nil {
			h.Thresholds = map[string]float64{}
		}
		h.Thresholds[k] = v
	}
}

// SampleDoc is one sampled document.
type SampleDoc struct {
	ID    string `json:"id"`
	Hash  uint64 `json:"hash"`
	Chars int    `json:"chars"` // length of the whole text in characters
	Text  string `json:"text"`  // the first SampleTextChars characters
}

// SampleSet is a bottom-k sample: the K documents with the smallest hashes,
// in hash order.
type SampleSet struct {
	K    int         `json:"k"`
	Docs []SampleDoc `json:"docs"`
}

func sampleLess(a, b *SampleDoc) bool {
	if a.Hash != b.Hash {
		return a.Hash < b.Hash
	}
	return a.ID < b.ID
}

// wants reports whether a document of this hash would enter the sample.
func (s *SampleSet) wants(h uint64, id string) bool {
	if len(s.Docs) < s.K {
		return true
	}
	last := &s.Docs[len(s.Docs)-1]
	return h < last.Hash || h == last.Hash && id < last.ID
}

// offer inserts a document if its hash is among the K smallest.
func (s *SampleSet) offer(d SampleDoc) {
	i := sort.Search(len(s.Docs), func(i int) bool { return !sampleLess(&s.Docs[i], &d) })
	if i < len(s.Docs) && s.Docs[i].Hash == d.Hash && s.Docs[i].ID == d.ID {
		return
	}
	if i >= s.K {
		return
	}
	s.Docs = append(s.Docs, SampleDoc{})
	copy(s.Docs[i+1:], s.Docs[i:])
	s.Docs[i] = d
	if len(s.Docs) > s.K {
		s.Docs = s.Docs[:s.K]
	}
}

// Merge keeps the K smallest of the union.
func (s *SampleSet) Merge(o *SampleSet) {
	s.K = max(s.K, o.K)
	for _, d := range o.Docs {
		s.offer(d)
	}
}

// collector holds a task's per-step caches (not serialized).
type collector struct {
	seed    uint64
	signals map[int][]*Histogram
}

func (s *Stats) hist(key, scale string) *Histogram {
	if s.Histograms == nil {
		s.Histograms = map[string]*Histogram{}
	}
	h := s.Histograms[key]
	if h == nil {
		h = NewHistogram(scale)
		s.Histograms[key] = h
	}
	return h
}

func (s *Stats) sample(key string, k int) *SampleSet {
	if s.Samples == nil {
		s.Samples = map[string]*SampleSet{}
	}
	ss := s.Samples[key]
	if ss == nil {
		ss = &SampleSet{K: k}
		s.Samples[key] = ss
	}
	return ss
}

func (t *Task) coll() *collector {
	if t.stats.coll == nil {
		t.stats.coll = &collector{seed: uint64(t.r.cfg.Seed), signals: map[int][]*Histogram{}}
	}
	return t.stats.coll
}

func trimText(s string) string {
	if len(s) <= SampleTextChars { // bytes >= characters
		return strings.Clone(s)
	}
	n := 0
	for i := range s {
		if n == SampleTextChars {
			return strings.Clone(s[:i])
		}
		n++
	}
	return strings.Clone(s)
}

// sampleRows offers rows of rec to a sample; keep selects the rows (nil = all).
func (t *Task) sampleRows(ss *SampleSet, rec arrow.Record, keep func(i int) bool) {
	ids, err := stringColumn(rec, ColID)
	if err != nil {
		return
	}
	texts, _ := TextColumn(rec)
	seed := t.coll().seed
	for i := 0; i < ids.Len(); i++ {
		if keep == nil || keep(i) {
			sampleRow(ss, ids, texts, i, seed)
		}
	}
}

func sampleRow(ss *SampleSet, ids, texts *array.String, i int, seed uint64) {
	id := ids.Value(i)
	h := xxh3.HashStringSeed(id, seed)
	if !ss.wants(h, id) {
		return
	}
	d := SampleDoc{ID: strings.Clone(id), Hash: h}
	if texts != nil {
		txt := texts.Value(i)
		d.Chars = utf8.RuneCountInString(txt)
		d.Text = trimText(txt)
	}
	ss.offer(d)
}

// collectDocChars counts the length in characters of every document of rec.
func (t *Task) collectDocChars(key string, rec arrow.Record) {
	texts, err := TextColumn(rec)
	if err != nil {
		return
	}
	h := t.stats.hist(key, ScaleLog2)
	for i := 0; i < texts.Len(); i++ {
		h.Add(float64(utf8.RuneCountInString(texts.Value(i))))
	}
}

// collectRead records the documents a task read.
func (t *Task) collectRead(rec arrow.Record) { t.collectDocChars(HistDocCharsRead, rec) }

// collectWritten records the documents that reach the output (or a pack
// step): their length, language and score, and the kept sample.
func (t *Task) collectWritten(rec arrow.Record) {
	t.collectDocChars(HistDocCharsWritten, rec)
	if langs, err := stringColumn(rec, ColLang); err == nil {
		h := t.stats.hist(HistLang, ScaleCategory)
		for i := 0; i < langs.Len(); i++ {
			if langs.IsValid(i) {
				h.AddLabel(langs.Value(i))
			} else {
				h.AddLabel("")
			}
		}
	}
	if idx := rec.Schema().FieldIndices(ColLangScore); len(idx) > 0 {
		if sc, ok := rec.Column(idx[0]).(*array.Float64); ok {
			h := t.stats.hist(HistLangScore, ScaleLinear)
			for i := 0; i < sc.Len(); i++ {
				if sc.IsValid(i) {
					h.Add(sc.Value(i))
				}
			}
		}
	}
	t.sampleRows(t.stats.sample(SampleKept, SampleKeptK), rec, nil)
}

// collectTokens records num_tokens per document after a tokenize step.
func (t *Task) collectTokens(rec arrow.Record) {
	idx := rec.Schema().FieldIndices(ColNumTokens)
	if len(idx) == 0 {
		return
	}
	h := t.stats.hist(HistTokensPerDoc, ScaleLog2)
	switch c := rec.Column(idx[0]).(type) {
	case *array.Int32:
		for _, v := range c.Int32Values() {
			h.Add(float64(v))
		}
	case *array.Int64:
		for _, v := range c.Int64Values() {
			h.Add(float64(v))
		}
	}
}

// sampleRejected offers the rows of rec with a non-empty reason to the
// rejected samples of the current step, one sample per reason.
func (t *Task) sampleRejected(rec arrow.Record, reasons []string) {
	ids, err := stringColumn(rec, ColID)
	if err != nil {
		return
	}
	texts, _ := TextColumn(rec)
	seed := t.coll().seed
	name := t.stats.Stages[t.step].Name
	var last string
	var ss *SampleSet
	for i, r := range reasons {
		if r == "" {
			continue
		}
		if ss == nil || r != last {
			ss = t.stats.sample(SampleRejectedPre+name+":"+r, SampleRejectedK)
			last = r
		}
		sampleRow(ss, ids, texts, i, seed)
	}
}

// IsRatioSignal says whether a signal is a share in [0, 1] (linear bins).
func IsRatioSignal(name string) bool {
	return strings.Contains(name, "ratio") || strings.Contains(name, "frac") || strings.HasPrefix(name, "has_")
}

// signalHists returns the histograms of the current step's signals.
func (t *Task) signalHists(names []string) []*Histogram {
	c := t.coll()
	if hs, ok := c.signals[t.step]; ok {
		return hs
	}
	st := t.stats.Stages[t.step]
	th := optionThresholds(t.r.cfg.Plan[t.step].Options)
	hs := make([]*Histogram, len(names))
	for j, n := range names {
		var own map[string]float64
		ratio := IsRatioSignal(n)
		for k, v := range th {
			if thresholdMatches(k, n) {
				if own == nil {
					own = map[string]float64{}
				}
				own[k] = v
				ratio = ratio || IsRatioSignal(k) || strings.HasSuffix(k, "_thr")
			}
		}
		scale := ScaleLog2
		if ratio {
			scale = ScaleLinear
		}
		h := t.stats.hist("signal:"+strconv.Itoa(t.step)+":"+st.Name+":"+n, scale)
		h.Step, h.Stage, h.Signal, h.Thresholds = t.step, st.Name, n, own
		hs[j] = h
	}
	c.signals[t.step] = hs
	return hs
}

// optionThresholds lists the numeric options of a stage that are set (> 0).
func optionThresholds(opts any) map[string]float64 {
	v := reflect.ValueOf(opts)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	out := map[string]float64{}
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if key == "" || key == "-" || !f.IsExported() {
			continue
		}
		fv := v.Field(i)
		if fv.Kind() == reflect.Pointer {
			if fv.IsNil() {
				continue
			}
			fv = fv.Elem()
		}
		var x float64
		switch fv.Kind() {
		case reflect.Int, reflect.Int64, reflect.Int32:
			x = float64(fv.Int())
		case reflect.Float64, reflect.Float32:
			x = fv.Float()
		default:
			continue
		}
		if x > 0 {
			out[key] = x
		}
	}
	return out
}

// thresholdMatches pairs an option key with a signal name, best effort:
// equal once both are normalized (min_/max_/non_/doc_ prefixes and
// _thr/_ratio/_frac suffixes removed, duplicated/duplicates and n_grams
// spelt as dup and gram): min_words ~ words, short_line_thr ~
// short_line_ratio, dup_5_gram_frac ~ duplicated_5_n_grams.
func thresholdMatches(key, signal string) bool {
	return normSignal(key) == normSignal(signal)
}

func normSignal(s string) string {
	for _, p := range []string{"min_", "max_", "non_", "doc_"} {
		s = strings.TrimPrefix(s, p)
	}
	s = strings.NewReplacer("duplicated", "dup", "duplicates", "dup", "_n_grams", "_gram").Replace(s)
	for _, suf := range []string{"_thr", "_ratio", "_frac"} {
		s = strings.TrimSuffix(s, suf)
	}
	return s
}

// collectSignals counts one document's signals.
func collectSignals(hs []*Histogram, sig []float64) {
	for j, h := range hs {
		h.Add(sig[j])
	}
}

// processUsage returns the peak resident set size (bytes) and the CPU time
// (user + system seconds) of this process, from /proc (zero elsewhere).
func processUsage() (peakRSS int64, cpu float64) {
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
				f := strings.Fields(rest)
				if len(f) >= 1 {
					kb, _ := strconv.ParseInt(f[0], 10, 64)
					peakRSS = kb * 1024
				}
			}
		}
	}
	if b, err := os.ReadFile("/proc/self/stat"); err == nil {
		// fields after the command name (which may hold spaces) in parentheses
		if i := bytes.LastIndexByte(b, ')'); i > 0 {
			f := strings.Fields(string(b[i+1:]))
			// utime and stime are fields 14 and 15 of the line: 12 and 13 here
			if len(f) > 12 {
				u, _ := strconv.ParseFloat(f[11], 64)
				s, _ := strconv.ParseFloat(f[12], 64)
				cpu = (u + s) / 100 // clock ticks: USER_HZ is 100 on Linux
			}
		}
	}
	return peakRSS, cpu
}
