package lang

import (
	"math/bits"
	"slices"
	"unicode/utf8"
)

// ruleLanguage is lingua's detectLanguageWithRules: letters of a
// one-language script, Han (Chinese), kana (Japanese) and letters unique
// to one language vote per word; a word votes for its most frequent
// language if it beats the runner-up and is enabled, else for unknown.
// Unknown votes count only if at least half of the words cast them; the
// language with the most votes wins unless tied.
func (d *Detector) ruleLanguage(sc *scratch) language {
	var total [numLangs + 1]int32
	nw := len(sc.wordEnd)
	type vote struct {
		l language
		n int32
	}
	var wv [8]vote
	for w := 0; w < nw; w++ {
		k := 0
		for _, r := range sc.word(w) {
			if r < utf8.RuneSelf {
				continue // no ASCII letter votes
			}
			l := unknown
			a := infoOf(r).alphabet()
			switch {
			case d.oneLang[a] != unknown:
				l = d.oneLang[a]
			case a == han:
				l = langChinese
			case a == hiragana || a == katakana:
				l = langJapanese
			case a == latin || a == cyrillic || a == devanagari:
				if r < letterTabSize && d.unique[r] != 0 {
					l = language(d.unique[r] - 1)
				}
			}
			if l == unknown {
				continue
			}
			j := 0
			for j < k && wv[j].l != l {
				j++
			}
			if j < k {
				wv[j].n++
			} else if k < len(wv) {
				wv[k] = vote{l, 1}
				k++
			}
		}
		switch k {
		case 0:
			total[unknown]++
		case 1:
			if d.enabled.has(wv[0].l) {
				total[wv[0].l]++
			} else {
				total[unknown]++
			}
		default:
			hasZh, hasJa := false, false
			var best, second vote
			for _, v := range wv[:k] {
				hasZh = hasZh || v.l == langChinese
				hasJa = hasJa || v.l == langJapanese
				if v.n > best.n {
					second, best = best, v
				} else if v.n > second.n {
					second = v
				}
			}
			if hasZh && hasJa {
				total[langJapanese]++
			} else if best.n > second.n && d.enabled.has(best.l) {
				total[best.l]++
			} else {
				total[unknown]++
			}
		}
	}
	if float64(total[unknown]) < float64(nw)*0.5 {
		total[unknown] = 0
	}
	keys := 0
	var best, second int32
	bestL := unknown
	for l, n := range total {
		if n == 0 {
			continue
		}
		keys++
		if n > best {
			second, best, bestL = best, n, language(l)
		} else if n > second {
			second = n
		}
	}
	switch {
	case keys == 0:
		return unknown
	case keys == 1:
		return bestL
	case keys == 2 && total[langChinese] > 0 && total[langJapanese] > 0:
		return langJapanese
	case best == second:
		return unknown
	}
	return bestL
}

// filterLanguages is lingua's filterLanguagesByRules: the enabled languages
// writing the alphabet most words are wholly written in; narrowed to those
// having letters of sharedCharacters in at least half of the words, if any.
func (d *Detector) filterLanguages(sc *scratch) langSet {
	var alpha [numAlphabets + 1]int32
	nw := len(sc.wordEnd)
	for _, a := range sc.wordAlpha {
		alpha[a]++
	}
	kinds, top := 0, alphabet(0)
	distinct := equalCounts{}
	for a := alphabet(0); a < numAlphabets; a++ {
		if alpha[a] == 0 {
			continue
		}
		kinds++
		distinct.add(alpha[a])
		if alpha[a] > alpha[top] {
			top = a
		}
	}
	if kinds == 0 || (kinds > 1 && distinct.n == 1) {
		return d.enabled
	}
	filtered := d.alphaLang[top]
	var counts [numLangs]int32
	var seen [8]rune
	for w := 0; w < nw; w++ {
		k := 0
		for _, r := range sc.word(w) {
			if r < 0xC0 || r >= letterTabSize || d.shared[r] == 0 || slices.Contains(seen[:k], r) {
				continue
			}
			s := d.sharedSet[d.shared[r]-1]
			if k < len(seen) {
				seen[k] = r
				k++
			}
			s = s.and(filtered)
			for i, x := range s {
				for x != 0 {
					counts[i*64+bits.TrailingZeros64(x)]++
					x &= x - 1
				}
			}
		}
	}
	var subset langSet
	half := float64(nw) * 0.5
	for l, n := range counts {
		if n > 0 && float64(n) >= half {
			subset.add(language(l))
		}
	}
	if !subset.empty() {
		return subset
	}
	return filtered
}

// equalCounts tracks whether alphabet counts are all equal.
type equalCounts struct {
	first int32
	n     int
}

func (m *equalCounts) add(v int32) {
	switch {
	case m.n == 0:
		m.first, m.n = v, 1
	case v != m.first:
		m.n = 2
	}
}
