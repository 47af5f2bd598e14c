package tokenize

import (
	"strings"
	"unicode/utf8"
)

// wordPieceModel is greedy longest-match-first WordPiece: a word longer than
// max_input_chars_per_word characters, or one that cannot be fully covered,
// becomes the single unk token; pieces after the first carry the
// continuing_subword_prefix ("##").
type wordPieceModel struct {
	vocab    map[string]int32
	unk      int32
	prefix   string
	maxChars int
	// Greedy longest-match-first is a longest-prefix search: head holds the
	// vocabulary, tail the entries that start with the prefix, prefix removed.
	head, tail *pieceTrie
}

func newWordPieceModel(vocab map[string]int32, unk, prefix string, maxChars int) *wordPieceModel {
	m := &wordPieceModel{vocab: vocab, unk: -1, prefix: prefix, maxChars: maxChars}
	if id, ok := vocab[unk]; ok {
		m.unk = id
	}
	n := 0
	for _, id := range vocab {
		n = max(n, int(id)+1)
	}
	heads := make([]string, n)
	tails := make([]string, n)
	for k, id := range vocab {
		heads[id] = k
		if prefix != "" && strings.HasPrefix(k, prefix) {
			tails[id] = k[len(prefix):]
		} else if prefix == "" {
			tails[id] = k
		}
	}
	all := func(int) bool { return true }
	m.head = buildPieceTrie(heads, all)
	m.tail = buildPieceTrie(tails, all)
	return m
}

func (m *wordPieceModel) encodeWord(sc *scratch, dst []int32, w []byte) []int32 {
	if len(w) == 0 {
		return dst
	}
	if utf8.RuneCount(w) > m.maxChars {
		return m.appendUnk(dst)
	}
	start := len(dst)
	for s := 0; s < len(w); {
		t := m.head
		if s > 0 {
			t = m.tail
		}
		id, n := t.longest(w[s:])
		if n == 0 {
			return m.appendUnk(dst[:start])
		}
		dst = append(dst, id)
		s += n
	}
	return dst
}

func (m *wordPieceModel) appendUnk(dst []int32) []int32 {
	if m.unk >= 0 {
		dst = append(dst, m.unk)
	}
	return dst
}

// wordLevelModel maps each whole word to its id, or to unk.
type wordLevelModel struct {
	vocab map[string]int32
	unk   int32
}

func (m *wordLevelModel) encodeWord(_ *scratch, dst []int32, w []byte) []int32 {
	if len(w) == 0 {
		return dst
	}
	if id, ok := m.vocab[string(w)]; ok {
		return append(dst, id)
	}
	if m.unk >= 0 {
		dst = append(dst, m.unk)
	}
	return dst
}
