package pack

import (
	"slices"
	"strings"
	"testing"
)

type fakeVocab map[string]int32

func (f fakeVocab) Special(role string) (int32, bool) { id, ok := f[role]; return id, ok }
func (f fakeVocab) VocabSize() int                    { return 30522 }

// withNonText is a fakeVocab that lists non-text ids.
type withNonText struct {
	fakeVocab
	nonText []int32
}

func (w withNonText) NonTextIDs() []int32 { return w.nonText }

func TestTokensFor(t *testing.T) {
	tok := cl100k(t)
	ar, err := TokensFor(tok, ExamplesAR)
	if err != nil || ar.Pad != cl100kEOS {
		t.Fatalf("cl100k ar: %+v %v", ar, err)
	}
	if _, err := TokensFor(tok, ExamplesMLM); err == nil || !strings.Contains(err.Error(), "cls or bos") {
		t.Fatalf("cl100k mlm: %v", err)
	}
	bert := fakeVocab{"pad": 0, "unk": 100, "cls": 101, "sep": 102, "mask": 103}
	m, err := TokensFor(bert, ExamplesMLM)
	if err != nil {
		t.Fatal(err)
	}
	if m.Pad != 0 || m.CLS != 101 || m.SEP != 102 || m.Mask != 103 || m.VocabSize != 30522 ||
		!slices.Equal(m.Specials, []int32{0, 100, 101, 102, 103}) {
		t.Fatalf("bert tokens %+v", m)
	}
	roberta := fakeVocab{"bos": 0, "pad": 1, "eos": 2, "unk": 3, "mask": 50264}
	m, err = TokensFor(roberta, ExamplesMLM)
	if err != nil || m.CLS != 0 || m.SEP != 2 || m.Pad != 1 || m.Mask != 50264 {
		t.Fatalf("roberta tokens %+v %v", m, err)
	}
	// the tokenizer's non-text ids (gaps, other special tokens) join the roles
	m, err = TokensFor(withNonText{bert, []int32{1, 100, 30000}}, ExamplesMLM)
	if err != nil || !slices.Equal(m.Specials, []int32{0, 1, 100, 101, 102, 103, 30000}) {
		t.Fatalf("bert tokens with non-text ids %+v %v", m, err)
	}
	if _, err := TokensFor(fakeVocab{}, ExamplesAR); err == nil {
		t.Fatal("no pad or eos: want an error")
	}
}
