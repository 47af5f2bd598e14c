package lang

import (
	"math"
	"math/bits"
	"slices"
)

// run is a run of sorted distinct trigrams sharing a bigram prefix.
type run struct {
	end     int32 // one past the run's last key
	backoff span  // the prefix's backoff list (see mergeBigrams)
}

// scoreTrigrams is lingua's n-gram scoring for texts of 120 letters or more
// (and for all texts in low accuracy mode): each distinct trigram of the
// words adds, per candidate language, the log probability of the trigram in
// that language's model, else of its first two letters in the bigram model,
// else of its first letter in the unigram model, else nothing. Languages
// with a negative sum compete; the confidence is the softmax of the sums.
func (d *Detector) scoreTrigrams(sc *scratch, cand langSet) (language, float64) {
	sc.keys = sc.keys[:0]
	start := int32(0)
	for _, end := range sc.wordEnd {
		w := sc.runes[start:end]
		for i := 0; i+3 <= len(w); i++ {
			sc.keys = append(sc.keys, packKey(w[i], w[i+1], w[i+2]))
		}
		start = end
	}
	sc.sortKeys()
	keys := slices.Compact(sc.keys)
	sc.keys = keys
	m := d.model

	// Look every key up first, in loops whose iterations do not depend on
	// each other, so that the processor overlaps the cache misses.
	sc.spans = slices.Grow(sc.spans[:0], len(keys))[:len(keys)]
	for i, k := range keys {
		sc.spans[i] = m.lookup(k)
	}
	sc.runs = sc.runs[:0]
	var uniKey uint64
	var uni span
	for i := 0; i < len(keys); {
		bi := keys[i] & prefix2
		j := i + 1
		for j < len(keys) && keys[j]&prefix2 == bi {
			j++
		}
		b := m.lookup(bi)
		if b == 0 {
			// No language has the bigram: the unigram is the backoff.
			if u := bi & prefix1; u != uniKey {
				uniKey, uni = u, m.lookup(u)
			}
			b = uni
		}
		sc.runs = append(sc.runs, run{end: int32(j), backoff: b})
		i = j
	}

	// Each distinct trigram adds, per language, its backoff value (bigram,
	// else unigram log probability, else 0) plus its posting's delta from
	// it (see deltaTrigrams): the backoff list is added once per run of c
	// trigrams sharing a prefix, times c. Sums are kept for all languages
	// so that the loops have no branches (a candidate test would
	// mispredict); only candidates are read at the end.
	sc.sums = langSums{}
	sums := &sc.sums
	i := int32(0)
	for _, rn := range sc.runs {
		c := float64(rn.end - i)
		for _, p := range rn.backoff.of(m.posts) {
			sums[p.lang()] += c * p.lp()
		}
		for ; i < rn.end; i++ {
			for _, p := range sc.spans[i].of(m.posts) {
				sums[p.lang()] += p.delta()
			}
		}
	}
	return d.softmaxBest(&sc.sums, cand)
}

// softmaxBest returns the candidate with the greatest negative sum and its
// softmax confidence among the candidates with negative sums; unknown when
// none has one or the best two tie.
func (d *Detector) softmaxBest(sums *langSums, cand langSet) (language, float64) {
	best, second := unknown, unknown
	for _, l := range d.langs {
		s := sums[l]
		if !cand.has(l) || s >= 0 {
			continue
		}
		if best == unknown || s > sums[best] {
			second, best = best, l
		} else if second == unknown || s > sums[second] {
			second = l
		}
	}
	if best == unknown {
		return unknown, 0
	}
	if second != unknown && sums[second] == sums[best] {
		return unknown, 0
	}
	max := sums[best]
	denom := 0.0
	for _, l := range d.langs {
		if s := sums[l]; cand.has(l) && s < 0 {
			denom += math.Exp(s - max)
		}
	}
	return best, 1 / denom
}

// radixBits is the widest digit sortKeys sorts by in one pass.
const radixBits = 11

// sortKeys sorts sc.keys ascending. A least-significant-digit radix sort
// that skips bits no key has set: trigram keys of an alphabetic script use
// about 10 of each rune's 21 bits, so three counting passes replace a
// comparison sort (which cost a sixth of the scorer's time).
func (sc *scratch) sortKeys() {
	keys := sc.keys
	if len(keys) < 64 {
		slices.Sort(keys)
		return
	}
	var or uint64
	for _, k := range keys {
		or |= k
	}
	sc.tmpKeys = slices.Grow(sc.tmpKeys[:0], len(keys))[:len(keys)]
	src, dst := keys, sc.tmpKeys
	for shift := 0; shift < 64; {
		if or>>shift == 0 {
			break
		}
		if (or>>shift)&1 == 0 {
			shift += bits.TrailingZeros64(or >> shift)
			continue
		}
		// The digit is at most radixBits wide and ends at its highest
		// set bit, so that the next pass skips the zeros after it.
		width := bits.Len64((or >> shift) & (1<<radixBits - 1))
		mask := uint64(1)<<width - 1
		cnt := sc.counts[:1<<width]
		clear(cnt)
		for _, k := range src {
			cnt[(k>>shift)&mask]++
		}
		sum := int32(0)
		for i, c := range cnt {
			cnt[i] = sum
			sum += c
		}
		for _, k := range src {
			b := (k >> shift) & mask
			dst[cnt[b]] = k
			cnt[b]++
		}
		src, dst = dst, src
		shift += width
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
}
