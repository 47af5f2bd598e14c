package annotate

import (
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLetterRun(t *testing.T) {
	// every byte value at every offset of a 20-byte window of letters.
	base := []byte("abcdefghijKLMNOPQRSTuvw")
	for pos := 0; pos < 20; pos++ {
		for c := 0; c < 256; c++ {
			b := slices.Clone(base[:20])
			b[pos] = byte(c)
			s := string(b)
			want := 0
			for want < len(s) && byteClass[s[want]]&cLetter != 0 {
				want++
			}
			if got := letterRun(s, 0); got != want {
				t.Fatalf("letterRun(%q) = %d, want %d", s, got, want)
			}
		}
	}
}

// asciiChunkAgrees checks that the fast path, where it applies, gives the
// general rules' tokens.
func asciiChunkAgrees(t *testing.T, chunk string) {
	for i := 0; i < len(chunk); i++ {
		if c := chunk[i]; c >= 0x80 || byteClass[c]&cSpace != 0 {
			return
		}
	}
	if chunk == "" {
		return
	}
	l := letterRun(chunk, 0)
	got, ok := asciiChunk(nil, chunk, 0, l, len(chunk))
	if !ok {
		return
	}
	if want := englishChunk(nil, chunk, 0, len(chunk)); !slices.Equal(got, want) {
		t.Errorf("%q: fast %v, rules %v", chunk, got, want)
	}
}

func TestASCIIChunk(t *testing.T) {
	shapes := 0
	for _, w := range []string{"a", "I", "dont", "Im", "cannot", "Ill", "St", "Mr", "US", "xY", "e", "AB", "Ab", "lovin", "doin", "em", "C", "A", "U", "x9", "10", "1", "12", "km"} {
		for _, p := range []string{"", ".", ",", ";", ":", "!", "?", ")", "(", "\"", "'", "`", "$", "%", "=", "#", "*", "&", "_", "+", "-", "<", ">", "[", "]", "{", "}", "..", "9"} {
			asciiChunkAgrees(t, w+p)
			asciiChunkAgrees(t, p+w)
			shapes++
		}
	}
	if shapes == 0 {
		t.Fatal("no shapes")
	}
}

func FuzzASCIIChunk(f *testing.F) {
	for _, s := range []string{"word.", "Mr.", "(word", "dont,", "x9", "'em", "AB.", "Ab.", "10km"} {
		f.Add(s)
	}
	f.Fuzz(asciiChunkAgrees)
}

// The skip tests and the cascade of TopNGramRunes and DupNGramRunes give
// the results of a fresh computation, whatever the order of the calls.
func TestRepetitionOrder(t *testing.T) {
	texts := []string{
		"a b c a b c a b d a b c x y z x y z",
		"the cat sat on the mat and the cat sat on the hat , the cat sat",
		"ab c a bc ab c a bc abc abc",
		"one two three four five six seven eight nine ten one two three four five six seven eight nine ten eleven",
		"x x x x x x x x x x x x",
		"supercalifragilistic expialidocious supercalifragilistic expialidocious is long is long",
	}
	for _, text := range texts {
		ws := SplitWords(nil, text, "en")
		var seq, fresh Repetition
		seq.Reset(text, ws)
		for n := 1; n <= 6; n++ {
			fresh.Reset(text, ws)
			if a, b := seq.TopNGramRunes(n), fresh.TopNGramRunes(n); a != b {
				t.Errorf("%q top %d: in sequence %d, fresh %d", text, n, a, b)
			}
		}
		for n := 1; n <= 10; n++ {
			fresh.Reset(text, ws)
			if a, b := seq.DupNGramRunes(n), fresh.DupNGramRunes(n); a != b {
				t.Errorf("%q dup %d: in sequence %d, fresh %d", text, n, a, b)
			}
		}
		// descending n rebuilds the positions that may repeat.
		for n := 10; n >= 1; n-- {
			fresh.Reset(text, ws)
			if a, b := seq.DupNGramRunes(n), fresh.DupNGramRunes(n); a != b {
				t.Errorf("%q dup %d (descending): in sequence %d, fresh %d", text, n, a, b)
			}
		}
	}
}

// naiveTop and naiveDup are datatrove's find_top_duplicate and
// find_all_duplicate written plainly, with strings and maps.
func naiveTop(words []string, n int) int {
	counts := map[string]int{}
	var order []string
	for i := 0; i+n <= len(words); i++ {
		g := strings.Join(words[i:i+n], " ")
		if counts[g] == 0 {
			order = append(order, g)
		}
		counts[g]++
	}
	best := ""
	for _, g := range order {
		if counts[g] > counts[best] {
			best = g
		}
	}
	return utf8.RuneCountInString(best) * counts[best]
}

func naiveDup(words []string, n int) int {
	seen := map[string]bool{}
	total := 0
	for i := 0; i+n <= len(words); {
		g := strings.Join(words[i:i+n], "")
		if seen[g] {
			total += utf8.RuneCountInString(g)
			i += n
			continue
		}
		seen[g] = true
		i++
	}
	return total
}

func TestRepetitionNaive(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	// a small vocabulary whose concatenations collide ("ab"+"c" = "a"+"bc")
	// and words longer than 8 bytes and than 7 (the packed ids).
	vocab := []string{"a", "b", "c", "ab", "bc", "abc", "the", "cat", "thecat", "é", "ée", "longerword", "longerwords", "xxxxxxxx", "xxxxxxx", ","}
	var r Repetition
	for k := 0; k < 300; k++ {
		ws := make([]string, rng.Intn(60))
		for i := range ws {
			ws[i] = vocab[rng.Intn(len(vocab)-k%12)]
		}
		text := strings.Join(ws, " ")
		spans := SplitWords(nil, text, "xx") // UAX #29: keeps these words whole
		words := make([]string, len(spans))
		for i, s := range spans {
			words[i] = s.Of(text)
		}
		r.Reset(text, spans)
		for n := 2; n <= 4; n++ {
			if got, want := r.TopNGramRunes(n), naiveTop(words, n); got != want {
				t.Fatalf("%q top %d = %d, want %d", text, n, got, want)
			}
		}
		for n := 5; n <= 10; n++ {
			if got, want := r.DupNGramRunes(n), naiveDup(words, n); got != want {
				t.Fatalf("%q dup %d = %d, want %d", text, n, got, want)
			}
		}
	}
	// over 2^16 distinct words: 4 ids no longer fit in 64 bits, n-grams are
	// hashed and checked.
	var b strings.Builder
	for i := 0; i < 70000; i++ {
		b.WriteString(strconv.Itoa(i))
		b.WriteString(" ")
		if i%1000 == 0 {
			b.WriteString("p q r s ")
		}
	}
	text := b.String()
	spans := SplitWords(nil, text, "en")
	words := make([]string, len(spans))
	for i, s := range spans {
		words[i] = s.Of(text)
	}
	r.Reset(text, spans)
	if got, want := r.TopNGramRunes(4), naiveTop(words, 4); got != want || want != 7*70 {
		t.Fatalf("many words: top 4 = %d, want %d", got, want)
	}
}
