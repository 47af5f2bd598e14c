package dedup

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzSimplify checks the invariants of the simple normalization: valid
// UTF-8 out, no uppercase ASCII, no ASCII digit but 0, single spaces, no
// leading or trailing space, no nonspacing mark, control character or
// other whitespace. (It is not idempotent, like datatrove's: "0\u059a0" -> "00"
// -> "0".)
func FuzzSimplify(f *testing.F) {
	for _, s := range []string{"", "Hello, World!", "3.14 1,000", "naïve ΟΔΟΣ", "日本語。", "a\u0301\u0301 b", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := string(appendSimplified(nil, s))
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 from %q", s)
		}
		if strings.Contains(out, "  ") || strings.HasPrefix(out, " ") || strings.HasSuffix(out, " ") {
			t.Fatalf("bad spacing %q from %q", out, s)
		}
		for _, c := range []byte(out) {
			if (c >= 'A' && c <= 'Z') || (c >= '1' && c <= '9') {
				t.Fatalf("byte %q survived in %q from %q", c, out, s)
			}
		}
		for _, r := range out {
			// Punctuation may come back from NFD (U+037E -> ';'), as in
			// datatrove, which strips punctuation before decomposing.
			if unicode.Is(unicode.Mn, r) || (r != ' ' && unicode.IsSpace(r)) || r < ' ' {
				t.Fatalf("rune %q survived in %q from %q", r, out, s)
			}
		}
	})
}

// FuzzSignature checks that any text gets either no signature or a full,
// reduced one, and that tokens tile the normalized text.
func FuzzSignature(f *testing.F) {
	for _, s := range []string{"", "one two three four five six", "人人生而自由在尊严和权利上", "a\tb\nc d e f g"} {
		f.Add(s, 0)
		f.Add(s, 2)
	}
	m := newTestMinHash(f, func(o *MinHashOptions) { o.NGram = 3 })
	f.Fuzz(func(t *testing.T, s string, mode int) {
		mode = ((mode % 3) + 3) % 3
		buf := appendSimplified(nil, s)
		toks := tokenize(nil, buf, mode)
		if spaced := tokenizeSpaced(nil, buf, mode); !slices.Equal(spaced, toks) {
			t.Fatalf("tokenizeSpaced %v, tokenize %v for %q", spaced, toks, buf)
		}
		for i := 0; i < len(toks); i += 2 {
			if toks[i] >= toks[i+1] || (i > 0 && toks[i] < toks[i-1]) || int(toks[i+1]) > len(buf) {
				t.Fatalf("bad token bounds %v for %q", toks, buf)
			}
		}
		sig := m.Signature(s, nil)
		if len(sig) != 0 && len(sig) != m.NumHashes() {
			t.Fatalf("signature length %d", len(sig))
		}
		for _, v := range sig {
			if v >= mersenne61 {
				t.Fatalf("unreduced value %d", v)
			}
		}
	})
}
