package lang

import (
	"math/bits"
	"unicode"
)

// The tables in this file restate facts of lingua-go v1.4.0 (Apache-2.0,
// Copyright Peter M. Stahl): its languages and their ISO 639-1 codes, the
// scripts of each language, the letters unique to one language and the
// letters shared by a few languages. lingua keeps most of them unexported,
// and this package does not link lingua-go (its 124 MB of embedded
// models) unless accuracy high is wanted (see package linguahigh).

// language is one of lingua's 75 languages, numbered as lingua.Language
// (alphabetically by English name), or unknown.
type language uint8

// numLangs is the number of lingua languages; language values
// 0..numLangs-1 index every per-language array here.
const numLangs = 75

// unknown is no language.
const unknown language = numLangs

const (
	langAfrikaans language = iota
	langAlbanian
	langArabic
	langArmenian
	langAzerbaijani
	langBasque
	langBelarusian
	langBengali
	langBokmal
	langBosnian
	langBulgarian
	langCatalan
	langChinese
	langCroatian
	langCzech
	langDanish
	langDutch
	langEnglish
	langEsperanto
	langEstonian
	langFinnish
	langFrench
	langGanda
	langGeorgian
	langGerman
	langGreek
	langGujarati
	langHebrew
	langHindi
	langHungarian
	langIcelandic
	langIndonesian
	langIrish
	langItalian
	langJapanese
	langKazakh
	langKorean
	langLatin
	langLatvian
	langLithuanian
	langMacedonian
	langMalay
	langMaori
	langMarathi
	langMongolian
	langNynorsk
	langPersian
	langPolish
	langPortuguese
	langPunjabi
	langRomanian
	langRussian
	langSerbian
	langShona
	langSlovak
	langSlovene
	langSomali
	langSotho
	langSpanish
	langSwahili
	langSwedish
	langTagalog
	langTamil
	langTelugu
	langThai
	langTsonga
	langTswana
	langTurkish
	langUkrainian
	langUrdu
	langVietnamese
	langWelsh
	langXhosa
	langYoruba
	langZulu
)

// isoCodes are the ISO 639-1 codes of the languages, in language order,
// then und for unknown.
var isoCodes = [numLangs + 1]string{
	"af",
	"sq",
	"ar",
	"hy",
	"az",
	"eu",
	"be",
	"bn",
	"nb",
	"bs",
	"bg",
	"ca",
	"zh",
	"hr",
	"cs",
	"da",
	"nl",
	"en",
	"eo",
	"et",
	"fi",
	"fr",
	"lg",
	"ka",
	"de",
	"el",
	"gu",
	"he",
	"hi",
	"hu",
	"is",
	"id",
	"ga",
	"it",
	"ja",
	"kk",
	"ko",
	"la",
	"lv",
	"lt",
	"mk",
	"ms",
	"mi",
	"mr",
	"mn",
	"nn",
	"fa",
	"pl",
	"pt",
	"pa",
	"ro",
	"ru",
	"sr",
	"sn",
	"sk",
	"sl",
	"so",
	"st",
	"es",
	"sw",
	"sv",
	"tl",
	"ta",
	"te",
	"th",
	"ts",
	"tn",
	"tr",
	"uk",
	"ur",
	"vi",
	"cy",
	"xh",
	"yo",
	"zu",
	Undetermined,
}

func allLanguages() []language {
	ls := make([]language, numLangs)
	for i := range ls {
		ls[i] = language(i)
	}
	return ls
}

// alphabet is one of the scripts lingua tells apart, in lingua's order
// (the order matters: a word's alphabet is the first one matching it).
type alphabet uint8

const (
	arabic alphabet = iota
	armenian
	bengali
	cyrillic
	devanagari
	georgian
	greek
	gujarati
	gurmukhi
	han
	hangul
	hebrew
	hiragana
	katakana
	latin
	tamil
	telugu
	thai
	numAlphabets
	noAlphabet = numAlphabets
)

var alphabetTables = [numAlphabets]*unicode.RangeTable{
	unicode.Arabic, unicode.Armenian, unicode.Bengali, unicode.Cyrillic,
	unicode.Devanagari, unicode.Georgian, unicode.Greek, unicode.Gujarati,
	unicode.Gurmukhi, unicode.Han, unicode.Hangul, unicode.Hebrew,
	unicode.Hiragana, unicode.Katakana, unicode.Latin, unicode.Tamil,
	unicode.Telugu, unicode.Thai,
}

// languageAlphabets lists the scripts lingua attributes to each language.
func languageAlphabets(l language) []alphabet {
	switch l {
	case langBelarusian, langBulgarian, langKazakh, langMacedonian,
		langMongolian, langRussian, langSerbian, langUkrainian:
		return []alphabet{cyrillic}
	case langArabic, langPersian, langUrdu:
		return []alphabet{arabic}
	case langHindi, langMarathi:
		return []alphabet{devanagari}
	case langArmenian:
		return []alphabet{armenian}
	case langBengali:
		return []alphabet{bengali}
	case langChinese:
		return []alphabet{han}
	case langGeorgian:
		return []alphabet{georgian}
	case langGreek:
		return []alphabet{greek}
	case langGujarati:
		return []alphabet{gujarati}
	case langHebrew:
		return []alphabet{hebrew}
	case langJapanese:
		return []alphabet{hiragana, katakana, han}
	case langKorean:
		return []alphabet{hangul}
	case langPunjabi:
		return []alphabet{gurmukhi}
	case langTamil:
		return []alphabet{tamil}
	case langTelugu:
		return []alphabet{telugu}
	case langThai:
		return []alphabet{thai}
	default:
		return []alphabet{latin} // the 49 Latin-script languages
	}
}

// uniqueCharacters are letters lingua treats as proof of one language.
var uniqueCharacters = map[language]string{
	langAzerbaijani: "Əə",
	langCatalan:     "Ïï",
	langCzech:       "ĚěŘřŮů",
	langEsperanto:   "ĈĉĜĝĤĥĴĵŜŝŬŭ",
	langGerman:      "ß",
	langHungarian:   "ŐőŰű",
	langKazakh:      "ӘәҒғҚқҢңҰұ",
	langLatvian:     "ĢģĶķĻļŅņ",
	langLithuanian:  "ĖėĮįŲų",
	langMacedonian:  "ЃѓЅѕЌќЏџ",
	langMarathi:     "ळ",
	langMongolian:   "ӨөҮү",
	langPolish:      "ŁłŃńŚśŹź",
	langRomanian:    "Țţ",
	langSerbian:     "ЂђЋћ",
	langSlovak:      "ĹĺĽľŔŕ",
	langSpanish:     "¿¡",
	langUkrainian:   "ҐґЄєЇї",
	langVietnamese:  "ẰằẦầẲẳẨẩẴẵẪẫẮắẤấẠạẶặẬậỀềẺẻỂểẼẽỄễẾếỆệỈỉĨĩỊịƠơỒồỜờỎỏỔổỞởỖỗỠỡỐốỚớỘộỢợƯưỪừỦủỬửŨũỮữỨứỤụỰựỲỳỶỷỸỹỴỵ",
	langYoruba:      "ŌōṢṣ",
}

// sharedCharacters are letters used by only a few languages; a language
// having such letters in at least half of the words narrows the choice.
var sharedCharacters = map[string][]language{
	"Ãã":     {langPortuguese, langVietnamese},
	"ĄąĘę":   {langLithuanian, langPolish},
	"Żż":     {langPolish, langRomanian},
	"Îî":     {langFrench, langRomanian},
	"Ññ":     {langBasque, langSpanish},
	"ŇňŤť":   {langCzech, langSlovak},
	"Ăă":     {langRomanian, langVietnamese},
	"İıĞğ":   {langAzerbaijani, langTurkish},
	"ЈјЉљЊњ": {langMacedonian, langSerbian},
	"ẸẹỌọ":   {langVietnamese, langYoruba},
	"ÐðÞþ":   {langIcelandic, langTurkish},
	"Ûû":     {langFrench, langHungarian},
	"Ōō":     {langMaori, langYoruba},

	"ĀāĒēĪī": {langLatvian, langMaori, langYoruba},
	"Şş":     {langAzerbaijani, langRomanian, langTurkish},
	"Ďď":     {langCzech, langRomanian, langSlovak},
	"Ćć":     {langBosnian, langCroatian, langPolish},
	"Đđ":     {langBosnian, langCroatian, langVietnamese},
	"Іі":     {langBelarusian, langKazakh, langUkrainian},
	"Ìì":     {langItalian, langVietnamese, langYoruba},
	"Øø":     {langBokmal, langDanish, langNynorsk},

	"Ūū":     {langLatvian, langLithuanian, langMaori, langYoruba},
	"Ëë":     {langAfrikaans, langAlbanian, langDutch, langFrench},
	"ÈèÙù":   {langFrench, langItalian, langVietnamese, langYoruba},
	"Êê":     {langAfrikaans, langFrench, langPortuguese, langVietnamese},
	"Õõ":     {langEstonian, langHungarian, langPortuguese, langVietnamese},
	"Ôô":     {langFrench, langPortuguese, langSlovak, langVietnamese},
	"ЁёЫыЭэ": {langBelarusian, langKazakh, langMongolian, langRussian},
	"ЩщЪъ":   {langBulgarian, langKazakh, langMongolian, langRussian},
	"Òò":     {langCatalan, langItalian, langVietnamese, langYoruba},
	"Ææ":     {langBokmal, langDanish, langIcelandic, langNynorsk},
	"Åå":     {langBokmal, langDanish, langNynorsk, langSwedish},

	"Ýý": {langCzech, langIcelandic, langSlovak, langTurkish, langVietnamese},
	"Ää": {langEstonian, langFinnish, langGerman, langSlovak, langSwedish},
	"Àà": {langCatalan, langFrench, langItalian, langPortuguese, langVietnamese},
	"Ââ": {langFrench, langPortuguese, langRomanian, langTurkish, langVietnamese},

	"Üü":     {langAzerbaijani, langCatalan, langEstonian, langGerman, langHungarian, langSpanish, langTurkish},
	"ČčŠšŽž": {langBosnian, langCzech, langCroatian, langLatvian, langLithuanian, langSlovak, langSlovene},
	"Çç":     {langAlbanian, langAzerbaijani, langBasque, langCatalan, langFrench, langPortuguese, langTurkish},

	"Öö": {langAzerbaijani, langEstonian, langFinnish, langGerman, langHungarian, langIcelandic, langSwedish, langTurkish},

	"Óó":     {langCatalan, langHungarian, langIcelandic, langIrish, langPolish, langPortuguese, langSlovak, langSpanish, langVietnamese, langYoruba},
	"ÁáÍíÚú": {langCatalan, langCzech, langIcelandic, langIrish, langHungarian, langPortuguese, langSlovak, langSpanish, langVietnamese, langYoruba},

	"Éé": {langCatalan, langCzech, langFrench, langHungarian, langIcelandic, langIrish, langItalian, langPortuguese, langSlovak, langSpanish, langVietnamese, langYoruba},
}

// langSet is a set of lingua languages as a bit mask.
type langSet [2]uint64

func (s *langSet) add(l language)       { s[l>>6] |= 1 << (l & 63) }
func (s langSet) has(l language) bool   { return s[l>>6]&(1<<(l&63)) != 0 }
func (s langSet) empty() bool           { return s[0]|s[1] == 0 }
func (s langSet) and(t langSet) langSet { return langSet{s[0] & t[0], s[1] & t[1]} }

func (s langSet) count() int {
	return bits.OnesCount64(s[0]) + bits.OnesCount64(s[1])
}

// first is the lowest language in s, unknown if none.
func (s langSet) first() language {
	for l := language(0); l < numLangs; l++ {
		if s.has(l) {
			return l
		}
	}
	return unknown
}

// isoCode is the lower-case ISO 639-1 code of a lingua language.
func isoCode(l language) string {
	return isoCodes[l]
}

// SupportedLanguages returns the ISO 639-1 codes of the 75 languages the
// detector knows, sorted by lingua's language order (English names).
func SupportedLanguages() []string {
	out := make([]string, numLangs)
	copy(out, isoCodes[:numLangs])
	return out
}

// languageOf returns the lingua language of an ISO 639-1 code.
func languageOf(code string) (language, bool) {
	for l, c := range isoCodes[:numLangs] {
		if c == code {
			return language(l), true
		}
	}
	return unknown, false
}
