package report

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/grist/grist/internal/storage"
	"github.com/grist/grist/pipeline"
)

// Run is what a finished run folder holds, as the report reads it.
type Run struct {
	Dir      string
	Stats    *pipeline.Stats
	Manifest *pipeline.Manifest
	Config   string   // the pipeline YAML as run (.grist/pipeline.yaml), if kept
	Example  *Example // the first row of the first shard, decoded, when the run wrote examples
}

// Load reads stats.json, manifest.json and the config of a run folder (a
// local path or a URL), and decodes the first example row when the run
// packed examples.
func Load(dir string) (*Run, error) {
	ctx := context.Background()
	r := &Run{Dir: dir, Stats: &pipeline.Stats{}, Manifest: &pipeline.Manifest{}}
	for name, v := range map[string]any{"stats.json": r.Stats, "manifest.json": r.Manifest} {
		b, err := storage.ReadFile(ctx, storage.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("%s is not a finished grist run: %w", storage.Display(dir), err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			return nil, fmt.Errorf("%s: %w", storage.Display(storage.Join(dir, name)), err)
		}
	}
	for _, name := range []string{".grist/pipeline.yaml", "config.yaml"} {
		if b, err := storage.ReadFile(ctx, storage.Join(dir, name)); err == nil {
			r.Config = string(b)
			break
		}
	}
	if r.Manifest.Examples > 0 && len(r.Manifest.Shards) > 0 && r.Manifest.Tokenizer != nil {
		ex, err := decodeExample(storage.Join(dir, r.Manifest.Shards[0].Path), r.Manifest)
		if err != nil {
			ex = &Example{Err: err.Error()}
		}
		r.Example = ex
	}
	return r, nil
}

// WriteFile renders the report of a run folder to out ("" = DIR/report.html)
// and returns the path written.
func WriteFile(dir, out string) (string, error) {
	r, err := Load(dir)
	if err != nil {
		return "", err
	}
	if out == "" {
		out = storage.Join(dir, "report.html")
	}
	var buf bytes.Buffer
	if err := r.Render(&buf); err != nil {
		return "", err
	}
	return storage.Display(out), storage.WriteFile(context.Background(), out, buf.Bytes())
}

//go:embed report.html.tmpl
var pageTemplate string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"n":     formatInt,
	"mb":    func(b int64) string { return strconv.FormatFloat(float64(b)/1e6, 'f', 2, 64) },
	"pct":   pct,
	"f":     formatFloat,
	"int64": func(n int) int64 { return int64(n) },
}).Parse(pageTemplate))

// Render writes the page.
func (r *Run) Render(w io.Writer) error {
	return page.Execute(w, r.view())
}

type view struct {
	Title    string
	Version  string
	Stats    *pipeline.Stats
	Manifest *pipeline.Manifest
	Config   string
	Funnel   []funnelRow
	Drops    []dropRow
	Errors   []dropRow
	Warnings []dropRow
	Length   []*Chart
	Lang     *HChart
	LangN    int
	LangMore int
	Score    *Chart
	Signals  []signalGroup
	Clusters *HChart
	Kept     *pipeline.SampleSet
	Rejected []sampleGroup
	Tokens   *tokenView
	Example  *Example
	Timing   *HChart
	Run      []kv
}

type funnelRow struct {
	Step                 string
	Name                 string
	Key                  string // data-k prefix: stage:<step> or read/write
	DocsIn, DocsOut      int64
	Dropped              int64
	BytesIn, BytesOut    int64
	Tokens               int64
	Share                string // docs out / documents read
	BarW                 float64
	Seconds              string
	HasTokens, HasDocsIn bool
}

type dropRow struct {
	Key      string
	Label    string
	Count    int64
	Share    string // of documents read
	OfInput  string // of the stage's input
	Sampled  bool
	HasInput bool
}

type signalGroup struct {
	Stage  string
	Step   int
	Charts []*Chart
}

type sampleGroup struct {
	Reason string
	Count  int64
	Set    *pipeline.SampleSet
}

type kv struct {
	Key, Label, Value, Text string
}

type tokenView struct {
	PerDoc  *Chart
	Metrics []kv
}

func (r *Run) view() *view {
	s, m := r.Stats, r.Manifest
	v := &view{Title: "grist report: " + storage.Base(storage.Join(r.Dir)), Version: m.Version, Stats: s, Manifest: m, Config: r.Config, Example: r.Example}
	read := s.Read
	share := func(n int64) string { return pct(n, read) }
	barW := func(n int64) float64 {
		if read == 0 {
			return 0
		}
		return float64(n) / float64(read) * 160
	}
	errs := sumMap(s.Errors)
	v.Funnel = append(v.Funnel, funnelRow{Step: "-", Name: "read", Key: "read", DocsIn: read, DocsOut: read - errs, Dropped: errs,
		BytesIn: s.ReadBytes, BytesOut: s.ReadBytes, Share: share(read - errs), BarW: barW(read - errs), HasDocsIn: true})
	for _, st := range s.Stages {
		row := funnelRow{Step: strconv.Itoa(st.Step), Name: st.Name, Key: "stage:" + strconv.Itoa(st.Step), DocsIn: st.DocsIn, DocsOut: st.DocsOut,
			Dropped: sumMap(st.Dropped), BytesIn: st.BytesIn, BytesOut: st.BytesOut, Seconds: strconv.FormatFloat(st.Seconds, 'f', 2, 64), HasDocsIn: true}
		if t, ok := st.Counters["tokens"]; ok {
			row.Tokens, row.HasTokens = t, true
		}
		if st.Kind == pipeline.KindReshape {
			row.Share, row.BarW = "", 0 // rows out are examples, not documents
		} else {
			row.Share, row.BarW = share(st.DocsOut), barW(st.DocsOut)
		}
		v.Funnel = append(v.Funnel, row)
	}
	v.Funnel = append(v.Funnel, funnelRow{Step: "-", Name: "write", Key: "written", DocsIn: s.Written, DocsOut: s.Written,
		BytesIn: s.WrittenBytes, BytesOut: s.WrittenBytes, Share: share(s.Written), BarW: barW(s.Written), Tokens: m.Tokens, HasTokens: m.Tokens > 0})

	stageIn := map[string]int64{}
	for _, st := range s.Stages {
		stageIn[st.Name] += st.DocsIn
	}
	for _, k := range sortedByCount(s.Rejected) {
		stage, _, _ := strings.Cut(k, ":")
		in := stageIn[stage]
		_, sampled := s.Samples[pipeline.SampleRejectedPre+k]
		v.Drops = append(v.Drops, dropRow{Key: "rejected:" + k, Label: k, Count: s.Rejected[k], Share: share(s.Rejected[k]),
			OfInput: pct(s.Rejected[k], in), HasInput: in > 0, Sampled: sampled})
	}
	for _, k := range sortedByCount(s.Errors) {
		v.Errors = append(v.Errors, dropRow{Key: "errors:" + k, Label: k, Count: s.Errors[k], Share: share(s.Errors[k])})
	}
	for _, k := range sortedByCount(s.Warnings) {
		v.Warnings = append(v.Warnings, dropRow{Key: "warnings:" + k, Label: k, Count: s.Warnings[k]})
	}

	h := s.Histograms
	for _, c := range []*Chart{
		histChart(pipeline.HistDocCharsRead, "characters per document, read", h[pipeline.HistDocCharsRead]),
		histChart(pipeline.HistDocCharsWritten, "characters per document, written", h[pipeline.HistDocCharsWritten]),
	} {
		if c != nil {
			v.Length = append(v.Length, c)
		}
	}
	if lh := h[pipeline.HistLang]; lh != nil && len(lh.Categories) > 0 {
		keys := sortedByCount(lh.Categories)
		const top = 40
		v.LangN = len(keys)
		if len(keys) > top {
			v.LangMore = len(keys) - top
			keys = keys[:top]
		}
		var items []hItem
		for _, k := range keys {
			label := k
			if label == "" {
				label = "(none)"
			}
			n := lh.Categories[k]
			items = append(items, hItem{label: label, key: "lang:" + k, value: strconv.FormatInt(n, 10), text: formatInt(n) + " (" + pct(n, lh.N) + ")", v: float64(n)})
		}
		v.Lang = hChart("documents written per language", items)
	}
	v.Score = histChart(pipeline.HistLangScore, "language score, written", h[pipeline.HistLangScore])

	var sigKeys []string
	for k := range h {
		if strings.HasPrefix(k, "signal:") {
			sigKeys = append(sigKeys, k)
		}
	}
	sort.Slice(sigKeys, func(i, j int) bool {
		a, b := h[sigKeys[i]], h[sigKeys[j]]
		if a.Step != b.Step {
			return a.Step < b.Step
		}
		return sigKeys[i] < sigKeys[j]
	})
	for _, k := range sigKeys {
		hh := h[k]
		if len(v.Signals) == 0 || v.Signals[len(v.Signals)-1].Step != hh.Step {
			v.Signals = append(v.Signals, signalGroup{Stage: hh.Stage, Step: hh.Step})
		}
		g := &v.Signals[len(v.Signals)-1]
		g.Charts = append(g.Charts, histChart(k, hh.Signal, hh))
	}

	var clusters []hItem
	for _, st := range s.Stages {
		for _, k := range sortedClusterBins(st.Counters) {
			n := st.Counters[k]
			clusters = append(clusters, hItem{label: st.Name + ": " + strings.TrimPrefix(k, "clusters_size_"), key: "counter:" + strconv.Itoa(st.Step) + ":" + k,
				value: strconv.FormatInt(n, 10), text: formatInt(n), v: float64(n)})
		}
	}
	v.Clusters = hChart("dedup clusters by size (documents per cluster)", clusters)

	v.Kept = s.Samples[pipeline.SampleKept]
	for _, d := range v.Drops {
		reason := strings.TrimPrefix(d.Key, "rejected:")
		if set := s.Samples[pipeline.SampleRejectedPre+reason]; set != nil {
			v.Rejected = append(v.Rejected, sampleGroup{Reason: reason, Count: d.Count, Set: set})
		}
	}

	v.Tokens = r.tokens()

	var timing []hItem
	for _, st := range s.Stages {
		timing = append(timing, hItem{label: strconv.Itoa(st.Step) + " " + st.Name, key: "seconds:" + strconv.Itoa(st.Step),
			value: strconv.FormatFloat(st.Seconds, 'f', -1, 64), text: strconv.FormatFloat(st.Seconds, 'f', 2, 64) + " s", v: st.Seconds})
	}
	v.Timing = hChart("seconds per stage (summed over tasks and workers)", timing)

	add := func(key, label, value, text string) {
		v.Run = append(v.Run, kv{Key: key, Label: label, Value: value, Text: text})
	}
	add("grist_version", "grist version", m.Version, m.Version)
	add("config_hash", "config hash", m.ConfigHash, m.ConfigHash)
	add("tasks", "tasks", strconv.Itoa(s.Tasks), strconv.Itoa(s.Tasks))
	add("seconds", "wall time", strconv.FormatFloat(s.Seconds, 'f', -1, 64), strconv.FormatFloat(s.Seconds, 'f', 2, 64)+" s")
	if s.CPUSeconds > 0 {
		add("cpu_seconds", "CPU time", strconv.FormatFloat(s.CPUSeconds, 'f', -1, 64), strconv.FormatFloat(s.CPUSeconds, 'f', 2, 64)+" s")
	}
	if s.Seconds > 0 {
		add("", "throughput", "", fmt.Sprintf("%.0f docs/s, %.2f MB/s (read)", float64(s.Read)/s.Seconds, float64(s.ReadBytes)/1e6/s.Seconds))
	}
	if s.PeakRSS > 0 {
		add("peak_rss_bytes", "peak memory (RSS)", strconv.FormatInt(s.PeakRSS, 10), fmt.Sprintf("%.1f MB", float64(s.PeakRSS)/1e6))
	}
	add("shards", "shards", strconv.Itoa(len(m.Shards)), strconv.Itoa(len(m.Shards)))
	add("rows", "rows written", strconv.FormatInt(m.Rows, 10), formatInt(m.Rows))
	add("bytes", "bytes written (files)", strconv.FormatInt(m.Bytes, 10), formatInt(m.Bytes))
	return v
}

// tokens gathers the token metrics from the tokenize and pack counters.
func (r *Run) tokens() *tokenView {
	s, m := r.Stats, r.Manifest
	tv := &tokenView{PerDoc: histChart(pipeline.HistTokensPerDoc, "tokens per document", s.Histograms[pipeline.HistTokensPerDoc])}
	add := func(key, label string, n int64, text string) {
		tv.Metrics = append(tv.Metrics, kv{Key: key, Label: label, Value: strconv.FormatInt(n, 10), Text: text})
	}
	if m.Tokenizer != nil {
		tv.Metrics = append(tv.Metrics, kv{Key: "tokenizer", Label: "tokenizer", Value: m.Tokenizer.Name, Text: m.Tokenizer.Name})
	}
	if m.Tokens > 0 {
		add("manifest_tokens", "tokens written (padding excluded)", m.Tokens, formatInt(m.Tokens))
	}
	for _, st := range s.Stages {
		c := st.Counters
		if len(c) == 0 {
			continue
		}
		p := "counter:" + strconv.Itoa(st.Step) + ":"
		if st.Kind == pipeline.KindReshape {
			ex := c["examples"]
			if m.SeqLen > 0 && ex > 0 {
				add(p+"examples", "examples ("+m.ExampleKind+", seq_len "+strconv.Itoa(m.SeqLen)+")", ex, formatInt(ex))
				slots := ex * int64(m.SeqLen)
				add(p+"padding_tokens", "padding tokens", c["padding_tokens"], formatInt(c["padding_tokens"])+" ("+pct(c["padding_tokens"], slots)+" of row slots)")
			}
			for _, k := range []string{"truncated_docs", "split_docs", "dropped_docs"} {
				if n, ok := c[k]; ok {
					add(p+k, strings.ReplaceAll(k, "_", " ")+" in "+st.Name, n, formatInt(n)+" ("+pct(n, st.DocsIn)+" of documents packed)")
				}
			}
			if n, ok := c["dropped_tokens"]; ok {
				add(p+"dropped_tokens", "dropped tokens", n, formatInt(n))
			}
			if n, ok := c["masked_tokens"]; ok {
				add(p+"masked_tokens", "masked tokens (MLM)", n, formatInt(n)+" ("+pct(n, c["tokens"])+" of tokens)")
			}
			continue
		}
		if _, ok := st.Counters["tokens"]; ok {
			add(p+"tokens", "tokens from "+st.Name, c["tokens"], formatInt(c["tokens"])+" ("+formatFloat(ratio(c["tokens"], st.DocsOut))+" per document)")
			if n, ok := c["truncated_docs"]; ok {
				add(p+"truncated_docs", "truncated by "+st.Name, n, formatInt(n)+" ("+pct(n, st.DocsIn)+" of documents)")
			}
		}
	}
	if tv.PerDoc == nil && len(tv.Metrics) == 0 {
		return nil
	}
	return tv
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func pct(n, of int64) string {
	if of == 0 {
		return "-"
	}
	return strconv.FormatFloat(100*float64(n)/float64(of), 'f', 1, 64) + "%"
}

func formatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func sumMap(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// sortedByCount orders keys by count, largest first, then by name.
func sortedByCount(m map[string]int64) []string {
	keys := sortedKeys(m)
	sort.SliceStable(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] })
	return keys
}

// sortedClusterBins lists the clusters_size_* counters by bin.
func sortedClusterBins(c map[string]int64) []string {
	var keys []string
	for k := range c {
		if strings.HasPrefix(k, "clusters_size_") {
			keys = append(keys, k)
		}
	}
	lo := func(k string) int {
		s := strings.TrimPrefix(k, "clusters_size_")
		s, _, _ = strings.Cut(s, "-")
		n, _ := strconv.Atoi(s)
		return n
	}
	sort.Slice(keys, func(i, j int) bool { return lo(keys[i]) < lo(keys[j]) })
	return keys
}
