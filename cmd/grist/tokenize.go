package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"github.com/valyala/fastjson"

	"github.com/grist/grist/pipeline"
	"github.com/grist/grist/tokenize"
)

// specialEncoder is the optional ability of tokenizers with a
// post-processor template (BOS/EOS, [CLS] ... [SEP]).
type specialEncoder interface {
	EncodeWithSpecial(dst []int32, text []byte) []int32
}

type tokenizeFlags struct {
	spec         string
	show, count  bool
	jsonl        string
	textField    string
	idField      string
	addSpecial   bool
	parseSpecial bool
	workers      int
}

func newTokenizeCmd() *cobra.Command {
	var f tokenizeFlags
	c := &cobra.Command{
		Use:   "tokenize --tokenizer SPEC [--show|--ids|--count] [TEXT]",
		Short: "encode text with a tokenizer: ids, pieces or counts",
		Long: "Encode TEXT (or standard input, or the text field of each line of --jsonl FILE).\n" +
			"SPEC is a built-in name (" + strings.Join(tokenize.BuiltinNames(), ", ") + ") or a path to a .tiktoken,\n" +
			"tokenizer.json or SentencePiece .model file, or a folder holding one. Like tiktoken.encode and\n" +
			"spm_encode, no BOS/EOS or template tokens are added unless --add-special is given.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if f.show && f.count {
				return usageError{errors.New("--show and --count exclude each other")}
			}
			tok, err := pipeline.LoadTokenizer(f.spec, f.parseSpecial)
			if err != nil {
				return usageError{err}
			}
			w := bufio.NewWriterSize(c.OutOrStdout(), 1<<16)
			defer w.Flush()
			if f.jsonl != "" {
				if len(args) > 0 {
					return usageError{errors.New("give TEXT or --jsonl, not both")}
				}
				return tokenizeJSONL(w, tok, f)
			}
			var text []byte
			if len(args) == 1 {
				text = []byte(args[0])
			} else {
				text, err = io.ReadAll(c.InOrStdin())
				if err != nil {
					return err
				}
			}
			ids := encode(tok, nil, text, f.addSpecial)
			switch {
			case f.count:
				printCounts(w, 1, int64(len(text)), int64(len(ids)))
			case f.show:
				pieces := make([]string, len(ids))
				for i, id := range ids {
					pieces[i] = tok.Piece(id)
				}
				writeJSON(w, pieces)
			default:
				writeJSON(w, ids)
			}
			return nil
		},
	}
	fl := c.Flags()
	fl.StringVarP(&f.spec, "tokenizer", "t", "cl100k_base", "built-in name or path")
	fl.BoolVar(&f.show, "show", false, "print the token pieces")
	fl.Bool("ids", true, "print the token ids (the default)")
	fl.BoolVar(&f.count, "count", false, "print totals: documents, bytes, tokens, bytes per token")
	fl.StringVar(&f.jsonl, "jsonl", "", "read documents from a JSONL file (.gz/.zst too); write {id, input_ids} per line in input order")
	fl.StringVar(&f.textField, "text-field", "text", "JSONL field holding the text")
	fl.StringVar(&f.idField, "id-field", "id", "JSONL field holding the id (default: the line number)")
	fl.BoolVar(&f.addSpecial, "add-special", false, "add the tokenizer's BOS/EOS or template tokens")
	fl.BoolVar(&f.parseSpecial, "parse-special", false, "recognise special tokens spelt in the text")
	fl.IntVar(&f.workers, "workers", 0, "encoding goroutines for --jsonl (default: number of cores)")
	return c
}

func encode(tok tokenize.Tokenizer, dst []int32, text []byte, special bool) []int32 {
	if special {
		if se, ok := tok.(specialEncoder); ok {
			return se.EncodeWithSpecial(dst, text)
		}
		if id, ok := tok.Special("bos"); ok {
			dst = append(dst, id)
		}
		dst = tok.Encode(dst, text)
		if id, ok := tok.Special("eos"); ok {
			dst = append(dst, id)
		}
		return dst
	}
	return tok.Encode(dst, text)
}

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func printCounts(w io.Writer, docs, bytes, tokens int64) {
	bpt := 0.0
	if tokens > 0 {
		bpt = float64(bytes) / float64(tokens)
	}
	fmt.Fprintf(w, "documents\t%d\nbytes\t%d\ntokens\t%d\nbytes_per_token\t%.3f\n", docs, bytes, tokens, bpt)
}

// tokenizeJSONL encodes a JSONL file in parallel batches and writes the
// results in input order.
func tokenizeJSONL(w *bufio.Writer, tok tokenize.Tokenizer, f tokenizeFlags) error {
	in, err := openMaybeCompressed(f.jsonl)
	if err != nil {
		return usageError{err}
	}
	defer in.Close()
	workers := f.workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	type batch struct {
		first int64
		lines [][]byte
		out   []byte
		docs  int64
		bytes int64
		toks  int64
		err   error
		done  chan struct{}
	}
	jobs := make(chan *batch, workers)
	order := make(chan *batch, workers*2)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var p fastjson.Parser
			var ids []int32
			for b := range jobs {
				for k, line := range b.lines {
					lineNo := b.first + int64(k)
					if len(strings.TrimSpace(string(line))) == 0 {
						continue
					}
					v, err := p.ParseBytes(line)
					if err != nil {
						b.err = fmt.Errorf("%s:%d: malformed JSON: %v", f.jsonl, lineNo, err)
						break
					}
					tv := v.Get(f.textField)
					if tv == nil || tv.Type() != fastjson.TypeString {
						b.err = fmt.Errorf("%s:%d: no string field %q", f.jsonl, lineNo, f.textField)
						break
					}
					text, _ := tv.StringBytes()
					ids = encode(tok, ids[:0], text, f.addSpecial)
					b.docs++
					b.bytes += int64(len(text))
					b.toks += int64(len(ids))
					if f.count {
						continue
					}
					b.out = append(b.out, `{"id":`...)
					if iv := v.Get(f.idField); iv != nil {
						b.out = iv.MarshalTo(b.out)
					} else {
						b.out = strconv.AppendQuote(b.out, f.jsonl+":"+strconv.FormatInt(lineNo, 10))
					}
					b.out = append(b.out, `,"input_ids":[`...)
					for j, id := range ids {
						if j > 0 {
							b.out = append(b.out, ',')
						}
						b.out = strconv.AppendInt(b.out, int64(id), 10)
					}
					b.out = append(b.out, "]}\n"...)
				}
				close(b.done)
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(jobs)
		defer close(order)
		br := bufio.NewReaderSize(in, 1<<20)
		line := int64(1)
		for {
			b := &batch{first: line, done: make(chan struct{})}
			for len(b.lines) < 256 {
				l, err := br.ReadBytes('\n')
				if len(l) > 0 {
					b.lines = append(b.lines, []byte(strings.TrimRight(string(l), "\r\n")))
					line++
				}
				if err == io.EOF {
					break
				}
				if err != nil {
					readErr <- fmt.Errorf("%s: %v", f.jsonl, err)
					return
				}
			}
			if len(b.lines) == 0 {
				readErr <- nil
				return
			}
			order <- b
			jobs <- b
		}
	}()
	var docs, nbytes, toks int64
	var firstErr error
	for b := range order {
		<-b.done
		if firstErr == nil && b.err != nil {
			firstErr = b.err
		}
		if firstErr == nil {
			w.Write(b.out)
		}
		docs, nbytes, toks = docs+b.docs, nbytes+b.bytes, toks+b.toks
	}
	wg.Wait()
	if err := <-readErr; err != nil {
		return err
	}
	if firstErr != nil {
		return usageError{firstErr}
	}
	if f.count {
		printCounts(w, docs, nbytes, toks)
	}
	return nil
}

func openMaybeCompressed(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	_, comp := pipeline.DetectCompression(path)
	r, err := pipeline.Decompress(f, comp)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return readCloser{r, f}, nil
}

type readCloser struct {
	io.Reader
	c io.Closer
}

func (r readCloser) Close() error { return r.c.Close() }
