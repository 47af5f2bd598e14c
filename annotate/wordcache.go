package annotate

import (
	"sync"

	"github.com/zeebo/xxh3"
)

// WordCache remembers the words of recently split documents so that the
// rules that split the same text (gopher_quality, gopher_repetition and
// fineweb_quality all do) pay for it once. Entries are keyed by the text's
// content (128-bit xxh3 and length) and the splitter its language selects,
// never by its address: a text rebuilt at another address (a filtered or
// re-read batch) still hits, and a buffer reused for another text cannot
// return stale words. Entries are evicted first in, first out, within a
// bound on their count and on the memory of their spans. Safe for
// concurrent use; the zero value and nil are valid, disabled caches.
type WordCache struct {
	shards [wordCacheShards]wordCacheShard
}

// wordCacheShards spreads the lock; a power of two.
const wordCacheShards = 16

type wordCacheKey struct {
	h       xxh3.Uint128
	n       int
	english bool
}

type wordCacheEntry struct {
	key   wordCacheKey
	words []Span
}

type wordCacheShard struct {
	mu         sync.Mutex
	index      map[wordCacheKey]int // position in ring
	ring       []wordCacheEntry     // FIFO: head is the oldest
	head, n    int
	bytes      int64 // span memory held
	maxEntries int
	maxBytes   int64
	free       [][]Span // buffers of cleared entries, for reuse
	_          [64]byte // keep shards on separate cache lines
}

// spanBytes is the memory of one Span.
const spanBytes = 8

// NewWordCache returns a cache of at most entries documents holding at most
// maxBytes of word spans (8 bytes a word) in total; a document needing more
// than 1/64 of maxBytes is not cached. 0 for either disables it.
func NewWordCache(entries int, maxBytes int64) *WordCache {
	c := &WordCache{}
	c.SetLimits(entries, maxBytes)
	return c
}

// SetLimits changes the bounds (see NewWordCache) and empties the cache.
func (c *WordCache) SetLimits(entries int, maxBytes int64) {
	per := (entries + wordCacheShards - 1) / wordCacheShards
	perBytes := maxBytes / wordCacheShards
	if entries <= 0 || maxBytes <= 0 {
		per, perBytes = 0, 0
	}
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		sh.index = make(map[wordCacheKey]int, per)
		sh.ring = make([]wordCacheEntry, per)
		sh.head, sh.n, sh.bytes = 0, 0, 0
		sh.maxEntries, sh.maxBytes = per, perBytes
		sh.free = nil
		sh.mu.Unlock()
	}
}

// Clear empties the cache.
func (c *WordCache) Clear() {
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		clear(sh.index)
		// keep the buffers for the next entries, within the bounds.
		kept := int64(0)
		for _, w := range sh.free {
			kept += int64(cap(w)) * spanBytes
		}
		for j := range sh.ring {
			w := sh.ring[j].words
			if w != nil && len(sh.free) < sh.maxEntries && kept+int64(cap(w))*spanBytes <= sh.maxBytes {
				sh.free = append(sh.free, w)
				kept += int64(cap(w)) * spanBytes
			}
		}
		clear(sh.ring)
		sh.head, sh.n, sh.bytes = 0, 0, 0
		sh.mu.Unlock()
	}
}

// SharedWords is the cache the quality filters share. With the pipeline's
// batches of up to 1024 documents, it keeps the words of several batches
// in flight at once.
var SharedWords = NewWordCache(8192, 64<<20)

// Split appends the words of text to dst, as sp.Split(dst, text, lang)
// does, from the cache when the same text was split recently with the same
// splitter.
func (c *WordCache) Split(sp *Splitter, dst []Span, text, lang string) []Span {
	if c == nil || text == "" {
		return sp.Split(dst, text, lang)
	}
	key := wordCacheKey{h: xxh3.HashString128(text), n: len(text), english: IsEnglish(lang)}
	sh := &c.shards[key.h.Lo&(wordCacheShards-1)]
	sh.mu.Lock()
	if sh.maxEntries == 0 {
		sh.mu.Unlock()
		return sp.Split(dst, text, lang)
	}
	if i, ok := sh.index[key]; ok {
		dst = append(dst, sh.ring[i].words...)
		sh.mu.Unlock()
		return dst
	}
	sh.mu.Unlock()
	start := len(dst)
	dst = sp.Split(dst, text, lang)
	sh.put(key, dst[start:])
	return dst
}

// Count is len(c.Split(sp, scratch, text, lang)) without copying cached
// words; the words of a split it makes are cached and returned in scratch.
func (c *WordCache) Count(sp *Splitter, scratch []Span, text, lang string) (int, []Span) {
	if c != nil && text != "" {
		key := wordCacheKey{h: xxh3.HashString128(text), n: len(text), english: IsEnglish(lang)}
		sh := &c.shards[key.h.Lo&(wordCacheShards-1)]
		sh.mu.Lock()
		if i, ok := sh.index[key]; ok && sh.maxEntries > 0 {
			n := len(sh.ring[i].words)
			sh.mu.Unlock()
			return n, scratch
		}
		sh.mu.Unlock()
	}
	scratch = c.Split(sp, scratch[:0], text, lang)
	return len(scratch), scratch
}

// Lookup appends the cached words of text, split with lang's splitter, to
// dst and reports whether they were cached; it never splits.
func (c *WordCache) Lookup(dst []Span, text, lang string) ([]Span, bool) {
	if c == nil || text == "" {
		return dst, false
	}
	key := wordCacheKey{h: xxh3.HashString128(text), n: len(text), english: IsEnglish(lang)}
	sh := &c.shards[key.h.Lo&(wordCacheShards-1)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	i, ok := sh.index[key]
	if !ok || sh.maxEntries == 0 {
		return dst, false
	}
	return append(dst, sh.ring[i].words...), true
}

// put stores a copy of words under key, evicting the oldest entries to stay
// within the bounds.
func (sh *wordCacheShard) put(key wordCacheKey, words []Span) {
	need := int64(len(words)) * spanBytes
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.maxEntries == 0 || need > sh.maxBytes/4 {
		return
	}
	if _, ok := sh.index[key]; ok {
		return // another goroutine split it meanwhile
	}
	var spare []Span
	for sh.n > 0 && (sh.n == sh.maxEntries || sh.bytes+need > sh.maxBytes) {
		old := &sh.ring[sh.head]
		delete(sh.index, old.key)
		sh.bytes -= int64(cap(old.words)) * spanBytes
		if spare == nil || cap(old.words) > cap(spare) {
			spare = old.words
		}
		*old = wordCacheEntry{}
		sh.head = (sh.head + 1) % sh.maxEntries
		sh.n--
	}
	if spare == nil && len(sh.free) > 0 {
		spare = sh.free[len(sh.free)-1]
		sh.free[len(sh.free)-1] = nil
		sh.free = sh.free[:len(sh.free)-1]
	}
	if cap(spare) < len(words) || int64(cap(spare))*spanBytes+sh.bytes > sh.maxBytes {
		spare = make([]Span, 0, len(words))
	}
	tail := (sh.head + sh.n) % sh.maxEntries
	sh.ring[tail] = wordCacheEntry{key: key, words: append(spare[:0], words...)}
	sh.index[key] = tail
	sh.bytes += int64(cap(spare)) * spanBytes
	sh.n++
}
