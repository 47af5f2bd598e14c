package tokenize

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// tiktokenRoles names the roles of special tokens a trained rank file may use.
var tiktokenRoles = map[string]string{
	"<|endoftext|>":     "eos",
	"<|begin_of_text|>": "bos",
	"<|end_of_text|>":   "eos",
	"<s>":               "bos",
	"</s>":              "eos",
	"<pad>":             "pad",
	"<|pad|>":           "pad",
}

// LoadTiktokenWith reads a tiktoken rank file whose encoding is not built in,
// such as the tokenizer.tiktoken grist train-tokenizer writes: pattern is its
// split regex, spelt as tiktoken and tokenizer.json spell it (the r50k/GPT-2,
// cl100k/Llama 3 and o200k patterns, which have exact hand-written scanners),
// and specials maps each special token to its id, which must not be a rank.
// The tokens <|endoftext|>, <|end_of_text|> and </s> take the eos role,
// <|begin_of_text|> and <s> bos, <pad> and <|pad|> pad.
func LoadTiktokenWith(path string, pattern string, specials map[string]int32, opts Options) (Tokenizer, error) {
	split, ok := fastPatterns[pattern]
	if !ok {
		return nil, fmt.Errorf("tokenize: %s: unsupported split pattern %q: want the r50k (GPT-2), cl100k (Llama 3) or o200k pattern", path, clip(pattern))
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokenize: %w", err)
	}
	ranks, err := parseTiktoken(filepath.Base(path), raw)
	if err != nil {
		return nil, err
	}
	spec := &tiktokenSpec{name: path, split: split, roles: map[string]string{}}
	texts := make([]string, 0, len(specials))
	for s := range specials {
		texts = append(texts, s)
	}
	sort.Strings(texts)
	for _, s := range texts {
		if s == "" {
			return nil, fmt.Errorf("tokenize: %s: empty special token", path)
		}
		if specials[s] < 0 {
			return nil, fmt.Errorf("tokenize: %s: special token %s has negative id %d", path, s, specials[s])
		}
		spec.specials = append(spec.specials, specialToken{s, specials[s]})
		if role, ok := tiktokenRoles[s]; ok {
			if _, taken := spec.roles[role]; !taken {
				spec.roles[role] = s
			}
		}
	}
	return newTiktoken(path, spec, ranks, opts)
}

func clip(s string) string {
	if len(s) > 60 {
		return strings.ToValidUTF8(s[:60], "") + "…"
	}
	return s
}
