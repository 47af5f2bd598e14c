package train

import (
	"bytes"
	"unicode"
	"unicode/utf8"

	"github.com/dlclark/regexp2/v2"
)

// Split patterns, spelt exactly as tiktoken and Hugging Face tokenizer.json files
// spell them. Llama 3 uses the cl100k pattern.
const (
	PatternGPT2   = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
	PatternCL100k = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	PatternO200k  = `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`
)

// patternOf names the split pattern of a pre_tokenizer option.
func patternOf(name string) string {
	switch name {
	case "gpt2":
		return PatternGPT2
	case "cl100k", "llama3":
		return PatternCL100k
	case "o200k":
		return PatternO200k
	}
	return ""
}

// splitter cuts text into the words whose counts the trainer keeps. A splitter
// holds no mutable state and is safe for concurrent use.
type splitter interface {
	split(text []byte, emit func(word []byte))
}

// Character classes of the GPT-2 pattern.
const (
	clsOther = iota
	clsLetter
	clsNumber
	clsSpace
)

var asciiClass = func() (t [128]uint8) {
	for c := 0; c < 128; c++ {
		r := rune(c)
		switch {
		case unicode.IsLetter(r):
			t[c] = clsLetter
		case unicode.IsNumber(r):
			t[c] = clsNumber
		case unicode.IsSpace(r):
			t[c] = clsSpace
		}
	}
	return
}()

// classAt returns the class and byte length of the character at s[0]. An
// invalid UTF-8 byte is one character of class other.
func classAt(s []byte) (int, int) {
	if c := s[0]; c < utf8.RuneSelf {
		return int(asciiClass[c]), 1
	}
	r, n := utf8.DecodeRune(s)
	if r == utf8.RuneError && n == 1 {
		return clsOther, 1
	}
	switch {
	case unicode.IsLetter(r):
		return clsLetter, n
	case unicode.IsNumber(r):
		return clsNumber, n
	case unicode.IsSpace(r):
		return clsSpace, n
	}
	return clsOther, n
}

// gpt2Splitter matches PatternGPT2 by hand. regexp2 runs the pattern at a few
// MB/s; this scanner is what lets word counting keep up with the merge loop.
// The test holds it to regexp2 on the sample corpora and under fuzzing.
type gpt2Splitter struct{}

func (gpt2Splitter) split(text []byte, emit func([]byte)) {
	for len(text) > 0 {
		n := gpt2Next(text)
		emit(text[:n])
		text = text[n:]
	}
}

// runOf returns the byte length of the run of class cls at the start of s.
func runOf(s []byte, cls int) int {
	i := 0
	for i < len(s) {
		c, n := classAt(s[i:])
		if c != cls {
			break
		}
		i += n
	}
	return i
}

// gpt2Next returns the length of the first match of PatternGPT2 in s (len(s) > 0);
// the pattern matches every character, so matches tile the text.
func gpt2Next(s []byte) int {
	if s[0] == '\'' && len(s) > 1 {
		switch s[1] {
		case 's', 't', 'm', 'd':
			return 2
		case 'r', 'v':
			if len(s) > 2 && s[2] == 'e' {
				return 3
			}
		case 'l':
			if len(s) > 2 && s[2] == 'l' {
				return 3
			}
		}
	}
	start := 0
	if s[0] == ' ' && len(s) > 1 {
		if c, _ := classAt(s[1:]); c != clsSpace {
			start = 1
		}
	}
	c, n := classAt(s[start:])
	if c != clsSpace {
		return start + n + runOf(s[start+n:], c)
	}
	// A run of white space: all of it at the end of the text, else all but its
	// last character (which then prefixes the next word), but at least one.
	end := n + runOf(s[n:], clsSpace)
	if end == len(s) {
		return end
	}
	_, last := utf8.DecodeLastRune(s[:end])
	if end-last > 0 {
		return end - last
	}
	return end
}

// regexSplitter runs a split pattern through regexp2. Invalid UTF-8 bytes, which
// the reference libraries never see, are words of their own.
type regexSplitter struct{ re *regexp2.Regexp }

func newRegexSplitter(pattern string) (*regexSplitter, error) {
	re, err := regexp2.Compile(pattern, regexp2.None)
	if err != nil {
		return nil, err
	}
	return &regexSplitter{re: re}, nil
}

func (p *regexSplitter) split(text []byte, emit func([]byte)) {
	for len(text) > 0 {
		n := validPrefix(text)
		if n == 0 {
			emit(text[:1])
			text = text[1:]
			continue
		}
		p.splitValid(text[:n], emit)
		text = text[n:]
	}
}

func validPrefix(s []byte) int {
	i := 0
	for i < len(s) {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && n == 1 {
			break
		}
		i += n
	}
	return i
}

func (p *regexSplitter) splitValid(text []byte, emit func([]byte)) {
	m, err := p.re.FindStringMatch(string(text))
	off := 0
	for err == nil && m != nil {
		s := m.String()
		// Matches tile the text; locate each by its length in bytes.
		emit(text[off : off+len(s)])
		off += len(s)
		m, err = p.re.FindNextMatch(m)
	}
	if off < len(text) {
		emit(text[off:])
	}
}

// metaspace is the SentencePiece-style splitter of Hugging Face's Metaspace
// pre-tokenizer with prepend_scheme "always" and split true: spaces become ▁, a
// ▁ is put before the text unless it starts with one, and every ▁ starts a word.
type metaspace struct{}

const metaspaceRune = '▁'

var metaBytes = []byte("▁")

// split calls emit with words spelt with ▁ for spaces; the buffer is reused.
func (metaspace) split(text []byte, emit func([]byte)) {
	if len(text) == 0 {
		return
	}
	buf := make([]byte, 0, len(text)+len(text)/4+3)
	if text[0] != ' ' && !bytes.HasPrefix(text, metaBytes) {
		buf = append(buf, metaBytes...)
	}
	for _, c := range text {
		if c == ' ' {
			buf = append(buf, metaBytes...)
		} else {
			buf = append(buf, c)
		}
	}
	start := 0
	for i := len(metaBytes); i <= len(buf); {
		j := bytes.Index(buf[i:], metaBytes)
		if j < 0 {
			break
		}
		emit(buf[start : i+j])
		start = i + j
		i = start + len(metaBytes)
	}
	emit(buf[start:])
}
