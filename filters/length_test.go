package filters

import (
	"strings"
	"testing"
)

func TestLength(t *testing.T) {
	mk := func(o LengthOptions) *Length {
		l, err := NewLength(o)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	runReasons(t, mk(LengthOptions{MinChars: 5, MaxChars: 10}), []reasonCase{
		{"4_chars", "abcd", "too_short_chars"},
		{"5_chars", "abcd.", ""},
		{"10_runes", strings.Repeat("é", 10), ""},
		{"11_chars", strings.Repeat("a", 11), "too_long_chars"},
	})
	runReasons(t, mk(LengthOptions{MinWords: 3, MaxWords: 4, Language: "en"}), []reasonCase{
		{"2_words_punct_not_counted", "Hello world!", "too_few_words"},
		{"3_words", "don't stop", ""}, // do n't stop
		{"5_words", "one two three four five", "too_many_words"},
	})
	runReasons(t, mk(LengthOptions{}), []reasonCase{{"unbounded", "", ""}})
	if _, err := NewLength(LengthOptions{MinChars: 10, MaxChars: 5}); err == nil || !strings.HasPrefix(err.Error(), "min_chars:") {
		t.Errorf("err = %v", err)
	}
}
