package filters

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/zeebo/xxh3"

	"github.com/grist/grist/annotate"
)

type goldenDoc struct{ text, lang string }

// goldenDocs are the parity sample (e-mails and UDHR articles, language
// unknown) and the UDHR sample, with its languages and without.
func goldenDocs(t testing.TB) []goldenDoc {
	t.Helper()
	f, err := os.Open("testdata/parity/datatrove.jsonl.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var docs []goldenDoc
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<26)
	for sc.Scan() {
		var rec struct{ Text string }
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, goldenDoc{rec.Text, ""})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, d := range loadUDHRSample(t) {
		docs = append(docs, goldenDoc{d.Text, ""}, goldenDoc{d.Text, d.Lang})
	}
	return docs
}

// goldenHash digests words and filter results canonically.
type goldenHash struct {
	h   *xxh3.Hasher
	buf [8]byte
}

func newGoldenHash() *goldenHash { return &goldenHash{h: xxh3.New()} }

func (g *goldenHash) u64(v uint64) {
	binary.LittleEndian.PutUint64(g.buf[:], v)
	g.h.Write(g.buf[:])
}

func (g *goldenHash) str(s string) {
	g.u64(uint64(len(s)))
	g.h.WriteString(s)
}

func (g *goldenHash) span(start, end int32) { g.u64(uint64(start)<<32 | uint64(uint32(end))) }

func (g *goldenHash) result(reason, text string, rewritten bool, sig []float64) {
	g.str(reason)
	if rewritten {
		g.str(text)
	} else {
		g.u64(math.MaxUint64)
	}
	for _, v := range sig {
		if math.IsNaN(v) {
			v = math.NaN() // one NaN
		}
		g.u64(math.Float64bits(v))
	}
}

func (g *goldenHash) sum() uint64 { return g.h.Sum64() }

// TestRulesGolden pins the exact words, signals, reasons and rewritten texts
// of gopher_quality, gopher_repetition, c4_quality (lines and sentences) and
// fineweb_quality on the parity and UDHR samples to the digests in
// testdata/golden/rules.txt, written by the straightforward implementation
// these optimized ones replace: any change of a rule shows here.
func TestRulesGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/golden/rules.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		want[line[:i]] = line[i+1:]
	}
	fs := []LangFilter{
		newGopherQuality(t, nil), newGopherRepetition(t, nil), newC4Quality(t, nil),
		newC4Quality(t, func(o *C4QualityOptions) { o.SplitParagraph = false }), newFineWeb(t, nil),
	}
	docs := goldenDocs(t)
	if len(docs) != len(want) {
		t.Fatalf("%d documents, %d digests", len(docs), len(want))
	}
	bad := 0
	for i, d := range docs {
		// c4_quality alone splits lines; after the others it reads the
		// cached document words: the same result either way.
		annotate.SharedWords.Clear()
		alone := make([]float64, len(fs[2].Signals()))
		resAlone, _ := fs[2].ApplyLang(d.text, d.lang, alone)
		h := newGoldenHash()
		for _, w := range annotate.SplitWords(nil, d.text, d.lang) {
			h.span(w.Start, w.End)
		}
		for k, f := range fs {
			sig := make([]float64, len(f.Signals()))
			res, _ := f.ApplyLang(d.text, d.lang, sig)
			h.result(res.Reason, res.Text, res.Rewritten, sig)
			if k == 2 && (res != resAlone || !slices.Equal(sig, alone)) {
				t.Errorf("document %d: c4_quality after the others %q %v, alone %q %v", i, res.Reason, sig, resAlone.Reason, alone)
			}
		}
		key := fmt.Sprintf("%d %q", i, d.lang)
		if got := fmt.Sprintf("%016x", h.sum()); got != want[key] {
			if bad++; bad <= 5 {
				t.Errorf("document %s: digest %s, want %s (text %.80q)", key, got, want[key], d.text)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d documents differ", bad, len(docs))
	}
}
