package lang

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pemistahl/lingua-go"
	"golang.org/x/text/unicode/norm"
)

var (
	update = flag.Bool("update", false, "rewrite testdata/udhr_subset.jsonl and testdata/accuracy.md from the shared corpus (runs lingua-go's high accuracy mode: ~2 GB, minutes)")
	full   = flag.Bool("full", false, "also check high accuracy mode and lingua-go parity on the whole shared corpus")
)

const (
	udhrPath   = "../../../shared/data/udhr.jsonl.gz"
	subsetPath = "testdata/udhr_subset.jsonl"
	tablePath  = "testdata/accuracy.md"
)

// udhrDoc is one UDHR article; want is the ISO 639-1 code lingua should
// answer, "" when lingua does not know the language in that script.
type udhrDoc struct {
	ID   string `json:"id"`
	Tag  string `json:"lang"`
	Code string `json:"udhr_code"`
	Text string `json:"text"`
	want string
}

// excludedTranslations lists the UDHR translations (by udhr_code) whose
// BCP 47 tag names a language lingua knows but whose text is another
// language or a divergent variety of it, so that they test nothing of
// lingua's model of the tagged language (names from the UDHR in Unicode
// index). Translations that lingua merely confuses with a close language
// (bs/hr/sr, id/ms) stay: they are in languages lingua claims.
var excludedTranslations = map[string]string{
	"068": "tagged fr, but \"French (Welche)\": Welche, the Lorrain (langue d'oïl) patois of the Weiss valley in Alsace, not French (\"Tortu lé-z-am vno o mond libr èko égal è diñitè èko drau\")",
	"062": "tagged sw, but \"Swahili (Chimwiini)\": Chimwiini (Bravanese) of Barawa, Somalia, a divergent Swahili variety in Somali orthography that speakers of Standard Swahili hardly understand (\"Kila muntru naawo xuquuqu ya isifiila\")",
}

// udhrWant maps a corpus BCP 47 tag to the ISO 639-1 code lingua should
// answer, or "" when lingua does not know the language in the tag's script
// (lingua's Serbian is Cyrillic only, its Bosnian and Azerbaijani Latin
// only, its Mongolian Cyrillic; zlm is Malay).
func udhrWant(tag string) string {
	parts := strings.Split(tag, "-")
	code := parts[0]
	if code == "zlm" {
		code = "ms"
	}
	l, ok := languageOf(code)
	if !ok {
		return ""
	}
	if len(parts) > 1 && len(parts[1]) == 4 && parts[1][0] >= 'A' && parts[1][0] <= 'Z' {
		script, known := map[string]alphabet{"Latn": latin, "Cyrl": cyrillic, "Arab": arabic,
			"Hani": han, "Hans": han, "Hant": han}[parts[1]]
		if !known || !slices.Contains(languageAlphabets(l), script) {
			return ""
		}
	}
	return code
}

// readUDHR reads articles from a JSON-lines file (gzip-compressed if the
// name ends in .gz); it skips the test when the file is absent.
func readUDHR(tb testing.TB, path string) []udhrDoc {
	f, err := os.Open(path)
	if err != nil {
		tb.Skipf("corpus not available: %v", err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			tb.Fatal(err)
		}
		r = zr
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var docs []udhrDoc
	for sc.Scan() {
		var d udhrDoc
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			tb.Fatal(err)
		}
		d.want = udhrWant(d.Tag)
		if _, ok := excludedTranslations[d.Code]; ok {
			continue
		}
		docs = append(docs, d)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return docs
}

func known(docs []udhrDoc) []udhrDoc {
	var out []udhrDoc
	for _, d := range docs {
		if d.want != "" {
			out = append(out, d)
		}
	}
	return out
}

// detectAll runs f over the documents on two goroutines.
func detectAll(docs []udhrDoc, f func(string) string) []string {
	got := make([]string, len(docs))
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(docs); i += 2 {
				got[i] = f(docs[i].Text)
			}
		}(w)
	}
	wg.Wait()
	return got
}

func newTestDetector(tb testing.TB, opts LangOptions) *Detector {
	tb.Helper()
	d, err := NewDetector(*withDefaults(&opts))
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func detectCode(d *Detector) func(string) string {
	return func(s string) string { c, _ := d.Detect(s); return c }
}

// linguaCode runs lingua-go as documented on the NFC text.
func linguaCode(det lingua.LanguageDetector) func(string) string {
	return func(s string) string {
		l, ok := det.DetectLanguageOf(norm.NFC.String(s))
		if !ok {
			return Undetermined
		}
		return isoCode(language(l))
	}
}

var linguaLow = sync.OnceValue(func() lingua.LanguageDetector {
	return lingua.NewLanguageDetectorBuilder().FromAllLanguages().WithLowAccuracyMode().Build()
})

func accuracy(docs []udhrDoc, got []string) float64 {
	ok := 0
	for i, d := range docs {
		if got[i] == d.want {
			ok++
		}
	}
	return float64(ok) / float64(len(docs))
}

// checkParity asserts that the detector on whole texts answers what
// lingua-go answers.
func checkParity(t *testing.T, docs []udhrDoc, got, ref []string) {
	t.Helper()
	bad := 0
	for i, d := range docs {
		if got[i] != ref[i] {
			bad++
			if bad <= 10 {
				t.Errorf("%s (%s): got %s, lingua-go %s: %.80q", d.ID, d.Tag, got[i], ref[i], d.Text)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d documents differ from lingua-go", bad, len(docs))
	}
}

// TestSubsetAccuracy runs in CI on the committed subset: 3 articles per
// language lingua knows (the shortest, the median and the longest) and
// articles in scripts no lingua language uses.
func TestSubsetAccuracy(t *testing.T) {
	docs := readUDHR(t, subsetPath)
	if len(docs) < 150 {
		t.Fatalf("subset has %d documents", len(docs))
	}
	kn := known(docs)
	whole := newTestDetector(t, LangOptions{Accuracy: "low"})
	whole.maxChars = 0
	got := detectAll(docs, detectCode(whole))
	t.Run("parity-low", func(t *testing.T) {
		checkParity(t, docs, got, detectAll(docs, linguaCode(linguaLow())))
	})
	t.Run("low", func(t *testing.T) {
		acc := accuracy(kn, detectAll(kn, detectCode(newTestDetector(t, LangOptions{}))))
		t.Logf("low accuracy on %d subset articles: %.4f", len(kn), acc)
		if acc < 0.95 {
			t.Errorf("low accuracy %.4f < 0.95", acc)
		}
	})
	t.Run("high", func(t *testing.T) {
		if testing.Short() {
			t.Skip("loads lingua-go's 1- to 5-gram models (~1.5 GB)")
		}
		acc := accuracy(kn, detectAll(kn, detectCode(newTestDetector(t, LangOptions{Accuracy: "high"}))))
		t.Logf("high accuracy on %d subset articles: %.4f", len(kn), acc)
		if acc < 0.95 {
			t.Errorf("high accuracy %.4f < 0.95", acc)
		}
	})
	t.Run("unknown-scripts", func(t *testing.T) {
		n := 0
		for i, d := range docs {
			if d.want == "" && got[i] != Undetermined {
				t.Errorf("%s (%s): got %s, want und", d.ID, d.Tag, got[i])
			}
			if d.want == "" {
				n++
			}
		}
		if n == 0 {
			t.Error("subset has no article in an unknown script")
		}
	})
}

// TestUDHRAccuracy checks the default configuration on every article of the
// shared corpus in a language lingua knows, and parity with lingua-go's low
// accuracy mode on every fifth article (all of them with -full).
func TestUDHRAccuracy(t *testing.T) {
	docs := known(readUDHR(t, udhrPath))
	got := detectAll(docs, detectCode(newTestDetector(t, LangOptions{})))
	acc := accuracy(docs, got)
	t.Logf("default (low) accuracy on %d articles: %.4f", len(docs), acc)
	if acc < 0.95 {
		t.Errorf("accuracy %.4f < 0.95", acc)
	}
	var sample []udhrDoc
	for i, d := range docs {
		if *full || i%5 == 0 {
			sample = append(sample, d)
		}
	}
	whole := newTestDetector(t, LangOptions{Accuracy: "low"})
	whole.maxChars = 0
	checkParity(t, sample, detectAll(sample, detectCode(whole)), detectAll(sample, linguaCode(linguaLow())))
	if *full && !*update {
		high := accuracy(docs, detectAll(docs, detectCode(newTestDetector(t, LangOptions{Accuracy: "high"}))))
		t.Logf("high accuracy on %d articles: %.4f", len(docs), high)
		if high < 0.95 {
			t.Errorf("high accuracy %.4f < 0.95", high)
		}
	}
}

// TestUpdateAccuracy rewrites the committed subset and the accuracy table
// (-update): per language, the share of whole articles detected right by
// the default configuration (accuracy compact), by accuracy low and high,
// and by lingua-go used plainly (whole text) in its high and low accuracy
// modes.
func TestUpdateAccuracy(t *testing.T) {
	if !*update {
		t.Skip("run with -update")
	}
	all := readUDHR(t, udhrPath)
	writeSubset(t, all)
	docs := known(all)
	cols := [][]string{
		detectAll(docs, detectCode(newTestDetector(t, LangOptions{}))),
		detectAll(docs, detectCode(newTestDetector(t, LangOptions{Accuracy: "low"}))),
		detectAll(docs, detectCode(newTestDetector(t, LangOptions{Accuracy: "high"}))),
		detectAll(docs, linguaCode(lingua.NewLanguageDetectorBuilder().FromAllLanguages().Build())),
		detectAll(docs, linguaCode(linguaLow())),
	}
	type row struct {
		n, short int
		ok       [5]int
	}
	sc := new(scratch)
	rows := map[string]*row{}
	var tot row
	for i, d := range docs {
		r := rows[d.want]
		if r == nil {
			r = &row{}
			rows[d.want] = r
		}
		sc.splitWords(norm.NFC.String(d.Text))
		for _, x := range []*row{r, &tot} {
			x.n++
			x.short += b2i(len(sc.runes) < 120)
			for c, got := range cols {
				x.ok[c] += b2i(got[i] == d.want)
			}
		}
	}
	codes := make([]string, 0, len(rows))
	for c := range rows {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	udcs := make([]string, 0, len(excludedTranslations))
	for c := range excludedTranslations {
		udcs = append(udcs, c)
	}
	sort.Strings(udcs)
	var b strings.Builder
	b.WriteString("# Language detection accuracy on the UDHR\n\n")
	b.WriteString("Generated by `go test ./annotate/lang -run TestUpdateAccuracy -update` from\n")
	b.WriteString("/work/shared/data/udhr.jsonl.gz: every article whose BCP 47 tag names a language\n")
	b.WriteString("lingua-go knows in that script, less the translations below. `default` is the default\n")
	b.WriteString("configuration (accuracy compact; articles over max_chars: 2000 characters, mostly\n")
	b.WriteString("preambles, are judged on the sample), `low` and `high` are `accuracy: low` and\n")
	b.WriteString("`accuracy: high`; `lingua-go high` and `lingua-go low` are lingua-go v1.4.0 used plainly\n")
	b.WriteString("on the whole NFC text in its high (default) and low accuracy modes.\n")
	b.WriteString("`short` counts articles under 120 letters, the only ones where the modes differ.\n\n")
	b.WriteString("Excluded translations (udhr_code: reason), listed in udhr_test.go:\n\n")
	for _, c := range udcs {
		fmt.Fprintf(&b, "- %s: %s\n", c, excludedTranslations[c])
	}
	b.WriteString("\n| code | language | articles | short | default | low | high | lingua-go high | lingua-go low |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
	pct := func(k, n int) string { return fmt.Sprintf("%.1f%%", 100*float64(k)/float64(n)) }
	for _, c := range codes {
		r := rows[c]
		l, _ := languageOf(c)
		fmt.Fprintf(&b, "| %s | %s | %d | %d |", c, lingua.Language(l), r.n, r.short)
		for _, k := range r.ok {
			fmt.Fprintf(&b, " %s |", pct(k, r.n))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "| **all** | %d languages | %d | %d |", len(codes), tot.n, tot.short)
	for _, k := range tot.ok {
		fmt.Fprintf(&b, " **%s** |", pct(k, tot.n))
	}
	b.WriteString("\n")
	if err := os.WriteFile(tablePath, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("default %s low %s high %s lingua-go high %s lingua-go low %s", pct(tot.ok[0], tot.n), pct(tot.ok[1], tot.n),
		pct(tot.ok[2], tot.n), pct(tot.ok[3], tot.n), pct(tot.ok[4], tot.n))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// unknownScriptTags are corpus languages written in scripts no lingua
// language uses; the subset keeps one article of each to check und.
var unknownScriptTags = []string{"am", "bo", "dv", "iu", "km", "lo", "my", "si", "ti", "chr"}

// writeSubset writes the committed subset: per language lingua knows, the
// shortest, the median and the longest article; one article per tag of
// unknownScriptTags.
func writeSubset(t *testing.T, all []udhrDoc) {
	by := map[string][]udhrDoc{}
	for _, d := range all {
		if d.want != "" {
			by[d.want] = append(by[d.want], d)
		}
	}
	var out []udhrDoc
	codes := make([]string, 0, len(by))
	for c := range by {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		ds := by[c]
		sort.SliceStable(ds, func(i, j int) bool { return len(ds[i].Text) < len(ds[j].Text) })
		out = append(out, ds[0], ds[len(ds)/2], ds[len(ds)-1])
	}
	for _, tag := range unknownScriptTags {
		for _, d := range all {
			if d.Tag == tag && strings.HasSuffix(d.ID, "-01") {
				out = append(out, d)
				break
			}
		}
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, d := range out {
		if err := enc.Encode(d); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(subsetPath), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(subsetPath, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
