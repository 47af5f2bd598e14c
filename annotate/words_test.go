package annotate

import (
	"os"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func tokens(text, lang string) []string {
	var out []string
	for _, w := range SplitWords(nil, text, lang) {
		out = append(out, w.Of(text))
	}
	return out
}

// The expectations were checked against spaCy's blank English tokenizer,
// which datatrove uses.
func TestSplitWordsEnglish(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"I don't know, e.g. U.S. isn't it?  Hello...world (test) 10km $5 http://x.com/a?b=c end.",
			"I|do|n't|know|,|e.g.|U.S.|is|n't|it|?|Hello|...|world|(|test|)|10|km|$|5|http://x.com/a?b=c|end|."},
		{`He said "go!" and left... The end. Mr. Smith's dog—barked. well-known 3-4 a/b`,
			`He|said|"|go|!|"|and|left|...|The|end|.|Mr.|Smith|'s|dog|—|barked|.|well|-|known|3|-|4|a|/|b`},
		{"dont Im cannot gonna Let's its ill", "do|nt|I|m|can|not|gon|na|Let|'s|its|ill"},
		{"The U.K. and 5pm; 50% of (\"quoted\") text", `The|U.K.|and|5|pm|;|50|%|of|(|"|quoted|"|)|text`},
		{"example.com/path?q=1 user@mail.org", "example.com/path?q=1|user@mail.org"},
		{"end.The start", "end|.|The|start"},
		{"-hyphen- ***stars***", "-hyphen-|*|*|*|stars|*|*|*"},
		{":) :-( <3", ":)|:-(|<3"},
		{"", ""},
		{" \t\n ", ""},
	} {
		got := strings.Join(tokens(tc.in, ""), "|")
		if got != tc.want {
			t.Errorf("%q:\n got  %s\n want %s", tc.in, got, tc.want)
		}
	}
}

func TestSplitWordsScripts(t *testing.T) {
	for _, tc := range []struct{ in, lang, want string }{
		// no-space scripts inside English text go through UAX #29
		{"日本語のテキストです。 mixed 中文 text", "en", "日|本|語|の|テキスト|で|す|。|mixed|中|文|text"},
		{"모든 사람은 교육을 받을 권리를 가진다.", "ko", "모든|사람은|교육을|받을|권리를|가진다|."},
		{"كل شخص، له الحق.", "ar", "كل|شخص|،|له|الحق|."},
		{"Don't stop.", "fr", "Don't|stop|."},
		// WB4 joins marks to the space before them: a space cluster, not a
		// word (the crasher of FuzzSplitWords); after a line break they
		// start a word (WB4 does not apply).
		{" \u030d", "fr", ""},
		{"a \u0301\u0302 b\t\u00ad\u200dc", "de", "a|b|c"},
		{"x\n\u030d", "fr", "x|\u030d"},
		// WB3c joins the emoji to the space cluster; WB13a/b join letters
		// over U+202F (ExtendNumLet)
		{"a \u200d🙂 b", "fr", "a|🙂|b"},
		{"a\u202fb 1\u202f2", "mn", "a|b|1|2"},
	} {
		got := strings.Join(tokens(tc.in, tc.lang), "|")
		if got != tc.want {
			t.Errorf("%q (%s):\n got  %s\n want %s", tc.in, tc.lang, got, tc.want)
		}
	}
}

func TestIsEnglish(t *testing.T) {
	for lang, want := range map[string]bool{"": true, "en": true, "EN": true, "eng_Latn": true, "en-US": true, "english": true, "fr": false, "kor_Hang": false, "e": false} {
		if IsEnglish(lang) != want {
			t.Errorf("IsEnglish(%q) = %v", lang, !want)
		}
	}
}

func TestCountWords(t *testing.T) {
	text := "Hello, wörld 42 ... #tag"
	st := CountWords(text, SplitWords(nil, text, "en"))
	// Hello , wörld 42 ... # tag
	want := WordStats{Words: 7, NonSymbol: 4, NonSymbolRunes: 5 + 5 + 2 + 3, Alpha: 3}
	if st != want {
		t.Errorf("got %+v, want %+v", st, want)
	}
}

// checkSplit holds for any input: words are in order, non-empty, inside the
// text, without whitespace, and together they are the text minus whitespace
// and the marks that attach to whitespace (WB4).
func checkSplit(t *testing.T, text, lang string) {
	if !utf8.ValidString(text) {
		return
	}
	ws := SplitWords(nil, text, lang)
	var b strings.Builder
	prev := int32(0)
	for _, w := range ws {
		if w.Start < prev || w.End <= w.Start || int(w.End) > len(text) {
			t.Fatalf("bad span %v after %d in %q", w, prev, text)
		}
		s := w.Of(text)
		for _, r := range s {
			if IsSpace(r) {
				t.Fatalf("word %q has whitespace", s)
			}
		}
		b.WriteString(s)
		prev = w.End
	}
	var want strings.Builder
	for _, r := range text {
		if !IsSpace(r) {
			want.WriteRune(r)
		}
	}
	if b.String() != want.String() {
		// the gaps between words: whitespace, each run followed by
		// nothing but attached marks
		prev := 0
		for _, w := range append(ws, Span{int32(len(text)), int32(len(text))}) {
			gap := text[prev:w.Start]
			for i, r := range gap {
				if IsSpace(r) || i > 0 && attachesToSpace(r) {
					continue
				}
				t.Fatalf("words of %q do not cover the text: %q (gap %q)", text, b.String(), gap)
			}
			prev = int(w.End)
		}
	}
}

// TestHasSpace checks the lead bytes hasSpace decodes against every rune.
func TestHasSpace(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		s := "ab" + string(r) + "c"
		if hasSpace(s) != IsSpace(r) {
			t.Errorf("hasSpace(%q) = %v", s, !IsSpace(r))
		}
	}
	if hasSpace("\xc2") || hasSpace("\xe2\x80") || hasSpace("") {
		t.Error("space in invalid or empty text")
	}
}

func FuzzSplitWords(f *testing.F) {
	for _, s := range []string{"I don't know, e.g. U.S.", "日本語 and 한국어!", "a--b c...d (e) 5km", "http://x.y/z?q=1."} {
		f.Add(s, "en")
		f.Add(s, "ko")
	}
	f.Fuzz(func(t *testing.T, text, lang string) {
		checkSplit(t, text, lang)
	})
}

func BenchmarkSplitWords(b *testing.B) {
	data, err := os.ReadFile("testdata/english.txt")
	if err != nil {
		b.Fatal(err)
	}
	text := string(data)
	var sp Splitter
	var ws []Span
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		ws = sp.Split(ws[:0], text, "en")
	}
}

// TestRuneLen checks RuneLen and RuneLenAtMost against utf8.RuneCountInString
// around the 8-byte steps, with multi-byte and invalid bytes.
func TestRuneLen(t *testing.T) {
	parts := []string{"a", "bcdefgh", "é", "日本", "\xff", "\xe2\x80", " ", "🙂"}
	for k := 0; k < 2000; k++ {
		var b strings.Builder
		for j := 0; j < k%23; j++ {
			b.WriteString(parts[(k*7+j*j)%len(parts)])
		}
		s := b.String()
		want := utf8.RuneCountInString(s)
		if got := RuneLen(s); got != want {
			t.Fatalf("RuneLen(%q) = %d, want %d", s, got, want)
		}
		for _, lim := range []int{0, 1, want - 1, want, want + 1, 30} {
			if lim < 0 {
				continue
			}
			if got := RuneLenAtMost(s, lim); got != (want <= lim) {
				t.Fatalf("RuneLenAtMost(%q, %d) = %v, runes %d", s, lim, got, want)
			}
		}
	}
}
