package annotate

// GopherStopWords are the Gopher paper's English stop words ("the", "be",
// "to", "of", "and", "that", "have", "with"), datatrove's default.
var GopherStopWords = []string{"the", "be", "to", "of", "and", "that", "have", "with"}

// StopWords is an immutable stop-word set; matching is exact (case-sensitive),
// as in datatrove. Safe for concurrent use.
type StopWords struct {
	index  map[string]int
	minLen int
	maxLen int
}

// NewStopWords builds a set from words (duplicates are merged).
func NewStopWords(words []string) *StopWords {
	s := &StopWords{index: make(map[string]int, len(words)), minLen: 1 << 30}
	for _, w := range words {
		if _, ok := s.index[w]; ok {
			continue
		}
		s.index[w] = len(s.index)
		s.minLen = min(s.minLen, len(w))
		s.maxLen = max(s.maxLen, len(w))
	}
	return s
}

// Len is the number of distinct stop words.
func (s *StopWords) Len() int { return len(s.index) }

// CountDistinct returns how many distinct stop words occur among the words
// of text. seen is caller scratch; the grown slice is returned for reuse.
func (s *StopWords) CountDistinct(text string, words []Span, seen []bool) (int, []bool) {
	if cap(seen) < len(s.index) {
		seen = make([]bool, len(s.index))
	}
	seen = seen[:len(s.index)]
	clear(seen)
	found := 0
	for _, w := range words {
		l := int(w.End - w.Start)
		if l < s.minLen || l > s.maxLen {
			continue
		}
		if i, ok := s.index[text[w.Start:w.End]]; ok && !seen[i] {
			seen[i] = true
			found++
			if found == len(seen) {
				break
			}
		}
	}
	return found, seen
}
