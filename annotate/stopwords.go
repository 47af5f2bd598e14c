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
	filter [1 << 12 / 64]uint64 // stopHash bits of the words: a clear bit skips the map
}

// stopHash mixes a word's length and first and last bytes into 12 bits.
func stopHash(w string) uint32 {
	return (uint32(len(w))*0x9E37 ^ uint32(w[0])*0x85EB ^ uint32(w[len(w)-1])*0xC2B3) >> 4 & (1<<12 - 1)
}

// NewStopWords builds a set from words (duplicates are merged).
func NewStopWords(words []string) *StopWords {
	s := &StopWords{index: make(map[string]int, len(words)), minLen: 1 << 30}
	for _, w := range words {
		if _, ok := s.index[w]; ok {
			continue
		}
		s.index[w] = len(s.index)
		if w != "" {
			h := stopHash(w)
			s.filter[h>>6] |= 1 << (h & 63)
		}
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
		if l == 0 {
			if i, ok := s.index[""]; ok && !seen[i] {
				seen[i] = true
				found++
			}
			continue
		}
		word := text[w.Start:w.End]
		if h := stopHash(word); s.filter[h>>6]&(1<<(h&63)) == 0 {
			continue
		}
		if i, ok := s.index[word]; ok && !seen[i] {
			seen[i] = true
			found++
			if found == len(seen) {
				break
			}
		}
	}
	return found, seen
}
