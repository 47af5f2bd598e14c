package annotate

import "unicode/utf8"

// CountSentences counts the sentences of text split into English words as
// spaCy's Sentencizer does (datatrove's English sentence splitter): the first
// token starts a sentence; a token that is one sentence-final mark
// (IsSentenceEnd) arms a boundary, and the next token that is neither such a
// mark nor all-punctuation (Unicode P*) starts a new sentence. Tokens include
// the whitespace tokens spaCy makes of any gap between words other than a
// single space. No words, no sentences.
func CountSentences(text string, words []Span) int {
	n := 0
	forSentenceStarts(text, words, func(int) { n++ })
	return n
}

// SentenceSpans appends the pieces datatrove's split_into_sentences returns:
// from the start of text (or the end of the previous sentence) to the end of
// each sentence, the last one running to the end of text.
func SentenceSpans(dst []Span, text string, words []Span) []Span {
	prev := int32(0)
	forSentenceStarts(text, words, func(i int) {
		if i == 0 {
			return
		}
		end := words[i-1].End
		dst = append(dst, Span{prev, end})
		prev = end
	})
	if len(words) == 0 && text == "" {
		return dst
	}
	return append(dst, Span{prev, int32(len(text))})
}

// forSentenceStarts calls start(i) for each word i that starts a sentence,
// where a sentence started by a whitespace token reports the next word.
func forSentenceStarts(text string, words []Span, start func(i int)) {
	if len(words) == 0 {
		return
	}
	armed := false
	pendingWS := false // a whitespace token started a sentence before word i
	start(0)
	for i, w := range words {
		if i > 0 {
			if gap := text[words[i-1].End:w.Start]; gap != "" && gap != " " && armed {
				armed = false
				pendingWS = true
			}
		}
		s := text[w.Start:w.End]
		end := false
		if r, size := firstRune(s); size == len(s) && IsSentenceEnd(r) {
			end = true
		}
		if pendingWS {
			pendingWS = false
			start(i)
		}
		switch {
		case end:
			armed = true
		case armed && !isPunctToken(s):
			start(i)
			armed = false
		}
	}
}

// isPunctToken is spaCy's is_punct: every rune has general category P*.
func isPunctToken(s string) bool {
	for i := 0; i < len(s); {
		r, n := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		if !isUnicodePunct(r) {
			return false
		}
		i += n
	}
	return true
}
