package lang

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"
	"unicode/utf8"
)

// ngramsGz is lingua-go's unigram, bigram and trigram models of all 75
// languages (Apache-2.0, Copyright Peter M. Stahl), converted by
// gen_models.go into one table: n-gram -> (language, log probability).
//
//go:embed models/ngrams.bin.gz
var ngramsGz []byte

//go:generate go run gen_models.go

// ngramModel maps an n-gram of 1-3 lower-case runes, packed by packKey, to
// its postings: the languages whose lingua model holds it with lingua's
// probability as a natural logarithm (for bigrams, see mergeBigrams).
//
// The index is a hand-written open-addressing hash table (linear probing,
// load about 0.56) whose slots hold key and value side by side: the scorer
// is bound by cache misses on this 8 MiB table and the 6 MiB of postings,
// so one probe must cost one cache line, and lookups are issued in batches
// (see scoreTrigrams) so that the processor overlaps their misses.
type ngramModel struct {
	slots []slot
	shift uint8
	posts []posting
}

type slot struct {
	key uint64 // packKey; 0 = empty
	val span
}

// span locates a key's postings: first<<7 | count (first < 2^25); 0 = no
// postings.
type span uint32

func (v span) of(p []posting) []posting {
	i, e := v>>7, v>>7+v&127
	return p[i:e:e]
}

// posting is a language (high 7 bits) and a log probability in fixed
// point (low 25 bits). Unigram postings and bigram backoff lists hold minus
// the natural-log probability in units of 2^-20 (down to -32, error at most
// 2^-21, that of a float32 near -8; lingua's lowest is -18.5). Trigram
// postings hold the trigram's log probability minus the backoff value of
// its bigram prefix (see deltaTrigrams) as a signed number in units of
// 2^-19. Four bytes instead of eight halve the cache lines the scorer
// touches.
type posting uint32

const (
	lpBits     = 25
	lpScale    = 1 << 20
	deltaScale = 1 << 19
)

func (p posting) lang() uint8 { return uint8(p >> lpBits) }

// langSums holds a float per language, sized 128 so that indexing by a
// posting's 7-bit language needs no bounds check.
type langSums [1 << (32 - lpBits)]float64

// lp decodes a unigram or backoff posting.
func (p posting) lp() float64 { return -float64(p&(1<<lpBits-1)) * (1.0 / lpScale) }

// delta decodes a trigram posting.
func (p posting) delta() float64 {
	return float64(int32(p<<(32-lpBits))>>(32-lpBits)) * (1.0 / deltaScale)
}

func makeDelta(lang uint8, delta float64) (posting, bool) {
	q := math.Round(delta * deltaScale)
	if !(q >= -(1<<(lpBits-1)) && q < 1<<(lpBits-1)) {
		return 0, false
	}
	return posting(lang)<<lpBits | posting(int32(q))&(1<<lpBits-1), true
}

func makePosting(lang uint8, lp float32) (posting, bool) {
	q := math.Round(-float64(lp) * lpScale)
	if lang >= numLangs || !(q >= 0 && q < 1<<lpBits) {
		return 0, false
	}
	return posting(lang)<<lpBits | posting(q), true
}

// packKey packs up to three runes (21 bits each, first rune highest) into
// one key; runes are never 0 so a shorter n-gram never equals a longer one,
// and sorting keys groups the trigrams sharing a prefix.
func packKey(r0, r1, r2 rune) uint64 {
	return uint64(r0)<<42 | uint64(r1)<<21 | uint64(r2)
}

const (
	prefix1 = ^uint64(1<<42 - 1) // unigram prefix of a packed key
	prefix2 = ^uint64(1<<21 - 1) // bigram prefix of a packed key
)

// lookup returns the postings span of key, 0 if absent.
func (m *ngramModel) lookup(key uint64) span {
	mask := uint64(len(m.slots) - 1)
	for h := (key * 0x9E3779B97F4A7C15) >> m.shift; ; h = (h + 1) & mask {
		sl := &m.slots[h]
		if sl.key == key {
			return sl.val
		}
		if sl.key == 0 {
			return 0
		}
	}
}

// insert adds a key not yet present.
func (m *ngramModel) insert(key uint64, v span) bool {
	mask := uint64(len(m.slots) - 1)
	for h := (key * 0x9E3779B97F4A7C15) >> m.shift; ; h = (h + 1) & mask {
		switch m.slots[h].key {
		case key:
			return false
		case 0:
			m.slots[h] = slot{key, v}
			return true
		}
	}
}

var loadModel = sync.OnceValues(func() (*ngramModel, error) {
	return parseModel(ngramsGz)
})

// openModel gunzips an embedded model (gen_models.go, gen_short.go), checks
// its magic line and reads its key count (at most maxKeys); errors start
// with what.
func openModel(gz []byte, what, magic string, maxKeys uint64) (*bufio.Reader, uint64, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", what, err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", what, err)
	}
	if !bytes.HasPrefix(raw, []byte(magic)) {
		return nil, 0, fmt.Errorf("%s: bad header", what)
	}
	r := bufio.NewReader(bytes.NewReader(raw[len(magic):]))
	nkeys, err := binary.ReadUvarint(r)
	if err != nil || nkeys > maxKeys {
		return nil, 0, fmt.Errorf("%s: bad key count", what)
	}
	return r, nkeys, nil
}

func parseModel(gz []byte) (*ngramModel, error) {
	r, nkeys, err := openModel(gz, "lang model", "GRLNG1\n", 1<<24)
	if err != nil {
		return nil, err
	}
	keys := make([]uint64, nkeys)
	var buf [16]byte
	for i := range keys {
		n, err := binary.ReadUvarint(r)
		if err != nil || n == 0 || n > uint64(len(buf)) {
			return nil, errors.New("lang model: bad key")
		}
		if _, err := io.ReadFull(r, buf[:n]); err != nil {
			return nil, errors.New("lang model: short key")
		}
		var rs [3]rune
		k, s := 0, buf[:n]
		for len(s) > 0 {
			c, size := utf8.DecodeRune(s)
			if k == 3 || c == utf8.RuneError || c == 0 {
				return nil, fmt.Errorf("lang model: bad n-gram %q", buf[:n])
			}
			rs[k] = c
			k++
			s = s[size:]
		}
		keys[i] = packKey(rs[0], rs[1], rs[2])
	}
	bits := uint8(4)
	for 1<<bits < 3*len(keys)/2 {
		bits++
	}
	m := &ngramModel{slots: make([]slot, 1<<bits), shift: 64 - bits}
	total := uint32(0)
	for _, k := range keys {
		c, err := binary.ReadUvarint(r)
		if err != nil || c == 0 || c > numLangs {
			return nil, errors.New("lang model: bad posting count")
		}
		if !m.insert(k, span(total<<7|uint32(c))) {
			return nil, errors.New("lang model: duplicate n-gram")
		}
		total += uint32(c)
	}
	if total >= 1<<25 {
		return nil, errors.New("lang model: too many postings")
	}
	m.posts = make([]posting, total)
	langs := make([]byte, total)
	if _, err := io.ReadFull(r, langs); err != nil {
		return nil, errors.New("lang model: short languages")
	}
	planes := make([]byte, 4*int(total))
	if _, err := io.ReadFull(r, planes); err != nil {
		return nil, errors.New("lang model: short probabilities")
	}
	n := int(total)
	for i := range m.posts {
		u := uint32(planes[i]) | uint32(planes[n+i])<<8 | uint32(planes[2*n+i])<<16 | uint32(planes[3*n+i])<<24
		p, ok := makePosting(langs[i], math.Float32frombits(u))
		if !ok {
			return nil, fmt.Errorf("lang model: bad posting %d", i)
		}
		m.posts[i] = p
	}
	m.mergeBigrams(keys)
	if err := m.deltaTrigrams(keys); err != nil {
		return nil, err
	}
	return m, nil
}

// deltaTrigrams stores in each trigram posting the trigram's log probability
// minus the backoff value of the language for its bigram prefix (that
// bigram's, else its first letter's log probability, else 0). The scorer
// then adds the backoff list once per prefix, times the number of distinct
// trigrams sharing it, and each trigram's deltas: the sums lingua's
// per-trigram backoff gives, without per-language lookups in the loop.
func (m *ngramModel) deltaTrigrams(keys []uint64) error {
	var fb langSums
	for _, k := range keys {
		if k&^prefix2 == 0 {
			continue // not a trigram
		}
		back := m.lookup(k & prefix2)
		if back == 0 {
			back = m.lookup(k & prefix1)
		}
		bl := back.of(m.posts)
		for _, p := range bl {
			fb[p.lang()] = p.lp()
		}
		tri := m.lookup(k).of(m.posts)
		for i, p := range tri {
			d, ok := makeDelta(p.lang(), p.lp()-fb[p.lang()])
			if !ok {
				return fmt.Errorf("lang model: trigram delta out of range")
			}
			tri[i] = d
		}
		for _, p := range bl {
			fb[p.lang()] = 0
		}
	}
	return nil
}

// mergeBigrams points every bigram key at its backoff list instead of its
// bigram postings: per language, the bigram's log probability, else its
// first letter's unigram one. The scorer needs nothing else of bigrams.
func (m *ngramModel) mergeBigrams(keys []uint64) {
	var has [numLangs]bool
	for _, k := range keys {
		if k&^prefix2 != 0 || k&^prefix1 == 0 {
			continue // not a bigram
		}
		h := m.find(k)
		bi := m.slots[h].val.of(m.posts)
		start := len(m.posts)
		has = [numLangs]bool{}
		for _, p := range bi {
			has[p.lang()] = true
			m.posts = append(m.posts, p)
		}
		for _, p := range m.lookup(k & prefix1).of(m.posts) {
			if !has[p.lang()] {
				m.posts = append(m.posts, p)
			}
		}
		m.slots[h].val = span(start<<7 | (len(m.posts) - start))
	}
}

// restrict returns a copy of m holding only the postings of the languages in
// set (and only keys having some): scoring few languages then walks few
// postings.
func (m *ngramModel) restrict(set langSet) *ngramModel {
	n := 0
	var posts []posting
	type kv struct {
		key uint64
		val span
	}
	var kept []kv
	for _, sl := range m.slots {
		if sl.key == 0 {
			continue
		}
		start := len(posts)
		for _, p := range sl.val.of(m.posts) {
			if set.has(language(p.lang())) {
				posts = append(posts, p)
			}
		}
		if c := len(posts) - start; c > 0 {
			kept = append(kept, kv{sl.key, span(start<<7 | c)})
			n++
		}
	}
	bits := uint8(4)
	for 1<<bits < 3*n/2 {
		bits++
	}
	r := &ngramModel{slots: make([]slot, 1<<bits), shift: 64 - bits, posts: slices.Clip(posts)}
	for _, e := range kept {
		r.insert(e.key, e.val)
	}
	return r
}

// find returns the slot of a key that is present.
func (m *ngramModel) find(key uint64) uint64 {
	mask := uint64(len(m.slots) - 1)
	h := (key * 0x9E3779B97F4A7C15) >> m.shift
	for m.slots[h].key != key {
		h = (h + 1) & mask
	}
	return h
}
