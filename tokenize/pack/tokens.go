package pack

import (
	"fmt"
	"slices"

	"github.com/grist/grist/tokenize"
)

// Tokens are the ids a Packer writes or must recognise.
type Tokens struct {
	Pad int32 // fills rows to seq_len
	// CLS, SEP and Mask frame and mask MLM rows ([CLS] ... [SEP], or <s> ... </s>).
	CLS, SEP, Mask int32
	// VocabSize bounds MLM random replacements: drawn uniformly from [0, VocabSize)
	// minus Specials.
	VocabSize int
	// Specials (MLM) are never selected for masking nor drawn as replacements and are
	// marked in special_tokens_mask; Pad, CLS, SEP and Mask are always included.
	// TokensFor fills them with the tokenizer's non-text ids (tokenize.NonTextIDs).
	Specials []int32
	// WordStart (MLM whole_word) reports per id whether the token begins a word; ids
	// past its end begin words. See WordStarts.
	WordStart []bool
}

// SpecialSource is the part of tokenize.Tokenizer that TokensFor reads.
type SpecialSource interface {
	Special(role string) (int32, bool)
	VocabSize() int
}

// TokensFor resolves the ids for examples ("ar", "sft" or "mlm") from a tokenizer:
// pad is the "pad" token, else "eos" (the usual causal-LM choice; padded positions
// carry label -100 and attention 0 anyway). For mlm, CLS is "cls" else "bos", SEP is
// "sep" else "eos", Mask is "mask" (required), and Specials are every resolved role
// among bos, eos, pad, cls, sep, mask and unk, and every id the tokenizer lists as
// not text (special and control tokens, ids that name no token).
func TokensFor(tok SpecialSource, examples string) (Tokens, error) {
	var t Tokens
	get := func(roles ...string) (int32, bool) {
		for _, r := range roles {
			if id, ok := tok.Special(r); ok {
				return id, true
			}
		}
		return 0, false
	}
	var ok bool
	if t.Pad, ok = get("pad", "eos"); !ok {
		return t, fmt.Errorf("pack: the tokenizer has no pad or eos token to pad rows with")
	}
	if examples != ExamplesMLM {
		return t, nil
	}
	t.VocabSize = tok.VocabSize()
	if t.CLS, ok = get("cls", "bos"); !ok {
		return t, fmt.Errorf("pack: mlm needs a cls or bos token; the tokenizer has neither")
	}
	if t.SEP, ok = get("sep", "eos"); !ok {
		return t, fmt.Errorf("pack: mlm needs a sep or eos token; the tokenizer has neither")
	}
	if t.Mask, ok = get("mask"); !ok {
		return t, fmt.Errorf("pack: mlm needs a mask token; the tokenizer has none")
	}
	for _, r := range []string{"bos", "eos", "pad", "cls", "sep", "mask", "unk"} {
		if id, ok := tok.Special(r); ok {
			t.Specials = append(t.Specials, id)
		}
	}
	if nt, ok := tok.(tokenize.NonTextIDs); ok {
		t.Specials = append(t.Specials, nt.NonTextIDs()...)
	}
	slices.Sort(t.Specials)
	t.Specials = slices.Compact(t.Specials)
	return t, nil
}
