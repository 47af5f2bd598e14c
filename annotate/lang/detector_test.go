package lang

import (
	"reflect"
	"strings"
	"sync"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestDetect(t *testing.T) {
	d := newTestDetector(t, LangOptions{})
	tests := []struct {
		name, text, want string
		byRule           bool // decided by script or letters: score exactly 1
	}{
		{"greek", "Όλοι οι άνθρωποι γεννιούνται ελεύθεροι και ίσοι στην αξιοπρέπεια", "el", true},
		{"korean", "모든 인간은 태어날 때부터 자유로우며 그 존엄과 권리에 있어 동등하다", "ko", true},
		{"japanese", "すべての人間は、生まれながらにして自由であり", "ja", true},
		{"chinese", "人人生而自由，在尊严和权利上一律平等", "zh", true},
		{"hebrew", "כל בני האדם נולדו בני חורין ושווים בערכם ובזכויותיהם", "he", true},
		{"yiddish reads as hebrew", "אַלע מענטשן װערן געבױרן פֿרײַ און גלײַך אין כּבֿוד און רעכט", "he", true},
		{"thai", "มนุษย์ทั้งหลายเกิดมามีอิสระและเสมอภาคกันในเกียรติศักด", "th", true},
		{"armenian", "Բոլոր մարդիկ ծնվում են ազատ ու հավասար", "hy", true},
		{"georgian", "ყველა ადამიანი იბადება თავისუფალი და თანასწორი", "ka", true},
		{"bengali", "সমস্ত মানুষ স্বাধীনভাবে সমান মর্যাদা এবং অধিকার নিয়ে জন্মগ্রহণ করে", "bn", true},
		{"gujarati", "પ્રતિષ્ઠા અને અધિકારોની દૃષ્ટિએ સર્વ માનવો જન્મથી સ્વતંત્ર અને સમાન હોય છે", "gu", true},
		{"punjabi", "ਸਾਰਾ ਮਨੁੱਖੀ ਪਰਿਵਾਰ ਆਪਣੀ ਮਹਿਮਾ, ਸ਼ਾਨ ਅਤੇ ਹੱਕਾਂ ਦੇ ਪੱਖੋਂ ਜਨਮ ਤੋਂ ਹੀ ਆਜ਼ਾਦ ਹੈ", "pa", true},
		{"tamil", "மனிதப் பிறவியினர் சகலரும் சுதந்திரமாகவே பிறக்கின்றனர்", "ta", true},
		{"telugu", "ప్రతిపత్తిస్వత్వముల విషయమున మానవులెల్లరును జన్మతః స్వతంత్రులును", "te", true},
		{"german by sharp s", "straße", "de", true},
		{"ukrainian by yi", "їжак", "uk", true},
		{"english", "All human beings are born free and equal in dignity and rights.", "en", false},
		{"german", "Alle Menschen sind frei und gleich an Würde und Rechten geboren.", "de", false},
		{"french", "Tous les êtres humains naissent libres et égaux en dignité et en droits.", "fr", false},
		{"russian", "Все люди рождаются свободными и равными в своем достоинстве и правах.", "ru", false},
		{"arabic", "يولد جميع الناس أحرارًا متساوين في الكرامة والحقوق", "ar", false},
		{"hindi", "सभी मनुष्यों को गौरव और अधिकारों के मामले में जन्मजात स्वतन्त्रता और समानता प्राप्त है", "hi", false},
		{"empty", "", "und", false},
		{"no letters", "12 345 !? -- 3.14", "und", false},
		{"ethiopic", "የሰው ልጅ ሁሉ ሲወለድ ነጻና በክብርና በመብትም እኩልነት ያለው ነው", "und", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, score := d.Detect(tc.text)
			if got != tc.want {
				t.Fatalf("Detect = %s (%.3f), want %s", got, score, tc.want)
			}
			switch {
			case got == Undetermined && score != 0:
				t.Errorf("und with score %v", score)
			case tc.byRule && score != 1:
				t.Errorf("score %v, want 1 (decided by rule)", score)
			case got != Undetermined && !(score > 0.5 && score <= 1):
				t.Errorf("score %v, want in (0.5, 1]", score)
			}
		})
	}
}

// TestDetectMatchesLingua compares codes and confidences with lingua-go
// (low accuracy mode, whole NFC text) on texts reaching every path. The
// embedded log probabilities are rounded to about 2^-20, so confidences
// agree to 1e-5.
func TestDetectMatchesLingua(t *testing.T) {
	d := newTestDetector(t, LangOptions{Accuracy: "low"})
	d.maxChars = 0
	ref := linguaLow()
	for _, text := range []string{
		"All human beings are born free and equal in dignity and rights.",
		"Tous les êtres humains naissent libres et égaux en dignité et en droits.",
		"Kila mtu amezaliwa huru, hadhi na haki zake ni sawa.",
		"Sve ljudska bića rađaju se slobodna i jednaka u dostojanstvu i pravima.",
		"Mọi người sinh ra đều được tự do và bình đẳng về nhân phẩm và quyền lợi.",
		"Wszyscy ludzie rodzą się wolni i równi pod względem swej godności i swych praw.",
		"Все люди рождаются свободными и равными в своем достоинстве и правах.",
		"bank", "ok", "a", "xyz qqq", "Tシャツ", "漢字とかな", "ab",
	} {
		got, score := d.Detect(text)
		vals := ref.ComputeLanguageConfidenceValues(norm.NFC.String(text))
		want, wantScore := Undetermined, 0.0
		if vals[0].Value() != vals[1].Value() {
			want, wantScore = isoCode(language(vals[0].Language())), vals[0].Value()
		}
		if got != want || abs(score-wantScore) > 1e-5 {
			t.Errorf("%q: got %s %.9f, lingua-go %s %.9f", text, got, score, want, wantScore)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestDetectNFC(t *testing.T) {
	d := newTestDetector(t, LangOptions{})
	composed := "Mọi người sinh ra đều được tự do và bình đẳng về nhân phẩm và quyền lợi."
	decomposed := norm.NFD.String(composed)
	if decomposed == composed {
		t.Fatal("test text has nothing to decompose")
	}
	c1, s1 := d.Detect(composed)
	c2, s2 := d.Detect(decomposed)
	if c1 != "vi" || c2 != c1 || s1 != s2 {
		t.Errorf("composed %s %v, decomposed %s %v, want vi twice", c1, s1, c2, s2)
	}
}

func TestLanguagesSubset(t *testing.T) {
	d := newTestDetector(t, LangOptions{Languages: []string{"en", "de"}})
	tests := []struct{ text, want string }{
		{"Alle Menschen sind frei und gleich an Würde und Rechten geboren.", "de"},
		{"All human beings are born free and equal in dignity and rights.", "en"},
		{"Όλοι οι άνθρωποι γεννιούνται ελεύθεροι", "und"},            // no candidate writes Greek
		{"Все люди рождаются свободными и равными", "und"},           // nor Cyrillic
		{"Tous les êtres humains naissent libres et égaux", "en|de"}, // French is not a candidate
	}
	for _, tc := range tests {
		got, _ := d.Detect(tc.text)
		if !strings.Contains("|"+tc.want+"|", "|"+got+"|") {
			t.Errorf("%.30q: got %s, want %s", tc.text, got, tc.want)
		}
	}
	// The restricted table holds postings of the two languages only.
	for _, p := range d.model.posts {
		if l := language(p.lang()); l != langEnglish && l != langGerman {
			t.Fatalf("posting of %v in an en/de model", l)
		}
	}
}

func TestApplyKeep(t *testing.T) {
	en := "All human beings are born free and equal in dignity and rights."
	de := "Alle Menschen sind frei und gleich an Würde und Rechten geboren."
	tests := []struct {
		name       string
		opts       LangOptions
		text       string
		wantCode   string
		wantReason string
	}{
		{"no keep", LangOptions{}, en, "en", ""},
		{"kept", LangOptions{Keep: []string{"en"}}, en, "en", ""},
		{"not kept", LangOptions{Keep: []string{"de"}}, en, "en", "lang_not_kept"},
		{"und not kept", LangOptions{Keep: []string{"de"}}, "1234", "und", "lang_not_kept"},
		{"und kept", LangOptions{Keep: []string{"de", "und"}}, "1234", "und", ""},
		{"low score", LangOptions{Keep: []string{"en"}, MinScore: 0.99}, "bank", "und", "lang_low_score"},
		{"low score, und kept", LangOptions{Keep: []string{"en", "und"}, MinScore: 0.99}, "bank", "und", ""},
		{"low score, no keep", LangOptions{MinScore: 0.99}, "bank", "und", ""},
		{"high score kept", LangOptions{Keep: []string{"de"}, MinScore: 0.9}, de, "de", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newTestDetector(t, tc.opts)
			code, score, reason := d.Apply(tc.text)
			if code != tc.wantCode || reason != tc.wantReason {
				t.Errorf("Apply = %s %.3f %q, want %s %q", code, score, reason, tc.wantCode, tc.wantReason)
			}
			if c, s := d.Detect(tc.text); c != code || s != score {
				t.Errorf("Detect = %s %v, Apply gave %s %v", c, s, code, score)
			}
			if r := d.Reason(code, score); r != reason {
				t.Errorf("Reason = %q, Apply gave %q", r, reason)
			}
		})
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name    string
		opts    LangOptions
		wantErr string // prefix; "" = valid
	}{
		{"defaults", LangOptions{}, ""},
		{"subset", LangOptions{Languages: []string{"en", "de", "nb"}, Keep: []string{"en", "und"}}, ""},
		{"high", LangOptions{Accuracy: "high", MinScore: 0.5, MaxChars: 100}, ""},
		{"low", LangOptions{Accuracy: "low"}, ""},
		{"compact subset", LangOptions{Accuracy: "compact", Languages: []string{"en", "de"}}, ""},
		{"unknown code", LangOptions{Languages: []string{"en", "xx"}}, "languages:"},
		{"iso 639-3", LangOptions{Languages: []string{"eng", "deu"}}, "languages:"},
		{"one language", LangOptions{Languages: []string{"en"}}, "languages:"},
		{"twice", LangOptions{Languages: []string{"en", "de", "en"}}, "languages:"},
		{"min_score > 1", LangOptions{MinScore: 1.5}, "min_score:"},
		{"min_score < 0", LangOptions{MinScore: -0.1}, "min_score:"},
		{"accuracy", LangOptions{Accuracy: "medium"}, "accuracy:"},
		{"max_chars", LangOptions{MaxChars: -1}, "max_chars:"},
		{"keep unknown", LangOptions{Keep: []string{"english"}}, "keep:"},
		{"keep outside languages", LangOptions{Languages: []string{"en", "de"}, Keep: []string{"fr"}}, "keep:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			err := withDefaults(&opts).Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				if _, err := NewDetector(opts); err != nil {
					t.Fatalf("NewDetector: %v", err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
				t.Fatalf("Validate = %v, want prefix %q", err, tc.wantErr)
			}
			if _, err := NewDetector(opts); err == nil {
				t.Fatal("NewDetector accepted invalid options")
			}
		})
	}
}

func TestOptionTags(t *testing.T) {
	typ := reflect.TypeOf(LangOptions{})
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		for _, tag := range []string{"yaml", "default", "doc"} {
			if _, ok := f.Tag.Lookup(tag); !ok {
				t.Errorf("%s has no %s tag", f.Name, tag)
			}
		}
		if f.Tag.Get("doc") == "" || f.Tag.Get("yaml") == "" {
			t.Errorf("%s: empty yaml or doc tag", f.Name)
		}
	}
	o := withDefaults(&LangOptions{})
	if o.Accuracy != "compact" || o.MaxChars != 2000 || o.MinScore != 0 || o.Languages != nil || o.Keep != nil {
		t.Errorf("defaults %+v", *o)
	}
	if LangDoc == "" || len(SupportedLanguages()) != 75 {
		t.Error("LangDoc empty or not 75 languages")
	}
}

func TestDetectConcurrent(t *testing.T) {
	d := newTestDetector(t, LangOptions{MaxChars: 200})
	texts := []string{
		"All human beings are born free and equal in dignity and rights.",
		strings.Repeat("Alle Menschen sind frei und gleich an Würde und Rechten geboren. ", 20),
		"Όλοι οι άνθρωποι γεννιούνται ελεύθεροι",
		"", "1234",
		strings.Repeat("Tous les êtres humains naissent libres et égaux en dignité et en droits. ", 30),
	}
	type res struct {
		code  string
		score float64
	}
	want := make([]res, len(texts))
	for i, s := range texts {
		want[i].code, want[i].score = d.Detect(s)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for n := 0; n < 200; n++ {
				i := (g + n) % len(texts)
				if c, s := d.Detect(texts[i]); c != want[i].code || s != want[i].score {
					t.Errorf("text %d: concurrent %s %v, sequential %s %v", i, c, s, want[i].code, want[i].score)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

// FuzzDetect checks on any input that the detector (whole text) answers
// what lingua-go answers in low accuracy mode, with the same confidence.
func FuzzDetect(f *testing.F) {
	for _, s := range []string{
		"All human beings are born free and equal in dignity and rights.",
		"Sve ljudska bića rađaju se slobodna", "straße und Weg", "Tシャツ", "漢字とかな", "bank",
		"ab", "", "a\u0301b\u0301c", "İstanbul ĞÜŞ", "\xff\xfe invalid", "Ъъ Ёё Ыы",
	} {
		f.Add(s)
	}
	d, err := NewDetector(*withDefaults(&LangOptions{Accuracy: "low"}))
	if err != nil {
		f.Fatal(err)
	}
	d.maxChars = 0
	ref := linguaLow()
	f.Fuzz(func(t *testing.T, s string) {
		got, score := d.Detect(s)
		if !(score >= 0 && score <= 1) {
			t.Fatalf("score %v", score)
		}
		vals := ref.ComputeLanguageConfidenceValues(norm.NFC.String(s))
		want, wantScore := Undetermined, 0.0
		if vals[0].Value() != vals[1].Value() {
			want, wantScore = isoCode(language(vals[0].Language())), vals[0].Value()
		}
		if got != want || abs(score-wantScore) > 1e-5 {
			t.Fatalf("%q: got %s %.9f, lingua-go %s %.9f", s, got, score, want, wantScore)
		}
	})
}

// TestSampleAgreement: on the SpamAssassin e-mails (mean 3.2 kB, up to
// 195 kB), the default 2000-character sample gives the language the whole
// text gives for nearly every document.
func TestSampleAgreement(t *testing.T) {
	texts := benchTexts(t, spamPath)
	sampled := newTestDetector(t, LangOptions{})
	whole := newTestDetector(t, LangOptions{})
	whole.maxChars = 0
	same, long := 0, 0
	for _, s := range texts {
		a, _ := sampled.Detect(s)
		b, _ := whole.Detect(s)
		if a == b {
			same++
		}
		if len(s) > 2000 {
			long++
		}
	}
	rate := float64(same) / float64(len(texts))
	t.Logf("%d e-mails (%d over 2000 bytes): sample and whole text agree on %.2f%%", len(texts), long, 100*rate)
	if rate < 0.97 {
		t.Errorf("agreement %.4f < 0.97", rate)
	}
}
