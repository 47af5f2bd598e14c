package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/grist/grist/pipeline/report"
)

func newReportCmd() *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "report RUN_DIR",
		Short: "write a self-contained HTML report of a finished run (funnel, distributions, samples, tokens)",
		Long: "Write one HTML file that needs nothing else (no network, scripts or fonts) showing what a run did:\n" +
			"documents, bytes and tokens through each stage and drops by reason; document length, language and\n" +
			"quality-signal histograms with the thresholds; kept and rejected samples; token, packing and mask\n" +
			"rates with a decoded example row; the config, timings and peak memory. Numbers come from the run's\n" +
			"stats.json and manifest.json.",
		Args: exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			path, err := report.WriteFile(args[0], out)
			if err != nil {
				return usageError{err}
			}
			fmt.Fprintf(c.OutOrStdout(), "report: %s\n", path)
			return nil
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "", "HTML file to write (default RUN_DIR/report.html)")
	return c
}
