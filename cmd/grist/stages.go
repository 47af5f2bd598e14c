package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/grist/grist/pipeline"
)

func newStagesCmd() *cobra.Command {
	var markdown bool
	c := &cobra.Command{
		Use:   "stages [NAME]",
		Short: "list the stages with their options, or describe one",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			w := c.OutOrStdout()
			if markdown {
				pipeline.WriteStagesMarkdown(w)
				return nil
			}
			if len(args) == 1 {
				s, ok := pipeline.Lookup(args[0])
				if !ok {
					return usageError{fmt.Errorf("unknown stage %q (stages: %v)", args[0], pipeline.StageNames())}
				}
				pipeline.WriteStageDoc(w, s)
				return nil
			}
			for i, s := range pipeline.Specs() {
				if i > 0 {
					fmt.Fprintln(w)
				}
				pipeline.WriteStageDoc(w, s)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&markdown, "markdown", false, "print the reference as Markdown (as in the README)")
	return c
}
