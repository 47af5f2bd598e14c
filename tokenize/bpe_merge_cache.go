package tokenize

// wordCache memoises the ids of short words for a BPE model. Each pooled
// scratch owns one, so lookups take no lock and never allocate; ids live in
// one arena slice. When the cache is full it is emptied and refilled, which
// bounds memory per scratch to about cacheMaxWords words.
type wordCache struct {
	m   map[string]uint64 // word -> offset<<32 | length in ids
	ids []int32
}

const (
	cacheMaxWords  = 1 << 15
	cacheMaxKeyLen = 64
)

func (c *wordCache) get(w []byte) ([]int32, bool) {
	if len(w) > cacheMaxKeyLen || c.m == nil {
		return nil, false
	}
	v, ok := c.m[string(w)]
	if !ok {
		return nil, false
	}
	off, n := v>>32, v&0xFFFFFFFF
	return c.ids[off : off+n], true
}

func (c *wordCache) put(w []byte, ids []int32) {
	if len(w) > cacheMaxKeyLen {
		return
	}
	if c.m == nil || len(c.m) >= cacheMaxWords {
		c.m = make(map[string]uint64, 1024)
		c.ids = c.ids[:0]
	}
	off := len(c.ids)
	c.ids = append(c.ids, ids...)
	c.m[string(w)] = uint64(off)<<32 | uint64(len(ids))
}
