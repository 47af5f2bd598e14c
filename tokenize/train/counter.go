package train

import (
	"bytes"
	"hash/maphash"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/text/unicode/norm"
)

// batchBytes is the amount of text handed to a counting goroutine at once.
const batchBytes = 1 << 20

// numShards is the number of word-count shards; each is merged under its own lock.
const numShards = 64

var shardSeed = maphash.MakeSeed()

type shard struct {
	mu    sync.Mutex
	index map[string]int32
	count []int64
}

// localCounts are the counts of one batch, split by shard, kept by one goroutine.
type localCounts struct {
	index [numShards]map[string]int32
	count [numShards][]int64
	buf   []byte
}

// counter pre-tokenizes documents and counts their words. Documents are copied
// into batches that a pool of goroutines counts into batch-local maps, merged
// into hash shards of the global count, so only distinct words are kept.
type counter struct {
	norm     norm.Form
	hasNorm  bool
	specials []string
	split    splitter

	mu      sync.Mutex
	batch   []string
	size    int
	work    chan []string
	wg      sync.WaitGroup
	started bool
	workers int
	pool    sync.Pool

	shards [numShards]shard
}

func newCounter(o *Options, sp splitter) *counter {
	c := &counter{split: sp, specials: o.SpecialTokens, workers: o.Workers}
	switch strings.ToLower(o.Normalization) {
	case "nfc":
		c.norm, c.hasNorm = norm.NFC, true
	case "nfkc":
		c.norm, c.hasNorm = norm.NFKC, true
	}
	if c.workers == 0 {
		c.workers = runtime.GOMAXPROCS(0)
	}
	for i := range c.shards {
		c.shards[i].index = map[string]int32{}
	}
	c.pool.New = func() any {
		l := &localCounts{}
		for i := range l.index {
			l.index[i] = map[string]int32{}
		}
		return l
	}
	return c
}

// add queues one document for counting.
func (c *counter) add(text string) {
	c.mu.Lock()
	if !c.started {
		c.started = true
		c.work = make(chan []string, c.workers)
		for i := 0; i < c.workers; i++ {
			c.wg.Add(1)
			go c.worker()
		}
	}
	c.batch = append(c.batch, strings.Clone(text))
	c.size += len(text) + 64
	var full []string
	if c.size >= batchBytes {
		full, c.batch, c.size = c.batch, nil, 0
	}
	c.mu.Unlock()
	if full != nil {
		c.work <- full
	}
}

// finish counts what is queued and waits for the workers.
func (c *counter) finish() {
	c.mu.Lock()
	rest := c.batch
	c.batch, c.size = nil, 0
	started := c.started
	c.mu.Unlock()
	if !started {
		if len(rest) > 0 {
			c.countBatch(rest)
		}
		return
	}
	if len(rest) > 0 {
		c.work <- rest
	}
	close(c.work)
	c.wg.Wait()
}

func (c *counter) worker() {
	defer c.wg.Done()
	for b := range c.work {
		c.countBatch(b)
	}
}

// countBatch counts the words of docs into batch-local maps, then adds them to
// the shards.
func (c *counter) countBatch(docs []string) {
	l := c.pool.Get().(*localCounts)
	emit := func(w []byte) {
		s := maphash.Bytes(shardSeed, w) % numShards
		m := l.index[s]
		if i, ok := m[string(w)]; ok {
			l.count[s][i]++
			return
		}
		m[string(w)] = int32(len(l.count[s]))
		l.count[s] = append(l.count[s], 1)
	}
	for _, d := range docs {
		text := []byte(d)
		if c.hasNorm {
			l.buf = c.norm.Append(l.buf[:0], text...)
			text = l.buf
		}
		c.splitSpecials(text, emit)
	}
	for s := range l.index {
		if len(l.count[s]) == 0 {
			continue
		}
		sh := &c.shards[s]
		sh.mu.Lock()
		for w, i := range l.index[s] {
			if j, ok := sh.index[w]; ok {
				sh.count[j] += l.count[s][i]
			} else {
				sh.index[w] = int32(len(sh.count))
				sh.count = append(sh.count, l.count[s][i])
			}
		}
		sh.mu.Unlock()
		clear(l.index[s])
		l.count[s] = l.count[s][:0]
	}
	c.pool.Put(l)
}

// splitSpecials pre-tokenizes the text between occurrences of special tokens;
// the special tokens themselves are not counted.
func (c *counter) splitSpecials(text []byte, emit func([]byte)) {
	for len(c.specials) > 0 {
		at, n := -1, 0
		for _, s := range c.specials {
			i := bytes.Index(text, []byte(s))
			if i >= 0 && (at < 0 || i < at || (i == at && len(s) > n)) {
				at, n = i, len(s)
			}
		}
		if at < 0 {
			break
		}
		c.split.split(text[:at], emit)
		text = text[at+n:]
	}
	c.split.split(text, emit)
}

// words returns every distinct word with its count.
func (c *counter) words() ([]string, []int64) {
	n := 0
	for i := range c.shards {
		n += len(c.shards[i].count)
	}
	words := make([]string, 0, n)
	counts := make([]int64, 0, n)
	for i := range c.shards {
		sh := &c.shards[i]
		base := len(words)
		words = words[:base+len(sh.count)]
		for w, j := range sh.index {
			words[base+int(j)] = w
		}
		counts = append(counts, sh.count...)
	}
	return words, counts
}

// sampler keeps a uniform sample of documents (reservoir sampling, algorithm R)
// or the first bytes of the stream.
type sampler struct {
	mu       sync.Mutex
	maxDocs  int64
	maxBytes int64
	seen     int64
	bytes    int64
	docs     []string
	rng      *rand.Rand
}

// take reports whether text should be counted now; documents kept for the
// reservoir are counted at the end.
func (s *sampler) take(text string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.maxBytes > 0 {
		if s.bytes >= s.maxBytes {
			return false
		}
		s.bytes += int64(len(text))
		return true
	}
	s.seen++
	if int64(len(s.docs)) < s.maxDocs {
		s.docs = append(s.docs, strings.Clone(text))
	} else if j := s.rng.Int64N(s.seen); j < s.maxDocs {
		s.docs[j] = strings.Clone(text)
	}
	return false
}
