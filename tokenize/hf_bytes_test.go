package tokenize

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestByteLevelMissingBytesRefused: a byte-level BPE vocabulary without every
// byte (as Hugging Face's trainer can write) is refused with a clear error,
// unless AllowMissingBytes; a complete one loads.
func TestByteLevelMissingBytesRefused(t *testing.T) {
	raw, err := os.ReadFile("testdata/hf/bytelevel-bpe.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseHF("full.json", raw, Options{}); err != nil {
		t.Fatalf("a complete byte-level vocabulary must load: %v", err)
	}
	var doc map[string]any
	json.Unmarshal(raw, &doc)
	vocab := doc["model"].(map[string]any)["vocab"].(map[string]any)
	var gone []string
	for _, b := range []byte{0x80, 0xE0, 0x07} {
		gone = append(gone, string(byteLevelRune(b)))
		delete(vocab, string(byteLevelRune(b)))
	}
	// drop the merges and tokens built on them too, as a trainer that never
	// saw those bytes would have
	model := doc["model"].(map[string]any)
	var merges []any
	for _, m := range model["merges"].([]any) {
		text, _ := json.Marshal(m)
		keep := true
		for _, g := range gone {
			gj, _ := json.Marshal(g)
			if strings.Contains(string(text), strings.Trim(string(gj), `"`)) {
				keep = false
			}
		}
		if keep {
			merges = append(merges, m)
		}
	}
	model["merges"] = merges
	for tok := range vocab {
		for _, g := range gone {
			if strings.Contains(tok, g) {
				delete(vocab, tok)
			}
		}
	}
	cut, _ := json.Marshal(doc)
	_, err = ParseHF("cut.json", cut, Options{})
	if err == nil || !strings.Contains(err.Error(), "cut.json: byte-level vocabulary lacks 3 of the 256 byte values (0x07 0x80 0xE0)") {
		t.Fatalf("want a refusal naming the missing bytes, got %v", err)
	}
	if _, err := ParseHF("cut.json", cut, Options{AllowMissingBytes: true}); err != nil {
		t.Fatalf("AllowMissingBytes: %v", err)
	}
	// GPT-2's table: the 256 stand-ins are distinct
	seen := map[rune]bool{}
	for b := 0; b < 256; b++ {
		seen[byteLevelRune(byte(b))] = true
	}
	if len(seen) != 256 || byteLevelRune(' ') != 'Ġ' || byteLevelRune('\n') != 'Ċ' {
		t.Fatalf("byte table: %d distinct, space %q, newline %q", len(seen), byteLevelRune(' '), byteLevelRune('\n'))
	}
}
