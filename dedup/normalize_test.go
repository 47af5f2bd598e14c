package dedup

import (
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestNormalizeSimple(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"  \t\n ", ""},
		{"Hello,   World!", "hello world"},
		{"3.14 and 1,000,000", "0 and 0 0"},
		{"a1b22c", "a0b0c"},
		{"naïve Café", "naive cafe"},
		{"x\u00a0y\u3000z", "x y z"},
		{"«quoted» — dash…", "quoted dash"},
		{"tab\x01ctrl\x85c1", "tab ctrl c0"},
		{"日本語、テキスト。", "日本語 テキスト"},
		{"bad\xffbyte", "bad byte"},
		{"ΟΔΟΣ ΣΟΦΟΣ.", "οδος σοφος"},
		{"00;\u037e x", "0 ; x"},
	}
	for _, c := range cases {
		if got := string(appendSimplified(nil, c.in)); got != c.want {
			t.Errorf("simplify(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// simplifySlow is appendSimplified without the BMP table.
func simplifySlow(text string) string {
	var dst []byte
	pending := false
	for i := 0; i < len(text); {
		c := text[i]
		if c < 0x80 {
			switch asciiClass[c] {
			case clsKeep, clsUpper:
				dst = emitSep(dst, 0, &pending)
				dst = append(dst, asciiOut[c])
				i++
			case clsDigit:
				dst = emitSep(dst, 0, &pending)
				dst = append(dst, '0')
				i = skipNumber(text, i)
			default:
				pending = true
				i++
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		dst = appendRuneSlow(dst, 0, &pending, text, i, r, size)
		if unicode.IsDigit(unicode.ToLower(r)) {
			i = skipNumber(text, i)
			continue
		}
		i += size
	}
	return string(dst)
}

func TestSimplifyTableMatchesSlowPath(t *testing.T) {
	for r := rune(0x80); r < 0x10000; r++ {
		if r >= 0xd800 && r < 0xe000 {
			continue
		}
		in := "x" + string(r) + "y"
		if got, want := string(appendSimplified(nil, in)), simplifySlow(in); got != want {
			t.Fatalf("U+%04X: table %q, slow path %q", r, got, want)
		}
	}
}

func BenchmarkNormalizeSimple(b *testing.B) {
	docs := testCorpus(b)
	size := 0
	for _, d := range docs {
		size += len(d.Text)
	}
	b.SetBytes(int64(size))
	var buf []byte
	for i := 0; i < b.N; i++ {
		for _, d := range docs {
			buf = appendSimplified(buf[:0], d.Text)
		}
	}
}
