package tokenize

import (
	"slices"
	"testing"
)

// TestNonTextIDs checks the non-text ids of each kind of tokenizer: every
// special token and every gap of the vocabulary, and nothing that encodes
// text.
func TestNonTextIDs(t *testing.T) {
	span := func(lo, hi int32) []int32 {
		var out []int32
		for id := lo; id < hi; id++ {
			out = append(out, id)
		}
		return out
	}
	cl, err := Load("cl100k_base", Options{})
	if err != nil {
		t.Fatal(err)
	}
	// ranks 0-100255; specials 100257-100260 and 100276; the rest are gaps
	if got, want := cl.(NonTextIDs).NonTextIDs(), span(100256, 100277); !slices.Equal(got, want) {
		t.Errorf("cl100k_base: %v, want %v", got, want)
	}
	bert := loadHFTestdata(t, "bert-base-uncased", Options{})
	if got, want := bert.NonTextIDs(), []int32{0, 100, 101, 102, 103}; !slices.Equal(got, want) {
		t.Errorf("bert-base-uncased: %v, want %v ([PAD] [UNK] [CLS] [SEP] [MASK])", got, want)
	}
	spm := loadSPMTestdata(t, "unigram", Options{})
	got := spm.NonTextIDs()
	if len(got) == 0 {
		t.Fatal("unigram.model: no non-text ids")
	}
	for _, id := range got {
		if ty := spm.types[id]; ty != spmUnknown && ty != spmControl && ty != spmUnused {
			t.Errorf("unigram.model: id %d (%q) of type %d listed", id, spm.Piece(id), ty)
		}
	}
	for _, role := range []string{"unk", "bos", "eos"} {
		if id, ok := spm.Special(role); ok && !slices.Contains(got, id) {
			t.Errorf("unigram.model: %s id %d not listed in %v", role, id, got)
		}
	}
}
