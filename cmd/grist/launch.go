package main

// grist launch: runs a pipeline on a cluster as one job (array) per phase.
//
// A launch plans, for every phase that still has work, the ranks whose tasks
// (index % W == rank) lack a completion marker, then writes one job per
// phase: a Slurm array (split into several arrays above MaxArraySize) or a
// Kubernetes Indexed Job. Decision phases are single units (rank 0 of 1).
// Every job passes --rank and --world-size explicitly: a resubmitted array
// (--array=1,3,5) or a split one has its own SLURM_ARRAY_TASK_COUNT, which is
// not the run's world size.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/grist/grist/pipeline"
)

// defaultMaxArraySize is Slurm's default MaxArraySize: array indices run
// from 0 to MaxArraySize-1.
const defaultMaxArraySize = 1001

type launchOptions struct {
	out        string
	tasks      int
	workers    int
	partition  string
	time       string
	mem        string
	maxArray   int
	throttle   int
	dryRun     bool
	image      string
	parallel   int
	executable string // the grist binary the jobs run
}

func newLaunchCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "launch",
		Short: "run a pipeline on a cluster: Slurm job arrays or Kubernetes Indexed Jobs, one per phase",
		Long: "Run a pipeline on a cluster as one job per phase (grist status --phases lists them): each\n" +
			"rank R of W runs the tasks whose index % W == R; a decision phase is a single job. Launching\n" +
			"again submits only the ranks with tasks still lacking a completion marker.",
	}
	c.AddCommand(newLaunchSlurmCmd(), newLaunchK8sCmd())
	return c
}

func newLaunchSlurmCmd() *cobra.Command {
	var o launchOptions
	c := &cobra.Command{
		Use:   "slurm PIPELINE.yaml",
		Short: "submit the phases of a run as chained sbatch job arrays",
		Long: "Write one sbatch script per phase into OUTPUT/.grist/slurm/ and submit them with\n" +
			"sbatch --parsable, each phase depending on the previous one (afterok, --kill-on-invalid-dep=yes),\n" +
			"then a last job that runs grist run --resume (stats and manifest). Arrays larger than\n" +
			"MaxArraySize are split. Launched again, only the ranks with missing tasks are submitted.\n" +
			"Logs: OUTPUT/.grist/slurm/logs/%x-%A_%a.out.",
		Args: exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if o.maxArray == 0 {
				o.maxArray = slurmMaxArraySize()
			}
			return launchSlurm(c.OutOrStdout(), args[0], o)
		},
	}
	f := c.Flags()
	f.StringVarP(&o.out, "output", "o", "", "output folder (overrides output.path); must be on storage every node sees")
	f.IntVar(&o.tasks, "tasks", 0, "ranks (world size) of each per-task phase (default: the run's number of tasks, at most max-array-size)")
	f.IntVar(&o.workers, "workers-per-task", 1, "grist --workers of each rank, and its --cpus-per-task")
	f.StringVar(&o.partition, "partition", "", "sbatch --partition")
	f.StringVar(&o.time, "time", "", "sbatch --time (a rank's time limit)")
	f.StringVar(&o.mem, "mem", "", "sbatch --mem (a rank's memory)")
	f.IntVar(&o.maxArray, "max-array-size", 0, "largest array (default: MaxArraySize of scontrol show config, else 1001)")
	f.IntVar(&o.throttle, "throttle", 0, "ranks of one array running at once (sbatch --array=...%N; 0 = no limit)")
	f.BoolVar(&o.dryRun, "dry-run", false, "print the scripts and the sbatch command lines; submit and write nothing")
	return c
}

func newLaunchK8sCmd() *cobra.Command {
	var o launchOptions
	c := &cobra.Command{
		Use:   "k8s PIPELINE.yaml --image IMAGE",
		Short: "print Kubernetes Indexed Job manifests, one per phase, and the order to apply them",
		Long: "Print one Indexed Job (batch/v1) per phase, then one that finishes the run (stats and manifest),\n" +
			"as a multi-document YAML stream. Apply them one after the other, each when the previous is\n" +
			"complete (the comments give the kubectl commands). The pipeline file and the output folder\n" +
			"must be at the same paths inside the container (a shared volume, or an s3:// output).",
		Args: exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if o.image == "" {
				return usageError{errors.New("--image is required")}
			}
			return launchK8s(c.OutOrStdout(), args[0], o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.image, "image", "", "container image holding the grist binary (on the PATH)")
	f.StringVarP(&o.out, "output", "o", "", "output folder (overrides output.path)")
	f.IntVar(&o.tasks, "tasks", 0, "completions (world size) of each per-task phase (default: the run's number of tasks)")
	f.IntVar(&o.parallel, "parallelism", 0, "pods of one phase running at once (default: all)")
	f.IntVar(&o.workers, "workers-per-task", 1, "grist --workers of each pod, and its CPU request")
	return c
}

// launchPhase is one phase of a launch plan.
type launchPhase struct {
	Index  int    // phase number (order)
	Name   string // as --phase takes it
	Global bool   // a decision: one unit
	World  int    // world size of the phase's jobs (1 for a decision)
	Ranks  []int  // ranks to run; empty = the phase is done
}

// launchPlan is what a launch runs.
type launchPlan struct {
	Config   string // absolute path of the pipeline
	Out      string // absolute output folder
	Dir      string // working directory of the jobs
	Tasks    int    // tasks of the run
	World    int    // world size of the per-task phases
	Phases   []launchPhase
	Complete bool // manifest.json exists
}

// planLaunch reads the run's status and lists, per phase, the ranks that
// still have work.
func planLaunch(path, out string, tasks int, capAt int) (*launchPlan, error) {
	cfg, err := pipeline.LoadConfig(path)
	if err != nil {
		return nil, err
	}
	if out == "" {
		out = cfg.Output.Path
	}
	if out == "" {
		return nil, usageError{fmt.Errorf("%s: output.path is empty (set it or pass -o)", path)}
	}
	st, err := pipeline.Status(cfg, out)
	if err != nil {
		return nil, err
	}
	p := &launchPlan{Tasks: st.Tasks, Complete: st.Complete}
	if p.Config, err = filepath.Abs(path); err != nil {
		return nil, err
	}
	if p.Out, err = filepath.Abs(out); err != nil {
		return nil, err
	}
	if p.Dir, err = os.Getwd(); err != nil {
		return nil, err
	}
	p.World = worldSize(tasks, st.Tasks, capAt)
	for i, ph := range st.Phases {
		lp := launchPhase{Index: i, Name: ph.Name, Global: ph.Global, World: p.World}
		if ph.Global {
			lp.World = 1
			if ph.Done < ph.Units {
				lp.Ranks = []int{0}
			}
		} else {
			lp.Ranks = missingRanks(ph.Missing, p.World)
		}
		p.Phases = append(p.Phases, lp)
	}
	return p, nil
}

// worldSize is --tasks when given, else the number of tasks capped at capAt
// (0 = no cap); never more ranks than tasks, never fewer than one.
func worldSize(flag, tasks, capAt int) int {
	w := flag
	if w <= 0 {
		w = tasks
		if capAt > 0 && w > capAt {
			w = capAt
		}
	}
	if w > tasks {
		w = tasks
	}
	if w < 1 {
		w = 1
	}
	return w
}

// missingRanks returns, sorted, the ranks of world size w that own at least
// one of the missing task indices (task i belongs to rank i % w).
func missingRanks(missing []int, w int) []int {
	seen := make(map[int]bool)
	var ranks []int
	for _, t := range missing {
		r := t % w
		if !seen[r] {
			seen[r] = true
			ranks = append(ranks, r)
		}
	}
	sort.Ints(ranks)
	return ranks
}

// arrayChunk is one Slurm array job: rank = Offset + SLURM_ARRAY_TASK_ID.
type arrayChunk struct {
	Offset  int
	Indices []int // array indices, each < the max array size
}

// splitArray cuts sorted ranks into arrays whose indices stay below
// maxArray: chunk k holds ranks [k*maxArray, (k+1)*maxArray) as indices
// rank - k*maxArray. Empty chunks are left out.
func splitArray(ranks []int, maxArray int) []arrayChunk {
	if maxArray < 1 {
		maxArray = 1
	}
	var out []arrayChunk
	for _, r := range ranks {
		off := r / maxArray * maxArray
		if len(out) == 0 || out[len(out)-1].Offset != off {
			out = append(out, arrayChunk{Offset: off})
		}
		c := &out[len(out)-1]
		c.Indices = append(c.Indices, r-off)
	}
	return out
}

// arraySpec formats sorted indices for sbatch --array: runs become ranges
// ("0-3,5,7-9"), then "%N" when throttle > 0.
func arraySpec(idx []int, throttle int) string {
	var b strings.Builder
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && idx[j+1] == idx[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		if j == i {
			fmt.Fprint(&b, idx[i])
		} else {
			fmt.Fprintf(&b, "%d-%d", idx[i], idx[j])
		}
		i = j + 1
	}
	if throttle > 0 {
		fmt.Fprintf(&b, "%%%d", throttle)
	}
	return b.String()
}

var maxArrayRe = regexp.MustCompile(`(?m)^\s*MaxArraySize\s*=\s*(\d+)`)

// slurmMaxArraySize asks scontrol for MaxArraySize; 1001 (Slurm's default)
// when scontrol is absent or does not answer.
func slurmMaxArraySize() int {
	if _, err := exec.LookPath("scontrol"); err != nil {
		return defaultMaxArraySize
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10e9)
	defer cancel()
	b, err := exec.CommandContext(ctx, "scontrol", "show", "config").Output()
	if err != nil {
		return defaultMaxArraySize
	}
	return parseMaxArraySize(string(b))
}

func parseMaxArraySize(conf string) int {
	m := maxArrayRe.FindStringSubmatch(conf)
	if m == nil {
		return defaultMaxArraySize
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n < 1 {
		return defaultMaxArraySize
	}
	return n
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// jobBase names a run's jobs: grist-<pipeline file name without extension>.
func jobBase(config string) string {
	b := strings.TrimSuffix(filepath.Base(config), filepath.Ext(config))
	return "grist-" + b
}

// slurmJob is one sbatch submission.
type slurmJob struct {
	Phase  int    // index into plan.Phases; -1 for the finishing job
	Script string // path of the script
	Body   string
	Array  string // --array spec, "" for a single job
}

// slurmJobs writes (in memory) the scripts of a plan, in submission order,
// grouped by phase: group i depends on every job of group i-1.
func slurmJobs(p *launchPlan, o launchOptions) [][]slurmJob {
	dir := filepath.Join(p.Out, ".grist", "slurm")
	logs := filepath.Join(dir, "logs")
	base := jobBase(p.Config)
	var groups [][]slurmJob
	for _, ph := range p.Phases {
		if len(ph.Ranks) == 0 {
			continue
		}
		name := fmt.Sprintf("%02d-%s", ph.Index, strings.ReplaceAll(ph.Name, "_", "-"))
		jobName := base + "-" + strings.ReplaceAll(ph.Name, "_", "-")
		var group []slurmJob
		if ph.Global {
			args := fmt.Sprintf("--phase %s --rank 0 --world-size 1", shellQuote(ph.Name))
			body := slurmScript(p, o, jobName, "", filepath.Join(logs, "%x-%j.out"),
				fmt.Sprintf("phase %d (%s): the decision, one unit", ph.Index, ph.Name), "", args)
			group = append(group, slurmJob{Phase: ph.Index, Script: filepath.Join(dir, name+".sbatch"), Body: body})
		} else {
			chunks := splitArray(ph.Ranks, o.maxArray)
			for k, ch := range chunks {
				script := filepath.Join(dir, name+".sbatch")
				if len(chunks) > 1 {
					script = filepath.Join(dir, fmt.Sprintf("%s.%d.sbatch", name, k))
				}
				spec := arraySpec(ch.Indices, o.throttle)
				ranks := make([]int, len(ch.Indices))
				for i, x := range ch.Indices {
					ranks[i] = x + ch.Offset
				}
				what := fmt.Sprintf("phase %d (%s): ranks %s of %d", ph.Index, ph.Name, arraySpec(ranks, 0), ph.World)
				rank := fmt.Sprintf(`RANK=$((SLURM_ARRAY_TASK_ID + %d))`, ch.Offset)
				args := fmt.Sprintf(`--phase %s --rank "$RANK" --world-size %d`, shellQuote(ph.Name), ph.World)
				body := slurmScript(p, o, jobName, spec, filepath.Join(logs, "%x-%A_%a.out"), what, rank, args)
				group = append(group, slurmJob{Phase: ph.Index, Script: script, Body: body, Array: spec})
			}
		}
		groups = append(groups, group)
	}
	if !p.Complete {
		name := fmt.Sprintf("%02d-finish", len(p.Phases))
		body := slurmScript(p, o, base+"-finish", "", filepath.Join(logs, "%x-%j.out"),
			"merges the stats and writes manifest.json once every phase is done", "", "--resume")
		groups = append(groups, []slurmJob{{Phase: -1, Script: filepath.Join(dir, name+".sbatch"), Body: body}})
	}
	return groups
}

// slurmScript is one sbatch script. array is the --array spec ("" for a
// single job); rankLine sets $RANK; args follow "grist run CONFIG -o OUT".
func slurmScript(p *launchPlan, o launchOptions, jobName, array, logPath, what, rankLine, args string) string {
	var b strings.Builder
	b.WriteString("#!/usr/bin/env bash\n")
	fmt.Fprintf(&b, "# grist launch slurm %s: %s\n", filepath.Base(p.Config), what)
	fmt.Fprintf(&b, "#SBATCH --job-name=%s\n", jobName)
	if array != "" {
		fmt.Fprintf(&b, "#SBATCH --array=%s\n", array)
	}
	b.WriteString("#SBATCH --ntasks=1\n")
	fmt.Fprintf(&b, "#SBATCH --cpus-per-task=%d\n", o.workers)
	fmt.Fprintf(&b, "#SBATCH --output=%s\n", logPath)
	fmt.Fprintf(&b, "#SBATCH --chdir=%s\n", p.Dir)
	if o.partition != "" {
		fmt.Fprintf(&b, "#SBATCH --partition=%s\n", o.partition)
	}
	if o.time != "" {
		fmt.Fprintf(&b, "#SBATCH --time=%s\n", o.time)
	}
	if o.mem != "" {
		fmt.Fprintf(&b, "#SBATCH --mem=%s\n", o.mem)
	}
	b.WriteString("set -euo pipefail\n")
	if rankLine != "" {
		b.WriteString(rankLine + "\n")
	}
	b.WriteString("TIMEFORMAT='grist-time: wall %R s, user %U s, sys %S s'\n")
	fmt.Fprintf(&b, "time %s run %s -o %s %s --workers %d -q\n",
		shellQuote(o.executable), shellQuote(p.Config), shellQuote(p.Out), args, o.workers)
	return b.String()
}

// initOutput creates the run's state in the output folder with the
// pipeline's own checks, running no task: rank W-1 of a world of tasks+1
// owns no task. It refuses a folder that holds another run (config or inputs
// changed) before anything is submitted.
func initOutput(path string, p *launchPlan) error {
	cfg, err := pipeline.LoadConfig(path)
	if err != nil {
		return err
	}
	_, err = pipeline.Run(context.Background(), cfg, pipeline.RunOptions{
		OutDir: p.Out, Phase: p.Phases[0].Name, Rank: p.Tasks, WorldSize: p.Tasks + 1, Workers: 1, FaultTask: -1,
	})
	return err
}

func launchSlurm(w io.Writer, path string, o launchOptions) error {
	if o.workers < 1 {
		return usageError{errors.New("--workers-per-task must be at least 1")}
	}
	if o.throttle < 0 || o.maxArray < 1 {
		return usageError{errors.New("--throttle must be >= 0 and --max-array-size >= 1")}
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	o.executable = exe
	p, err := planLaunch(path, o.out, o.tasks, o.maxArray)
	if err != nil {
		return err
	}
	if p.Complete {
		fmt.Fprintf(w, "%s is complete (manifest.json): nothing to submit\n", p.Out)
		return nil
	}
	groups := slurmJobs(p, o)
	dir := filepath.Join(p.Out, ".grist", "slurm")
	if o.dryRun {
		fmt.Fprintf(w, "# %d tasks, world size %d; dry run: nothing written or submitted\n", p.Tasks, p.World)
		var prev []string
		for _, g := range groups {
			var ids []string
			for _, j := range g {
				id := "$JOB_" + strings.TrimSuffix(filepath.Base(j.Script), ".sbatch")
				id = strings.NewReplacer("-", "_", ".", "_").Replace(id)
				fmt.Fprintf(w, "\n# ---- %s\n%s", j.Script, j.Body)
				fmt.Fprintf(w, "%s=$(%s)\n", id[1:], strings.Join(sbatchArgs(j.Script, prev), " "))
				ids = append(ids, id)
			}
			prev = ids
		}
		return nil
	}
	if _, err := exec.LookPath("sbatch"); err != nil {
		return usageError{errors.New("sbatch is not on the PATH (use --dry-run to see the scripts)")}
	}
	if err := initOutput(path, p); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(dir, "*.sbatch"))
	for _, f := range old {
		os.Remove(f)
	}
	for _, g := range groups {
		for _, j := range g {
			if err := os.WriteFile(j.Script, []byte(j.Body), 0o755); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(w, "%d tasks, world size %d, scripts in %s\n", p.Tasks, p.World, dir)
	var prev []string
	for _, g := range groups {
		var ids []string
		for _, j := range g {
			args := sbatchArgs(j.Script, prev)
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
			}
			id, _, _ := strings.Cut(strings.TrimSpace(stdout.String()), ";")
			if id == "" {
				return fmt.Errorf("%s: sbatch printed no job id", strings.Join(args, " "))
			}
			what := "finish"
			if j.Phase >= 0 {
				what = p.Phases[j.Phase].Name
			}
			if j.Array != "" {
				fmt.Fprintf(w, "job %s  %-28s --array=%s\n", id, what, j.Array)
			} else {
				fmt.Fprintf(w, "job %s  %s\n", id, what)
			}
			ids = append(ids, id)
		}
		prev = ids
	}
	fmt.Fprintf(w, "logs: %s\n", filepath.Join(dir, "logs"))
	return nil
}

// sbatchArgs is the sbatch command line of a script depending on deps.
func sbatchArgs(script string, deps []string) []string {
	args := []string{"sbatch", "--parsable"}
	if len(deps) > 0 {
		args = append(args, "--dependency=afterok:"+strings.Join(deps, ":"), "--kill-on-invalid-dep=yes")
	}
	return append(args, script)
}

// k8sName makes a DNS-1123 label: lower case, [a-z0-9-], at most 63 bytes.
func k8sName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	n := strings.Trim(b.String(), "-")
	if len(n) > 63 {
		n = strings.TrimRight(n[:63], "-")
	}
	return n
}

func launchK8s(w io.Writer, path string, o launchOptions) error {
	if o.workers < 1 {
		return usageError{errors.New("--workers-per-task must be at least 1")}
	}
	if o.parallel < 0 {
		return usageError{errors.New("--parallelism must be >= 0")}
	}
	cfg, err := pipeline.LoadConfig(path)
	if err != nil {
		return err
	}
	out := o.out
	if out == "" {
		out = cfg.Output.Path
	}
	if out == "" {
		return usageError{fmt.Errorf("%s: output.path is empty (set it or pass -o)", path)}
	}
	st, err := pipeline.Status(cfg, out)
	if err != nil {
		return err
	}
	world := worldSize(o.tasks, st.Tasks, 0)
	base := jobBase(path)
	type job struct {
		name, file, phase string
		completions       int
		args              string
	}
	var jobs []job
	for i, ph := range st.Phases {
		n := k8sName(fmt.Sprintf("%s-%s", base, ph.Name))
		j := job{name: n, file: fmt.Sprintf("%02d-%s.yaml", i, n), phase: ph.Name}
		if ph.Global {
			j.completions = 1
			j.args = fmt.Sprintf("--phase %s --rank 0 --world-size 1", shellQuote(ph.Name))
		} else {
			j.completions = world
			j.args = fmt.Sprintf("--phase %s --rank $(JOB_COMPLETION_INDEX) --world-size %d", shellQuote(ph.Name), world)
		}
		jobs = append(jobs, j)
	}
	fin := k8sName(base + "-finish")
	jobs = append(jobs, job{name: fin, file: fmt.Sprintf("%02d-%s.yaml", len(st.Phases), fin), phase: "finish", completions: 1, args: "--resume"})

	fmt.Fprintf(w, "# grist launch k8s %s: %d tasks, world size %d, %d jobs.\n", path, st.Tasks, world, len(jobs))
	fmt.Fprintf(w, "# Apply the jobs in this order, each once the previous one is complete (save each\n")
	fmt.Fprintf(w, "# document below under the file name its comment gives):\n")
	for _, j := range jobs {
		fmt.Fprintf(w, "#   kubectl apply -f %s && kubectl wait --for=condition=complete --timeout=-1s job/%s\n", j.file, j.name)
	}
	for _, j := range jobs {
		par := j.completions
		if o.parallel > 0 && o.parallel < par {
			par = o.parallel
		}
		cmd := fmt.Sprintf("exec grist run %s -o %s %s --workers %d -q", shellQuote(path), shellQuote(out), j.args, o.workers)
		fmt.Fprintf(w, "---\n# %s: phase %s\n", j.file, j.phase)
		fmt.Fprintf(w, "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: %s\n  labels:\n    app.kubernetes.io/name: grist\n    grist/phase: %s\n", j.name, k8sName(j.phase))
		fmt.Fprintf(w, "spec:\n  completionMode: Indexed\n  completions: %d\n  parallelism: %d\n  backoffLimit: %d\n", j.completions, par, 3*j.completions)
		fmt.Fprintf(w, "  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: grist\n    spec:\n      restartPolicy: Never\n")
		fmt.Fprintf(w, "      containers:\n        - name: grist\n          image: %s\n", yamlQuote(o.image))
		fmt.Fprintf(w, "          command: [\"sh\", \"-c\"]\n          args:\n            - %s\n", yamlQuote(cmd))
		fmt.Fprintf(w, "          env:\n            - name: GRIST_WORLD_SIZE\n              value: %s\n", yamlQuote(strconv.Itoa(j.completions)))
		fmt.Fprintf(w, "          resources:\n            requests:\n              cpu: %s\n", yamlQuote(strconv.Itoa(o.workers)))
	}
	return nil
}

// yamlQuote writes s as a double-quoted YAML scalar.
func yamlQuote(s string) string {
	return strconv.Quote(s)
}
