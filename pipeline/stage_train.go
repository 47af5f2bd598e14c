package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/grist/grist/internal/storage"
	"github.com/grist/grist/tokenize/train"
)

func init() {
	Register(Spec{
		Name:    "train_tokenizer",
		Doc:     "train a tokenizer on the documents passing by (they go on unchanged) and save it at the end of the run: tokenizer.json, and tokenizer.tiktoken for byte-level BPE",
		Source:  "BPE merges as Hugging Face's BpeTrainer; SentencePiece-style byte fallback",
		Kind:    KindSink,
		Options: TrainTokenizerOptions{},
		New: func(opts any, env *Env) (Stage, error) {
			o := opts.(*TrainTokenizerOptions)
			tr, err := train.New(o.Options)
			if err != nil {
				return nil, err
			}
			return &trainStage{o: *o, tr: tr, logf: env.Logf}, nil
		},
	})
}

// TrainTokenizerOptions are the trainer's options plus where to save.
type TrainTokenizerOptions struct {
	Output        string `yaml:"output" doc:"folder the trained tokenizer is written to (required)"`
	train.Options `yaml:",inline"`
}

// Validate checks the options.
func (o *TrainTokenizerOptions) Validate() error {
	if o.Output == "" {
		return fmt.Errorf("output: required")
	}
	return o.Options.Validate()
}

// RunFinisher is a stage that acts once every task of the run is done
// (before the manifest is written). Such a stage sees every document only
// in a complete single-process run: grist refuses --resume and ranks for it.
type RunFinisher interface {
	FinishRun(ctx context.Context) error
}

type trainStage struct {
	o    TrainTokenizerOptions
	tr   *train.Trainer
	logf func(string, ...any)
}

func (s *trainStage) Process(ctx context.Context, t *Task, rec arrow.Record) (arrow.Record, error) {
	texts, err := TextColumn(rec)
	if err != nil {
		return nil, err
	}
	for i := 0; i < texts.Len(); i++ {
		s.tr.Add(texts.Value(i))
	}
	rec.Retain()
	return rec, nil
}

func (s *trainStage) FinishRun(ctx context.Context) error {
	m, err := s.tr.Train()
	if err != nil {
		return err
	}
	var files []string
	if storage.IsURL(s.o.Output) {
		files, err = saveModelTo(ctx, m, s.o)
	} else {
		files, err = m.Save(s.o.Output)
	}
	if err != nil {
		return err
	}
	if s.logf != nil {
		s.logf("train_tokenizer: %d tokens from %d documents, wrote %v", len(m.Vocab()), m.Stats.Docs, files)
	}
	return nil
}

// saveModelTo writes the files Model.Save writes into an object storage
// folder, each one upload.
func saveModelTo(ctx context.Context, m *train.Model, o TrainTokenizerOptions) ([]string, error) {
	type file struct {
		name string
		data func() ([]byte, error)
	}
	files := []file{{"tokenizer.json", func() ([]byte, error) { return m.TokenizerJSON(), nil }}}
	if o.ByteLevel {
		files = append(files, file{"tokenizer.tiktoken", func() ([]byte, error) {
			var b bytes.Buffer
			err := m.WriteTiktoken(&b)
			return b.Bytes(), err
		}})
	}
	if o.Model == "unigram" {
		files = append(files, file{"tokenizer.model", m.SentencePieceModel})
	}
	var out []string
	for _, f := range files {
		b, err := f.data()
		if err != nil {
			return nil, err
		}
		loc := storage.Join(o.Output, f.name)
		if err := storage.WriteFile(ctx, loc, b); err != nil {
			return nil, err
		}
		out = append(out, storage.Display(loc))
	}
	return out, nil
}

// ReadStats counts what ReadDocuments read.
type ReadStats struct {
	Files, Tasks int
	Docs, Bytes  int64
	Errors       int64
}

// ReadDocuments streams the text of every document of the inputs to fn,
// from workers goroutines at once (fn must be safe for concurrent use).
// Bad records are counted, not fatal.
func ReadDocuments(ctx context.Context, in InputConfig, workers int, fn func(text string)) (*ReadStats, error) {
	files, err := ExpandInputs(in)
	if err != nil {
		return nil, &UserError{Err: err}
	}
	tasks, err := PlanTasks(files, in)
	if err != nil {
		return nil, &UserError{Err: err}
	}
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	st := &ReadStats{Files: len(files), Tasks: len(tasks)}
	var mu sync.Mutex
	var firstErr error
	jobs := make(chan TaskSpec)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range jobs {
				var docs, bytes, bad int64
				onErr := func(BadRecord) error { bad++; return nil }
				var r Reader
				var err error
				switch t.File.Format {
				case "jsonl":
					r, err = newJSONLReader(t, in, memory.DefaultAllocator, nil, onErr)
				case "text":
					r, err = newTextReader(t, in, memory.DefaultAllocator, nil, onErr)
				case "parquet":
					r, err = newParquetReader(ctx, t, in, memory.DefaultAllocator, nil, onErr)
				}
				for err == nil {
					var rec arrow.Record
					if rec, err = r.Next(); err != nil {
						break
					}
					texts, e := TextColumn(rec)
					if e != nil {
						err = e
						rec.Release()
						break
					}
					for i := 0; i < texts.Len(); i++ {
						fn(texts.Value(i))
						bytes += int64(len(texts.Value(i)))
					}
					docs += rec.NumRows()
					rec.Release()
				}
				if r != nil {
					r.Close()
				}
				mu.Lock()
				st.Docs += docs
				st.Bytes += bytes
				st.Errors += bad
				if err != nil && err != io.EOF && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	for _, t := range tasks {
		jobs <- t
	}
	close(jobs)
	wg.Wait()
	return st, firstErr
}
