package tokenize

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// specialToken is a control token spelt as text, outside the rank table.
type specialToken struct {
	text string
	id   int32
}

// tiktokenSpec is everything about an encoding that its rank file does not say.
type tiktokenSpec struct {
	name     string
	split    splitFunc
	specials []specialToken
	roles    map[string]string // role -> special token text
	nVocab   int               // explicit vocabulary size to check, 0 if none
	nRanks   int               // number of ranks the file must hold, 0 if any
}

// tiktoken is a loaded tiktoken encoding. Immutable and safe for concurrent use.
type tiktoken struct {
	name         string
	spec         *tiktokenSpec
	ranks        *rankTable
	specialByID  map[int32]string
	parseSpecial bool
	firstSpecial [256]bool // first bytes of special tokens, for ParseSpecial scans
	vocab        int
}

// LoadTiktoken reads a tiktoken rank file (lines of "base64(token) rank") and returns
// its tokenizer. The split pattern and special tokens are not in the file: they are
// taken from the file name when its stem names a built-in encoding
// ("cl100k_base.tiktoken", "o200k_base.tiktoken", ...), or from the Llama 3 definition
// when the file holds exactly 128,000 ranks (Llama 3's tokenizer.model); any other file
// is an error naming these two ways.
func LoadTiktoken(path string, opts Options) (Tokenizer, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokenize: %w", err)
	}
	base := filepath.Base(path)
	stem := strings.TrimSuffix(base, filepath.Ext(base))
	spec := builtinSpec(stem)
	var ranks *rankTable
	if spec == nil {
		ranks, err = parseTiktoken(base, raw)
		if err != nil {
			return nil, err
		}
		if ranks.count != llama3Spec.nRanks {
			return nil, fmt.Errorf("tokenize: %s: cannot tell the encoding (split pattern and special tokens) of a rank file with %d ranks: name it after a built-in encoding (%s) or use a Llama 3 tokenizer.model (128000 ranks)",
				base, ranks.count, strings.Join(BuiltinNames(), ", "))
		}
		spec = &llama3Spec
	} else if ranks, err = parseTiktoken(base, raw); err != nil {
		return nil, err
	}
	return newTiktoken(path, spec, ranks, opts)
}

// parseTiktoken parses a rank file; name is used in error messages. Blank lines are
// skipped; ranks must increase and each token must be unique.
func parseTiktoken(name string, raw []byte) (*rankTable, error) {
	t := newRankTable(bytes.Count(raw, []byte{'\n'}) + 1)
	var buf []byte
	line := 0
	last := -1
	for len(raw) > 0 {
		line++
		var l []byte
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			l, raw = raw[:i], raw[i+1:]
		} else {
			l, raw = raw, nil
		}
		l = bytes.TrimRight(l, "\r")
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		sp := bytes.IndexByte(l, ' ')
		if sp < 0 {
			return nil, fmt.Errorf("tokenize: %s:%d: want \"base64 rank\", got %q", name, line, clipBytes(l))
		}
		tok64, rankText := l[:sp], bytes.TrimSpace(l[sp+1:])
		n := base64.StdEncoding.DecodedLen(len(tok64))
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		n, err := base64.StdEncoding.Decode(buf[:n], tok64)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("tokenize: %s:%d: bad base64 %q", name, line, clipBytes(tok64))
		}
		r, err := strconv.ParseUint(string(rankText), 10, 31)
		if err != nil {
			return nil, fmt.Errorf("tokenize: %s:%d: bad rank %q", name, line, clipBytes(rankText))
		}
		if int(r) <= last {
			return nil, fmt.Errorf("tokenize: %s:%d: rank %d after rank %d: ranks must increase", name, line, r, last)
		}
		last = int(r)
		if !t.add(buf[:n], uint32(r)) {
			return nil, fmt.Errorf("tokenize: %s:%d: token %q listed twice", name, line, buf[:n])
		}
	}
	if t.count == 0 {
		return nil, fmt.Errorf("tokenize: %s: no ranks", name)
	}
	for b, r := range t.byteRank {
		if r == noRank {
			return nil, fmt.Errorf("tokenize: %s: byte 0x%02x has no rank: not a byte-level vocabulary", name, b)
		}
	}
	return t, nil
}

func clipBytes(b []byte) []byte {
	if len(b) > 40 {
		return b[:40]
	}
	return b
}

// newTiktoken checks spec against ranks and builds the tokenizer.
func newTiktoken(name string, spec *tiktokenSpec, ranks *rankTable, opts Options) (*tiktoken, error) {
	if spec.nRanks > 0 && ranks.count != spec.nRanks {
		return nil, fmt.Errorf("tokenize: %s: %d ranks, %s has %d", name, ranks.count, spec.name, spec.nRanks)
	}
	t := &tiktoken{
		name:         name,
		spec:         spec,
		ranks:        ranks,
		specialByID:  make(map[int32]string, len(spec.specials)),
		parseSpecial: opts.ParseSpecial,
		vocab:        ranks.size(),
	}
	for _, s := range spec.specials {
		if len(ranks.token(uint32(s.id))) > 0 {
			return nil, fmt.Errorf("tokenize: %s: special token %s has id %d, which is a rank", name, s.text, s.id)
		}
		t.specialByID[s.id] = s.text
		t.firstSpecial[s.text[0]] = true
		if int(s.id) >= t.vocab {
			t.vocab = int(s.id) + 1
		}
	}
	if spec.nVocab > 0 && t.vocab != spec.nVocab {
		return nil, fmt.Errorf("tokenize: %s: vocabulary of %d ids, %s has %d", name, t.vocab, spec.name, spec.nVocab)
	}
	return t, nil
}

func (t *tiktoken) Name() string { return t.name }

func (t *tiktoken) VocabSize() int { return t.vocab }

func (t *tiktoken) Special(role string) (int32, bool) {
	text, ok := t.spec.roles[role]
	if !ok {
		return 0, false
	}
	for _, s := range t.spec.specials {
		if s.text == text {
			return s.id, true
		}
	}
	return 0, false
}

func (t *tiktoken) Encode(dst []int32, text []byte) []int32 {
	dst, _ = t.encode(dst, text, true)
	return dst
}

func (t *tiktoken) Count(text []byte) int {
	_, n := t.encode(nil, text, false)
	return n
}

// encode splits off special tokens when parsing them, then pre-tokenizes and merges
// each stretch of ordinary text.
func (t *tiktoken) encode(dst []int32, text []byte, emit bool) ([]int32, int) {
	count := 0
	split := t.spec.split
	for {
		seg, rest := text, []byte(nil)
		var sp *specialToken
		if t.parseSpecial {
			var at int
			if at, sp = t.nextSpecial(text); sp != nil {
				seg, rest = text[:at], text[at+len(sp.text):]
			}
		}
		for len(seg) > 0 {
			n := split(seg)
			var c int
			dst, c = t.ranks.encode(dst, seg[:n], emit)
			count += c
			seg = seg[n:]
		}
		if sp == nil {
			return dst, count
		}
		if emit {
			dst = append(dst, sp.id)
		}
		count++
		text = rest
	}
}

// nextSpecial finds the leftmost special token in text (the longest at a tie) and
// returns its offset, or len(text) and nil.
func (t *tiktoken) nextSpecial(text []byte) (int, *specialToken) {
	for i := 0; i < len(text); i++ {
		if !t.firstSpecial[text[i]] {
			continue
		}
		var best *specialToken
		for k := range t.spec.specials {
			s := &t.spec.specials[k]
			n := len(s.text)
			if n <= len(text)-i && string(text[i:i+n]) == s.text && (best == nil || n > len(best.text)) {
				best = s
			}
		}
		if best != nil {
			return i, best
		}
	}
	return len(text), nil
}

func (t *tiktoken) Decode(dst []byte, ids []int32) ([]byte, error) {
	for _, id := range ids {
		if id >= 0 {
			if b := t.ranks.token(uint32(id)); len(b) > 0 {
				dst = append(dst, b...)
				continue
			}
			if s, ok := t.specialByID[id]; ok {
				dst = append(dst, s...)
				continue
			}
		}
		return dst, fmt.Errorf("tokenize: %s: id %d is not in the vocabulary", t.name, id)
	}
	return dst, nil
}

// Piece returns the raw bytes of the token as a Go string (not necessarily valid
// UTF-8), the special token's text, or "" for an unknown id.
func (t *tiktoken) Piece(id int32) string {
	if id < 0 {
		return ""
	}
	if b := t.ranks.token(uint32(id)); len(b) > 0 {
		return string(b)
	}
	return t.specialByID[id]
}

// NonTextIDs lists the special tokens and the ids with no rank.
func (t *tiktoken) NonTextIDs() []int32 {
	var out []int32
	for id := range t.vocab {
		if len(t.ranks.token(uint32(id))) == 0 {
			out = append(out, int32(id))
		}
	}
	return out
}
