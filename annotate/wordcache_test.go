package annotate

import (
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestWordCache(t *testing.T) {
	c := NewWordCache(64, 1<<20)
	var sp Splitter
	text := "Don't stop, e.g. now. 日本語のテキスト"
	want := sp.Split(nil, text, "en")
	for i := 0; i < 3; i++ {
		if got := c.Split(&sp, nil, text, "en"); !slices.Equal(got, want) {
			t.Fatalf("pass %d: %v, want %v", i, got, want)
		}
	}
	// the same content at another address hits and gives the same words;
	// dst is appended to.
	other := strings.Clone(text)
	got := c.Split(&sp, []Span{{1, 2}}, other, "")
	if !slices.Equal(got[1:], want) || got[0] != (Span{1, 2}) {
		t.Errorf("clone: %v", got)
	}
	// the other splitter is another entry.
	if got, want := c.Split(&sp, nil, text, "ja"), sp.Split(nil, text, "ja"); !slices.Equal(got, want) {
		t.Errorf("ja: %v, want %v", got, want)
	}
	// same length, other content: no stale words.
	b := []byte(text)
	b[0] = 'W'
	if got, want := c.Split(&sp, nil, string(b), "en"), sp.Split(nil, string(b), "en"); !slices.Equal(got, want) {
		t.Errorf("edited: %v, want %v", got, want)
	}
	if got, ok := c.Lookup(nil, other, "en"); !ok || !slices.Equal(got, want) {
		t.Errorf("Lookup: %v %v", got, ok)
	}
	if _, ok := c.Lookup(nil, "never split", "en"); ok {
		t.Error("Lookup of an unknown text hits")
	}
	var nilCache *WordCache
	if got := nilCache.Split(&sp, nil, text, "en"); !slices.Equal(got, want) {
		t.Errorf("nil cache: %v", got)
	}
}

func TestWordCacheBounds(t *testing.T) {
	var sp Splitter
	c := NewWordCache(wordCacheShards, 1<<20) // one entry per shard
	for i := 0; i < 200; i++ {
		c.Split(&sp, nil, strings.Repeat("word ", i+1), "en")
	}
	for i := range c.shards {
		sh := &c.shards[i]
		if sh.n > 1 || len(sh.index) != sh.n {
			t.Fatalf("shard %d holds %d entries (index %d), limit 1", i, sh.n, len(sh.index))
		}
	}
	// bytes: every shard stays within its share.
	c = NewWordCache(1024, 64*wordCacheShards*spanBytes) // 64 spans per shard
	for i := 0; i < 300; i++ {
		c.Split(&sp, nil, strings.Repeat("a b ", i%8+1)+strings.Repeat("x", i), "en")
	}
	for i := range c.shards {
		if sh := &c.shards[i]; sh.bytes > sh.maxBytes {
			t.Fatalf("shard %d holds %d bytes, limit %d", i, sh.bytes, sh.maxBytes)
		}
	}
	// a document too large for its shard is split, not cached.
	big := strings.Repeat("w ", 100)
	if got := c.Split(&sp, nil, big, "en"); len(got) != 100 {
		t.Fatalf("big: %d words", len(got))
	}
	c.SetLimits(0, 0)
	if got := c.Split(&sp, nil, "a b", "en"); len(got) != 2 {
		t.Fatalf("disabled: %v", got)
	}
	for i := range c.shards {
		if c.shards[i].n != 0 {
			t.Fatal("disabled cache holds entries")
		}
	}
}

func TestWordCacheConcurrent(t *testing.T) {
	c := NewWordCache(32, 1<<20)
	texts := make([]string, 100)
	want := make([][]Span, len(texts))
	for i := range texts {
		texts[i] = strings.Repeat("Hello, world. ", i%7+1) + strings.Repeat("x", i)
		want[i] = SplitWords(nil, texts[i], "en")
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var sp Splitter
			var ws []Span
			for k := 0; k < 2000; k++ {
				i := (k*7 + g) % len(texts)
				ws = c.Split(&sp, ws[:0], texts[i], "en")
				if !slices.Equal(ws, want[i]) {
					t.Errorf("text %d: wrong words", i)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func BenchmarkWordCache(b *testing.B) {
	data, err := os.ReadFile("testdata/english.txt")
	if err != nil {
		b.Fatal(err)
	}
	docs := strings.Split(string(data), "\n\n\n")
	c := NewWordCache(8192, 64<<20)
	var sp Splitter
	var ws []Span
	for _, d := range docs {
		ws = c.Split(&sp, ws[:0], d, "en")
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, d := range docs {
			ws = c.Split(&sp, ws[:0], d, "en") // hits: hash, lookup, copy
		}
	}
}

func TestWordCacheClearKeepsBounds(t *testing.T) {
	var sp Splitter
	c := NewWordCache(wordCacheShards*4, wordCacheShards*64*spanBytes)
	for round := 0; round < 20; round++ {
		for i := 0; i < 40; i++ {
			c.Split(&sp, nil, strings.Repeat("a ", i%10+1)+strings.Repeat("b", round*40+i), "en")
		}
		c.Clear()
	}
	for i := range c.shards {
		sh := &c.shards[i]
		kept := int64(0)
		for _, w := range sh.free {
			kept += int64(cap(w)) * spanBytes
		}
		if len(sh.free) > sh.maxEntries || kept > sh.maxBytes {
			t.Fatalf("shard %d keeps %d buffers, %d bytes after Clear", i, len(sh.free), kept)
		}
	}
}

func TestWordCacheCount(t *testing.T) {
	text := "It's 5pm, and the cat (a big one) sat."
	want := SplitWords(nil, text, "en")
	c := NewWordCache(16, 1<<20)
	var sp Splitter
	for i, cache := range []*WordCache{nil, NewWordCache(0, 0), c, c} {
		n, scratch := cache.Count(&sp, nil, text, "")
		if n != len(want) {
			t.Errorf("%d: count %d, want %d", i, n, len(want))
		}
		// a split fills the scratch; the cache hit (the last) does not copy.
		if hit := i == 3; hit != (len(scratch) == 0) || (!hit && !slices.Equal(scratch, want)) {
			t.Errorf("%d: scratch %v, want %v", i, scratch, want)
		}
	}
	if got, ok := c.Lookup(nil, text, "en"); !ok || !slices.Equal(got, want) {
		t.Errorf("not cached: %v %v", ok, got)
	}
	if n, _ := c.Count(&sp, nil, "", ""); n != 0 {
		t.Errorf("empty text: %d", n)
	}
}
