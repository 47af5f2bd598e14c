package filters

import (
	"bufio"
	"embed"
	"fmt"
	"math"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/zeebo/xxh3"

	"github.com/grist/grist/annotate"
)

// C4BadWordsDoc describes the c4_badwords stage.
const C4BadWordsDoc = "C4 bad-words page filter (Raffel et al. 2020; datatrove C4BadWordsFilter): drops pages containing a word of the LDNOOBW list of their language"

//go:embed badwords/*.txt
var badwordsFS embed.FS

// badwordsAllowlist are entries removed from every list: common subwords of
// languages written without spaces (datatrove removes them from all languages).
var badwordsAllowlist = []string{"sm", "グロ", "女の子", "性"}

// C4BadWordsOptions configure C4BadWords (datatrove defaults).
type C4BadWordsOptions struct {
	DefaultLanguage       string  `yaml:"default_language" default:"en" doc:"language of documents that have none; datatrove en"`
	KeepFraction          float64 `yaml:"keep_fraction" default:"0" doc:"share of pages with bad words kept anyway, chosen by a seeded hash of the text; datatrove 0.0"`
	FailOnMissingLanguage bool    `yaml:"fail_on_missing_language" default:"true" doc:"fail the run on a document whose language has no list; false keeps such documents; datatrove true"`
	Seed                  int64   `yaml:"seed" default:"0" doc:"seed of the keep_fraction hash"`
}

// Validate checks the options.
func (o *C4BadWordsOptions) Validate() error {
	if o.KeepFraction < 0 || o.KeepFraction > 1 || math.IsNaN(o.KeepFraction) {
		return fmt.Errorf("keep_fraction: must be in [0, 1], got %g", o.KeepFraction)
	}
	if o.DefaultLanguage == "" {
		return fmt.Errorf("default_language: must not be empty")
	}
	return nil
}

// BadWordsLanguages lists the languages with a bundled list (LDNOOBW file names).
func BadWordsLanguages() []string {
	ents, _ := badwordsFS.ReadDir("badwords")
	out := make([]string, 0, len(ents))
	for _, e := range ents {
		out = append(out, strings.TrimSuffix(e.Name(), ".txt"))
	}
	return out
}

// badTrie is a byte trie of one language's list.
type badTrie struct {
	next     map[uint64]int32 // node<<8 | byte -> child
	terminal []bool
	anywhere bool // ja, th, zh: match anywhere, not only between non-word characters
}

func (t *badTrie) add(w string) {
	node := int32(0)
	for i := 0; i < len(w); i++ {
		k := uint64(node)<<8 | uint64(w[i])
		child, ok := t.next[k]
		if !ok {
			child = int32(len(t.terminal))
			t.terminal = append(t.terminal, false)
			t.next[k] = child
		}
		node = child
	}
	t.terminal[node] = true
}

var badTries sync.Map // language -> func() *badTrie

func loadBadTrie(lang string) *badTrie {
	f, ok := badTries.Load(lang)
	if !ok {
		f, _ = badTries.LoadOrStore(lang, sync.OnceValue(func() *badTrie { return buildBadTrie(lang) }))
	}
	return f.(func() *badTrie)()
}

func buildBadTrie(lang string) *badTrie {
	data, err := badwordsFS.ReadFile("badwords/" + lang + ".txt")
	if err != nil {
		return nil
	}
	t := &badTrie{next: map[uint64]int32{}, terminal: []bool{false}, anywhere: lang == "ja" || lang == "th" || lang == "zh"}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		w := strings.TrimSpace(sc.Text())
		allowed := false
		for _, a := range badwordsAllowlist {
			allowed = allowed || w == a
		}
		if allowed || w == "" {
			continue
		}
		t.add(w)
	}
	return t
}

// C4BadWords is the C4 bad-words filter. Safe for concurrent use.
type C4BadWords struct {
	o C4BadWordsOptions
}

// NewC4BadWords builds the filter.
func NewC4BadWords(o C4BadWordsOptions) (*C4BadWords, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.FailOnMissingLanguage && badwordsList(o.DefaultLanguage) == "" {
		return nil, fmt.Errorf("default_language: no bad-words list for %q (have %s)", o.DefaultLanguage, strings.Join(BadWordsLanguages(), ", "))
	}
	return &C4BadWords{o: o}, nil
}

var badwordsSignals = []string{"has_badwords"}

// Signals: has_badwords (1 or 0; NaN when the language has no list).
func (c *C4BadWords) Signals() []string { return badwordsSignals }

// Apply is ApplyLang with the default language; a missing list (only
// possible with an unknown default_language) keeps the document.
func (c *C4BadWords) Apply(text string, sig []float64) Result {
	r, err := c.ApplyLang(text, "", sig)
	if err != nil {
		return Result{}
	}
	return r
}

// badwordsList maps a language code to the name of its list, "" if none.
func badwordsList(lang string) string {
	if lang == "fr-CA-u-sd-caqc" {
		return lang
	}
	b := baseLang(lang)
	if badwordsNames[b] {
		return b
	}
	return ""
}

var badwordsNames = func() map[string]bool {
	m := map[string]bool{}
	for _, l := range BadWordsLanguages() {
		m[l] = true
	}
	return m
}()

// ApplyLang drops the document ("document_removed_with_badwords") when its
// lowercased text contains a listed word of lang ("" = default_language)
// flanked by non-word characters or the text ends (for ja, th and zh,
// anywhere), unless the keep_fraction draw keeps it. With no list for lang it
// fails when fail_on_missing_language, else keeps the document.
func (c *C4BadWords) ApplyLang(text, lang string, sig []float64) (Result, error) {
	if lang == "" {
		lang = c.o.DefaultLanguage
	}
	name := badwordsList(lang)
	if name == "" {
		sig[0] = math.NaN()
		if c.o.FailOnMissingLanguage {
			return Result{}, fmt.Errorf("c4_badwords: no bad-words list for language %q; set fail_on_missing_language: false to keep such documents", lang)
		}
		return Result{}, nil
	}
	t := loadBadTrie(name)
	s := getScratch()
	s.buf = lowerInto(s.buf[:0], text)
	found := t.search(s.buf)
	putScratch(s)
	if !found {
		sig[0] = 0
		return Result{}, nil
	}
	sig[0] = 1
	if c.o.KeepFraction > 0 {
		u := float64(xxh3.HashStringSeed(text, uint64(c.o.Seed))>>11) / (1 << 53)
		if u < c.o.KeepFraction {
			return Result{}, nil
		}
	}
	return Result{Reason: "document_removed_with_badwords"}, nil
}

// lowerInto appends the lowercase of s (simple Unicode case mapping).
func lowerInto(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
		i += n
	}
	return dst
}

// search reports a listed word in text starting at 0 or after a non-word
// rune and ending at the end or before a non-word rune (Python re's \W), or
// anywhere for the languages written without spaces.
func (t *badTrie) search(text []byte) bool {
	prevWord := false
	for i := 0; i < len(text); {
		r, n := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRune(text[i:])
		}
		if t.anywhere || !prevWord {
			if t.matchAt(text, i) {
				return true
			}
		}
		prevWord = annotate.IsWordRune(r)
		i += n
	}
	return false
}

func (t *badTrie) matchAt(text []byte, i int) bool {
	node := int32(0)
	for j := i; j < len(text); j++ {
		child, ok := t.next[uint64(node)<<8|uint64(text[j])]
		if !ok {
			return false
		}
		node = child
		if t.terminal[node] {
			if t.anywhere || j+1 == len(text) {
				return true
			}
			r, _ := utf8.DecodeRune(text[j+1:])
			if !annotate.IsWordRune(r) {
				return true
			}
		}
	}
	return false
}
