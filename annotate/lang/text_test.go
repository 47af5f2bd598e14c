package lang

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// linguaWords is lingua-go's word split: its regexp on the lower-cased text.
var linguaWords = regexp.MustCompile(`\p{Han}|\p{Hangul}|\p{Hiragana}|\p{Katakana}|\p{L}+`)

func checkSplit(t *testing.T, text string) {
	t.Helper()
	sc := new(scratch)
	sc.splitWords(text)
	want := linguaWords.FindAllString(strings.ToLower(text), -1)
	if len(want) != len(sc.wordEnd) {
		t.Fatalf("%q: %d words, lingua-go %d %q", text, len(sc.wordEnd), len(want), want)
	}
	for i, w := range want {
		if got := string(sc.word(i)); got != w {
			t.Fatalf("%q: word %d = %q, lingua-go %q", text, i, got, w)
		}
		a := noAlphabet
		for j, tab := range alphabetTables {
			if regexp.MustCompile(`^\p{` + scriptName(tab) + `}+$`).MatchString(w) {
				a = alphabet(j)
				break
			}
		}
		if sc.wordAlpha[i] != a {
			t.Fatalf("%q: word %q alphabet %d, want %d", text, w, sc.wordAlpha[i], a)
		}
	}
}

func scriptName(tab *unicode.RangeTable) string {
	for name, t := range unicode.Scripts {
		if t == tab {
			return name
		}
	}
	panic("unknown script table")
}

func TestSplitWords(t *testing.T) {
	for _, text := range []string{
		"", "Hello, World! It's 2024.", "ÉCOLE Straße İstanbul", "Tシャツを買った", "漢字とかな",
		"모든 인간은", "सभी मनुष्यों", "aé漢b", "x\u0301y", "ǅemal ǈudevit", "Ⓐ Ⅻ ⅻ", "\xff\xfeab",
	} {
		checkSplit(t, text)
	}
}

func FuzzSplitWords(f *testing.F) {
	for _, s := range []string{"Hello, World!", "Tシャツ", "漢字とかな", "सभी मनुष्यों", "aé漢b", "\xffab"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkSplit(t, s) })
}

func TestSampleText(t *testing.T) {
	var lb, cb strings.Builder // texts without repeats, so pieces can be located
	for i := 0; i < 600; i++ {
		fmt.Fprintf(&lb, "w%04d ", i) // 3600 bytes
	}
	for i := 0; i < 1700; i++ {
		cb.WriteRune(0x4E00 + rune(i)) // no spaces
	}
	long, cjk := lb.String(), cb.String()
	tests := []struct {
		name     string
		text     string
		maxChars int
		sampled  bool
	}{
		{"short", "alpha beta", 2000, false},
		{"exactly max", strings.Repeat("a", 2000), 2000, false},
		{"multi-byte under max", strings.Repeat("é", 1500), 2000, false},
		{"off", long, 0, false},
		{"long", long, 2000, true},
		{"cjk", cjk, 400, true},
		{"small max", long, 40, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, sampled := sampleText(nil, tc.text, tc.maxChars)
			if sampled != tc.sampled {
				t.Fatalf("sampled = %v, want %v", sampled, tc.sampled)
			}
			if !sampled {
				return
			}
			s := string(got)
			if !utf8.ValidString(s) {
				t.Fatal("sample is not valid UTF-8")
			}
			pieces := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
			if len(pieces) != samplePieces {
				t.Fatalf("%d pieces, want %d", len(pieces), samplePieces)
			}
			if n := utf8.RuneCountInString(s) - samplePieces; n > max(tc.maxChars, samplePieces) {
				t.Errorf("%d characters sampled, max %d", n, tc.maxChars)
			}
			last := -1
			for i, p := range pieces {
				at := strings.Index(tc.text[last+1:], p)
				if at < 0 {
					t.Fatalf("piece %d %q not in the text after the previous one", i, p)
				}
				at += last + 1
				last = at
				if i == 0 && at != 0 {
					t.Errorf("first piece starts at %d", at)
				}
				if strings.Contains(tc.text, " ") && len(p) > 0 && (p[0] == ' ' || p[len(p)-1] == ' ') {
					t.Errorf("piece %d %q not cut at whitespace", i, p)
				}
			}
			if last < len(tc.text)/2 {
				t.Errorf("last piece at %d of %d: not spread over the text", last, len(tc.text))
			}
		})
	}
}

func FuzzSampleText(f *testing.F) {
	f.Add("alpha beta gamma delta epsilon", 8)
	f.Add("人人生而自由在尊严和权利上一律平等", 5)
	f.Add("a\xffb c\xfe", 2)
	f.Fuzz(func(t *testing.T, text string, maxChars int) {
		if maxChars < 0 || maxChars > 1<<20 {
			return
		}
		got, sampled := sampleText(nil, text, maxChars)
		if !sampled {
			if maxChars > 0 && utf8.RuneCountInString(text) > maxChars {
				t.Fatal("long text not sampled")
			}
			return
		}
		if n := utf8.RuneCount(got) - samplePieces; n > max(maxChars, samplePieces) {
			t.Fatalf("%d characters sampled, max %d", n, maxChars)
		}
		if utf8.ValidString(text) && !utf8.Valid(got) {
			t.Fatal("sample of valid text is invalid UTF-8")
		}
	})
}

func BenchmarkSplitWords(b *testing.B) {
	texts := benchTexts(b, udhrPath)
	sc := new(scratch)
	total := 0
	for _, s := range texts {
		total += len(s)
	}
	b.SetBytes(int64(total / len(texts)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sc.splitWords(texts[i%len(texts)])
	}
}

func BenchmarkSampleText(b *testing.B) {
	texts := benchTexts(b, spamPath)
	var long []string
	total := 0
	for _, s := range texts {
		if len(s) > 8000 {
			long = append(long, s)
			total += len(s)
		}
	}
	if len(long) == 0 {
		b.Skip("no long e-mail")
	}
	b.SetBytes(int64(total / len(long)))
	b.ReportAllocs()
	var buf []byte
	for i := 0; i < b.N; i++ {
		buf, _ = sampleText(buf, long[i%len(long)], 2000)
	}
}
