package tokenize

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dlclark/regexp2/v2"
	"golang.org/x/text/unicode/norm"
)

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const tinyModel = `"model":{"type":"WordLevel","vocab":{"a":0,"b":1,"[UNK]":2},"unk_token":"[UNK]"}`

func TestHFUnsupportedComponent(t *testing.T) {
	cases := []struct{ field, json, want string }{
		{"pre_tokenizer", `{"pre_tokenizer":{"type":"UnicodeScripts"},` + tinyModel + `}`, `pre_tokenizer type "UnicodeScripts" is not supported`},
		{"normalizer", `{"normalizer":{"type":"Nope"},` + tinyModel + `}`, `normalizer type "Nope" is not supported`},
		{"decoder", `{"decoder":{"type":"CTC"},` + tinyModel + `}`, `decoder type "CTC" is not supported`},
		{"post_processor", `{"post_processor":{"type":"Fancy"},` + tinyModel + `}`, `post_processor type "Fancy" is not supported`},
		{"model", `{"model":{"type":"Magic","vocab":{}}}`, `model type "Magic" is not supported`},
		{"behavior", `{"pre_tokenizer":{"type":"Split","pattern":{"String":"x"},"behavior":"Sideways"},` + tinyModel + `}`, `behavior "Sideways" is not supported`},
	}
	for _, c := range cases {
		t.Run(c.field, func(t *testing.T) {
			p := writeTemp(t, "tokenizer.json", c.json)
			_, err := LoadHF(p, Options{})
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "tokenizer.json") {
				t.Fatalf("error %q does not name %q and the file", err, c.want)
			}
		})
	}
}

func TestHFParseSpecial(t *testing.T) {
	path := "testdata/hf/bytelevel-bpe.json"
	plain, err := LoadHF(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	parse, err := LoadHF(path, Options{ParseSpecial: true})
	if err != nil {
		t.Fatal(err)
	}
	eos, ok := parse.Special("eos")
	if !ok || parse.Piece(eos) != "</s>" {
		t.Fatalf("eos = %d %q", eos, parse.Piece(eos))
	}
	text := []byte("hello</s>world http")
	a := plain.Encode(nil, text)
	b := parse.Encode(nil, text)
	if slices.Contains(a, eos) {
		t.Errorf("without ParseSpecial the text produced </s>: %v", pieces(plain, a))
	}
	if !slices.Contains(b, eos) {
		t.Errorf("with ParseSpecial the text did not produce </s>: %v", pieces(parse, b))
	}
	// "http" is a non-special added token: split out either way.
	httpID, _ := plain.tokenID("http")
	if !slices.Contains(a, httpID) || !slices.Contains(b, httpID) {
		t.Errorf("non-special added token not split out: %v / %v", pieces(plain, a), pieces(parse, b))
	}
	// EncodeWithSpecial wraps in <s> … </s> (RobertaProcessing).
	w := plain.EncodeWithSpecial(nil, []byte("hi"))
	bos, _ := plain.Special("bos")
	if w[0] != bos || w[len(w)-1] != eos {
		t.Errorf("EncodeWithSpecial = %v", pieces(plain, w))
	}
}

func TestSplitBehaviors(t *testing.T) {
	text := "the-final--countdown"
	cases := []struct {
		behavior string
		invert   bool
		want     []string
	}{
		{"Removed", false, []string{"the", "final", "countdown"}},
		{"Isolated", false, []string{"the", "-", "final", "-", "-", "countdown"}},
		{"MergedWithPrevious", false, []string{"the-", "final-", "-", "countdown"}},
		{"MergedWithNext", false, []string{"the", "-final", "-", "-countdown"}},
		{"Contiguous", false, []string{"the", "-", "final", "--", "countdown"}},
		{"Removed", true, []string{"-", "-", "-"}},
	}
	for _, c := range cases {
		for _, kind := range []string{"literal", "regex"} {
			p := &splitPre{invert: c.invert}
			p.behavior, _ = parseBehavior(c.behavior)
			if kind == "literal" {
				p.literal = []byte("-")
			} else {
				p.re = regexp2.MustCompile("-", regexp2.None)
			}
			got := runPre(p, text)
			if !slices.Equal(got, c.want) {
				t.Errorf("%s %s invert=%v: %q, want %q", kind, c.behavior, c.invert, got, c.want)
			}
		}
	}
}

func runPre(p preTokenizer, text string) []string {
	st := &ptState{buf: []byte(text)}
	st.cur = []ptSpan{{0, int32(len(text)), true}}
	p.preTokenize(st)
	var out []string
	for _, sp := range st.cur {
		out = append(out, string(st.buf[sp.s:sp.e]))
	}
	return out
}

func TestPreTokenizers(t *testing.T) {
	ms := &metaspacePre{repl: []byte("▁"), replR: '▁', prepend: "always", split: true}
	msFirst := &metaspacePre{repl: []byte("▁"), replR: '▁', prepend: "first", split: true}
	cases := []struct {
		name string
		p    preTokenizer
		in   string
		want []string
	}{
		{"whitespace", whitespacePre{}, "Hey friend!     How are you?!?", []string{"Hey", "friend", "!", "How", "are", "you", "?!?"}},
		{"whitespace_split", whitespaceSplitPre{}, "Hey friend!  How\tare", []string{"Hey", "friend!", "How", "are"}},
		{"bert", bertPre{}, "Hey friend!     How are you?!?", []string{"Hey", "friend", "!", "How", "are", "you", "?", "!", "?"}},
		{"punctuation", runePre{isPunc, behaviorIsolated}, "Hey, friend!", []string{"Hey", ",", " friend", "!"}},
		{"digits", runePre{isNumber, behaviorContiguous}, "Call 123 please", []string{"Call ", "123", " please"}},
		{"digits_individual", runePre{isNumber, behaviorIsolated}, "Call 123", []string{"Call ", "1", "2", "3"}},
		{"metaspace", ms, "Hey friend", []string{"▁Hey", "▁friend"}},
		{"metaspace_spaces", ms, "a  b", []string{"▁a", "▁", "▁b"}},
		{"metaspace_first", msFirst, "Hey friend", []string{"▁Hey", "▁friend"}},
		{"bytelevel", &byteLevelPre{addPrefixSpace: true, useRegex: true}, "Hello my friend, how's it?", []string{"ĠHello", "Ġmy", "Ġfriend", ",", "Ġhow", "'s", "Ġit", "?"}},
		{"bytelevel_spaces", &byteLevelPre{useRegex: true}, "a   b\n\nc", []string{"a", "ĠĠ", "Ġb", "Ċ", "Ċ", "c"}},
		{"bytelevel_noregex", &byteLevelPre{addPrefixSpace: true}, "a é", []string{"ĠaĠÃ©"}},
	}
	for _, c := range cases {
		if got := runPre(c.p, c.in); !slices.Equal(got, c.want) {
			t.Errorf("%s(%q) = %q, want %q", c.name, c.in, got, c.want)
		}
	}
	// prepend_scheme "first" leaves pieces that do not start the input alone.
	st := &ptState{buf: []byte("x y")}
	st.cur = []ptSpan{{0, 3, false}}
	msFirst.preTokenize(st)
	if got := string(st.buf[st.cur[0].s:st.cur[0].e]); got != "x" {
		t.Errorf("metaspace first on a non-initial piece: %q", got)
	}
}

// TestGPT2ScannerMatchesRegex holds the scanner ByteLevel uses (splitR50k) to the original
// pattern run by a backtracking engine.
func TestGPT2ScannerMatchesRegex(t *testing.T) {
	re := regexp2.MustCompile(`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, regexp2.None)
	texts := []string{
		"Hello world", "  leading", "trailing  ", "a\n\n\nb", "don't you'll we've I'm", "x'Sy",
		"12 345 6.7", "¡Hola! ¿Qué tal?", "中文 测试", "tab\t\tx", " \u00a0 x", "'", "' ", "?'s",
	}
	for _, g := range readJSONLGz[goldenText](t, "testdata/hf/texts.jsonl.gz") {
		texts = append(texts, g.Text)
	}
	for _, text := range texts {
		var want []string
		m, _ := re.FindStringMatch(text)
		for m != nil {
			want = append(want, m.String())
			m, _ = re.FindNextMatch(m)
		}
		var got []string
		b := []byte(text)
		for i := 0; i < len(b); {
			n := splitR50k(b[i:])
			got = append(got, string(b[i:i+n]))
			i += n
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%q:\n got %q\nwant %q", trunc(text), got, want)
		}
	}
}

func TestNormalizers(t *testing.T) {
	cases := []struct {
		name string
		n    normalizer
		in   string
		want string
	}{
		{"lowercase", lowercaseNormalizer{}, "HÉLLO İstanbul ΣΑΣ", "héllo i\u0307stanbul σασ"},
		{"strip_accents", stripAccentsNormalizer{}, "e\u0301a\u0300", "ea"},
		{"strip", stripNormalizer{true, true}, "  hi \t", "hi"},
		{"lstrip", stripNormalizer{true, false}, "  hi  ", "hi  "},
		{"prepend", prependNormalizer{[]byte("▁")}, "hi", "▁hi"},
		{"prepend_empty", prependNormalizer{[]byte("▁")}, "", ""},
		{"replace", &replaceNormalizer{literal: []byte(" "), content: []byte("▁")}, "a b  c", "a▁b▁▁c"},
		{"replace_regex", &replaceNormalizer{re: regexp2.MustCompile(` {2,}`, regexp2.None), content: []byte(" ")}, "a   b  c d", "a b c d"},
		{"replace_space_runs", &replaceNormalizer{spaceRuns: true, content: []byte("_")}, "a   b  c d ", "a_b_c d "},
		{"replace_regex_class", &replaceNormalizer{re: regexp2.MustCompile(`\d+`, regexp2.None), content: []byte("#")}, "a1b22c", "a#b#c"},
		{"bert", &bertNormalizer{cleanText: true, chineseChars: true, stripAccents: true, lowercase: true}, "Héllo\tWORLD\x00中文\u200b", "hello world 中  文 "},
		{"bert_keep_accents", &bertNormalizer{cleanText: true, lowercase: true}, "Héllo", "héllo"},
		{"seq", &seqNormalizer{list: []normalizer{nfNormalizer{norm.NFKC}, lowercaseNormalizer{}, stripNormalizer{true, true}}}, " ＨＥＬＬＯ ﬁ ", "hello fi"},
	}
	for _, c := range cases {
		var ns normScratch
		if got := string(c.n.normalize(nil, []byte(c.in), &ns)); got != c.want {
			t.Errorf("%s(%q) = %q, want %q", c.name, c.in, got, c.want)
		}
	}
}

func TestDecoders(t *testing.T) {
	cases := []struct {
		name string
		d    decoder
		in   []string
		want string
	}{
		{"wordpiece", wordPieceDecoder{"##", true}, []string{"hello", "##s", ",", "they", "'", "re", "do", "n't"}, "hellos, they ' re don't"},
		{"byte_fallback", byteFallbackDecoder{}, []string{"a", "<0xE2>", "<0x96>", "<0x81>", "<0xFF>", "b"}, "a\uFFFD\uFFFD\uFFFD\uFFFDb"}, // the whole run is invalid UTF-8,
		{"byte_fallback_valid", byteFallbackDecoder{}, []string{"<0xE2>", "<0x96>", "<0x81>"}, "▁"},
		{"strip", stripDecoder{' ', 1, 0}, []string{"  a", " b"}, " ab"},
		{"metaspace", metaspaceDecoder{"▁", "always"}, []string{"▁Hey", "▁friend", "!"}, "Hey friend!"},
		{"bpe", bpeDecoder{"</w>"}, []string{"hel", "lo</w>", "wor", "ld</w>"}, "hello world"},
		{"bytelevel", byteLevelDecoder{}, []string{"Ġhello", "Ġw", "orld"}, " hello world"},
	}
	for _, c := range cases {
		if got := strings.Join(c.d.decode(c.in), ""); got != c.want {
			t.Errorf("%s(%q) = %q, want %q", c.name, c.in, got, c.want)
		}
	}
}

// TestEncodeDoesNotAllocate checks the hot path once pools and caches are warm.
func TestEncodeDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	text := []byte("Hello there, this is a plain English sentence about tokenizers and caches. 123 + 456!")
	for _, name := range hfGoldenNames {
		if name == "bpe-misc-pretok" {
			continue // its Split regex runs on regexp2, which allocates
		}
		tok := loadHFTestdata(t, name, Options{})
		dst := make([]int32, 0, 1024)
		tok.Encode(dst, text)
		if n := testing.AllocsPerRun(50, func() { tok.Encode(dst[:0], text) }); n > 0 {
			t.Errorf("%s: %.1f allocations per Encode", name, n)
		}
	}
}

// TestConcurrentEncode runs Encode from several goroutines at once (pools and
// per-scratch caches) and checks the ids equal sequential ones.
func TestConcurrentEncode(t *testing.T) {
	texts := readJSONLGz[goldenText](t, "testdata/hf/texts.jsonl.gz")
	for _, name := range []string{"bytelevel-bpe", "wordpiece", "unigram"} {
		tok := loadHFTestdata(t, name, Options{})
		want := make([][]int32, len(texts))
		for i, x := range texts {
			want[i] = tok.Encode(nil, []byte(x.Text))
		}
		errs := make(chan string, 4)
		for g := 0; g < 4; g++ {
			go func(g int) {
				for k := range texts {
					i := (k*7 + g*131) % len(texts)
					if got := tok.Encode(nil, []byte(texts[i].Text)); !slices.Equal(got, want[i]) {
						errs <- name + ": " + texts[i].Src
						return
					}
				}
				errs <- ""
			}(g)
		}
		for g := 0; g < 4; g++ {
			if e := <-errs; e != "" {
				t.Errorf("concurrent encode differs: %s", e)
			}
		}
	}
}

// TestByteLevelRoundTripAnyBytes: byte-level BPE decodes every byte string,
// valid UTF-8 or not, back to itself.
func TestByteLevelRoundTripAnyBytes(t *testing.T) {
	for _, name := range []string{"bytelevel-bpe", "bytelevel-bpe-ignore-merges"} {
		tok := loadHFTestdata(t, name, Options{})
		seed := uint32(1)
		for i := 0; i < 500; i++ {
			n := i % 97
			b := make([]byte, n)
			for j := range b {
				seed = seed*1664525 + 1013904223
				b[j] = byte(seed >> 24)
				if seed&0x300 == 0 {
					b[j] = ' '
				}
			}
			ids := tok.Encode(nil, b)
			dec, err := tok.Decode(nil, ids)
			if err != nil {
				t.Fatal(err)
			}
			want := b
			if name == "bytelevel-bpe-ignore-merges" && len(b) > 0 && b[0] != ' ' {
				want = append([]byte{' '}, b...) // add_prefix_space
			}
			if !bytes.Equal(dec, want) {
				t.Fatalf("%s: %q decoded to %q", name, b, dec)
			}
		}
	}
}
