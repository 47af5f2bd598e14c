package pack

import (
	"fmt"
	"strings"
)

// Word-start styles for WordStarts.
const (
	WordsAuto          = "auto"
	WordsWordPiece     = "wordpiece"     // continuation pieces start with "##" (BERT)
	WordsSentencePiece = "sentencepiece" // word-initial pieces start with "▁" (U+2581)
	WordsByteLevel     = "bytelevel"     // word-initial pieces start with whitespace: "Ġ"/"Ċ"/"ĉ"/"č" (GPT-2 byte alphabet) or a raw space, newline, tab or CR (tiktoken)
)

// WordStarts computes, for ids 0..vocabSize-1, whether the token piece begins a word,
// for whole-word masking. A word is a word-initial piece and the non-initial pieces
// after it, so punctuation glued to a word ("hello" ",") joins that word as in the
// original whole-word masking. style is one of the Words* constants; "auto" (or "")
// picks wordpiece when at least 1% of pieces start with "##", else whichever of
// sentencepiece and bytelevel markers is more frequent. Empty pieces (holes) start
// words.
func WordStarts(vocabSize int, piece func(id int32) string, style string) ([]bool, error) {
	if vocabSize <= 0 {
		return nil, fmt.Errorf("pack: word starts need a positive vocabulary size, got %d", vocabSize)
	}
	if style == "" || style == WordsAuto {
		var wp, sp, bl int
		for id := 0; id < vocabSize; id++ {
			s := piece(int32(id))
			switch {
			case strings.HasPrefix(s, "##"):
				wp++
			case strings.HasPrefix(s, "▁"):
				sp++
			case byteLevelStart(s):
				bl++
			}
		}
		switch {
		case wp*100 >= vocabSize && wp > 0:
			style = WordsWordPiece
		case sp > bl:
			style = WordsSentencePiece
		case bl > 0:
			style = WordsByteLevel
		default:
			return nil, fmt.Errorf("pack: cannot tell word starts from the pieces: no \"##\", \"▁\" or \"Ġ\" markers")
		}
	}
	var start func(string) bool
	switch style {
	case WordsWordPiece:
		start = func(s string) bool { return !strings.HasPrefix(s, "##") }
	case WordsSentencePiece:
		start = func(s string) bool { return strings.HasPrefix(s, "▁") }
	case WordsByteLevel:
		start = byteLevelStart
	default:
		return nil, fmt.Errorf("pack: unknown word style %q (auto, wordpiece, sentencepiece or bytelevel)", style)
	}
	out := make([]bool, vocabSize)
	for id := range out {
		s := piece(int32(id))
		out[id] = s == "" || start(s)
	}
	return out, nil
}

func byteLevelStart(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case ' ', '\n', '\t', '\r':
		return true
	}
	return strings.HasPrefix(s, "Ġ") || strings.HasPrefix(s, "Ċ") || strings.HasPrefix(s, "ĉ") || strings.HasPrefix(s, "č")
}
