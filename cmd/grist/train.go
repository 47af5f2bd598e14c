package main

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/grist/grist/pipeline"
	"github.com/grist/grist/tokenize"
	"github.com/grist/grist/tokenize/train"
)

func newTrainCmd() *cobra.Command {
	var out, textField string
	var workers int
	opts := train.Options{}
	c := &cobra.Command{
		Use:   "train-tokenizer INPUT... -o DIR",
		Short: "train a BPE tokenizer (byte-level or SentencePiece-style with byte fallback) on documents",
		Long: "Train a tokenizer on the documents of INPUT (files, globs, folders: any grist input, or the\n" +
			"output of a pipeline) and write DIR/tokenizer.json (and DIR/tokenizer.tiktoken for byte-level BPE).\n" +
			"The same options are the train_tokenizer stage's (grist stages train_tokenizer).",
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if out == "" {
				return usageError{fmt.Errorf("-o DIR is required")}
			}
			if c.Flags().Changed("byte-fallback") && opts.ByteFallback && !c.Flags().Changed("byte-level") {
				opts.ByteLevel = false
				if !c.Flags().Changed("pre-tokenizer") {
					opts.PreTokenizer = "whitespace"
				}
			}
			if err := opts.Validate(); err != nil {
				return usageError{err}
			}
			tr, err := train.New(opts)
			if err != nil {
				return usageError{err}
			}
			in := pipeline.InputConfig{}
			if err := pipeline.ApplyDefaults(&in); err != nil {
				return err
			}
			in.Paths, in.TextField = args, textField
			// progress on stderr: documents and bytes counted so far
			var docs, nbytes atomic.Int64
			done := make(chan struct{})
			start := time.Now()
			go func() {
				tick := time.NewTicker(5 * time.Second)
				defer tick.Stop()
				for {
					select {
					case <-done:
						return
					case <-tick.C:
						secs := time.Since(start).Seconds()
						fmt.Fprintf(c.ErrOrStderr(), "grist: counting: %d documents, %.1f MB (%.1f MB/s)\n", docs.Load(), float64(nbytes.Load())/1e6, float64(nbytes.Load())/1e6/secs)
					}
				}
			}()
			st, err := pipeline.ReadDocuments(context.Background(), in, workers, func(text string) {
				tr.Add(text)
				docs.Add(1)
				nbytes.Add(int64(len(text)))
			})
			close(done)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.ErrOrStderr(), "grist: counted %d documents in %.1fs; training\n", st.Docs, time.Since(start).Seconds())
			m, err := tr.Train()
			if err != nil {
				return err
			}
			files, err := m.Save(out)
			if err != nil {
				return err
			}
			w := c.OutOrStdout()
			fmt.Fprintf(w, "read %d documents (%.1f MB) from %d files, %d bad records skipped\n", st.Docs, float64(st.Bytes)/1e6, st.Files, st.Errors)
			fmt.Fprintf(w, "trained %d tokens (%d merges, alphabet %d) on %d documents\nwrote %s\n",
				len(m.Vocab()), m.Stats.Merges, m.Stats.Alphabet, m.Stats.Docs, strings.Join(files, ", "))
			// the tokenizer must load back and round-trip
			tok, err := tokenize.LoadHF(files[0], tokenize.Options{})
			if err != nil {
				return fmt.Errorf("the written tokenizer does not load: %w", err)
			}
			fmt.Fprintf(w, "loads back: %d ids\n", tok.VocabSize())
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&out, "output", "o", "", "folder to write the tokenizer to")
	f.StringVar(&textField, "text-field", "text", "JSONL field or Parquet column of the text")
	f.IntVar(&workers, "workers", 0, "reading and counting goroutines (default: number of cores)")
	_ = pipeline.ApplyDefaults(&opts)
	f.StringVar(&opts.Model, "model", opts.Model, "bpe, or unigram (SentencePiece style: with --byte-fallback)")
	f.IntVar(&opts.VocabSize, "vocab-size", opts.VocabSize, "vocabulary size, bytes and special tokens included")
	f.BoolVar(&opts.ByteLevel, "byte-level", opts.ByteLevel, "GPT-2 style byte-level BPE (all 256 bytes in the vocabulary)")
	f.BoolVar(&opts.ByteFallback, "byte-fallback", opts.ByteFallback, "SentencePiece style: ▁ word starts, <0xXX> byte pieces for rare characters")
	f.StringVar(&opts.PreTokenizer, "pre-tokenizer", opts.PreTokenizer, "gpt2, cl100k, o200k, llama3 or whitespace")
	f.StringVar(&opts.Normalization, "normalization", opts.Normalization, "none, nfc or nfkc")
	f.StringSliceVar(&opts.SpecialTokens, "special-tokens", opts.SpecialTokens, "special tokens")
	f.Float64Var(&opts.CharacterCoverage, "character-coverage", opts.CharacterCoverage, "byte fallback: share of characters kept as pieces")
	f.IntVar(&opts.MinFrequency, "min-frequency", opts.MinFrequency, "stop when the best pair is rarer than this")
	f.IntVar(&opts.MaxPieceLength, "max-piece-length", opts.MaxPieceLength, "longest token in symbols (0 = no limit)")
	f.StringVar(&opts.Sample, "sample", opts.Sample, "train on N documents (\"100000\") or the first bytes (\"500MB\")")
	f.Int64Var(&opts.Seed, "seed", opts.Seed, "seed of the document sample")
	return c
}
