package train

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Model is a trained tokenizer: its vocabulary, merges and special tokens, with
// the writers of the files that load it elsewhere.
type Model struct {
	Stats Stats

	o        Options
	raw      []string   // learned tokens by internal id: raw bytes (byte_level) or text
	pairs    [][2]int32 // merges by internal id, in rank order
	counts   []int64    // count of each pair when merged
	alphabet int        // byte_fallback: characters kept

	vocab    []string    // tokens by id, spelt as tokenizer.json spells them
	merges   [][2]string // spelt as tokenizer.json spells them
	specials []int32     // ids of unk (byte_fallback) and the special tokens
	scores   []float64   // unigram: log probability of each token by id
}

// build lays out the ids. byte_level: the 256 bytes in GPT-2 order (ids 0-255),
// then learned tokens in merge order, then the special tokens, so ids equal
// tiktoken ranks. byte_fallback: unk_token (0), the special tokens, the 256
// byte pieces <0x00>..<0xFF>, the characters kept in code point order, then
// learned tokens in merge order.
func (m *Model) build() {
	if m.o.ByteLevel {
		m.vocab = make([]string, 0, len(m.raw)+len(m.o.SpecialTokens))
		var buf []byte
		for _, s := range m.raw {
			buf = appendByteLevel(buf[:0], []byte(s))
			m.vocab = append(m.vocab, string(buf))
		}
		for _, p := range m.pairs {
			m.merges = append(m.merges, [2]string{m.vocab[p[0]], m.vocab[p[1]]})
		}
		for _, s := range m.o.SpecialTokens {
			m.specials = append(m.specials, int32(len(m.vocab)))
			m.vocab = append(m.vocab, s)
		}
		return
	}
	m.vocab = append(m.vocab, m.o.UnkToken)
	m.specials = append(m.specials, 0)
	for _, s := range m.o.SpecialTokens {
		m.specials = append(m.specials, int32(len(m.vocab)))
		m.vocab = append(m.vocab, s)
	}
	for b := 0; b < 256; b++ {
		m.vocab = append(m.vocab, fmt.Sprintf("<0x%02X>", b))
	}
	m.vocab = append(m.vocab, m.raw...)
	for _, p := range m.pairs {
		m.merges = append(m.merges, [2]string{m.raw[p[0]], m.raw[p[1]]})
	}
}

// Vocab returns the tokens by id as tokenizer.json spells them ("Ġthe", "<0x0A>").
func (m *Model) Vocab() []string { return m.vocab }

// Merges returns the merges in rank order as tokenizer.json spells them.
func (m *Model) Merges() [][2]string { return m.merges }

// SpecialIDs returns the ids of the special tokens (and of unk_token for
// byte_fallback models) by content.
func (m *Model) SpecialIDs() map[string]int32 {
	out := make(map[string]int32, len(m.specials))
	for _, id := range m.specials {
		out[m.vocab[id]] = id
	}
	return out
}

type jsonWriter struct {
	bytes.Buffer
}

func (w *jsonWriter) str(s string) {
	b, _ := json.Marshal(s)
	w.Write(b)
}

// TokenizerJSON returns the model as a Hugging Face tokenizer.json.
func (m *Model) TokenizerJSON() []byte {
	var w jsonWriter
	w.WriteString("{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": [")
	for i, id := range m.specials {
		if i > 0 {
			w.WriteString(",")
		}
		w.WriteString("\n    {\"id\": " + strconv.Itoa(int(id)) + ", \"content\": ")
		w.str(m.vocab[id])
		w.WriteString(", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": false, \"special\": true}")
	}
	w.WriteString("\n  ],\n  \"normalizer\": ")
	switch strings.ToLower(m.o.Normalization) {
	case "nfc":
		w.WriteString(`{"type": "NFC"}`)
	case "nfkc":
		w.WriteString(`{"type": "NFKC"}`)
	default:
		w.WriteString("null")
	}
	w.WriteString(",\n  \"pre_tokenizer\": ")
	switch {
	case m.o.ByteFallback:
		w.WriteString(`{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true}`)
	case m.o.PreTokenizer == "gpt2":
		w.WriteString(`{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}`)
	default:
		w.WriteString(`{"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"Regex": `)
		w.str(patternOf(m.o.PreTokenizer))
		w.WriteString(`}, "behavior": "Isolated", "invert": false}, {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}]}`)
	}
	w.WriteString(",\n  \"post_processor\": null,\n  \"decoder\": ")
	if m.o.ByteFallback {
		w.WriteString(`{"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}`)
	} else {
		w.WriteString(`{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true}`)
	}
	if m.o.Model == "unigram" {
		m.writeUnigram(&w)
		return w.Bytes()
	}
	w.WriteString(",\n  \"model\": {\n    \"type\": \"BPE\",\n    \"dropout\": null,\n    \"unk_token\": ")
	if m.o.ByteFallback {
		w.str(m.o.UnkToken)
		w.WriteString(",\n    \"continuing_subword_prefix\": null,\n    \"end_of_word_suffix\": null,\n    \"fuse_unk\": true,\n    \"byte_fallback\": true,")
	} else {
		w.WriteString("null,\n    \"continuing_subword_prefix\": null,\n    \"end_of_word_suffix\": null,\n    \"fuse_unk\": false,\n    \"byte_fallback\": false,")
	}
	w.WriteString("\n    \"ignore_merges\": false,\n    \"vocab\": {")
	for id, s := range m.vocab {
		if id > 0 {
			w.WriteString(",")
		}
		w.WriteString("\n      ")
		w.str(s)
		w.WriteString(": " + strconv.Itoa(id))
	}
	w.WriteString("\n    },\n    \"merges\": [")
	for i, mg := range m.merges {
		if i > 0 {
			w.WriteString(",")
		}
		w.WriteString("\n      [")
		w.str(mg[0])
		w.WriteString(", ")
		w.str(mg[1])
		w.WriteString("]")
	}
	w.WriteString("\n    ]\n  }\n}\n")
	return w.Bytes()
}

// WriteTiktoken writes a byte_level model as a tiktoken rank file: one line
// "base64(token bytes) rank" per token, rank = id, special tokens left out (they
// follow the last rank). A token that two merges make appears once.
func (m *Model) WriteTiktoken(w io.Writer) error {
	if !m.o.ByteLevel {
		return errors.New("tiktoken rank files hold byte-level BPE models only")
	}
	var buf []byte
	for id, s := range m.raw {
		buf = base64.StdEncoding.AppendEncode(buf, []byte(s))
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, int64(id), 10)
		buf = append(buf, '\n')
		if len(buf) > 64<<10 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err := w.Write(buf)
	return err
}

// Save writes dir/tokenizer.json and, for byte_level models, dir/tokenizer.tiktoken
// or, for unigram models, dir/tokenizer.model (SentencePiece), and returns the
// paths written.
func (m *Model) Save(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	p := filepath.Join(dir, "tokenizer.json")
	if err := os.WriteFile(p, m.TokenizerJSON(), 0o644); err != nil {
		return nil, err
	}
	paths := []string{p}
	if m.o.ByteLevel {
		var b bytes.Buffer
		if err := m.WriteTiktoken(&b); err != nil {
			return nil, err
		}
		q := filepath.Join(dir, "tokenizer.tiktoken")
		if err := os.WriteFile(q, b.Bytes(), 0o644); err != nil {
			return nil, err
		}
		paths = append(paths, q)
	}
	if m.o.Model == "unigram" {
		b, err := m.SentencePieceModel()
		if err != nil {
			return nil, err
		}
		q := filepath.Join(dir, "tokenizer.model")
		if err := os.WriteFile(q, b, 0o644); err != nil {
			return nil, err
		}
		paths = append(paths, q)
	}
	return paths, nil
}
