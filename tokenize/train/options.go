package train

import (
	"errors"
	"fmt"
	"github.com/grist/grist/internal/tagdefaults"
	"math"
	"strconv"
	"strings"
)

// TrainTokenizerDoc describes the tokenizer trainer.
const TrainTokenizerDoc = "train a BPE tokenizer (GPT-2 style byte-level, or SentencePiece style with ▁ word boundaries and byte fallback) or a SentencePiece Unigram tokenizer from streamed documents; writes a Hugging Face tokenizer.json and a tiktoken rank file (byte-level BPE) or a SentencePiece tokenizer.model (Unigram)"

// Options configure a Trainer. Defaults live in the tags only.
type Options struct {
	Model             string   `yaml:"model" default:"bpe" doc:"model to train: bpe, or unigram (SentencePiece's Unigram language model, Kudo 2018; needs byte_fallback)"`
	VocabSize         int      `yaml:"vocab_size" default:"32000" doc:"vocabulary size, special tokens and the 256 bytes (or byte pieces) included; training stops earlier when no pair is left"`
	ByteLevel         bool     `yaml:"byte_level" default:"true" doc:"GPT-2 style byte-level BPE: the vocabulary starts from all 256 bytes, so every input encodes; Hugging Face ByteLevel"`
	ByteFallback      bool     `yaml:"byte_fallback" default:"false" doc:"SentencePiece style: words start with ▁, characters under character_coverage and unknown text become <0xXX> byte pieces; needs byte_level: false"`
	PreTokenizer      string   `yaml:"pre_tokenizer" default:"gpt2" doc:"how text is cut into words before counting: gpt2, cl100k, o200k, llama3 (same pattern as cl100k) split patterns, or whitespace (byte_fallback: runs of spaces become ▁ word starts, as SentencePiece)"`
	Normalization     string   `yaml:"normalization" default:"none" doc:"Unicode normalization applied before pre-tokenization and written into tokenizer.json: none, nfc or nfkc"`
	SpecialTokens     []string `yaml:"special_tokens" default:"<|endoftext|>" doc:"special tokens, given the last ids (byte_level) or the first ids (byte_fallback, after unk_token); removed from training text"`
	UnkToken          string   `yaml:"unk_token" default:"<unk>" doc:"unknown token of byte_fallback models, id 0 as in SentencePiece; unused for byte_level"`
	CharacterCoverage float64  `yaml:"character_coverage" default:"0.9995" doc:"byte_fallback: share of character occurrences covered by single-character pieces, the rest become byte pieces; SentencePiece default 0.9995"`
	MinFrequency      int      `yaml:"min_frequency" default:"0" doc:"stop merging once the most frequent pair occurs fewer times than this; Hugging Face BpeTrainer default 0"`
	MaxPieceLength    int      `yaml:"max_piece_length" default:"0" doc:"longest learned token, in symbols (bytes for byte_level, characters for byte_fallback); 0 = unlimited for bpe as Hugging Face, 16 for unigram as SentencePiece"`
	Sample            string   `yaml:"sample" default:"" doc:"train on a sample: N documents chosen uniformly by reservoir sampling (\"100000\"), or the first bytes of the stream (\"500MB\", units B, KB, MB, GB of 1024); empty = everything"`
	Seed              int64    `yaml:"seed" default:"1" doc:"seed of the document reservoir sample"`
	Workers           int      `yaml:"workers" default:"0" doc:"goroutines that pre-tokenize and count words; 0 = GOMAXPROCS"`
}

// Validate checks the options.
func (o *Options) Validate() error {
	var errs []error
	switch o.Model {
	case "bpe":
	case "unigram":
		if !o.ByteFallback {
			errs = append(errs, errors.New("model: unigram needs byte_fallback: true, byte_level: false and pre_tokenizer: whitespace (SentencePiece style)"))
		}
	default:
		errs = append(errs, fmt.Errorf("model: must be bpe or unigram, got %q", o.Model))
	}
	if o.ByteLevel == o.ByteFallback {
		errs = append(errs, errors.New("byte_level: exactly one of byte_level and byte_fallback must be true"))
	}
	minVocab := 256 + len(o.SpecialTokens)
	if o.ByteFallback {
		minVocab++ // unk
	}
	if o.VocabSize < minVocab {
		errs = append(errs, fmt.Errorf("vocab_size: must be >= %d (bytes and special tokens), got %d", minVocab, o.VocabSize))
	}
	switch o.PreTokenizer {
	case "gpt2", "cl100k", "o200k", "llama3":
		if o.ByteFallback {
			errs = append(errs, fmt.Errorf("pre_tokenizer: byte_fallback models take whitespace, got %q", o.PreTokenizer))
		}
	case "whitespace":
		if o.ByteLevel {
			errs = append(errs, errors.New("pre_tokenizer: whitespace is for byte_fallback models; byte_level takes gpt2, cl100k, o200k or llama3"))
		}
	default:
		errs = append(errs, fmt.Errorf("pre_tokenizer: must be gpt2, cl100k, o200k, llama3 or whitespace, got %q", o.PreTokenizer))
	}
	switch strings.ToLower(o.Normalization) {
	case "none", "", "nfc", "nfkc":
	default:
		errs = append(errs, fmt.Errorf("normalization: must be none, nfc or nfkc, got %q", o.Normalization))
	}
	seen := map[string]bool{}
	for _, s := range o.SpecialTokens {
		if s == "" {
			errs = append(errs, errors.New("special_tokens: empty token"))
		} else if seen[s] {
			errs = append(errs, fmt.Errorf("special_tokens: %q given twice", s))
		}
		seen[s] = true
	}
	if o.ByteFallback && (o.UnkToken == "" || seen[o.UnkToken]) {
		errs = append(errs, errors.New("unk_token: must be non-empty and not among special_tokens"))
	}
	if math.IsNaN(o.CharacterCoverage) || o.CharacterCoverage <= 0 || o.CharacterCoverage > 1 {
		errs = append(errs, fmt.Errorf("character_coverage: must be in (0, 1], got %g", o.CharacterCoverage))
	}
	if o.MinFrequency < 0 {
		errs = append(errs, fmt.Errorf("min_frequency: must be >= 0, got %d", o.MinFrequency))
	}
	if o.MaxPieceLength < 0 || o.MaxPieceLength == 1 {
		errs = append(errs, fmt.Errorf("max_piece_length: must be 0 or >= 2, got %d", o.MaxPieceLength))
	}
	if _, _, err := ParseSample(o.Sample); err != nil {
		errs = append(errs, fmt.Errorf("sample: %v", err))
	}
	if o.Workers < 0 {
		errs = append(errs, fmt.Errorf("workers: must be >= 0, got %d", o.Workers))
	}
	return errors.Join(errs...)
}

// ParseSample reads a sample size: "" (no sampling), "N" documents or "N<unit>"
// bytes with unit B, KB, MB or GB (powers of 1024, case-insensitive).
func ParseSample(s string) (docs, bytes int64, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, 0, nil
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, 0, fmt.Errorf("%q: want a count or a size such as 500MB", s)
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil || n <= 0 {
		return 0, 0, fmt.Errorf("%q: want a positive number", s)
	}
	unit := strings.ToUpper(strings.TrimSpace(s[i:]))
	mul := int64(0)
	switch unit {
	case "":
		return n, 0, nil
	case "B":
		mul = 1
	case "KB", "K", "KIB":
		mul = 1 << 10
	case "MB", "M", "MIB":
		mul = 1 << 20
	case "GB", "G", "GIB":
		mul = 1 << 30
	default:
		return 0, 0, fmt.Errorf("%q: unknown unit %q (B, KB, MB, GB)", s, unit)
	}
	if n > math.MaxInt64/mul {
		return 0, 0, fmt.Errorf("%q: too large", s)
	}
	return 0, n * mul, nil
}

// withDefaults fills the options from their `default` tags, as the pipeline
// does, so tests keep defaults in the tags.
func withDefaults[T any](ptr *T) *T { return tagdefaults.Must(ptr) }
