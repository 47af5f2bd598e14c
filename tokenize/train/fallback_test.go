package train

import (
	"fmt"
	"testing"
)

// TestByteFallbackRareHangul: syllables absent from training encode as their
// UTF-8 bytes in <0xXX> pieces and decode back exactly.
func TestByteFallbackRareHangul(t *testing.T) {
	t.Run("bpe", func(t *testing.T) { testRareHangul(t, goldenModel(t, "grist-bytefallback")) })
	t.Run("unigram", func(t *testing.T) { testRareHangul(t, unigramGolden(t)) })
}

func testRareHangul(t *testing.T, m *Model) {
	tok := parseModel(t, m)
	const text = "꿼쀐쮌휈뛠"
	ids := tok.Encode(nil, []byte(text))
	// ▁ then 15 byte pieces.
	var want []string
	want = append(want, "▁")
	for _, b := range []byte(text) {
		want = append(want, fmt.Sprintf("<0x%02X>", b))
	}
	var got []string
	for _, id := range ids {
		got = append(got, tok.Piece(id))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pieces %q, want %q", got, want)
	}
	dec, err := tok.Decode(nil, ids)
	if err != nil || string(dec) != text {
		t.Errorf("decoded %q (%v), want %q", dec, err, text)
	}
	for _, id := range ids[1:] {
		if id < 1+2 || id >= 1+2+256 {
			t.Errorf("id %d is not a byte piece", id)
		}
	}
}
