package lang

import "testing"

func TestLetterTables(t *testing.T) {
	owner := map[rune]language{}
	for l, chars := range uniqueCharacters {
		for _, r := range chars {
			if o, ok := owner[r]; ok {
				t.Errorf("%q unique to both %v and %v", r, o, l)
			}
			owner[r] = l
			if r >= letterTabSize {
				t.Errorf("%q beyond letterTabSize", r)
			}
		}
	}
	entry := map[rune]string{}
	for chars := range sharedCharacters {
		for _, r := range chars {
			if e, ok := entry[r]; ok {
				t.Errorf("%q in shared entries %q and %q", r, e, chars)
			}
			entry[r] = chars
			if r >= letterTabSize {
				t.Errorf("%q beyond letterTabSize", r)
			}
		}
	}
	// lingua's one-language alphabets.
	want := map[alphabet]language{armenian: langArmenian, bengali: langBengali,
		georgian: langGeorgian, greek: langGreek, gujarati: langGujarati,
		gurmukhi: langPunjabi, hangul: langKorean, hebrew: langHebrew,
		hiragana: langJapanese, katakana: langJapanese, tamil: langTamil,
		telugu: langTelugu, thai: langThai}
	d := newTestDetector(t, LangOptions{})
	for a := alphabet(0); a < numAlphabets; a++ {
		w, ok := want[a]
		if !ok {
			w = unknown
		}
		if d.oneLang[a] != w {
			t.Errorf("alphabet %d decides %v, want %v", a, d.oneLang[a], w)
		}
	}
}

func TestSupportedLanguages(t *testing.T) {
	codes := SupportedLanguages()
	seen := map[string]bool{}
	for _, c := range codes {
		l, ok := languageOf(c)
		if !ok || isoCode(l) != c || len(c) != 2 || seen[c] {
			t.Errorf("code %q", c)
		}
		seen[c] = true
	}
	if len(seen) != 75 || isoCode(unknown) != Undetermined {
		t.Errorf("%d codes", len(seen))
	}
}

func TestRuneInfo(t *testing.T) {
	tests := []struct {
		r              rune
		a              alphabet
		letter, single bool
	}{
		{'a', latin, true, false}, {'1', noAlphabet, false, false}, {'ж', cyrillic, true, false},
		{'漢', han, true, true}, {'か', hiragana, true, true}, {'㋶', katakana, false, true},
		{'한', hangul, true, true}, {'ि', devanagari, false, false}, {0x20000, han, true, true},
		{'ሰ', noAlphabet, true, false},
	}
	for _, tc := range tests {
		i := infoOf(tc.r)
		if i.alphabet() != tc.a || (i&infoLetter != 0) != tc.letter || (i&infoSingle != 0) != tc.single {
			t.Errorf("%q: alphabet %d letter %v single %v", tc.r, i.alphabet(), i&infoLetter != 0, i&infoSingle != 0)
		}
	}
}
