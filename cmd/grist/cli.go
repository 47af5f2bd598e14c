package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/grist/grist/pipeline"
	"github.com/grist/grist/pipeline/report"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the run failed (I/O, a task error)
	exitUsage   = 2 // a user error: bad flags, config or input
)

// usageError marks errors that exit 2.
type usageError struct{ error }

// Main runs the CLI with args and returns the exit code.
func Main(args []string) int {
	root := newRoot(os.Stdout, os.Stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(os.Stderr, "grist: "+oneLine(err))
	var ue usageError
	var pe *pipeline.UserError
	var ce *pipeline.ConfigError
	var ces pipeline.ConfigErrors
	if errors.As(err, &ue) || errors.As(err, &pe) || errors.As(err, &ce) || errors.As(err, &ces) {
		return exitUsage
	}
	return exitFailure
}

// oneLine keeps an error on one line unless it is a list of config findings.
func oneLine(err error) string {
	var ces pipeline.ConfigErrors
	if errors.As(err, &ces) {
		return ces.Error()
	}
	return err.Error()
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "grist",
		Short:         "grist turns raw text corpora into LLM training data",
		Long:          "grist runs declarative YAML pipelines: read JSONL, text and Parquet; filter and deduplicate;\ntokenize; pack into training examples; write Parquet shards.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newRunCmd(), newValidateCmd(), newStagesCmd(), newInspectCmd(), newTokenizeCmd(), newTrainCmd(), newStatusCmd(), newVersionCmd(), newReportCmd(), newLaunchCmd())
	return root
}

func newRunCmd() *cobra.Command {
	var opts pipeline.RunOptions
	var quiet bool
	var cpuProfile string
	var withReport bool
	c := &cobra.Command{
		Use:   "run PIPELINE.yaml",
		Short: "run a pipeline",
		Long: "Run a pipeline. Each input task writes its own output part atomically and a completion marker;\n" +
			"--resume skips completed tasks. --rank/--world-size (or SLURM_ARRAY_TASK_ID and\n" +
			"SLURM_ARRAY_TASK_COUNT) run one slice of the tasks.",
		Args: exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			cfg, err := pipeline.LoadConfig(args[0])
			if err != nil {
				return err
			}
			if err := rankFromEnv(c, &opts); err != nil {
				return err
			}
			opts.FaultTask = -1
			if v := os.Getenv("GRIST_FAULT_TASK"); v != "" {
				opts.FaultTask, _ = strconv.Atoi(v)
			}
			if opts.Resume && opts.Overwrite {
				return usageError{errors.New("--resume and --overwrite exclude each other")}
			}
			if !quiet {
				opts.Progress = c.ErrOrStderr()
				if f, ok := opts.Progress.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
					opts.Terminal = true
				}
			}
			if cpuProfile != "" {
				f, err := os.Create(cpuProfile)
				if err != nil {
					return usageError{err}
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			res, err := pipeline.Run(ctx, cfg, opts)
			if err != nil {
				if ctx.Err() != nil {
					return fmt.Errorf("interrupted: completed tasks are kept; run again with --resume to continue")
				}
				return err
			}
			if res.Pending != "" {
				fmt.Fprintf(c.ErrOrStderr(), "grist: %s\n", res.Pending)
				return nil
			}
			res.Stats.Summary(c.OutOrStdout(), res.Wall)
			fmt.Fprintf(c.OutOrStdout(), "output: %s (%d shards, manifest.json, stats.json)\n", res.OutDir, len(res.Manifest.Shards))
			if withReport {
				path, err := report.WriteFile(res.OutDir, "")
				if err != nil {
					return err
				}
				fmt.Fprintf(c.OutOrStdout(), "report: %s\n", path)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&opts.OutDir, "output", "o", "", "output folder (overrides output.path)")
	f.IntVar(&opts.Workers, "workers", 0, "tasks run at once (default: number of cores)")
	f.BoolVar(&opts.Resume, "resume", false, "continue a run: skip tasks whose completion marker exists")
	f.BoolVar(&opts.Overwrite, "overwrite", false, "replace the output of an earlier run")
	f.IntVar(&opts.Rank, "rank", 0, "this process's rank: runs tasks with index % world-size == rank")
	f.IntVar(&opts.WorldSize, "world-size", 1, "number of ranks")
	f.StringVar(&opts.Phase, "phase", "", "run only this phase (grist status --phases lists them); implies --resume")
	f.BoolVarP(&quiet, "quiet", "q", false, "no progress output")
	f.StringVar(&cpuProfile, "cpuprofile", "", "write a Go CPU profile of the run to this file")
	f.BoolVar(&withReport, "report", false, "write OUTPUT/report.html (grist report) when the run completes")
	return c
}

// rankFromEnv takes the rank and world size from Slurm's array variables
// when the flags were not given.
func rankFromEnv(c *cobra.Command, opts *pipeline.RunOptions) error {
	if !c.Flags().Changed("rank") {
		if v := os.Getenv("SLURM_ARRAY_TASK_ID"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return usageError{fmt.Errorf("SLURM_ARRAY_TASK_ID=%q is not a number", v)}
			}
			opts.Rank = n
		}
	}
	if !c.Flags().Changed("world-size") {
		if v := os.Getenv("SLURM_ARRAY_TASK_COUNT"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return usageError{fmt.Errorf("SLURM_ARRAY_TASK_COUNT=%q is not a number", v)}
			}
			opts.WorldSize = n
		}
	}
	if opts.WorldSize < 1 || opts.Rank < 0 || opts.Rank >= opts.WorldSize {
		return usageError{fmt.Errorf("rank %d is outside world size %d", opts.Rank, opts.WorldSize)}
	}
	return nil
}

func exactArgs(n int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{fmt.Errorf("%s takes %d argument(s), got %d: usage: %s", c.Name(), n, len(args), c.UseLine())}
		}
		return nil
	}
}

func newValidateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate PIPELINE.yaml",
		Short: "check a pipeline (options, inputs, stages) without processing data",
		Args:  exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			cfg, err := pipeline.LoadConfig(args[0])
			if err != nil {
				return err
			}
			rep, err := pipeline.Validate(cfg)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "%s: ok: %d input files (%.1f MB), %d tasks, %d steps, %d phases\n",
				args[0], rep.Files, float64(rep.Bytes)/1e6, rep.Tasks, rep.Steps, rep.Phases)
			return nil
		},
	}
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print grist's version",
		Args:  exactArgs(0),
		RunE: func(c *cobra.Command, args []string) error {
			fmt.Fprintf(c.OutOrStdout(), "grist %s\n", pipeline.Version)
			return nil
		},
	}
}

func newStatusCmd() *cobra.Command {
	var out string
	var phases, asJSON bool
	c := &cobra.Command{
		Use:   "status PIPELINE.yaml",
		Short: "show which phases and tasks of a run are done or missing, and its stats so far",
		Args:  exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			cfg, err := pipeline.LoadConfig(args[0])
			if err != nil {
				return err
			}
			if phases {
				for _, p := range pipeline.PhaseNames(cfg) {
					fmt.Fprintln(c.OutOrStdout(), p)
				}
				return nil
			}
			st, err := pipeline.Status(cfg, out)
			if err != nil {
				return err
			}
			if asJSON {
				writeJSON(c.OutOrStdout(), st)
				return nil
			}
			st.Write(c.OutOrStdout())
			return nil
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "", "output folder (overrides output.path)")
	c.Flags().BoolVar(&phases, "phases", false, "print only the phase names in order, one a line")
	c.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	return c
}
