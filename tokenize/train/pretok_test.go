package train

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dlclark/regexp2/v2"
)

func collect(sp splitter, text string) []string {
	var out []string
	sp.split([]byte(text), func(w []byte) { out = append(out, string(w)) })
	return out
}

// regexWords returns the matches of pattern run by regexp2 (the reference).
func regexWords(t testing.TB, pattern, text string) []string {
	re := regexp2.MustCompile(pattern, regexp2.None)
	var out []string
	m, err := re.FindStringMatch(text)
	for err == nil && m != nil {
		out = append(out, m.String())
		m, err = re.FindNextMatch(m)
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGPT2SplitTable(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"Hello world", []string{"Hello", " world"}},
		{"it's   done\n", []string{"it", "'s", "  ", " done", "\n"}},
		{"'''s x", []string{"'''", "s", " x"}},
		{"we'll 'RE 'd", []string{"we", "'ll", " '", "RE", " '", "d"}},
		{"abc123 ½!?  ", []string{"abc", "123", " ½", "!?", "  "}},
		{"\t\tx", []string{"\t", "\t", "x"}},
		{"a\u3000\u3000b", []string{"a", "\u3000", "\u3000", "b"}},
		{" ", []string{" "}},
		{"", nil},
	} {
		if got := collect(gpt2Splitter{}, tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("%q: %q, want %q", tc.in, got, tc.want)
		}
		if got := regexWords(t, PatternGPT2, tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("%q: regexp2 gives %q, the table %q", tc.in, got, tc.want)
		}
	}
}

// TestGPT2SplitMatchesRegexp2 holds the scanner to the pattern on the corpus
// slice, the held-out texts and random mixes of every character class.
func TestGPT2SplitMatchesRegexp2(t *testing.T) {
	texts := corpusLines(t)[:300]
	for _, h := range readJSONL[heldOut](t, "heldout.jsonl.gz") {
		texts = append(texts, h.Text)
	}
	alphabet := []rune("aZé中ß'srevmldt 0١½\n\r\t\u00a0\u2003\u3000.!-_\u0301😀\u200b")
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 3000; i++ {
		var b strings.Builder
		for n := rng.IntN(20); n > 0; n-- {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		texts = append(texts, b.String())
	}
	for _, s := range texts {
		got, want := collect(gpt2Splitter{}, s), regexWords(t, PatternGPT2, s)
		if !slices.Equal(got, want) {
			t.Fatalf("%q:\n got %q\nwant %q", s, got, want)
		}
	}
}

func FuzzGPT2Split(f *testing.F) {
	for _, s := range []string{"Hello world", "it's  x", " \n\t ", "a'll'\u00a0 1½", "\xff\xfeab c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := collect(gpt2Splitter{}, s)
		if strings.Join(got, "") != s {
			t.Fatalf("%q: pieces %q do not tile the text", s, got)
		}
		if utf8.ValidString(s) {
			if want := regexWords(t, PatternGPT2, s); !slices.Equal(got, want) {
				t.Fatalf("%q: got %q, regexp2 %q", s, got, want)
			}
		}
	})
}

func TestRegexSplitterTiles(t *testing.T) {
	for _, name := range []string{"cl100k", "o200k", "llama3"} {
		sp, err := newRegexSplitter(patternOf(name))
		if err != nil {
			t.Fatal(err)
		}
		in := "Hello WORLD's 12345 \xffbad\r\n\n  x/y"
		got := collect(sp, in)
		if strings.Join(got, "") != in {
			t.Errorf("%s: %q does not tile %q", name, got, in)
		}
		if !slices.Contains(got, "\xff") || !slices.Contains(got, "123") {
			t.Errorf("%s: %q", name, got)
		}
	}
}

func TestMetaspaceSplit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"Hello  world", []string{"▁Hello", "▁", "▁world"}},
		{" lead", []string{"▁lead"}},
		{"▁x y", []string{"▁x", "▁y"}},
		{"a\nb c", []string{"▁a\nb", "▁c"}},
		{"end ", []string{"▁end", "▁"}},
		{"", nil},
	} {
		if got := collect(metaspace{}, tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("%q: %q, want %q", tc.in, got, tc.want)
		}
	}
}
