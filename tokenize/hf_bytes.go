package tokenize

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// checkByteCoverage refuses a byte-level BPE whose vocabulary lacks some of
// the 256 byte symbols and has neither byte fallback nor an unknown token:
// its encoder would drop those bytes without a trace (Hugging Face's trainer
// can write such files, and its encoder then loses text silently). With
// Options.AllowMissingBytes the file loads and the bytes are dropped, as the
// library does.
func checkByteCoverage(pre, model json.RawMessage, pieces []string, opts Options) error {
	if opts.AllowMissingBytes || !bytes.Contains(pre, []byte(`"ByteLevel"`)) {
		return nil
	}
	var m struct {
		Type         string  `json:"type"`
		ByteFallback bool    `json:"byte_fallback"`
		UnkToken     *string `json:"unk_token"`
	}
	if json.Unmarshal(model, &m) != nil || (m.Type != "" && m.Type != "BPE") || m.ByteFallback || (m.UnkToken != nil && *m.UnkToken != "") {
		return nil
	}
	have := make(map[string]bool, len(pieces))
	for _, p := range pieces {
		have[p] = true
	}
	var missing []string
	for b := 0; b < 256; b++ {
		if !have[string(byteLevelRune(byte(b)))] {
			missing = append(missing, fmt.Sprintf("0x%02X", b))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	show := missing
	if len(show) > 8 {
		show = append(show[:8:8], "...")
	}
	return fmt.Errorf("byte-level vocabulary lacks %d of the 256 byte values (%s): text holding them would be dropped silently; retrain with every byte in the alphabet, or load with AllowMissingBytes to drop them as the library does", len(missing), strings.Join(show, " "))
}

// byteLevelRune is GPT-2's printable stand-in for a byte.
func byteLevelRune(b byte) rune {
	switch {
	case b >= '!' && b <= '~', b >= 0xA1 && b <= 0xAC, b >= 0xAE:
		return rune(b)
	}
	n := 0
	for c := 0; c < int(b); c++ {
		if !(c >= '!' && c <= '~' || c >= 0xA1 && c <= 0xAC || c >= 0xAE) {
			n++
		}
	}
	return rune(256 + n)
}
