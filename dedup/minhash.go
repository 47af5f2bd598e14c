package dedup

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/cespare/xxhash/v2"
	"github.com/zeebo/xxh3"
)

// MinHashDoc describes the minhash stage.
const MinHashDoc = "near-duplicate removal: MinHash of word 5-gram shingles with LSH banding (datatrove-compatible signatures), one document kept per cluster"

// CJK shingling modes.
const (
	CJKAuto  = "auto"
	CJKChars = "chars"
	CJKWords = "words"
)

// mersenne61 is the modulus of datatrove's permutations, 2^61-1.
const mersenne61 = 1<<61 - 1

// MinHashOptions configures MinHash signatures and LSH clustering.
type MinHashOptions struct {
	NGram           int      `yaml:"ngram" default:"5" doc:"tokens per shingle (word n-gram size); datatrove n_grams=5"`
	Buckets         int      `yaml:"buckets" default:"14" doc:"LSH bands (b); datatrove num_buckets=14"`
	HashesPerBucket int      `yaml:"hashes_per_bucket" default:"8" doc:"signature values per band (r); datatrove hashes_per_bucket=8; P(candidate)=1-(1-s^r)^b"`
	Seed            int64    `yaml:"seed" default:"1" doc:"numpy RandomState seed of the (a*h+b) mod 2^61-1 permutations, 0..2^32-1; datatrove seed=1"`
	Threshold       *float64 `yaml:"threshold" doc:"if set, an LSH candidate pair is linked only when the fraction of equal signature values is >= this (0..1); unset links every band collision (datatrove)"`
	CJK             string   `yaml:"cjk" default:"auto" doc:"auto: Han/kana/Thai/Lao/Khmer/Myanmar characters are single tokens, other text splits on spaces; chars: every character is a token; words: split on spaces only"`
	Normalize       string   `yaml:"normalize" default:"simple" doc:"text normalization before shingling: simple (datatrove simplify_text) or none"`
}

// Validate checks option ranges.
func (o MinHashOptions) Validate() error {
	switch {
	case o.NGram < 1:
		return errors.New("ngram: must be >= 1")
	case o.Buckets < 1 || o.Buckets > 1024:
		return errors.New("buckets: must be in 1..1024")
	case o.HashesPerBucket < 1 || o.HashesPerBucket > 1024:
		return errors.New("hashes_per_bucket: must be in 1..1024")
	case o.Seed < 0 || o.Seed > math.MaxUint32:
		return errors.New("seed: must be in 0..4294967295")
	case o.Threshold != nil && (*o.Threshold < 0 || *o.Threshold > 1 || math.IsNaN(*o.Threshold)):
		return errors.New("threshold: must be in 0..1")
	}
	switch o.CJK {
	case CJKAuto, CJKChars, CJKWords:
	default:
		return fmt.Errorf("cjk: must be auto, chars or words, got %q", o.CJK)
	}
	return checkNormalize("normalize", o.Normalize)
}

// MinHash computes datatrove-compatible MinHash signatures and runs the
// three LSH dedup phases. It is safe for concurrent use.
type MinHash struct {
	opts        MinHashOptions
	k           int      // Buckets*HashesPerBucket
	a, b        []uint64 // permutation parameters
	fingerprint uint64
	tokMode     int
	pool        sync.Pool // *mhScratch
}

type mhScratch struct {
	norm   []byte
	toks   []int32 // start,end pairs into norm
	hashes []uint64
	join   []byte
}

// NewMinHash validates opts and draws the permutation parameters.
func NewMinHash(opts MinHashOptions) (*MinHash, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	k := opts.Buckets * opts.HashesPerBucket
	m := &MinHash{opts: opts, k: k, a: make([]uint64, k), b: make([]uint64, k)}
	rs := newRandomState(uint32(opts.Seed))
	rs.randintUint64(1, mersenne61, m.a)
	rs.randintUint64(0, mersenne61, m.b)
	m.fingerprint = xxh3.HashString(fmt.Sprintf("minhash/v1 ngram=%d buckets=%d hpb=%d seed=%d cjk=%s norm=%s verify=%v",
		opts.NGram, opts.Buckets, opts.HashesPerBucket, opts.Seed, opts.CJK, opts.Normalize, opts.Threshold != nil))
	m.tokMode = tokMode(opts.CJK)
	m.pool.New = func() any { return &mhScratch{} }
	return m, nil
}

// Options returns the options m was built with.
func (m *MinHash) Options() MinHashOptions { return m.opts }

// NumHashes is the signature length, Buckets*HashesPerBucket.
func (m *MinHash) NumHashes() int { return m.k }

// Signature appends to dst[:0] the signature of text: for each of the
// NumHashes permutations, the minimum over shingles of
// ((a*h + b) mod 2^64) mod (2^61-1), where h is the xxhash64 of the
// shingle's tokens joined by single spaces (the uint64 wrap-around before the
// modulo is numpy's, as in datatrove). A text with fewer than NGram tokens has
// no shingles: the result is then empty (datatrove skips such documents).
func (m *MinHash) Signature(text string, dst []uint64) []uint64 {
	sc := m.pool.Get().(*mhScratch)
	defer m.pool.Put(sc)
	if !m.shingleHashes(sc, text) {
		return dst[:0]
	}
	if cap(dst) < m.k {
		dst = make([]uint64, m.k)
	}
	dst = dst[:m.k]
	permuteMin(dst, m.a, m.b, sc.hashes)
	return dst
}

// permuteMinGo sets sig[j] = min over h in hs of ((a[j]*h+b[j]) mod 2^64) mod
// (2^61-1). One permutation at a time keeps a, b and two running minima in
// registers while streaming the shingle hashes: each step is a multiply, an
// add, a shift-and-mask reduction and conditional moves, with no branches.
func permuteMinGo(sig, a, b, hs []uint64) {
	a = a[:len(sig)]
	b = b[:len(sig)]
	for j := range sig {
		sig[j] = minPerm(hs, a[j], b[j])
	}
}

func minPerm(hs []uint64, a, b uint64) uint64 {
	m0, m1 := uint64(math.MaxUint64), uint64(math.MaxUint64)
	i := 0
	for ; i+1 < len(hs); i += 2 {
		v0 := hs[i]*a + b
		v1 := hs[i+1]*a + b
		v0 = v0&mersenne61 + v0>>61
		v1 = v1&mersenne61 + v1>>61
		if v0 >= mersenne61 {
			v0 -= mersenne61
		}
		if v1 >= mersenne61 {
			v1 -= mersenne61
		}
		m0 = min(m0, v0)
		m1 = min(m1, v1)
	}
	if i < len(hs) {
		v := hs[i]*a + b
		v = v&mersenne61 + v>>61
		if v >= mersenne61 {
			v -= mersenne61
		}
		m0 = min(m0, v)
	}
	return min(m0, m1)
}

// shingleHashes fills sc.hashes with the xxhash64 of every n-gram of tokens
// of the normalized text; false when there are fewer than NGram tokens.
func (m *MinHash) shingleHashes(sc *mhScratch, text string) bool {
	sc.norm = appendNormalized(sc.norm[:0], text, m.opts.Normalize)
	if m.opts.Normalize == NormalizeSimple {
		sc.toks = tokenizeSpaced(sc.toks[:0], sc.norm, m.tokMode)
	} else {
		sc.toks = tokenize(sc.toks[:0], sc.norm, m.tokMode)
	}
	nt := len(sc.toks) / 2
	n := m.opts.NGram
	sc.hashes = sc.hashes[:0]
	if nt < n {
		return false
	}
	buf, toks := sc.norm, sc.toks
	// A shingle whose tokens are separated by exactly one space in buf is
	// the substring itself; count the other gaps in the window.
	bad := 0
	gapBad := func(i int) int { // gap between token i and i+1
		if int(toks[2*i+2]) == int(toks[2*i+1])+1 && buf[toks[2*i+1]] == ' ' {
			return 0
		}
		return 1
	}
	for i := 0; i < n-1; i++ {
		bad += gapBad(i)
	}
	for i := 0; i+n <= nt; i++ {
		if i > 0 {
			bad -= gapBad(i - 1)
			bad += gapBad(i + n - 2)
		}
		var h uint64
		if bad == 0 {
			h = xxhash.Sum64(buf[toks[2*i]:toks[2*(i+n-1)+1]])
		} else {
			j := sc.join[:0]
			for t := i; t < i+n; t++ {
				if t > i {
					j = append(j, ' ')
				}
				j = append(j, buf[toks[2*t]:toks[2*t+1]]...)
			}
			sc.join = j
			h = xxhash.Sum64(j)
		}
		sc.hashes = append(sc.hashes, h)
	}
	return true
}

// isCJK reports runes of scripts written without spaces between words, that
// the auto mode shingles by character.
func isCJK(r rune) bool {
	if r < 0x0e00 {
		return false
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar)
}

// Tokenizer modes, resolved once from the cjk option.
const (
	tokWords = iota
	tokAuto
	tokChars
)

func tokMode(cjk string) int {
	switch cjk {
	case CJKAuto:
		return tokAuto
	case CJKChars:
		return tokChars
	}
	return tokWords
}

var asciiSpace = [128]bool{' ': true, '\t': true, '\n': true, '\r': true, '\v': true, '\f': true}

// tokenize appends the (start,end) byte offsets of the tokens of buf to
// toks. Tokens are maximal runs of non-space bytes (the simple normalization
// leaves single ASCII spaces between words; with normalize=none any Unicode
// whitespace separates); in auto mode each CJK rune is a token of its own, in
// chars mode every rune is.
func tokenize(toks []int32, buf []byte, mode int) []int32 {
	return tokenizeRange(toks, buf, 0, len(buf), mode)
}

// tokenizeSpaced is tokenize for text from the simple normalization, whose
// only whitespace is single ASCII spaces: words are found with a tight
// byte loop and only words with non-ASCII bytes take the rune-level path.
func tokenizeSpaced(toks []int32, buf []byte, mode int) []int32 {
	if mode == tokChars {
		return tokenize(toks, buf, mode)
	}
	n := len(buf)
	for i := 0; i < n; {
		if buf[i] == ' ' {
			i++
			continue
		}
		j := i
		var hi byte
		for j < n && buf[j] != ' ' {
			hi |= buf[j]
			j++
		}
		if hi < utf8.RuneSelf || mode == tokWords {
			toks = append(toks, int32(i), int32(j))
		} else {
			toks = tokenizeRange(toks, buf, i, j, mode)
		}
		i = j
	}
	return toks
}

// tokenizeRange tokenizes buf[lo:hi], appending offsets into buf.
func tokenizeRange(toks []int32, buf []byte, lo, hi int, mode int) []int32 {
	buf = buf[:hi]
	start := -1
	for i := lo; i < len(buf); {
		c := buf[i]
		if c < utf8.RuneSelf && mode != tokChars {
			if asciiSpace[c] {
				if start >= 0 {
					toks = append(toks, int32(start), int32(i))
					start = -1
				}
			} else if start < 0 {
				start = i
			}
			i++
			continue
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(buf[i:])
		}
		space := unicode.IsSpace(r)
		single := !space && (mode == tokChars || (mode == tokAuto && isCJK(r)))
		switch {
		case space || single:
			if start >= 0 {
				toks = append(toks, int32(start), int32(i))
				start = -1
			}
			if single {
				toks = append(toks, int32(i), int32(i+size))
			}
		case start < 0:
			start = i
		}
		i += size
	}
	if start >= 0 {
		toks = append(toks, int32(start), int32(len(buf)))
	}
	return toks
}

// BandHashes writes into dst[:Buckets] the LSH key of each band of sig:
// xxh3-64 of the band's HashesPerBucket values as little-endian uint64s.
// datatrove compares the r values themselves; a 64-bit hash makes every
// record fixed-size (16 bytes) at a false-collision rate of ~2^-64 per pair.
func (m *MinHash) BandHashes(sig []uint64, dst []uint64) []uint64 {
	r := m.opts.HashesPerBucket
	dst = dst[:0]
	var stack [64 * 8]byte
	var buf []byte
	if r*8 <= len(stack) {
		buf = stack[:r*8]
	} else {
		buf = make([]byte, r*8)
	}
	for bi := 0; bi < m.opts.Buckets; bi++ {
		for j, v := range sig[bi*r : (bi+1)*r] {
			binary.LittleEndian.PutUint64(buf[8*j:], v)
		}
		dst = append(dst, xxh3.Hash(buf))
	}
	return dst
}

// Similarity is the estimated Jaccard similarity of two signatures: the
// fraction of positions with equal values.
func Similarity(a, b []uint64) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return 0
	}
	eq := 0
	for i := range a {
		if a[i] == b[i] {
			eq++
		}
	}
	return float64(eq) / float64(len(a))
}
