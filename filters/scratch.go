package filters

import (
	"math"
	"sync"
	"unicode/utf8"

	"github.com/grist/grist/annotate"
)

// scratch is the per-call working memory of the filters, pooled so that a
// document costs no allocation once the pool is warm.
type scratch struct {
	split annotate.Splitter
	words []annotate.Span
	lines []annotate.Span
	paras []annotate.Span
	rep   annotate.Repetition
	seen  []bool
	buf   []byte
	line  []byte
	lower []byte
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func putScratch(s *scratch) {
	const keep = 1 << 20 // do not pin buffers grown by a huge document
	if cap(s.words) > keep || cap(s.lines) > keep || cap(s.buf) > 16*keep {
		return
	}
	scratchPool.Put(s)
}

var nan = math.NaN()

func lastRuneOf(s string) (rune, int) {
	if s == "" {
		return utf8.RuneError, 0
	}
	if c := s[len(s)-1]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeLastRuneInString(s)
}
