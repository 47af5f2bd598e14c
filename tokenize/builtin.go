package tokenize

import (
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"sync"

	"github.com/pkoukk/tiktoken-go-loader/assets"
)

// The built-in encodings: split patterns, special tokens and vocabulary sizes as in
// tiktoken's tiktoken_ext/openai_public.py; rank files embedded from
// github.com/pkoukk/tiktoken-go-loader/assets (MIT).
var (
	r50kSpec = tiktokenSpec{
		name:     "r50k_base",
		split:    splitR50k,
		specials: []specialToken{{"<|endoftext|>", 50256}},
		roles:    map[string]string{"eos": "<|endoftext|>"},
		nVocab:   50257,
		nRanks:   50256,
	}
	p50kSpec = tiktokenSpec{
		name:     "p50k_base",
		split:    splitR50k,
		specials: []specialToken{{"<|endoftext|>", 50256}},
		roles:    map[string]string{"eos": "<|endoftext|>"},
		nVocab:   50281,
		nRanks:   50280,
	}
	cl100kSpec = tiktokenSpec{
		name:  "cl100k_base",
		split: splitCL100k,
		specials: []specialToken{
			{"<|endoftext|>", 100257},
			{"<|fim_prefix|>", 100258},
			{"<|fim_middle|>", 100259},
			{"<|fim_suffix|>", 100260},
			{"<|endofprompt|>", 100276},
		},
		roles:  map[string]string{"eos": "<|endoftext|>"},
		nVocab: 100277,
		nRanks: 100256,
	}
	o200kSpec = tiktokenSpec{
		name:     "o200k_base",
		split:    splitO200k,
		specials: []specialToken{{"<|endoftext|>", 199999}, {"<|endofprompt|>", 200018}},
		roles:    map[string]string{"eos": "<|endoftext|>"},
		nVocab:   200019,
		nRanks:   199998,
	}
	// llama3Spec is Meta Llama 3's tiktoken model (tokenizer.model): 128,000 ranks, the
	// cl100k split pattern and 256 special tokens from 128000, named as in Llama 3.0
	// (Llama 3.1 renamed some reserved ones; the ids are the same).
	llama3Spec = tiktokenSpec{
		name:     "llama3",
		split:    splitLlama3,
		specials: llama3Specials(),
		roles:    map[string]string{"bos": "<|begin_of_text|>", "eos": "<|end_of_text|>"},
		nVocab:   128256,
		nRanks:   128000,
	}
)

func llama3Specials() []specialToken {
	named := []string{
		"<|begin_of_text|>", "<|end_of_text|>",
		"<|reserved_special_token_0|>", "<|reserved_special_token_1|>",
		"<|reserved_special_token_2|>", "<|reserved_special_token_3|>",
		"<|start_header_id|>", "<|end_header_id|>",
		"<|reserved_special_token_4|>", "<|eot_id|>",
	}
	out := make([]specialToken, 0, 256)
	for i, s := range named {
		out = append(out, specialToken{s, int32(128000 + i)})
	}
	for i := len(named); i < 256; i++ {
		out = append(out, specialToken{"<|reserved_special_token_" + strconv.Itoa(i-5) + "|>", int32(128000 + i)})
	}
	return out
}

// builtins maps every accepted name to its spec and embedded file.
var builtins = map[string]struct {
	spec *tiktokenSpec
	file string
}{
	"gpt2":        {&r50kSpec, "r50k_base.tiktoken"},
	"r50k_base":   {&r50kSpec, "r50k_base.tiktoken"},
	"p50k_base":   {&p50kSpec, "p50k_base.tiktoken"},
	"cl100k_base": {&cl100kSpec, "cl100k_base.tiktoken"},
	"o200k_base":  {&o200kSpec, "o200k_base.tiktoken"},
}

// BuiltinNames lists the names Builtin accepts, sorted.
func BuiltinNames() []string {
	out := make([]string, 0, len(builtins))
	for k := range builtins {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func builtinSpec(name string) *tiktokenSpec {
	if b, ok := builtins[name]; ok {
		return b.spec
	}
	return nil
}

// builtinRanks parses each embedded rank file once; the tables are shared by every
// tokenizer Builtin returns.
var builtinRanks sync.Map // file name -> func() (*rankTable, error)

func loadBuiltinRanks(file string) (*rankTable, error) {
	f, _ := builtinRanks.LoadOrStore(file, sync.OnceValues(func() (*rankTable, error) {
		raw, err := fs.ReadFile(assets.Assets, file)
		if err != nil {
			return nil, fmt.Errorf("tokenize: embedded %s: %w", file, err)
		}
		return parseTiktoken(file, raw)
	}))
	return f.(func() (*rankTable, error))()
}

// Builtin returns a built-in tiktoken encoding, available offline: "r50k_base" (alias
// "gpt2"), "p50k_base", "cl100k_base" or "o200k_base". The rank file is parsed on first
// use and shared afterwards.
func Builtin(name string, opts Options) (Tokenizer, error) {
	b, ok := builtins[name]
	if !ok {
		return nil, fmt.Errorf("tokenize: unknown built-in tokenizer %q (have %v)", name, BuiltinNames())
	}
	ranks, err := loadBuiltinRanks(b.file)
	if err != nil {
		return nil, err
	}
	return newTiktoken(name, b.spec, ranks, opts)
}
