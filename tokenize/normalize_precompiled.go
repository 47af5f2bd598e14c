package tokenize

import (
	"encoding/binary"
	"errors"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// charsMap is SentencePiece's precompiled_charsmap: a little-endian uint32
// byte length of a darts-clone double-array trie, the trie units, then a blob
// of NUL-terminated replacement strings that the trie values point into.
type charsMap struct {
	units      []uint32
	normalized []byte
}

func parseCharsMap(blob []byte) (*charsMap, error) {
	if len(blob) < 4 {
		return nil, errors.New("precompiled_charsmap: too short")
	}
	size := binary.LittleEndian.Uint32(blob)
	if size%4 != 0 || uint64(size) > uint64(len(blob)-4) {
		return nil, errors.New("precompiled_charsmap: bad trie size")
	}
	units := make([]uint32, size/4)
	for i := range units {
		units[i] = binary.LittleEndian.Uint32(blob[4+4*i:])
	}
	if len(units) == 0 {
		return nil, errors.New("precompiled_charsmap: empty trie")
	}
	return &charsMap{units: units, normalized: blob[4+size:]}, nil
}

// darts-clone unit layout.
func dartsHasLeaf(u uint32) bool  { return (u>>8)&1 == 1 }
func dartsValue(u uint32) uint32  { return u & (1<<31 - 1) }
func dartsLabel(u uint32) uint32  { return u & (1<<31 | 0xFF) }
func dartsOffset(u uint32) uint32 { return (u >> 10) << ((u & (1 << 9)) >> 6) }

// prefixSearch walks key through the trie and calls fn(length, value) for each
// key prefix that is a rule, shortest first; fn returns false to stop. When
// stopAtNUL is set a 0 byte ends the key, as in the Hugging Face port.
func (m *charsMap) prefixSearch(key []byte, stopAtNUL bool, fn func(n int, v uint32) bool) {
	pos := uint32(0)
	if int(pos) >= len(m.units) {
		return
	}
	pos ^= dartsOffset(m.units[pos])
	for i, c := range key {
		if c == 0 && stopAtNUL {
			return
		}
		pos ^= uint32(c)
		if int(pos) >= len(m.units) {
			return
		}
		u := m.units[pos]
		if dartsLabel(u) != uint32(c) {
			return
		}
		pos ^= dartsOffset(u)
		if dartsHasLeaf(u) {
			if int(pos) >= len(m.units) {
				return
			}
			if !fn(i+1, dartsValue(m.units[pos])) {
				return
			}
		}
	}
}

// replacement returns the NUL-terminated string at value v of the blob.
func (m *charsMap) replacement(v uint32) ([]byte, bool) {
	if int(v) > len(m.normalized) {
		return nil, false
	}
	rest := m.normalized[v:]
	for i, c := range rest {
		if c == 0 {
			return rest[:i], true
		}
	}
	return rest, true
}

// first returns the replacement of the shortest rule that is a prefix of
// chunk (what the Hugging Face port's transform does).
func (m *charsMap) first(chunk []byte) ([]byte, bool) {
	var out []byte
	found := false
	m.prefixSearch(chunk, true, func(_ int, v uint32) bool {
		out, found = m.replacement(v)
		return false
	})
	return out, found
}

// longest returns the length and replacement of the longest rule that is a
// prefix of input (SentencePiece's Normalizer::NormalizePrefix; darts-clone
// reports at most 32 results, which no real charsmap reaches).
func (m *charsMap) longest(input []byte) (int, []byte) {
	bestN := 0
	var bestV uint32
	count := 0
	m.prefixSearch(input, false, func(n int, v uint32) bool {
		count++
		if n > bestN {
			bestN, bestV = n, v
		}
		return count < 32
	})
	if bestN == 0 {
		return 0, nil
	}
	r, ok := m.replacement(bestV)
	if !ok {
		return 0, nil
	}
	return bestN, r
}

// precompiledNormalizer is the tokenizer.json "Precompiled" normalizer: it
// walks grapheme clusters; a cluster shorter than 6 bytes is replaced whole by
// the rule of its shortest matching prefix, otherwise (or when no rule
// matches) each character is looked up alone. This mirrors the Hugging Face
// implementation exactly, including its shortest-prefix quirk.
type precompiledNormalizer struct{ m *charsMap }

func (p *precompiledNormalizer) normalize(dst, src []byte, _ *normScratch) []byte {
	state := -1
	rest := src
	for len(rest) > 0 {
		var g []byte
		if !utf8.FullRune(rest) || !utf8.Valid(rest[:clusterProbe(rest)]) {
			g, rest = rest[:1], rest[1:]
		} else {
			g, rest, _, state = uniseg.FirstGraphemeCluster(rest, state)
		}
		if len(g) < 6 {
			if r, ok := p.m.first(g); ok {
				dst = append(dst, r...)
				continue
			}
		}
		for i := 0; i < len(g); {
			_, n := utf8.DecodeRune(g[i:])
			if r, ok := p.m.first(g[i : i+n]); ok {
				dst = append(dst, r...)
			} else {
				dst = append(dst, g[i:i+n]...)
			}
			i += n
		}
	}
	return dst
}

// clusterProbe is the length of the first rune of b (1 for invalid bytes).
func clusterProbe(b []byte) int {
	_, n := utf8.DecodeRune(b)
	return n
}
