package pipeline

import (
	"context"
	"fmt"
	"sync"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/grist/grist/tokenize"
)

// Column names written by the tokenize stage.
const (
	ColInputIDs  = "input_ids"
	ColNumTokens = "num_tokens"
)

func init() {
	Register(Spec{
		Name:    "tokenize",
		Doc:     "encode the text into token ids (input_ids list<int32>, num_tokens int32) with a tiktoken, Hugging Face or SentencePiece tokenizer",
		Source:  "ids identical to OpenAI tiktoken, Hugging Face tokenizers and SentencePiece",
		Kind:    KindMap,
		Options: TokenizeOptions{},
		New:     newTokenizeStage,
	})
}

// TokenizeOptions configure the tokenize stage.
type TokenizeOptions struct {
	Tokenizer    string `yaml:"tokenizer" default:"cl100k_base" doc:"built-in name (r50k_base/gpt2, p50k_base, cl100k_base, o200k_base) or a path to a .tiktoken, tokenizer.json or SentencePiece .model file, or a folder holding one"`
	AddBOS       bool   `yaml:"add_bos" default:"false" doc:"start each document with the tokenizer's BOS token (an error if it has none)"`
	AddEOS       bool   `yaml:"add_eos" default:"false" doc:"end each document with the tokenizer's EOS token (an error if it has none)"`
	MaxLength    int    `yaml:"max_length" default:"0" doc:"truncate documents to this many tokens, BOS/EOS included (0 = no limit); truncations are counted"`
	ParseSpecial bool   `yaml:"parse_special" default:"false" doc:"recognise special tokens spelt in the text (off: text such as <|endoftext|> is encoded as ordinary text, so scraped data cannot inject control tokens)"`
}

// Validate checks the options.
func (o *TokenizeOptions) Validate() error {
	if o.Tokenizer == "" {
		return fmt.Errorf("tokenizer: required")
	}
	if o.MaxLength < 0 {
		return fmt.Errorf("max_length: must be >= 0")
	}
	return nil
}

type tokenizeStage struct {
	tok      tokenize.Tokenizer
	bos, eos int32
	o        TokenizeOptions
	pool     sync.Pool
}

// tokenizers caches loaded tokenizers by spec for the life of the process:
// one load per run however many stages or workers use it.
var tokenizers sync.Map

// LoadTokenizer loads (once per process) a tokenizer by spec.
func LoadTokenizer(spec string, parseSpecial bool) (tokenize.Tokenizer, error) {
	key := fmt.Sprintf("%s\x00%v", spec, parseSpecial)
	if t, ok := tokenizers.Load(key); ok {
		return t.(tokenize.Tokenizer), nil
	}
	t, err := tokenize.Load(spec, tokenize.Options{ParseSpecial: parseSpecial})
	if err != nil {
		return nil, err
	}
	actual, _ := tokenizers.LoadOrStore(key, t)
	return actual.(tokenize.Tokenizer), nil
}

func newTokenizeStage(opts any, env *Env) (Stage, error) {
	o := *opts.(*TokenizeOptions)
	tok, err := LoadTokenizer(o.Tokenizer, o.ParseSpecial)
	if err != nil {
		return nil, err
	}
	s := &tokenizeStage{tok: tok, o: o, bos: -1, eos: -1}
	if o.AddBOS {
		id, ok := tok.Special("bos")
		if !ok {
			return nil, fmt.Errorf("add_bos: tokenizer %s has no BOS token", tok.Name())
		}
		s.bos = id
	}
	if o.AddEOS {
		id, ok := tok.Special("eos")
		if !ok {
			return nil, fmt.Errorf("add_eos: tokenizer %s has no EOS token", tok.Name())
		}
		s.eos = id
	}
	if o.MaxLength > 0 && o.MaxLength < 1+boolInt(o.AddBOS)+boolInt(o.AddEOS) {
		return nil, fmt.Errorf("max_length: %d leaves no room for text", o.MaxLength)
	}
	s.pool.New = func() any { b := make([]int32, 0, 1<<14); return &b }
	return s, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Tokenizer returns the stage's tokenizer (for packing and inspection).
func (s *tokenizeStage) Tokenizer() tokenize.Tokenizer { return s.tok }

func (s *tokenizeStage) Process(ctx context.Context, t *Task, rec arrow.Record) (arrow.Record, error) {
	texts, err := TextColumn(rec)
	if err != nil {
		return nil, err
	}
	ids, counts, truncated, total := s.encodeColumn(t.Mem, texts)
	defer ids.Release()
	defer counts.Release()
	t.Count("tokens", total)
	if truncated > 0 {
		t.Count("truncated_docs", truncated)
	}
	out := ReplaceColumn(rec, ColInputIDs, ids)
	next := ReplaceColumn(out, ColNumTokens, counts)
	out.Release()
	return next, nil
}

// encodeColumn builds the input_ids list column directly from one growing
// value buffer and an offsets slice: no per-document allocation.
func (s *tokenizeStage) encodeColumn(mem memory.Allocator, texts *array.String) (*array.List, *array.Int32, int64, int64) {
	bufp := s.pool.Get().(*[]int32)
	vals := (*bufp)[:0]
	n := texts.Len()
	offsets := make([]int32, n+1)
	counts := make([]int32, n)
	var truncated, total int64
	for i := 0; i < n; i++ {
		start := len(vals)
		if s.bos >= 0 {
			vals = append(vals, s.bos)
		}
		vals = s.tok.Encode(vals, unsafeBytes(texts.Value(i)))
		if s.eos >= 0 {
			vals = append(vals, s.eos)
		}
		if s.o.MaxLength > 0 && len(vals)-start > s.o.MaxLength {
			vals = vals[:start+s.o.MaxLength]
			if s.eos >= 0 {
				vals[len(vals)-1] = s.eos
			}
			truncated++
		}
		offsets[i+1] = int32(len(vals))
		counts[i] = int32(len(vals) - start)
		total += int64(len(vals) - start)
	}
	vb := array.NewInt32Builder(mem)
	vb.AppendValues(vals, nil)
	values := vb.NewInt32Array()
	vb.Release()
	*bufp = vals[:0]
	s.pool.Put(bufp)
	ob := array.NewInt32Builder(mem)
	ob.AppendValues(offsets, nil)
	offArr := ob.NewInt32Array()
	ob.Release()
	data := array.NewData(arrow.ListOf(arrow.PrimitiveTypes.Int32), n,
		[]*memory.Buffer{nil, offArr.Data().Buffers()[1]}, []arrow.ArrayData{values.Data()}, 0, 0)
	list := array.NewListData(data)
	data.Release()
	values.Release()
	offArr.Release()
	cb := array.NewInt32Builder(mem)
	cb.AppendValues(counts, nil)
	cnt := cb.NewInt32Array()
	cb.Release()
	return list, cnt, truncated, total
}
