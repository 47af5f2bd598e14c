package lang

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pemistahl/lingua-go/serialization"
	"google.golang.org/protobuf/proto"
)

// linguaModel reads one of lingua-go's published models (n-gram ->
// probability) from the module cache; nil when lingua has none.
func linguaModel(tb testing.TB, iso, name string) map[string]float64 {
	tb.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/pemistahl/lingua-go").Output()
	if err != nil {
		tb.Skipf("lingua-go module not available: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "language-models", iso, name+".pb.bin.zip"))
	if err != nil {
		return nil
	}
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		tb.Fatal(err)
	}
	r, err := z.File[0].Open()
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	raw, err := io.ReadAll(r)
	if err != nil {
		tb.Fatal(err)
	}
	var m serialization.SerializableLanguageModel
	if err := proto.Unmarshal(raw, &m); err != nil {
		tb.Fatal(err)
	}
	res := map[string]float64{}
	for _, set := range m.NgramSets {
		for _, g := range set.Ngrams {
			res[g] = set.Probability
		}
	}
	return res
}

// fullShort builds the short-text table from lingua's unpruned quadrigram
// and fivegram models of the given languages.
func fullShort(tb testing.TB, codes []string) *ngramModel {
	tb.Helper()
	table := map[string]*shortGram{}
	for _, c := range codes {
		l, _ := languageOf(c)
		for _, name := range []string{"quadrigrams", "fivegrams"} {
			for g, p := range linguaModel(tb, c, name) {
				sg := table[g]
				if sg == nil {
					sg = &shortGram{runes: []rune(g)}
					table[g] = sg
				}
				sg.langs = append(sg.langs, uint8(l))
				sg.lps = append(sg.lps, math.Log(p))
			}
		}
	}
	grams := make([]shortGram, 0, len(table))
	for _, g := range table {
		grams = append(grams, *g)
	}
	slices.SortFunc(grams, func(a, b shortGram) int { return len(a.runes) - len(b.runes) })
	for _, g := range grams {
		// languages ascending, as the file stores them
		idx := make([]int, len(g.langs))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int { return int(g.langs[a]) - int(g.langs[b]) })
		langs, lps := slices.Clone(g.langs), slices.Clone(g.lps)
		for i, j := range idx {
			g.langs[i], g.lps[i] = langs[j], lps[j]
		}
	}
	base, err := loadModel()
	if err != nil {
		tb.Fatal(err)
	}
	m, err := buildShort(base, grams)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// TestShortParity: with lingua's unpruned 4- and 5-gram models, accuracy
// compact's scorer answers what lingua-go's high accuracy mode answers on
// texts under 120 letters, code and confidence (so the pruned table differs
// from lingua-go only by the n-grams it drops).
func TestShortParity(t *testing.T) {
	if testing.Short() {
		t.Skip("loads lingua-go's 4- and 5-gram models of 8 languages")
	}
	codes := []string{"af", "da", "de", "en", "nb", "nl", "nn", "sv"}
	d := newTestDetector(t, LangOptions{Accuracy: "compact", Languages: codes, MaxChars: 0})
	d.maxChars = 0
	d.short = fullShort(t, codes)
	ref := linguaHigh(codes, false)
	texts := []string{"bank", "Er hat", "de kat", "Han har en hund", "the sea", "Vi er glade for at se jer",
		"Alle mennesker er født frie", "Iedereen heeft recht op onderwijs.", "Elkeen het die reg op onderwys.",
		"Alle menneske er fødde frie", "Jeder hat das Recht auf Bildung.", "Everyone has the right to education.",
		"Var och en har rätt till utbildning.", "ok", "a", "Zij", "rätt", "Artikel 26"}
	for _, doc := range readUDHR(t, subsetPath) {
		for _, c := range codes {
			if doc.want == c {
				texts = append(texts, doc.Text)
			}
		}
	}
	sc := new(scratch)
	n := 0
	for _, text := range texts {
		sc.splitWords(text)
		if len(sc.runes) >= 120 {
			continue
		}
		n++
		got, score := d.Detect(text)
		want, wantScore := ref(text)
		if got != want || math.Abs(score-wantScore) > 1e-6 {
			t.Errorf("%.60q: got %s %v, lingua-go high %s %v", text, got, score, want, wantScore)
		}
	}
	if n < 20 {
		t.Errorf("only %d short texts", n)
	}
}

// TestShortModel: the embedded table loads, holds quadrigrams and fivegrams
// of the languages sharing a script, and changes short-text answers only.
func TestShortModel(t *testing.T) {
	m, err := loadShort()
	if err != nil {
		t.Fatal(err)
	}
	keys := 0
	for _, s := range m.slots {
		if s.key != 0 {
			keys++
		}
	}
	if keys < 100000 || len(m.posts) < keys {
		t.Errorf("%d keys, %d postings", keys, len(m.posts))
	}
	en, _ := languageOf("en")
	// "ther" and "there" are frequent English n-grams: the pruned table
	// keeps them for English.
	for _, g := range []string{"ther", "there"} {
		rs := []rune(g)
		var r4 rune
		if len(rs) == 5 {
			r4 = rs[4]
		}
		found := false
		for _, p := range m.lookup(shortKey(packKey(rs[0], rs[1], rs[2]), rs[3], r4)).of(m.posts) {
			found = found || p.lang() == uint8(en)
		}
		if !found {
			t.Errorf("%q: no English posting", g)
		}
	}
	for _, bad := range [][]byte{nil, []byte("not gzip"), gzipBytes(t, []byte("GRSHT0\n")), gzipBytes(t, []byte("GRSHT1\n\x05"))} {
		if _, err := parseShort(bad, nil); err == nil {
			t.Errorf("parseShort(%q) accepted", bad)
		}
	}
	compact := newTestDetector(t, LangOptions{Accuracy: "compact"})
	low := newTestDetector(t, LangOptions{Accuracy: "low"})
	long := "Everyone has the right to education. Education shall be free, at least in the elementary and fundamental stages. Elementary education shall be compulsory."
	for _, tc := range []struct {
		text string
		same bool
	}{{long, true}, {"ok", false}} {
		c1, s1 := compact.Detect(tc.text)
		c2, s2 := low.Detect(tc.text)
		if (c1 == c2 && s1 == s2) != tc.same {
			t.Errorf("%q: compact %s %v, low %s %v", tc.text, c1, s1, c2, s2)
		}
	}
}

func gzipBytes(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
