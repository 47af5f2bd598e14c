package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/grist/grist/internal/storage"
)

// PhaseStatus is how far one phase of a run has come.
type PhaseStatus struct {
	Name    string `json:"name"`
	Units   int    `json:"units"` // tasks, or 1 for a decision
	Done    int    `json:"done"`
	Missing []int  `json:"missing,omitempty"` // task indices without a marker
	Global  bool   `json:"global,omitempty"`  // a decision over the whole corpus
}

// RunStatus is the state of a run's output folder, read from its markers.
type RunStatus struct {
	OutDir   string        `json:"output"`
	Tasks    int           `json:"tasks"`
	Phases   []PhaseStatus `json:"phases"`
	Complete bool          `json:"complete"`
	Stats    *Stats        `json:"stats"` // merged stats of the completed tasks so far
}

// Status reads the markers and per-task stats of a run without running
// anything. outDir overrides output.path.
func Status(cfg *Config, outDir string) (*RunStatus, error) {
	r := &runner{cfg: cfg}
	r.out = cfg.Output.Path
	if outDir != "" {
		r.out = outDir
	}
	r.work = cfg.WorkDir
	if r.work == "" {
		r.work = storage.Join(r.out, ".grist")
	}
	files, err := ExpandInputs(cfg.Input)
	if err != nil {
		return nil, &UserError{Err: fmt.Errorf("%s: %w", cfg.File, err)}
	}
	cfg.Files = files
	if r.tasks, err = PlanTasks(files, cfg.Input); err != nil {
		return nil, &UserError{Err: err}
	}
	r.planPhases()
	st := &RunStatus{OutDir: r.out, Tasks: len(r.tasks), Stats: NewStats(cfg.Plan)}
	for _, ph := range r.phases {
		ps := PhaseStatus{Name: r.phaseName(ph), Global: ph.global}
		if ph.global {
			ps.Units = 1
			if exists(r.markerPath(ph.index, -1)) {
				ps.Done = 1
			}
		} else {
			ps.Units = len(r.tasks)
			done := r.doneTasks(ph.index)
			for _, t := range r.tasks {
				if !done[t.Index] {
					ps.Missing = append(ps.Missing, t.Index)
					continue
				}
				ps.Done++
				if b, err := storage.ReadFile(context.Background(), r.statsPath(ph.index, t.Index)); err == nil {
					var s Stats
					if json.Unmarshal(b, &s) == nil {
						st.Stats.Merge(&s)
					}
				}
			}
		}
		st.Phases = append(st.Phases, ps)
	}
	st.Complete = exists(storage.Join(r.out, "manifest.json"))
	return st, nil
}

// Write prints a status report: one line a phase, then the totals.
func (st *RunStatus) Write(w io.Writer) {
	fmt.Fprintf(w, "%s: %d tasks, %s\n", st.OutDir, st.Tasks, map[bool]string{true: "complete", false: "not complete"}[st.Complete])
	for i, p := range st.Phases {
		state := "done"
		if p.Done < p.Units {
			state = fmt.Sprintf("missing %s", ranges(p.Missing))
			if p.Global {
				state = "not run"
			}
		}
		fmt.Fprintf(w, "  phase %d %-28s %d/%d  %s\n", i, p.Name, p.Done, p.Units, state)
	}
	s := st.Stats
	fmt.Fprintf(w, "so far: read %d, written %d, rejected %d, errors %d\n", s.Read, s.Written, sum(s.Rejected), sum(s.Errors))
}

// ranges prints task numbers compactly: 0-3,7,9-10.
func ranges(xs []int) string {
	var parts []string
	for i := 0; i < len(xs); {
		j := i
		for j+1 < len(xs) && xs[j+1] == xs[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, fmt.Sprint(xs[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", xs[i], xs[j]))
		}
		i = j + 1
	}
	return "tasks " + strings.Join(parts, ",")
}

// PhaseNames lists a pipeline's phases in order, as --phase takes them.
func PhaseNames(cfg *Config) []string {
	r := &runner{cfg: cfg}
	r.planPhases()
	return r.PhaseNames()
}
