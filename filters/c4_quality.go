package filters

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/grist/grist/annotate"
)

// C4QualityDoc describes the c4_quality stage.
const C4QualityDoc = "C4 line and page cleaning (Raffel et al. 2020; datatrove C4QualityFilter): keeps lines ending in terminal punctuation with at least 3 words and no javascript or cookie/terms phrases; drops pages with lorem ipsum, a curly bracket or fewer than 5 sentences; rewrites the text"

// C4QualityOptions configure C4Quality (datatrove defaults). Integer limits
// take -1 to disable, as in datatrove.
type C4QualityOptions struct {
	SplitParagraph        bool   `yaml:"split_paragraph" default:"true" doc:"apply the line rules to lines (C4); false = to sentences, rejoined with spaces; datatrove true"`
	RemoveCitations       bool   `yaml:"remove_citations" default:"true" doc:"remove Wikipedia-style citation marks [1], [edit], [citation needed]; datatrove true"`
	FilterNoTerminalPunct bool   `yaml:"filter_no_terminal_punct" default:"true" doc:"drop lines not ending in . ? ! \" ' (or ending in ...); C4/datatrove true"`
	MinNumSentences       int    `yaml:"min_num_sentences" default:"5" doc:"drop documents with fewer sentences in the kept lines; -1 disables; C4/datatrove 5"`
	MinWordsPerLine       int    `yaml:"min_words_per_line" default:"3" doc:"drop lines with fewer whitespace-separated words; -1 disables; C4/datatrove 3"`
	MaxWordLength         int    `yaml:"max_word_length" default:"1000" doc:"drop lines with a word longer than this many characters; -1 disables; C4/datatrove 1000"`
	FilterLoremIpsum      bool   `yaml:"filter_lorem_ipsum" default:"true" doc:"drop documents with a kept line containing 'lorem ipsum' (any case); C4/datatrove true"`
	FilterJavascript      bool   `yaml:"filter_javascript" default:"true" doc:"drop lines containing 'javascript' (any case); C4/datatrove true"`
	FilterCurlyBracket    bool   `yaml:"filter_curly_bracket" default:"true" doc:"drop documents with a kept line containing '{'; C4/datatrove true"`
	FilterPolicy          bool   `yaml:"filter_policy" default:"true" doc:"drop lines containing terms of use, privacy policy, cookie policy, uses cookies, use of cookies or use cookies (any case); C4/datatrove true"`
	Language              string `yaml:"language" default:"en" doc:"word and sentence splitter for documents without a language; datatrove english"`
}

// Validate checks the options.
func (o *C4QualityOptions) Validate() error {
	for _, f := range []struct {
		key string
		v   int
	}{{"min_num_sentences", o.MinNumSentences}, {"min_words_per_line", o.MinWordsPerLine}, {"max_word_length", o.MaxWordLength}} {
		if f.v < -1 {
			return fmt.Errorf("%s: must be >= -1, got %d", f.key, f.v)
		}
	}
	return nil
}

var (
	c4PolicySubstrings = [][]byte{[]byte("terms of use"), []byte("privacy policy"), []byte("cookie policy"),
		[]byte("uses cookies"), []byte("use of cookies"), []byte("use cookies")}
	loremIpsum = []byte("lorem ipsum")
	javascript = []byte("javascript")
)

var c4Signals = []string{"lines", "kept_lines", "sentences"}

// C4Quality is the C4 quality filter. Safe for concurrent use.
type C4Quality struct {
	o C4QualityOptions
}

// NewC4Quality builds the filter.
func NewC4Quality(o C4QualityOptions) (*C4Quality, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return &C4Quality{o: o}, nil
}

// Signals: lines (lines or sentences examined), kept_lines, sentences (in
// the kept lines, as counted for min_num_sentences).
func (c *C4Quality) Signals() []string { return c4Signals }

// Apply is ApplyLang with an unknown language.
func (c *C4Quality) Apply(text string, sig []float64) Result {
	r, _ := c.ApplyLang(text, "", sig)
	return r
}

// ApplyLang cleans the text line by line as datatrove does and returns the
// rewritten text (kept lines, stripped, joined by "\n", or by " " for
// sentences) when it differs from the input. Document-level reasons are
// lorem_ipsum, curly_bracket (from the first kept line that has them) and
// too_few_sentences. lang selects the sentence splitter ("" = the language
// option).
func (c *C4Quality) ApplyLang(text, lang string, sig []float64) (Result, error) {
	s := getScratch()
	defer putScratch(s)
	if lang == "" {
		lang = c.o.Language
	}
	o := &c.o
	var pieces []annotate.Span
	if o.SplitParagraph {
		pieces = annotate.SplitLines(s.paras[:0], text)
	} else {
		s.words = annotate.SharedWords.Split(&s.split, s.words[:0], text, lang)
		pieces = annotate.SentenceSpans(s.paras[:0], text, s.words)
	}
	s.paras = pieces
	sep := byte('\n')
	if !o.SplitParagraph {
		sep = ' '
	}

	out := s.buf[:0]
	kept, sentences := 0, 0
	english := annotate.IsEnglish(lang)
	cursor, looked, cached := 0, false, false
	docWords := func(s *scratch) bool {
		if !looked {
			looked = true
			s.words, cached = annotate.SharedWords.Lookup(s.words[:0], text, lang)
		}
		return cached
	}
	line, lower := s.line, s.lower
	defer func() { s.line, s.lower = line, lower }()
	for _, p := range pieces {
		a, b := annotate.TrimSpace(p.Of(text))
		raw := p.Of(text)[a:b]
		// no word can have more code points than the line has bytes.
		if o.MaxWordLength != -1 && len(raw) > o.MaxWordLength && hasLongField(raw, o.MaxWordLength) {
			continue
		}
		ln := raw
		if o.RemoveCitations && strings.IndexByte(raw, '[') >= 0 {
			line = removeCitations(line[:0], raw)
			ln = string(line)
		}
		if o.FilterNoTerminalPunct && (!hasTerminalPunct(ln) || strings.HasSuffix(ln, "...")) {
			continue
		}
		// the words are counted before citation removal, as in datatrove;
		// only whether there are enough matters.
		if o.MinWordsPerLine > 0 && countFields(raw, o.MinWordsPerLine) < o.MinWordsPerLine {
			continue
		}
		lower = asciiLower(lower[:0], ln)
		if o.FilterLoremIpsum && bytes.Contains(lower, loremIpsum) {
			sig[0], sig[1], sig[2] = float64(len(pieces)), float64(kept), float64(sentences)
			s.buf = out
			return Result{Reason: "lorem_ipsum"}, nil
		}
		if o.FilterJavascript && bytes.Contains(lower, javascript) {
			continue
		}
		if o.FilterCurlyBracket && strings.IndexByte(ln, '{') >= 0 {
			sig[0], sig[1], sig[2] = float64(len(pieces)), float64(kept), float64(sentences)
			s.buf = out
			return Result{Reason: "curly_bracket"}, nil
		}
		if o.FilterPolicy && containsAny(lower, c4PolicySubstrings) {
			continue
		}
		if o.MinNumSentences != -1 {
			switch {
			case o.SplitParagraph && english && len(ln) == len(raw) && docWords(s):
				// Line breaks are whitespace and the English rules tokenize
				// each whitespace-separated chunk alone, so the words of
				// the line are the document's words inside it, when
				// another filter has split the document already.
				lo, hi := p.Start+int32(a), p.Start+int32(b)
				for cursor < len(s.words) && s.words[cursor].Start < lo {
					cursor++
				}
				end := cursor
				for end < len(s.words) && s.words[end].Start < hi {
					end++
				}
				sentences += annotate.CountSentences(text, s.words[cursor:end])
				cursor = end
			case o.SplitParagraph:
				s.lines = s.split.Split(s.lines[:0], ln, lang)
				sentences += annotate.CountSentences(ln, s.lines)
			default:
				sentences++
			}
		}
		if kept > 0 {
			out = append(out, sep)
		}
		out = append(out, ln...)
		kept++
	}
	s.buf = out
	sig[0], sig[1], sig[2] = float64(len(pieces)), float64(kept), float64(sentences)
	if sentences < o.MinNumSentences {
		return Result{Reason: "too_few_sentences"}, nil
	}
	a, b := annotate.TrimSpace(string(out))
	cleaned := out[a:b]
	if string(cleaned) == text {
		return Result{}, nil
	}
	return Result{Text: string(cleaned), Rewritten: true}, nil
}

// hasLongField reports whether a whitespace-separated word of s (Python's
// str.split()) is longer than maxLen code points.
func hasLongField(s string, maxLen int) bool {
	runes := 0
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		if annotate.IsSpace(r) {
			runes = 0
			continue
		}
		if runes++; runes > maxLen {
			return true
		}
	}
	return false
}

// countFields is min(len(s.split()), limit): it stops at the limit-th word.
func countFields(s string, limit int) int {
	n := 0
	in := false
	for i := 0; i < len(s); {
		c := s[i]
		var space bool
		if c < utf8.RuneSelf {
			space = c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f)
			i++
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			space = annotate.IsSpace(r)
			i += size
		}
		if !space && !in {
			if n++; n >= limit {
				return n
			}
		}
		in = !space
	}
	return n
}

// hasTerminalPunct is C4's line ending test: . ? ! " or '.
func hasTerminalPunct(s string) bool {
	if s == "" {
		return false
	}
	switch s[len(s)-1] {
	case '.', '?', '!', '"', '\'':
		return true
	}
	return false
}

// removeCitations appends s without the matches of \[\d*]|\[edit]|\[citation needed]
// (\d is any Unicode decimal digit, as in Python).
func removeCitations(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		if s[i] == '[' {
			if n := citationLen(s[i:]); n > 0 {
				i += n
				continue
			}
		}
		dst = append(dst, s[i])
		i++
	}
	return dst
}

func citationLen(s string) int {
	j := 1
	for j < len(s) {
		r, n := utf8.DecodeRuneInString(s[j:])
		if !unicode.IsDigit(r) {
			break
		}
		j += n
	}
	if j < len(s) && s[j] == ']' {
		return j + 1
	}
	for _, c := range [...]string{"[edit]", "[citation needed]"} {
		if strings.HasPrefix(s, c) {
			return len(c)
		}
	}
	return 0
}

// asciiLower appends s with ASCII letters lowered (the phrases searched are
// ASCII; other characters are copied).
func asciiLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

func containsAny(s []byte, subs [][]byte) bool {
	for _, sub := range subs {
		if bytes.Contains(s, sub) {
			return true
		}
	}
	return false
}
