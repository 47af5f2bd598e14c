package filters

// LangFilter is a Filter whose rules depend on the document's language. The
// pipeline calls ApplyLang with the document's language code (ISO 639-1 or
// 639-3, optionally with a script: "en", "eng", "kor_Hang") when it has one,
// "" otherwise; Apply(text, sig) is ApplyLang(text, "", sig) with errors
// reported as a drop. An error means the run cannot go on (c4_badwords with
// fail_on_missing_language and no list for the language).
type LangFilter interface {
	Filter
	ApplyLang(text, lang string, sig []float64) (Result, error)
}

// sameLanguage reports whether two language codes name the same language,
// comparing their first component ("en" and "eng" are the same; "" matches
// nothing).
func sameLanguage(a, b string) bool {
	a, b = baseLang(a), baseLang(b)
	return a != "" && a == b
}

// baseLang reduces a code to ISO 639-1 where known ("eng_Latn" -> "en").
func baseLang(code string) string {
	for i := 0; i < len(code); i++ {
		if code[i] == '_' || code[i] == '-' {
			code = code[:i]
			break
		}
	}
	b := []byte(code)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	code = string(b)
	if two, ok := iso639_3to1[code]; ok {
		return two
	}
	if code == "english" {
		return "en"
	}
	return code
}

// iso639_3to1 maps the three-letter codes of the languages grist has lists
// for (badwords) and of the most common corpus languages to two letters.
var iso639_3to1 = map[string]string{
	"ara": "ar", "arb": "ar", "ces": "cs", "cze": "cs", "dan": "da", "deu": "de", "ger": "de",
	"eng": "en", "epo": "eo", "spa": "es", "fas": "fa", "per": "fa", "pes": "fa", "fin": "fi",
	"fil": "fil", "tgl": "fil", "fra": "fr", "fre": "fr", "hin": "hi", "hun": "hu", "ita": "it",
	"jpn": "ja", "kab": "kab", "kor": "ko", "nld": "nl", "dut": "nl", "nor": "no", "nob": "no",
	"nno": "no", "pol": "pl", "por": "pt", "rus": "ru", "swe": "sv", "tha": "th", "tlh": "tlh",
	"tur": "tr", "zho": "zh", "chi": "zh", "cmn": "zh", "yue": "zh", "ukr": "uk", "ell": "el",
	"heb": "he", "vie": "vi", "ind": "id", "ben": "bn", "urd": "ur",
}
