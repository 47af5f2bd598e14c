package filters

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/grist/grist/annotate"
)

// corporaGolden holds one digest per document of the shared corpora (words,
// then every filter's reason, rewritten text and signals, as in
// TestRulesGolden), written by the implementation before the speed-up of
// gopher_repetition, c4_quality and the line splitter.
const corporaGolden = "testdata/golden/corpora.txt.gz"

// corporaDigests computes the digests of every document of the shared
// corpora: the spam-assassin e-mails (language unknown) and the UDHR
// articles, without and with their language. ok is false when a corpus is
// absent.
func corporaDigests(t *testing.T) (keys, digests []string, ok bool) {
	t.Helper()
	fs := []LangFilter{
		newGopherQuality(t, nil), newGopherRepetition(t, nil), newC4Quality(t, nil),
		newC4Quality(t, func(o *C4QualityOptions) { o.SplitParagraph = false }), newFineWeb(t, nil),
	}
	sigs := make([][]float64, len(fs))
	for i, f := range fs {
		sigs[i] = make([]float64, len(f.Signals()))
	}
	var words []annotate.Span
	digest := func(text, lang string) string {
		h := newGoldenHash()
		words = annotate.SplitWords(words[:0], text, lang)
		for _, w := range words {
			h.span(w.Start, w.End)
		}
		for k, f := range fs {
			res, _ := f.ApplyLang(text, lang, sigs[k])
			h.result(res.Reason, res.Text, res.Rewritten, sigs[k])
		}
		return fmt.Sprintf("%016x", h.sum())
	}
	for _, c := range []struct{ path, langField string }{
		{"../../shared/data/spam-assassin.jsonl.gz", ""},
		{"../../shared/data/udhr.jsonl.gz", "lang"},
	} {
		f, err := os.Open(c.path)
		if err != nil {
			return nil, nil, false
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(zr)
		sc.Buffer(nil, 1<<26)
		for sc.Scan() {
			var rec map[string]any
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				t.Fatal(err)
			}
			text, _ := rec["text"].(string)
			id, _ := rec["id"].(string)
			keys = append(keys, id)
			digests = append(digests, digest(text, ""))
			if lang, _ := rec[c.langField].(string); lang != "" {
				keys = append(keys, id+" "+lang)
				digests = append(digests, digest(text, lang))
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	return keys, digests, true
}

// TestRulesCorpora pins the words, signals, reasons and rewritten texts of
// the quality filters on every document of the shared corpora (skipped
// when they are absent; GRIST_WRITE_GOLDEN=1 rewrites the digests).
func TestRulesCorpora(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	keys, digests, ok := corporaDigests(t)
	if !ok {
		t.Skip("shared corpora not available")
	}
	if os.Getenv("GRIST_WRITE_GOLDEN") == "1" {
		var b strings.Builder
		for i, k := range keys {
			fmt.Fprintf(&b, "%s %s\n", k, digests[i])
		}
		f, err := os.Create(corporaGolden)
		if err != nil {
			t.Fatal(err)
		}
		zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
		if _, err := zw.Write([]byte(b.String())); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %d digests", len(keys))
		return
	}
	f, err := os.Open(corporaGolden)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		line := sc.Text()
		i := strings.LastIndexByte(line, ' ')
		want[line[:i]] = line[i+1:]
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(keys) {
		t.Errorf("%d documents, %d digests", len(keys), len(want))
	}
	bad := 0
	for i, k := range keys {
		if digests[i] != want[k] {
			if bad++; bad <= 10 {
				t.Errorf("document %s: digest %s, want %s", k, digests[i], want[k])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d documents differ", bad, len(keys))
	}
	t.Logf("%d documents agree", len(keys))
}
