package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"

	"gopkg.in/yaml.v3"

	"github.com/grist/grist/internal/storage"
)

// InputConfig says where documents come from and how to read them.
type InputConfig struct {
	Paths       []string `yaml:"paths" doc:"files, globs (** allowed) and folders to read; sorted, each file one or more tasks"`
	Format      string   `yaml:"format" default:"auto" doc:"auto (from the extension), jsonl, text or parquet"`
	TextField   string   `yaml:"text_field" default:"text" doc:"field (JSONL) or column (Parquet) holding the document text"`
	IDField     string   `yaml:"id_field" default:"id" doc:"field holding the document id; when absent ids are generated as file:line (or file:row)"`
	Fields      []string `yaml:"fields" doc:"metadata fields to pass through (default: every field of the first batch of each file)"`
	TextMode    string   `yaml:"text_mode" default:"file" doc:"for plain text: file (one document per file) or line (one document per non-empty line)"`
	BatchSize   int      `yaml:"batch_size" default:"1024" doc:"documents per Arrow record batch"`
	SplitBytes  int64    `yaml:"split_bytes" default:"134217728" doc:"uncompressed JSONL and text files larger than this are split into line-aligned tasks of about this size"`
	MaxDocBytes int64    `yaml:"max_doc_bytes" default:"67108864" doc:"a record (JSONL line, text file or line) larger than this is skipped without being held in memory and recorded as an error (0 = no limit)"`
}

// SinkConfig is an output place: documents, rejected rows or error rows.
type SinkConfig struct {
	Path         string `yaml:"path" doc:"output folder"`
	Format       string `yaml:"format" default:"parquet" doc:"parquet, or jsonl (with compression gzip, zstd or none)"`
	Compression  string `yaml:"compression" default:"zstd" doc:"zstd, gzip, snappy (parquet only) or none"`
	RowGroupRows int    `yaml:"row_group_rows" default:"65536" doc:"maximum rows per Parquet row group"`
	MaxRows      int64  `yaml:"max_rows" doc:"output only: at most this many rows per shard; a task's rows go to part-TTTTT-SSSSS files in order (0 = one shard per task, part-TTTTT)"`
	MaxBytes     int64  `yaml:"max_bytes" doc:"output only: a shard is closed once its size reaches this many bytes (estimated while writing: a file may pass it by about a row and its footer; Parquet row groups are then closed at an eighth of it, at least 1 MiB, and files much smaller than that come out smaller than the bound); files named as with max_rows (0 = no bound)"`

	vocab int // megatron: the tokenizer's vocabulary size, for the token dtype
}

// Config is a whole pipeline file.
type Config struct {
	Input    InputConfig `yaml:"input" doc:"where documents come from (section above)"`
	Steps    []any       `yaml:"steps" doc:"stages in order, each a one-key mapping: - stage_name: {options}"`
	Output   SinkConfig  `yaml:"output" doc:"where the shards go (section above)"`
	Rejected *SinkConfig `yaml:"rejected" doc:"optional: where dropped documents go, with a reason column (stage:reason)"`
	Errors   *SinkConfig `yaml:"errors" doc:"optional: where unreadable records go, with file, line and error"`
	OnError  string      `yaml:"on_error" default:"skip" doc:"skip (record bad input as error rows and go on) or fail (stop at the first bad record)"`
	Seed     int64       `yaml:"seed" default:"42" doc:"seed for every seeded stage that does not set its own"`
	WorkDir  string      `yaml:"work_dir" doc:"where markers, per-task stats and barrier data live (default: OUTPUT/.grist)"`

	// Resolved after loading.
	File  string      `yaml:"-"`
	Plan  []StepConf  `yaml:"-"`
	Raw   []byte      `yaml:"-"`
	Files []InputFile `yaml:"-"`
}

// StepConf is one decoded step: its spec and its options struct.
type StepConf struct {
	Name    string
	Spec    *Spec
	Options any  // pointer to the spec's options struct, defaults applied and decoded
	Drop    bool // filters: drop failing rows (false = annotate only)
	Path    string
	Line    int
}

// LoadConfig reads, decodes and validates a pipeline file. Every finding is
// reported (ConfigErrors), each with file:line:col and its YAML path.
func LoadConfig(path string) (*Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, &ConfigError{File: path, Msg: fmt.Sprintf("cannot read pipeline: %v", unwrapPathErr(err))}
	}
	return ParseConfig(path, raw)
}

// ParseConfig decodes a pipeline from bytes; path names it in errors and
// anchors relative input and output paths.
func ParseConfig(path string, raw []byte) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return nil, yamlSyntaxError(path, err)
	}
	d := &decoder{file: path, env: osEnv}
	cfg := &Config{File: path, Raw: raw}
	if err := ApplyDefaults(cfg); err != nil {
		return nil, err
	}
	if err := ApplyDefaults(&cfg.Input); err != nil {
		return nil, err
	}
	if err := ApplyDefaults(&cfg.Output); err != nil {
		return nil, err
	}
	if len(root.Content) == 0 {
		return nil, &ConfigError{File: path, Msg: "empty pipeline: needs at least input and output"}
	}
	doc := root.Content[0]
	d.decode(doc, reflect.ValueOf(cfg).Elem(), "")
	for _, s := range []**SinkConfig{&cfg.Rejected, &cfg.Errors} {
		if *s != nil {
			// decode applied no defaults to optional sinks: redo with defaults
			sc := &SinkConfig{}
			_ = ApplyDefaults(sc)
			if sc.Format == "" {
				sc.Format = "parquet"
			}
			mergeSink(sc, *s)
			*s = sc
		}
	}
	top := mapping(doc)
	d.checkRequired(top, cfg)
	d.checkInputs(top, cfg)
	d.planSteps(top["steps"], cfg)
	if len(d.errs) > 0 {
		return nil, d.errs
	}
	return cfg, nil
}

func mergeSink(dst, src *SinkConfig) {
	if src.Path != "" {
		dst.Path = src.Path
	}
	if src.Format != "" {
		dst.Format = src.Format
	}
	if src.Compression != "" {
		dst.Compression = src.Compression
	}
	if src.RowGroupRows != 0 {
		dst.RowGroupRows = src.RowGroupRows
	}
	dst.MaxRows, dst.MaxBytes = src.MaxRows, src.MaxBytes // validated: output only
}

func mapping(n *yaml.Node) map[string][2]*yaml.Node {
	m := map[string][2]*yaml.Node{}
	if n == nil || n.Kind != yaml.MappingNode {
		return m
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		m[n.Content[i].Value] = [2]*yaml.Node{n.Content[i], n.Content[i+1]}
	}
	return m
}

func (d *decoder) checkRequired(top map[string][2]*yaml.Node, cfg *Config) {
	in := top["input"]
	if in[1] == nil {
		d.errorf(nil, "input", "missing: the pipeline needs an input section with paths")
	} else if len(cfg.Input.Paths) == 0 {
		d.errorf(in[1], "input.paths", "missing: give at least one file, glob or folder")
	}
	if _, ok := top["output"]; !ok {
		d.errorf(nil, "output", "missing: the pipeline needs output.path (or run with -o)")
	}
	check := func(key string, s *SinkConfig, n [2]*yaml.Node) {
		if s == nil {
			return
		}
		node := n[1]
		switch s.Format {
		case "parquet", "jsonl":
		case "megatron":
			if key != "output" {
				d.errorf(valueNode(node, "format"), key+".format", "megatron is an output format; %s takes parquet or jsonl", key)
			}
		default:
			d.errorf(valueNode(node, "format"), key+".format", "must be parquet, jsonl or megatron, got %q", s.Format)
		}
		switch s.Compression {
		case "zstd", "gzip", "none", "snappy":
			if s.Compression == "snappy" && s.Format != "parquet" {
				d.errorf(valueNode(node, "compression"), key+".compression", "snappy is for parquet; jsonl takes zstd, gzip or none")
			}
		default:
			d.errorf(valueNode(node, "compression"), key+".compression", "must be zstd, gzip, snappy or none, got %q", s.Compression)
		}
		if s.RowGroupRows <= 0 {
			d.errorf(valueNode(node, "row_group_rows"), key+".row_group_rows", "must be > 0")
		}
		for _, b := range []struct {
			name string
			v    int64
		}{{"max_rows", s.MaxRows}, {"max_bytes", s.MaxBytes}} {
			switch {
			case b.v < 0:
				d.errorf(valueNode(node, b.name), key+"."+b.name, "must be >= 0 (0 = no bound)")
			case b.v > 0 && key != "output":
				d.errorf(valueNode(node, b.name), key+"."+b.name, "only the output's shards are bounded")
			}
		}
	}
	check("output", &cfg.Output, top["output"])
	check("rejected", cfg.Rejected, top["rejected"])
	check("errors", cfg.Errors, top["errors"])
	if cfg.Rejected != nil && cfg.Rejected.Path == "" {
		d.errorf(top["rejected"][1], "rejected.path", "missing")
	}
	if cfg.Errors != nil && cfg.Errors.Path == "" {
		d.errorf(top["errors"][1], "errors.path", "missing")
	}
	switch cfg.Input.Format {
	case "auto", "jsonl", "text", "parquet":
	default:
		d.errorf(valueNode(in[1], "format"), "input.format", "must be auto, jsonl, text or parquet, got %q", cfg.Input.Format)
	}
	switch cfg.Input.TextMode {
	case "file", "line":
	default:
		d.errorf(valueNode(in[1], "text_mode"), "input.text_mode", "must be file or line, got %q", cfg.Input.TextMode)
	}
	if cfg.Input.BatchSize <= 0 {
		d.errorf(valueNode(in[1], "batch_size"), "input.batch_size", "must be > 0")
	}
	if cfg.Input.SplitBytes < 1<<20 {
		d.errorf(valueNode(in[1], "split_bytes"), "input.split_bytes", "must be at least 1048576")
	}
	switch cfg.OnError {
	case "skip", "fail":
	default:
		d.errorf(top["on_error"][1], "on_error", "must be skip or fail, got %q", cfg.OnError)
	}
}

// checkInputs reports each input path that matches no file, at its line.
func (d *decoder) checkInputs(top map[string][2]*yaml.Node, cfg *Config) {
	paths := valueNode(top["input"][1], "paths")
	for i, p := range cfg.Input.Paths {
		if p == "" {
			continue // reported by the decoder (an unset variable) or meaningless
		}
		at := paths
		if paths != nil && paths.Kind == yaml.SequenceNode && i < len(paths.Content) {
			at = paths.Content[i]
		}
		m, err := globAll(p)
		shown := storage.Display(p)
		if err != nil {
			d.errorf(at, fmt.Sprintf("input.paths[%d]", i), "%s: %v", shown, unwrapPathErr(err))
			continue
		}
		if len(m) == 0 {
			d.errorf(at, fmt.Sprintf("input.paths[%d]", i), "%s: no file matches", shown)
			continue
		}
		if len(m) == 1 {
			if _, err := storage.Stat(context.Background(), m[0]); err != nil {
				d.errorf(at, fmt.Sprintf("input.paths[%d]", i), "%s: %v", shown, unwrapPathErr(err))
			}
		}
	}
}

func valueNode(n *yaml.Node, key string) *yaml.Node {
	if v := mapping(n)[key][1]; v != nil {
		return v
	}
	return n
}

// planSteps decodes each step into its spec's options struct.
func (d *decoder) planSteps(steps [2]*yaml.Node, cfg *Config) {
	n := steps[1]
	if n == nil {
		return
	}
	if n.Kind != yaml.SequenceNode {
		return // already reported by decode
	}
	for i, st := range n.Content {
		path := fmt.Sprintf("steps[%d]", i)
		if st.Kind != yaml.MappingNode || len(st.Content) != 2 {
			d.errorf(st, path, "a step is a one-key mapping such as `- length: {min_words: 5}`")
			continue
		}
		k, v := st.Content[0], st.Content[1]
		spec, ok := Lookup(k.Value)
		if !ok {
			d.errorf(k, path, "unknown stage %q%s", k.Value, suggest(k.Value, StageNames()))
			continue
		}
		p := path + "." + k.Value
		opts := spec.NewOptions()
		if err := ApplyDefaults(opts); err != nil {
			d.errorf(k, p, "%v", err)
			continue
		}
		drop := true
		if spec.Annotates && v.Kind == yaml.MappingNode {
			v = d.takeDrop(v, p, &drop)
		}
		if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
			// `- stage:` with no options
		} else {
			before := len(d.errs)
			d.decode(v, reflect.ValueOf(opts).Elem(), p)
			if len(d.errs) > before {
				continue
			}
		}
		d.validateOptions(opts, spec.Check, v, p)
		cfg.Plan = append(cfg.Plan, StepConf{Name: k.Value, Spec: spec, Options: opts, Drop: drop, Path: p, Line: k.Line})
	}
}

// takeDrop reads the common `drop` option of a filter and returns the
// mapping without it.
func (d *decoder) takeDrop(v *yaml.Node, path string, drop *bool) *yaml.Node {
	out := *v
	out.Content = nil
	for i := 0; i+1 < len(v.Content); i += 2 {
		if v.Content[i].Value == DropField.Key {
			var b bool
			d.decode(v.Content[i+1], reflect.ValueOf(&b).Elem(), joinPath(path, DropField.Key))
			*drop = b
			continue
		}
		out.Content = append(out.Content, v.Content[i], v.Content[i+1])
	}
	return &out
}

func yamlSyntaxError(path string, err error) error {
	// yaml.v3 reports "yaml: line 3: ..."; keep its line.
	var line int
	msg := err.Error()
	if _, e := fmt.Sscanf(msg, "yaml: line %d:", &line); e == nil {
		_, rest, _ := cutAfter(msg, ": ")
		_, rest, _ = cutAfter(rest, ": ")
		return &ConfigError{File: path, Line: line, Col: 1, Msg: "YAML syntax: " + rest}
	}
	return &ConfigError{File: path, Msg: "YAML syntax: " + msg}
}

func cutAfter(s, sep string) (string, string, bool) {
	i := bytes.Index([]byte(s), []byte(sep))
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// Paths in a config are relative to the working directory, as with every
// CLI tool, so a config runs the same from a script or by hand.

// Hash is a stable digest of the effective config: every step with its
// decoded options (defaults included), input, output. Runs with the same hash
// produce the same output.
func (c *Config) Hash() string {
	type step struct {
		Name    string `json:"name"`
		Options any    `json:"options"`
	}
	steps := make([]step, len(c.Plan))
	for i, s := range c.Plan {
		steps[i] = step{s.Name, s.Options}
	}
	in := c.Input
	paths := make([]string, len(c.Files))
	for i, f := range c.Files {
		paths[i] = filepath.ToSlash(f.Path)
	}
	sort.Strings(paths)
	in.Paths = paths
	b, _ := json.Marshal(struct {
		Input  InputConfig `json:"input"`
		Steps  []step      `json:"steps"`
		Format string      `json:"format"`
		Comp   string      `json:"compression"`
		Seed   int64       `json:"seed"`
	}{in, steps, c.Output.Format, c.Output.Compression, c.Seed})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
