package lang

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"unicode/utf8"
)

// shortGz is lingua-go's quadrigram and fivegram models of its 63 languages
// that share a script (Apache-2.0, Copyright Peter M. Stahl), pruned by
// gen_short.go to the n-grams that matter most per language.
//
//go:embed models/short.bin.gz
var shortGz []byte

//go:generate go run gen_short.go

// shortQScale is the unit of the stored log probabilities: 2^-11 nat.
const shortQScale = 1 << 11

// shortKey is the table key of a quadrigram (r4 == 0) or fivegram: a
// 64-bit mix of its runes. Distinct n-grams collide with probability about
// 2^-64 per pair; loading fails on a collision among the stored keys, and a
// text's n-gram matching a stored one by accident is that unlikely.
func shortKey(prefix3 uint64, r3, r4 rune) uint64 {
	k := mix64(prefix3*0x9E3779B97F4A7C15 ^ mix64(uint64(r3)<<21|uint64(r4)))
	if k == 0 {
		k = 1
	}
	return k
}

// mix64 is the splitmix64 finaliser.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// shortGram is one quadrigram or fivegram with its log probabilities.
type shortGram struct {
	runes []rune // 4 or 5
	langs []uint8
	lps   []float64
}

// buildShort builds the short-text table over base (the 1- to 3-gram
// table): each posting holds the n-gram's log probability minus the value
// the language gives its prefix one letter shorter (see deltaTrigrams), so
// that scoreShort adds, per prefix, its list once times the number of the
// text's distinct n-grams extending it. Quadrigrams are built first:
// fivegrams are stored relative to them.
func buildShort(base *ngramModel, grams []shortGram) (*ngramModel, error) {
	bits := uint8(4)
	for 1<<bits < 3*len(grams)/2 {
		bits++
	}
	m := &ngramModel{slots: make([]slot, 1<<bits), shift: 64 - bits}
	for _, g := range grams {
		if len(g.runes) != 4 && len(g.runes) != 5 {
			return nil, fmt.Errorf("lang short model: n-gram %q is not of 4 or 5 letters", string(g.runes))
		}
	}
	var v3, v4 langSums // value of the prefix per language
	for pass := 4; pass <= 5; pass++ {
		for _, g := range grams {
			if len(g.runes) != pass {
				continue
			}
			if err := m.addShort(base, g, &v3, &v4); err != nil {
				return nil, err
			}
		}
	}
	m.posts = slices.Clip(m.posts)
	return m, nil
}

// addShort adds one n-gram to the short-text table m.
func (m *ngramModel) addShort(base *ngramModel, g shortGram, v3, v4 *langSums) error {
	{
		rs := g.runes
		p3 := packKey(rs[0], rs[1], rs[2])
		*v3 = langSums{}
		back := base.lookup(p3 & prefix2)
		if back == 0 {
			back = base.lookup(p3 & prefix1)
		}
		for _, p := range back.of(base.posts) {
			v3[p.lang()] = p.lp()
		}
		for _, p := range base.lookup(p3).of(base.posts) {
			v3[p.lang()] += p.delta()
		}
		ref := v3
		if len(rs) == 5 {
			*v4 = *v3
			for _, p := range m.lookup(shortKey(p3, rs[3], 0)).of(m.posts) {
				v4[p.lang()] += p.delta()
			}
			ref = v4
		}
		start := len(m.posts)
		for i, l := range g.langs {
			if l >= numLangs || (i > 0 && l <= g.langs[i-1]) {
				return errors.New("lang short model: bad languages")
			}
			p, ok := makeDelta(l, g.lps[i]-ref[l])
			if !ok {
				return errors.New("lang short model: delta out of range")
			}
			m.posts = append(m.posts, p)
		}
		var r4 rune
		if len(rs) == 5 {
			r4 = rs[4]
		}
		if len(m.posts) >= 1<<25 || len(g.langs) == 0 || len(g.langs) > numLangs {
			return errors.New("lang short model: bad postings")
		}
		if !m.insert(shortKey(p3, rs[3], r4), span(start<<7|len(g.langs))) {
			return fmt.Errorf("lang short model: key collision at %q", string(rs))
		}
	}
	return nil
}

var loadShort = sync.OnceValues(func() (*ngramModel, error) {
	base, err := loadModel()
	if err != nil {
		return nil, err
	}
	return parseShort(shortGz, base)
})

// parseShort reads the format gen_short.go writes.
func parseShort(gz []byte, base *ngramModel) (*ngramModel, error) {
	r, nkeys, err := openModel(gz, "lang short model", "GRSHT1\n", 1<<25)
	if err != nil {
		return nil, err
	}
	grams := make([]shortGram, nkeys)
	runes := make([]rune, 0, 5*nkeys)
	var buf [32]byte
	for i := range grams {
		n, err := binary.ReadUvarint(r)
		if err != nil || n == 0 || n > uint64(len(buf)) {
			return nil, errors.New("lang short model: bad key")
		}
		if _, err := io.ReadFull(r, buf[:n]); err != nil {
			return nil, errors.New("lang short model: short key")
		}
		start := len(runes)
		for s := buf[:n]; len(s) > 0; {
			c, size := utf8.DecodeRune(s)
			if c == utf8.RuneError || c == 0 {
				return nil, fmt.Errorf("lang short model: bad n-gram %q", buf[:n])
			}
			runes = append(runes, c)
			s = s[size:]
		}
		grams[i].runes = runes[start:len(runes):len(runes)]
	}
	total := 0
	for i := range grams {
		c, err := binary.ReadUvarint(r)
		if err != nil || c == 0 || c > numLangs {
			return nil, errors.New("lang short model: bad posting count")
		}
		grams[i].langs = make([]uint8, c)
		total += int(c)
	}
	for i := range grams {
		if _, err := io.ReadFull(r, grams[i].langs); err != nil {
			return nil, errors.New("lang short model: short languages")
		}
	}
	planes := make([]byte, 2*total)
	if _, err := io.ReadFull(r, planes); err != nil {
		return nil, errors.New("lang short model: short probabilities")
	}
	lps := make([]float64, total)
	for i := range lps {
		lps[i] = -float64(uint16(planes[i])|uint16(planes[total+i])<<8) / shortQScale
	}
	for i := range grams {
		n := len(grams[i].langs)
		grams[i].lps, lps = lps[:n:n], lps[n:]
	}
	return buildShort(base, grams)
}

// gram45 is a quadrigram or fivegram of a text: its key and its prefixes'.
type gram45 struct {
	key, p3, p4 uint64 // p4: the fivegram's quadrigram prefix key, else 0
}

// scoreShort is lingua's high accuracy scoring of texts under 120 letters,
// with the compact quadrigram and fivegram table: per order n from 1 to 5,
// each distinct n-gram of the words adds, per language, the log
// probability of the n-gram, else of its longest prefix the language's
// model has; the sum per language is divided by the number of the text's
// distinct letters its unigram model has (lingua's normalisation, with its
// quirk: Afrikaans's count is multiplied by one plus the number of
// candidates having none of the letters); the confidence is the softmax.
//
// An n-gram's value is its prefix's value plus its own delta, so the sum
// over all orders adds each distinct prefix's list once, times the number
// of the text's distinct n-grams (of any order up to 5) extending it or
// equal to it.
func (d *Detector) scoreShort(sc *scratch, cand langSet) (language, float64) {
	sm := d.short
	m := d.model
	sc.g1, sc.g2, sc.g3 = sc.g1[:0], sc.g2[:0], sc.g3[:0]
	sc.g4, sc.g5 = sc.g4[:0], sc.g5[:0]
	start := int32(0)
	for _, end := range sc.wordEnd {
		w := sc.runes[start:end]
		start = end
		for i := range w {
			sc.g1 = append(sc.g1, packKey(w[i], 0, 0))
			if i+2 > len(w) {
				continue
			}
			sc.g2 = append(sc.g2, packKey(w[i], w[i+1], 0))
			if i+3 > len(w) {
				continue
			}
			p3 := packKey(w[i], w[i+1], w[i+2])
			sc.g3 = append(sc.g3, p3)
			if i+4 > len(w) {
				continue
			}
			p4 := shortKey(p3, w[i+3], 0)
			sc.g4 = append(sc.g4, gram45{key: p4, p3: p3})
			if i+5 > len(w) {
				continue
			}
			sc.g5 = append(sc.g5, gram45{key: shortKey(p3, w[i+3], w[i+4]), p3: p3, p4: p4})
		}
	}
	slices.Sort(sc.g1)
	slices.Sort(sc.g2)
	slices.Sort(sc.g3)
	byKey := func(a, b gram45) int {
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return 0
	}
	slices.SortFunc(sc.g4, byKey)
	slices.SortFunc(sc.g5, byKey)
	sc.g1 = slices.Compact(sc.g1)
	sc.g2 = slices.Compact(sc.g2)
	sc.g3 = slices.Compact(sc.g3)
	sc.g4 = slices.CompactFunc(sc.g4, func(a, b gram45) bool { return a.key == b.key })
	sc.g5 = slices.CompactFunc(sc.g5, func(a, b gram45) bool { return a.key == b.key })

	// Multiplicities: each distinct n-gram counts once for itself and once
	// for every prefix of 2 letters or more.
	sc.m2 = fillOnes(sc.m2, len(sc.g2))
	sc.m3 = fillOnes(sc.m3, len(sc.g3))
	sc.m4 = fillOnes(sc.m4, len(sc.g4))
	idx := func(keys []uint64, k uint64) int { i, _ := slices.BinarySearch(keys, k); return i }
	for _, t := range sc.g3 {
		sc.m2[idx(sc.g2, t&prefix2)]++
	}
	for _, q := range sc.g4 {
		sc.m3[idx(sc.g3, q.p3)]++
		sc.m2[idx(sc.g2, q.p3&prefix2)]++
	}
	for _, f := range sc.g5 {
		i, _ := slices.BinarySearchFunc(sc.g4, f.p4, func(g gram45, k uint64) int {
			switch {
			case g.key < k:
				return -1
			case g.key > k:
				return 1
			}
			return 0
		})
		sc.m4[i]++
		sc.m3[idx(sc.g3, f.p3)]++
		sc.m2[idx(sc.g2, f.p3&prefix2)]++
	}

	// Look the keys up in batches (see scoreTrigrams), then add the lists.
	sc.spans = slices.Grow(sc.spans[:0], len(sc.g4)+len(sc.g5))[:len(sc.g4)+len(sc.g5)]
	for i, g := range sc.g4 {
		sc.spans[i] = sm.lookup(g.key)
	}
	for i, g := range sc.g5 {
		sc.spans[len(sc.g4)+i] = sm.lookup(g.key)
	}
	sc.sums = langSums{}
	sums := &sc.sums
	var cnt [1 << (32 - lpBits)]int32
	for _, u := range sc.g1 {
		for _, p := range m.lookup(u).of(m.posts) {
			sums[p.lang()] += p.lp()
			cnt[p.lang()]++
		}
	}
	var uniKey uint64
	var uni span
	for i, b := range sc.g2 {
		bl := m.lookup(b)
		if bl == 0 {
			if u := b & prefix1; u != uniKey {
				uniKey, uni = u, m.lookup(u)
			}
			bl = uni
		}
		c := float64(sc.m2[i])
		for _, p := range bl.of(m.posts) {
			sums[p.lang()] += c * p.lp()
		}
	}
	for i, t := range sc.g3 {
		c := float64(sc.m3[i])
		for _, p := range m.lookup(t).of(m.posts) {
			sums[p.lang()] += c * p.delta()
		}
	}
	for i := range sc.g4 {
		c := float64(sc.m4[i])
		for _, p := range sc.spans[i].of(sm.posts) {
			sums[p.lang()] += c * p.delta()
		}
	}
	for _, s := range sc.spans[len(sc.g4):] {
		for _, p := range s.of(sm.posts) {
			sums[p.lang()] += p.delta()
		}
	}

	// lingua counts, per candidate, the distinct letters its unigram model
	// has, but lists each candidate having none as Afrikaans (its zero
	// Language value) when at least one candidate has some.
	if cand.has(langAfrikaans) && cnt[langAfrikaans] > 0 {
		mult := int32(1)
		for _, l := range d.langs {
			if cand.has(l) && cnt[l] == 0 {
				mult++
			}
		}
		cnt[langAfrikaans] *= mult
	}
	for _, l := range d.langs {
		if cand.has(l) && cnt[l] > 0 {
			sums[l] /= float64(cnt[l])
		}
	}
	return d.softmaxBest(sums, cand)
}

func fillOnes(s []int32, n int) []int32 {
	s = slices.Grow(s[:0], n)[:n]
	for i := range s {
		s[i] = 1
	}
	return s
}
