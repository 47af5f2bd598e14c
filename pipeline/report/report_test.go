package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/grist/grist/pipeline"
)

// runPipeline runs a config (path relative to the repository root) into a
// temporary folder and returns it.
func runPipeline(t testing.TB, config string) string {
	t.Helper()
	if _, err := os.Stat("../../configs/data/quickstart.jsonl.gz"); err != nil {
		t.Skip("quickstart corpus absent")
	}
	out := t.TempDir()
	t.Chdir("../..")
	cfg, err := pipeline.LoadConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.Run(context.Background(), cfg, pipeline.RunOptions{OutDir: out, Workers: 2, FaultTask: -1}); err != nil {
		t.Fatal(err)
	}
	return out
}

var digits = regexp.MustCompile(`^[0-9,]+$`)

var dataRe = regexp.MustCompile(`data-k="([^"]*)" data-v="([^"]*)">([^<]*)<`)

// shown maps each data-k of a page to its data-v, checking that the text
// shown is the same number (digits grouped with commas) where it is one.
func shown(t *testing.T, page string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range dataRe.FindAllStringSubmatch(page, -1) {
		k, v, text := html.UnescapeString(m[1]), html.UnescapeString(m[2]), html.UnescapeString(m[3])
		if prev, ok := out[k]; ok && prev != v {
			t.Errorf("%s shown as %s and %s", k, prev, v)
		}
		out[k] = v
		first := strings.Fields(text)
		if _, err := strconv.ParseInt(v, 10, 64); err == nil && len(first) > 0 && digits.MatchString(first[0]) {
			if strings.ReplaceAll(first[0], ",", "") != v {
				t.Errorf("%s: data-v %s but the page shows %q", k, v, text)
			}
		}
	}
	return out
}

func readStats(t *testing.T, dir string) (*pipeline.Stats, *pipeline.Manifest) {
	t.Helper()
	var s pipeline.Stats
	var m pipeline.Manifest
	for name, v := range map[string]any{"stats.json": &s, "manifest.json": &m} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
	return &s, &m
}

// TestQuickstartNumbers: every count the quickstart's report shows equals
// stats.json and manifest.json, and every rejection reason is shown.
func TestQuickstartNumbers(t *testing.T) {
	dir := runPipeline(t, "configs/quickstart.yaml")
	path, err := WriteFile(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	got := shown(t, page)
	s, m := readStats(t, dir)
	want := map[string]int64{
		"read": s.Read, "written": s.Written, "rejected_rows": m.RejectedRows, "error_rows": m.ErrorRows,
		"read:docs_in": s.Read, "written:docs_out": s.Written, "rows": m.Rows, "bytes": m.Bytes,
	}
	for k, v := range s.Rejected {
		want["rejected:"+k] = v
	}
	for k, v := range s.Errors {
		want["errors:"+k] = v
	}
	for _, st := range s.Stages {
		p := fmt.Sprintf("stage:%d:", st.Step)
		want[p+"docs_in"], want[p+"docs_out"] = st.DocsIn, st.DocsOut
		var d int64
		for _, n := range st.Dropped {
			d += n
		}
		want[p+"dropped"] = d
		for k, n := range st.Counters {
			if strings.HasPrefix(k, "clusters_size_") {
				want[fmt.Sprintf("counter:%d:%s", st.Step, k)] = n
			}
		}
	}
	for k, h := range s.Histograms {
		if h.Scale != pipeline.ScaleCategory {
			want["hist:"+k+":n"] = h.N
		}
	}
	if lh := s.Histograms[pipeline.HistLang]; lh != nil {
		for k, n := range lh.Categories {
			want["lang:"+k] = n
		}
	}
	if len(s.Rejected) < 5 || len(s.Histograms) < 10 {
		t.Fatalf("the quickstart should reject for several reasons and fill histograms: %d, %d", len(s.Rejected), len(s.Histograms))
	}
	for k, v := range want {
		if got[k] != strconv.FormatInt(v, 10) {
			t.Errorf("%s: page shows %q, files say %d", k, got[k], v)
		}
	}
	if got["peak_rss_bytes"] != strconv.FormatInt(s.PeakRSS, 10) || s.PeakRSS == 0 {
		t.Errorf("peak RSS: page %q, stats %d", got["peak_rss_bytes"], s.PeakRSS)
	}
	if got["grist_version"] != m.Version {
		t.Errorf("version %q, manifest %q", got["grist_version"], m.Version)
	}
	// the config as run is shown
	if !strings.Contains(page, "dedup_minhash: {}") {
		t.Error("the config is not in the page")
	}
	// every sample of stats.json is in the page
	for k, set := range s.Samples {
		for _, d := range set.Docs {
			if !strings.Contains(page, html.EscapeString(d.ID)) {
				t.Errorf("sample %s: %s missing", k, d.ID)
			}
		}
	}
	// self-contained: nothing fetched
	for _, bad := range []string{"<script src", "<link", "@import", "url(", `src="http`, `href="http`} {
		if strings.Contains(page, bad) {
			t.Errorf("page holds %q", bad)
		}
	}
}

// TestPackedRunTokens: a packed run shows its token metrics and one decoded
// example row whose documents are the row's seq_lens.
func TestPackedRunTokens(t *testing.T) {
	dir := runPipeline(t, "configs/mlm.yaml")
	r, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.Example == nil || r.Example.Err != "" {
		t.Fatalf("no decoded example: %+v", r.Example)
	}
	if len(r.Example.Docs) == 0 || r.Example.Masked == 0 {
		t.Fatalf("example: %d documents, %d masked", len(r.Example.Docs), r.Example.Masked)
	}
	var buf bytes.Buffer
	if err := r.Render(&buf); err != nil {
		t.Fatal(err)
	}
	got := shown(t, buf.String())
	s, m := readStats(t, dir)
	for _, st := range s.Stages {
		if st.Kind != pipeline.KindReshape {
			continue
		}
		for _, k := range []string{"examples", "padding_tokens", "masked_tokens"} {
			key := fmt.Sprintf("counter:%d:%s", st.Step, k)
			if got[key] != strconv.FormatInt(st.Counters[k], 10) {
				t.Errorf("%s: page %q, stats %d", key, got[key], st.Counters[k])
			}
		}
	}
	if got["manifest_tokens"] != strconv.FormatInt(m.Tokens, 10) {
		t.Errorf("tokens: page %q, manifest %d", got["manifest_tokens"], m.Tokens)
	}
	if h := s.Histograms[pipeline.HistTokensPerDoc]; h == nil || h.N != s.Written {
		t.Errorf("tokens per document: %+v, written %d", h, s.Written)
	}
	if !strings.Contains(buf.String(), `class="m"`) {
		t.Error("no masked position marked")
	}
}

// TestScriptEscaped: a document holding markup is shown as text, never as
// markup, whether kept or rejected, and so is its id.
func TestScriptEscaped(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	evil := `<script>alert(1)</script>`
	docs := []string{
		`{"id":"kept-<b>1</b>","text":"a kept document with ` + evil + ` in it and enough words"}`,
		`{"id":"short","text":"` + evil + `"}`,
	}
	if err := os.WriteFile(in, []byte(strings.Join(docs, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "p.yaml")
	yaml := fmt.Sprintf("# %s\ninput: {paths: [%s]}\nsteps:\n  - length: {min_words: 5}\noutput: {path: %s}\n", evil, in, filepath.Join(dir, "out"))
	if err := os.WriteFile(conf, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := pipeline.LoadConfig(conf)
	if err != nil {
		t.Fatal(err)
	}
	res, err := pipeline.Run(context.Background(), cfg, pipeline.RunOptions{Workers: 1, FaultTask: -1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stats.Written != 1 || res.Stats.Rejected["length:too_few_words"] != 1 {
		t.Fatalf("written %d, rejected %v", res.Stats.Written, res.Stats.Rejected)
	}
	path, err := WriteFile(res.OutDir, filepath.Join(dir, "r.html"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	page := string(b)
	if strings.Contains(page, "<script") || strings.Contains(page, "<b>1</b>") {
		t.Fatal("markup from a document or an id reached the page unescaped")
	}
	if n := strings.Count(page, "&lt;script&gt;alert(1)&lt;/script&gt;"); n < 3 { // kept, rejected, config
		t.Fatalf("escaped text shown %d times, want 3", n)
	}
	if !strings.Contains(page, "kept-&lt;b&gt;1&lt;/b&gt;") {
		t.Fatal("escaped id missing")
	}
}

// TestSizeBound: the report of a run of a million documents with many stages,
// reasons, languages and signals stays under 5 MB.
func TestSizeBound(t *testing.T) {
	const docs = 1_000_000
	s := &pipeline.Stats{Read: docs, ReadBytes: docs * 3000, Rejected: map[string]int64{}, Errors: map[string]int64{"malformed_json": 10}, Samples: map[string]*pipeline.SampleSet{}, Histograms: map[string]*pipeline.Histogram{}}
	worst := strings.Repeat("<", 500) // each character escapes to 4 bytes
	in := int64(docs)
	for st := 0; st < 12; st++ {
		ss := &pipeline.StageStats{Step: st, Name: fmt.Sprintf("stage%d", st), Kind: pipeline.KindFilter, DocsIn: in, Dropped: map[string]int64{}, Counters: map[string]int64{}}
		for r := 0; r < 12; r++ {
			reason := fmt.Sprintf("reason_%d", r)
			ss.Dropped[reason] = 1000
			s.Rejected[ss.Name+":"+reason] = 1000
			set := &pipeline.SampleSet{K: pipeline.SampleRejectedK}
			for k := 0; k < pipeline.SampleRejectedK; k++ {
				set.Docs = append(set.Docs, pipeline.SampleDoc{ID: strings.Repeat("&", 64), Hash: uint64(k), Chars: 100000, Text: worst})
			}
			s.Samples[pipeline.SampleRejectedPre+ss.Name+":"+reason] = set
		}
		for b := 2; b < 40; b++ {
			ss.Counters[fmt.Sprintf("clusters_size_%d-%d", b, b+1)] = int64(b)
		}
		in -= 12000
		ss.DocsOut = in
		for g := 0; g < 12; g++ {
			h := pipeline.NewHistogram(pipeline.ScaleLinear)
			h.Step, h.Stage, h.Signal = st, ss.Name, fmt.Sprintf("signal_%d_ratio", g)
			h.Thresholds = map[string]float64{"max_signal_ratio": 0.5}
			for i := 0; i < docs; i += 997 {
				h.Add(float64(i) / docs)
			}
			s.Histograms[fmt.Sprintf("signal:%d:%s:%s", st, ss.Name, h.Signal)] = h
		}
		s.Stages = append(s.Stages, ss)
	}
	s.Written = in
	for _, k := range []string{pipeline.HistDocCharsRead, pipeline.HistDocCharsWritten, pipeline.HistTokensPerDoc} {
		h := pipeline.NewHistogram(pipeline.ScaleLog2)
		for i := 0; i < docs; i++ {
			h.Add(float64(i))
		}
		s.Histograms[k] = h
	}
	lang := pipeline.NewHistogram(pipeline.ScaleCategory)
	for i := 0; i < 600; i++ {
		lang.Categories[fmt.Sprintf("l%03d", i)] = docs / 600
	}
	s.Histograms[pipeline.HistLang] = lang
	kept := &pipeline.SampleSet{K: pipeline.SampleKeptK}
	for k := 0; k < pipeline.SampleKeptK; k++ {
		kept.Docs = append(kept.Docs, pipeline.SampleDoc{ID: "x", Hash: uint64(k), Text: worst})
	}
	s.Samples[pipeline.SampleKept] = kept
	r := &Run{Dir: "big", Stats: s, Manifest: &pipeline.Manifest{Version: "test", Read: docs}, Config: strings.Repeat("steps: []\n", 100)}
	var buf bytes.Buffer
	if err := r.Render(&buf); err != nil {
		t.Fatal(err)
	}
	if buf.Len() >= 5<<20 {
		t.Fatalf("report of 1M documents is %d bytes", buf.Len())
	}
	if n := strings.Count(buf.String(), "<svg"); n < 12*12 {
		t.Fatalf("%d charts drawn, want every signal", n)
	}
	t.Logf("%d bytes", buf.Len())
}

func TestMissingRun(t *testing.T) {
	if _, err := WriteFile(t.TempDir(), ""); err == nil || !strings.Contains(err.Error(), "not a finished grist run") {
		t.Fatalf("err = %v", err)
	}
}

func BenchmarkRender(b *testing.B) {
	dir := runPipeline(b, "configs/quickstart.yaml")
	r, err := Load(dir)
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.Render(&buf); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		buf.Reset()
		if err := r.Render(&buf); err != nil {
			b.Fatal(err)
		}
	}
}
