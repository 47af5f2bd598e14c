package lang

import (
	"math/rand/v2"
	"slices"
	"testing"
	"unicode/utf8"
)

func TestModel(t *testing.T) {
	m, err := loadModel()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, sl := range m.slots {
		if sl.key != 0 {
			n++
			if m.lookup(sl.key) != sl.val {
				t.Fatalf("lookup(%x) != its slot", sl.key)
			}
		}
	}
	if n < 250_000 {
		t.Errorf("%d n-grams, want all of lingua's unigrams, bigrams and trigrams", n)
	}
	tests := []struct {
		ngram string
		lang  language
		found bool
	}{
		{"the", langEnglish, true},
		{"sch", langGerman, true},
		{"ß", langGerman, true},
		{"ии", langRussian, true},
		{"the", langRussian, false},
		{"qqx", langEnglish, false},
	}
	for _, tc := range tests {
		var rs [3]rune
		for i, r := range []rune(tc.ngram) {
			rs[i] = r
		}
		found := false
		for _, p := range m.lookup(packKey(rs[0], rs[1], rs[2])).of(m.posts) {
			found = found || language(p.lang()) == tc.lang
		}
		if found != tc.found {
			t.Errorf("%q in %v: %v, want %v", tc.ngram, tc.lang, found, tc.found)
		}
	}
}

func TestPackKeyOrder(t *testing.T) {
	// Sorting packed keys sorts n-grams as strings, shorter prefixes first.
	ngrams := []string{"a", "ab", "abc", "abd", "b", "ba", "é", "éa", "ж", "жы", "漢字"}
	var keys []uint64
	for _, g := range ngrams {
		var rs [3]rune
		for i, r := range []rune(g) {
			rs[i] = r
		}
		keys = append(keys, packKey(rs[0], rs[1], rs[2]))
	}
	if !slices.IsSorted(keys) {
		t.Errorf("packed keys not in string order: %x", keys)
	}
	k := packKey('a', 'b', 'c')
	if k&prefix2 != packKey('a', 'b', 0) || k&prefix1 != packKey('a', 0, 0) {
		t.Error("prefix masks")
	}
}

func TestPostingCodec(t *testing.T) {
	for _, lp := range []float32{0, -1e-6, -0.5, -8.25, -18.497784, -31.9} {
		p, ok := makePosting(74, lp)
		if !ok || p.lang() != 74 || abs(p.lp()-float64(lp)) > 1.0/lpScale {
			t.Errorf("lp %v: %v %v %v", lp, ok, p.lang(), p.lp())
		}
	}
	if _, ok := makePosting(75, -1); ok {
		t.Error("language 75 accepted")
	}
	if _, ok := makePosting(1, -40); ok {
		t.Error("lp -40 accepted")
	}
	for _, dl := range []float64{0, 1e-6, -1e-6, 18.5, -18.5, 31.9, -31.9} {
		p, ok := makeDelta(3, dl)
		if !ok || p.lang() != 3 || abs(p.delta()-dl) > 1.0/deltaScale {
			t.Errorf("delta %v: %v %v %v", dl, ok, p.lang(), p.delta())
		}
	}
}

func TestSortKeys(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sc := new(scratch)
	for _, tc := range []struct {
		n    int
		maxR rune
	}{{0, 'z'}, {10, 'z'}, {64, 'z'}, {500, 'z'}, {500, 0x24F}, {900, 0x4FF}, {700, 0x97F}, {300, 0x10FFFF}} {
		keys := make([]uint64, tc.n)
		for i := range keys {
			r := func() rune { return 'a' + rng.Int32N(tc.maxR-'a'+1) }
			keys[i] = packKey(r(), r(), r())
		}
		sc.keys = slices.Clone(keys)
		sc.sortKeys()
		slices.Sort(keys)
		if !slices.Equal(sc.keys, keys) {
			t.Errorf("n=%d max=%x: radix order differs", tc.n, tc.maxR)
		}
	}
}

func FuzzSortKeys(f *testing.F) {
	f.Add([]byte("abcdefghijklmnopqrstuvwxyzäöü"), uint8(70))
	f.Add([]byte("вселюдирождаютсясвободными"), uint8(200))
	f.Fuzz(func(t *testing.T, seed []byte, n uint8) {
		rs := []rune(string(seed))
		if len(rs) < 3 {
			return
		}
		sc := new(scratch)
		for i := 0; i < int(n); i++ {
			j := (i * 7) % (len(rs) - 2)
			a, b, c := rs[j], rs[j+1], rs[(j+i)%len(rs)]
			if a == 0 || b == 0 || c == 0 || a == utf8.RuneError {
				continue
			}
			sc.keys = append(sc.keys, packKey(a, b, c))
		}
		want := slices.Clone(sc.keys)
		slices.Sort(want)
		sc.sortKeys()
		if !slices.Equal(sc.keys, want) {
			t.Fatal("radix order differs")
		}
	})
}

func TestRestrict(t *testing.T) {
	m, _ := loadModel()
	var set langSet
	set.add(langFrench)
	set.add(langItalian)
	r := m.restrict(set)
	k := packKey('d', 'e', 's')
	var want []posting
	for _, p := range m.lookup(k).of(m.posts) {
		if set.has(language(p.lang())) {
			want = append(want, p)
		}
	}
	if got := r.lookup(k).of(r.posts); !slices.Equal(got, want) || len(want) == 0 {
		t.Errorf("restricted postings %v, want %v", got, want)
	}
	if r.lookup(packKey('ж', 'ы', 'в')) != 0 {
		t.Error("a Russian-only trigram survived restriction to fr, it")
	}
}
