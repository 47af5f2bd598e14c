package pack

import (
	"slices"
	"testing"
)

func TestWordStarts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		pieces []string
		style  string
		want   []bool
		auto   string
	}{
		{"wordpiece", []string{"[CLS]", "un", "##aff", "##able", "the", ",", "##s"}, WordsWordPiece,
			[]bool{true, true, false, false, true, true, false}, WordsWordPiece},
		{"sentencepiece", []string{"<s>", "▁un", "aff", "able", "▁the", ",", "▁"}, WordsSentencePiece,
			[]bool{false, true, false, false, true, false, true}, WordsSentencePiece},
		{"gpt2", []string{"<|endoftext|>", "Ġun", "aff", "able", "Ġthe", "Ċ", ",", "ĉx"}, WordsByteLevel,
			[]bool{false, true, false, false, true, true, false, true}, WordsByteLevel},
		{"tiktoken", []string{"hello", " world", "!", "\n", " x", ""}, WordsByteLevel,
			[]bool{false, true, false, true, true, true}, WordsByteLevel},
	} {
		t.Run(tc.name, func(t *testing.T) {
			piece := func(id int32) string { return tc.pieces[id] }
			got, err := WordStarts(len(tc.pieces), piece, tc.style)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			auto, err := WordStarts(len(tc.pieces), piece, WordsAuto)
			if err != nil {
				t.Fatal(err)
			}
			ref, _ := WordStarts(len(tc.pieces), piece, tc.auto)
			if !slices.Equal(auto, ref) {
				t.Fatalf("auto %v, want %s %v", auto, tc.auto, ref)
			}
		})
	}
	if _, err := WordStarts(3, func(int32) string { return "x" }, WordsAuto); err == nil {
		t.Fatal("no markers: want an error")
	}
	if _, err := WordStarts(3, func(int32) string { return "x" }, "bpe"); err == nil {
		t.Fatal("unknown style: want an error")
	}
}
