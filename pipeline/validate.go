package pipeline

import (
	"fmt"
	"io"
	"strings"
)

// ValidateReport summarises a pipeline that passed validation.
type ValidateReport struct {
	Files, Tasks, Steps, Phases int
	Bytes                       int64
}

// Validate checks what LoadConfig cannot: that inputs are readable and
// plannable and that every stage can be built (tokenizer files load, and so
// on). It reads no documents.
func Validate(cfg *Config) (*ValidateReport, error) {
	r := &runner{cfg: cfg}
	files, err := ExpandInputs(cfg.Input)
	if err != nil {
		return nil, &UserError{Err: fmt.Errorf("%s: %w", cfg.File, err)}
	}
	cfg.Files = files
	tasks, err := PlanTasks(files, cfg.Input)
	if err != nil {
		return nil, &UserError{Err: err}
	}
	r.planPhases()
	var errs []string
	for i, sc := range cfg.Plan {
		st, err := sc.Spec.New(sc.Options, &Env{Name: sc.Name, Index: i, Drop: sc.Drop, Seed: cfg.Seed, Config: cfg, Logf: func(string, ...any) {}})
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s:%d: %s: %v", cfg.File, sc.Line, sc.Path, err))
			continue
		}
		if c, ok := st.(Closer); ok {
			c.Close()
		}
	}
	if len(errs) > 0 {
		return nil, &UserError{Err: fmt.Errorf("%s", strings.Join(errs, "\n"))}
	}
	rep := &ValidateReport{Files: len(files), Tasks: len(tasks), Steps: len(cfg.Plan), Phases: len(r.phases)}
	for _, f := range files {
		rep.Bytes += f.Size
	}
	return rep, nil
}

// WriteStageDoc prints one stage's spec: description, kind, source and every
// option with its type, default and doc line.
func WriteStageDoc(w io.Writer, s *Spec) {
	fmt.Fprintf(w, "%s (%s): %s\n", s.Name, s.Kind, s.Doc)
	if s.Source != "" {
		fmt.Fprintf(w, "  source: %s\n", s.Source)
	}
	fields := StageFields(s)
	if len(fields) == 0 {
		fmt.Fprintln(w, "  (no options)")
	}
	for _, f := range fields {
		def := f.Default
		if def == "" {
			def = "-"
		}
		fmt.Fprintf(w, "  %-28s %-10s default %-10s %s\n", f.Key, f.Type, def, f.Doc)
	}
}

// StageFields lists a stage's options, the common ones of its kind included.
func StageFields(s *Spec) []Field {
	fields := Fields(s.Options)
	if s.Annotates {
		fields = append(fields, DropField)
	}
	return fields
}

// WriteStagesMarkdown prints the README's stage reference from the specs.
func WriteStagesMarkdown(w io.Writer) {
	for _, s := range Specs() {
		fmt.Fprintf(w, "### `%s` (%s)\n\n%s.", s.Name, s.Kind, strings.TrimSuffix(s.Doc, "."))
		if s.Source != "" {
			fmt.Fprintf(w, " Source: %s.", strings.TrimSuffix(s.Source, "."))
		}
		fmt.Fprint(w, "\n\n")
		fields := StageFields(s)
		if len(fields) == 0 {
			fmt.Fprint(w, "No options.\n\n")
			continue
		}
		fmt.Fprintln(w, "| option | type | default | meaning |")
		fmt.Fprintln(w, "| --- | --- | --- | --- |")
		for _, f := range fields {
			def := "`" + f.Default + "`"
			if f.Default == "" {
				def = ""
			}
			fmt.Fprintf(w, "| `%s` | %s | %s | %s |\n", f.Key, f.Type, def, strings.ReplaceAll(f.Doc, "|", "\\|"))
		}
		fmt.Fprintln(w)
	}
}

// WriteConfigMarkdown prints the README's reference of the config sections
// (input, output/rejected/errors, top level) from their tagged structs.
func WriteConfigMarkdown(w io.Writer) {
	section := func(title string, opts any) {
		fmt.Fprintf(w, "**%s**\n\n| key | type | default | meaning |\n| --- | --- | --- | --- |\n", title)
		for _, f := range Fields(opts) {
			if f.Type == "object" || f.Type == "[]any" {
				continue
			}
			def := ""
			if f.Default != "" {
				def = "`" + f.Default + "`"
			}
			fmt.Fprintf(w, "| `%s` | %s | %s | %s |\n", f.Key, f.Type, def, strings.ReplaceAll(f.Doc, "|", "\\|"))
		}
		fmt.Fprintln(w)
	}
	section("input", InputConfig{})
	section("output, rejected, errors", SinkConfig{})
	section("top level", Config{})
}
