package tokenize

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/dlclark/regexp2/v2"
)

// The reference patterns, run by a backtracking engine with look-ahead. The reference
// tokenizer's engine folds case under Unicode simple case folding, where s also matches
// U+017F (ſ); the .NET-style engine here does not, so each (?i:...) contraction group
// is written out with its folded letters.
const (
	foldedContractions = `'(?:[sSſ]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])`
	refR50k            = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
	refCL100k          = `(?:` + foldedContractions + `)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	refO200k           = `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?:` + foldedContractions + `)?|` +
		`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?:` + foldedContractions + `)?|` +
		`\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`
)

type pretokScanner struct {
	name  string
	split splitFunc
	ref   *regexp2.Regexp
}

var pretokScanners = []pretokScanner{
	{"r50k", splitR50k, regexp2.MustCompile(refR50k)},
	{"cl100k", splitCL100k, regexp2.MustCompile(refCL100k)},
	{"llama3", splitLlama3, regexp2.MustCompile(refCL100k)},
	{"o200k", splitO200k, regexp2.MustCompile(refO200k)},
}

// refSplit returns the end offsets of the reference matches of s. Each invalid UTF-8
// byte becomes one U+FFFD rune (no class), the rule the pretokScanners follow.
func refSplit(t testing.TB, re *regexp2.Regexp, s []byte) []int {
	var runes []rune
	var offs []int // byte offset of each rune, and the end
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRune(s[i:])
		runes = append(runes, r)
		offs = append(offs, i)
		i += n
	}
	offs = append(offs, len(s))
	m, err := re.FindAllRunesIndex(runes, -1)
	if err != nil {
		t.Fatal(err)
	}
	ends := make([]int, 0, len(m))
	prev := 0
	for _, p := range m {
		if p[0] != prev {
			t.Fatalf("reference skipped runes %d..%d of %q", prev, p[0], s)
		}
		prev = p[1]
		ends = append(ends, offs[p[1]])
	}
	return ends
}

func checkSplit(t testing.TB, sc pretokScanner, s []byte) bool {
	got := splitAll(nil, s, sc.split)
	want := refSplit(t, sc.ref, s)
	if !slices.Equal(got, want) {
		t.Errorf("%s %q:\n got %q\nwant %q", sc.name, clipText(string(s)), pretokPieces(s, got), pretokPieces(s, want))
		return false
	}
	return true
}

func pretokPieces(s []byte, ends []int) []string {
	var out []string
	prev := 0
	for _, e := range ends {
		out = append(out, string(s[prev:e]))
		prev = e
		if len(out) > 30 {
			break
		}
	}
	return out
}

func TestPretokenizerTable(t *testing.T) {
	tests := []struct {
		pretokScanner string
		text          string
		want          []string
	}{
		{"r50k", "Hello world's  end\n\n", []string{"Hello", " world", "'s", " ", " end", "\n\n"}},
		{"r50k", "a  b", []string{"a", " ", " b"}},
		{"r50k", "I'LL 12345", []string{"I", "'", "LL", " 12345"}},
		{"cl100k", "x \n \n As", []string{"x", " \n \n", " As"}},
		{"cl100k", "I'LL 12345", []string{"I", "'LL", " ", "123", "45"}},
		{"cl100k", "a\n  ", []string{"a", "\n", "  "}},
		{"cl100k", "!!abc \tdef", []string{"!!", "abc", " ", "\tdef"}},
		{"cl100k", " !!\n\nx", []string{" !!\n\n", "x"}},
		{"cl100k", "it'ſ", []string{"it", "'ſ"}},
		{"o200k", "CamelCase HTTPServer", []string{"Camel", "Case", " HTTPServer"}},
		{"o200k", "don't DON'T", []string{"don't", " DON'T"}},
		{"o200k", "a/b\n/c", []string{"a", "/b", "\n", "/c"}},
		{"o200k", "a!\n/c", []string{"a", "!\n/", "c"}},
		{"o200k", "\u0301A", []string{"\u0301", "A"}},
		{"o200k", "1234567", []string{"123", "456", "7"}},
		{"r50k", "\xffab\xfe", []string{"\xff", "ab", "\xfe"}},
		{"cl100k", "\xffab\xfe", []string{"\xffab", "\xfe"}},
	}
	for _, tt := range tests {
		var sc pretokScanner
		for _, s := range pretokScanners {
			if s.name == tt.pretokScanner {
				sc = s
			}
		}
		got := pretokPieces([]byte(tt.text), splitAll(nil, []byte(tt.text), sc.split))
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s %q: got %q, want %q", tt.pretokScanner, tt.text, got, tt.want)
		}
		if utf8.ValidString(tt.text) {
			checkSplit(t, sc, []byte(tt.text))
		}
	}
}

// TestPretokenizerClasses checks the BMP class table against the unicode tables.
func TestPretokenizerClasses(t *testing.T) {
	for r := rune(0); r < 0x10000; r++ {
		if utf8.ValidRune(r) && bmpClass[r] != runeClassSlow(r) {
			t.Fatalf("U+%04X: table %06b, unicode %06b", r, bmpClass[r], runeClassSlow(r))
		}
	}
	if c, n := classAt([]byte{0xC3}, 0); c != 0 || n != 1 {
		t.Errorf("truncated sequence: class %d size %d", c, n)
	}
	if c, _ := classAt([]byte("𝔘"), 0); c&clsL == 0 || c&clsUp == 0 {
		t.Errorf("U+1D518 class %06b", c)
	}
	if !unicode.Is(unicode.White_Space, 0x85) || asciiClass[' ']&clsS == 0 || bmpClass[0x3000]&clsS == 0 {
		t.Error("white space")
	}
}

// TestPretokenizerCorpora compares every pretokScanner with the reference engine on every
// text of the committed goldens and of the sample corpora.
func TestPretokenizerCorpora(t *testing.T) {
	var texts [][]byte
	for _, c := range readTiktokenGolden(t) {
		texts = append(texts, []byte(c.Text))
	}
	for _, path := range []string{"../../shared/data/udhr.jsonl.gz", "../../shared/data/spam-assassin.jsonl.gz"} {
		more, err := readCorpusTexts(path, 0)
		if err != nil {
			t.Logf("skipping %s: %v", path, err)
			continue
		}
		if testing.Short() && len(more) > 500 {
			more = more[:500]
		}
		texts = append(texts, more...)
	}
	for _, sc := range pretokScanners {
		t.Run(sc.name, func(t *testing.T) {
			bad := 0
			for _, s := range texts {
				if !checkSplit(t, sc, s) {
					if bad++; bad >= 5 {
						t.Fatal("too many differences")
					}
				}
			}
		})
	}
}

// readCorpusTexts reads the text field of a .jsonl.gz corpus; limit 0 means all lines.
func readCorpusTexts(path string, limit int) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<26)
	for sc.Scan() && (limit == 0 || len(out) < limit) {
		var row struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, []byte(row.Text))
	}
	return out, sc.Err()
}

// FuzzPretokenizer compares every pretokScanner with the reference engine on arbitrary bytes.
func FuzzPretokenizer(f *testing.F) {
	for _, s := range []string{
		"x \n \n As", "I'M you're\r\n\r\n  \t", "a\u0301\u0301B ǅx 𝔘n", "\xff\xfe' s", "  12345 ½\n/x",
		"CamelCASEWord's", "\u00a0\u2028 \u3000x", "'ſ'S'll", "!!!\n\n/ /", "\u0301'S",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, s []byte) {
		if len(s) > 4096 {
			return
		}
		spelt := pretokSpell(s)
		for _, sc := range pretokScanners {
			checkSplit(t, sc, s)
			checkSplit(t, sc, spelt)
		}
	})
}

// pretokAlphabet holds characters of every class the patterns tell apart; spell maps each
// input byte to one of them, so random bytes become dense mixes of letters of each
// case kind, marks, numbers, apostrophes, contraction letters, spaces and newlines.
var pretokAlphabet = []string{
	"a", "b", "s", "t", "r", "e", "v", "m", "l", "d", "S", "T", "R", "E", "V", "M", "L", "D",
	"A", "Z", "'", "'", "'", " ", " ", " ", "\n", "\r", "\t", "\u00a0", "\u3000", "\u2028", "\u0085",
	"/", "!", ".", "-", "1", "9", "\u0663", "\u00bd", "\u2167", "ſ", "ǅ", "ʰ", "\u02b0", "中", "ア",
	"\u0301", "\u0308", "\u0903", "\u20dd", "É", "é", "Ω", "ω", "𝔘", "𝔲", "😀", "\U0001F3FD",
	"\xff", "\xc3", "\xe2\x82", "\ufffd", "\u200d", "$", "_", "\"", "#",
}

func pretokSpell(s []byte) []byte {
	var out []byte
	for _, b := range s {
		out = append(out, pretokAlphabet[int(b)%len(pretokAlphabet)]...)
	}
	return out
}

// TestPretokenizerRandom compares the pretokScanners with the reference engine on random
// mixes of the pretokAlphabet, deterministically.
func TestPretokenizerRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	buf := make([]byte, 24)
	for i := 0; i < n; i++ {
		k := 1 + rng.IntN(len(buf))
		for j := range buf[:k] {
			buf[j] = byte(rng.UintN(256))
		}
		s := pretokSpell(buf[:k])
		for _, sc := range pretokScanners {
			if !checkSplit(t, sc, s) {
				t.FailNow()
			}
		}
	}
}

func BenchmarkPretokenizer(b *testing.B) {
	texts, err := readCorpusTexts("../../shared/data/spam-assassin.jsonl.gz", 500)
	if err != nil {
		b.Skip(err)
	}
	all := []byte(strings.Join(func() []string {
		var o []string
		for _, t := range texts {
			o = append(o, string(t))
		}
		return o
	}(), "\n"))
	for _, sc := range pretokScanners {
		b.Run(sc.name, func(b *testing.B) {
			b.SetBytes(int64(len(all)))
			for b.Loop() {
				for off := 0; off < len(all); {
					off += sc.split(all[off:])
				}
			}
		})
	}
}
