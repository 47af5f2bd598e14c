package tokenize

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// naiveMerge is the definition of rank-based merging, written for clarity: rebuild the
// list of parts after every merge of the lowest-ranked adjacent pair (leftmost on ties).
func naiveMerge(t *rankTable, piece []byte) []int32 {
	parts := make([][]byte, len(piece))
	for i := range piece {
		parts[i] = piece[i : i+1]
	}
	for {
		best, at := noRank, -1
		for i := 0; i+1 < len(parts); i++ {
			if r := t.rank(append(slices.Clone(parts[i]), parts[i+1]...)); r < best {
				best, at = r, i
			}
		}
		if at < 0 {
			break
		}
		parts[at] = append(slices.Clone(parts[at]), parts[at+1]...)
		parts = slices.Delete(parts, at+1, at+2)
	}
	out := make([]int32, len(parts))
	for i, p := range parts {
		out[i] = int32(t.rank(p))
	}
	return out
}

func TestRankMerge(t *testing.T) {
	tok := mustBuiltin(t, "cl100k_base", Options{}).(*tiktoken)
	rt := tok.ranks
	rng := rand.New(rand.NewPCG(3, 4))
	words := []string{"the", "ing", " ", "  ", "\n", "ab", "xyz", "é", "中文", "🙂", "=", "0", "'s", "\xff", "tion", "aaa"}
	for i := 0; i < 3000; i++ {
		var b strings.Builder
		n := 1 + rng.IntN(40)
		for j := 0; j < n; j++ {
			b.WriteString(words[rng.IntN(len(words))])
		}
		piece := []byte(b.String())
		want := naiveMerge(rt, piece)
		var got []int32
		var c int
		if len(piece) <= smallPiece {
			got, c = rt.mergeSmall(nil, piece, true)
			if !slices.Equal(got, want) || c != len(want) {
				t.Fatalf("mergeSmall %q: got %v (%d), want %v", piece, got, c, want)
			}
		}
		got, c = rt.mergeLarge(nil, piece, true)
		if !slices.Equal(got, want) || c != len(want) {
			t.Fatalf("mergeLarge %q: got %v (%d), want %v", piece, got, c, want)
		}
		if _, c = rt.encode(nil, piece, false); c != len(want) {
			t.Fatalf("count %q: %d, want %d", piece, c, len(want))
		}
	}
}

func TestRankTable(t *testing.T) {
	rt := newRankTable(2)
	toks := [][]byte{[]byte("a"), []byte("b"), []byte("ab"), []byte("abcdefgh"), []byte("abcdefghijklmnopq"), []byte("abcdefghijklmnopqr")}
	for i, tk := range toks {
		if !rt.add(tk, uint32(2*i)) {
			t.Fatalf("add %q", tk)
		}
	}
	if rt.add([]byte("ab"), 99) {
		t.Error("duplicate accepted")
	}
	if rt.count != len(toks) || rt.size() != 2*len(toks)-1 {
		t.Errorf("count %d size %d", rt.count, rt.size())
	}
	for i, tk := range toks {
		if r, ok := rt.lookup(tk); !ok || r != uint32(2*i) {
			t.Errorf("lookup %q = %d, %v", tk, r, ok)
		}
		if !bytes.Equal(rt.token(uint32(2*i)), tk) {
			t.Errorf("token %d = %q", 2*i, rt.token(uint32(2*i)))
		}
		if len(rt.token(uint32(2*i+1))) != 0 {
			t.Errorf("hole %d has a token", 2*i+1)
		}
	}
	for _, miss := range []string{"", "c", "ba", "abcdefg", "abcdefghi", "abcdefghijklmnop"} {
		if _, ok := rt.lookup([]byte(miss)); ok {
			t.Errorf("lookup %q found", miss)
		}
	}
	// Keys of each length class that share bytes must hash apart.
	seen := map[uint64]string{}
	for _, k := range []string{"a", "aa", "aaa", "ab", "ba", "abc", "acb", "abcd", "abcde", "abcdefgh", "abcdefghi", "abcdefghabcdefgh", "abcdefghabcdefghx"} {
		h := hashBytes([]byte(k))
		if o, ok := seen[h]; ok {
			t.Errorf("hash(%q) == hash(%q)", k, o)
		}
		seen[h] = k
	}
}

func BenchmarkRankLookup(b *testing.B) {
	tok := mustBuiltin(b, "o200k_base", Options{}).(*tiktoken)
	keys := [][]byte{[]byte(" the"), []byte("ing"), []byte(" international"), []byte("zzqx"), []byte(" responsibilities")}
	total := 0
	for _, k := range keys {
		total += len(k)
	}
	b.SetBytes(int64(total))
	for b.Loop() {
		for _, k := range keys {
			tok.ranks.lookup(k)
		}
	}
}
