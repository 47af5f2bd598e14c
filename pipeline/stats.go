package pipeline

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// StageStats counts what one step did, summed over tasks.
type StageStats struct {
	Step     int              `json:"step"`
	Name     string           `json:"name"`
	Kind     Kind             `json:"kind"`
	DocsIn   int64            `json:"docs_in"`
	DocsOut  int64            `json:"docs_out"`
	BytesIn  int64            `json:"bytes_in"`
	BytesOut int64            `json:"bytes_out"`
	Dropped  map[string]int64 `json:"dropped,omitempty"`
	Counters map[string]int64 `json:"counters,omitempty"`
	Decision any              `json:"decision,omitempty"` // a barrier's corpus-wide result (dedup clusters)
	Seconds  float64          `json:"seconds"`
}

// Stats is the accounting of a task or, merged, of a run. For every run:
// read = written + sum(rejected) + sum(errors).
type Stats struct {
	Tasks        int              `json:"tasks"`
	Read         int64            `json:"read"`
	ReadBytes    int64            `json:"read_bytes"`
	Written      int64            `json:"written"`            // documents that reached the output (or a pack step)
	Examples     int64            `json:"examples,omitempty"` // rows written by a pack step
	WrittenBytes int64            `json:"written_bytes"`
	Rejected     map[string]int64 `json:"rejected"`
	Errors       map[string]int64 `json:"errors"`
	Warnings     map[string]int64 `json:"warnings,omitempty"`
	Stages       []*StageStats    `json:"stages"`
	Seconds      float64          `json:"seconds"`
	// What the report shows besides the counts (collect.go): bounded
	// histograms and bottom-k samples, merged like the counts.
	Histograms map[string]*Histogram `json:"histograms,omitempty"`
	Samples    map[string]*SampleSet `json:"samples,omitempty"`
	PeakRSS    int64                 `json:"peak_rss_bytes,omitempty"` // of the process that finished the run
	CPUSeconds float64               `json:"cpu_seconds,omitempty"`    // of the process that finished the run

	coll *collector
}

// NewStats makes empty stats with one entry per step.
func NewStats(plan []StepConf) *Stats {
	s := &Stats{Rejected: map[string]int64{}, Errors: map[string]int64{}}
	for i, st := range plan {
		s.Stages = append(s.Stages, &StageStats{Step: i, Name: st.Name, Kind: st.Spec.Kind})
	}
	return s
}

// Merge adds o into s.
func (s *Stats) Merge(o *Stats) {
	s.Tasks += o.Tasks
	s.Read += o.Read
	s.ReadBytes += o.ReadBytes
	s.Written += o.Written
	s.Examples += o.Examples
	s.WrittenBytes += o.WrittenBytes
	s.Seconds += o.Seconds
	addMap(&s.Rejected, o.Rejected)
	addMap(&s.Errors, o.Errors)
	addMap(&s.Warnings, o.Warnings)
	for i, st := range o.Stages {
		if i >= len(s.Stages) {
			cp := *st
			cp.Dropped, cp.Counters = nil, nil
			s.Stages = append(s.Stages, &cp)
			cp.DocsIn, cp.DocsOut, cp.BytesIn, cp.BytesOut, cp.Seconds = 0, 0, 0, 0, 0
		}
		d := s.Stages[i]
		d.DocsIn += st.DocsIn
		d.DocsOut += st.DocsOut
		d.BytesIn += st.BytesIn
		d.BytesOut += st.BytesOut
		d.Seconds += st.Seconds
		addMap(&d.Dropped, st.Dropped)
		addMap(&d.Counters, st.Counters)
	}
	for k, h := range o.Histograms {
		if s.Histograms == nil {
			s.Histograms = map[string]*Histogram{}
		}
		if d := s.Histograms[k]; d != nil {
			d.Merge(h)
		} else {
			cp := *h
			cp.Categories, cp.Thresholds = nil, nil
			cp.N, cp.NaN, cp.Sum = 0, 0, 0
			cp.Counts = make([]int64, len(h.Counts))
			cp.Merge(h)
			s.Histograms[k] = &cp
		}
	}
	for k, ss := range o.Samples {
		if s.Samples == nil {
			s.Samples = map[string]*SampleSet{}
		}
		if d := s.Samples[k]; d != nil {
			d.Merge(ss)
		} else {
			d = &SampleSet{K: ss.K}
			d.Merge(ss)
			s.Samples[k] = d
		}
	}
}

func addMap(dst *map[string]int64, src map[string]int64) {
	if len(src) == 0 {
		return
	}
	if *dst == nil {
		*dst = map[string]int64{}
	}
	for k, v := range src {
		(*dst)[k] += v
	}
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// CheckAccounting verifies read = written + rejected + errors.
func (s *Stats) CheckAccounting() error {
	if got := s.Written + sum(s.Rejected) + sum(s.Errors); got != s.Read {
		return fmt.Errorf("accounting: read %d != written %d + rejected %d + errors %d",
			s.Read, s.Written, sum(s.Rejected), sum(s.Errors))
	}
	return nil
}

// Summary prints the per-stage table a run ends with.
func (s *Stats) Summary(w io.Writer, wall time.Duration) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "step\tstage\tdocs in\tdocs out\tdropped\tMB in\tMB out\tseconds\t")
	fmt.Fprintf(tw, "-\tread\t%d\t%d\t%d\t%.2f\t%.2f\t\t\n", s.Read, s.Read-sum(s.Errors), sum(s.Errors),
		mb(s.ReadBytes), mb(s.ReadBytes))
	for _, st := range s.Stages {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%d\t%.2f\t%.2f\t%.2f\t\n", st.Step, st.Name, st.DocsIn, st.DocsOut,
			sum(st.Dropped), mb(st.BytesIn), mb(st.BytesOut), st.Seconds)
	}
	if s.Examples > 0 {
		fmt.Fprintf(tw, "-\twrite\t%d\t%d examples\t\t%.2f\t\t\t\n", s.Written, s.Examples, mb(s.WrittenBytes))
	} else {
		fmt.Fprintf(tw, "-\twrite\t%d\t%d\t\t%.2f\t%.2f\t\t\n", s.Written, s.Written, mb(s.WrittenBytes), mb(s.WrittenBytes))
	}
	tw.Flush()
	reasons := func(title string, m map[string]int64) {
		if len(m) == 0 {
			return
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s=%d", k, m[k])
		}
		fmt.Fprintf(w, "%s: %s\n", title, strings.Join(parts, " "))
	}
	reasons("rejected", s.Rejected)
	reasons("errors", s.Errors)
	reasons("warnings", s.Warnings)
	for _, st := range s.Stages {
		if line := st.packingLine(); line != "" {
			fmt.Fprintln(w, line)
		}
	}
	secs := wall.Seconds()
	if secs > 0 {
		fmt.Fprintf(w, "read %d docs (%.1f MB) in %.2fs: %.0f docs/s, %.1f MB/s; wrote %d, rejected %d, errors %d\n",
			s.Read, mb(s.ReadBytes), secs, float64(s.Read)/secs, mb(s.ReadBytes)/secs, s.Written, sum(s.Rejected), sum(s.Errors))
	}
}

func mb(n int64) float64 { return float64(n) / 1e6 }

// packingLine reports a packing stage's rates (empty for other stages):
// padding in percent of the rows' positions (document tokens, padding and
// MLM [CLS]/[SEP]), and the documents split across rows, truncated (ids
// lost) and dropped (all ids lost), in percent of the documents packed.
func (st StageStats) packingLine() string {
	c := st.Counters
	if _, ok := c["examples"]; !ok {
		return ""
	}
	pct := func(n, of int64) float64 {
		if of == 0 {
			return 0
		}
		return 100 * float64(n) / float64(of)
	}
	positions := c["tokens"] + c["padding_tokens"] + c["frame_tokens"]
	docs := st.DocsIn
	return fmt.Sprintf("%s: %d examples, %d tokens; padding %.2f%% of positions; documents split %d (%.2f%%), truncated %d (%.2f%%), dropped %d (%.2f%%) of %d",
		st.Name, c["examples"], c["tokens"], pct(c["padding_tokens"], positions),
		c["split_docs"], pct(c["split_docs"], docs), c["truncated_docs"], pct(c["truncated_docs"], docs),
		c["dropped_docs"], pct(c["dropped_docs"], docs), docs)
}
