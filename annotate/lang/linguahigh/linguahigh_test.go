package linguahigh

import (
	"testing"

	"github.com/grist/grist/annotate/lang"
)

func TestNew(t *testing.T) {
	for _, codes := range [][]string{{"en"}, {"en", "xx"}, nil} {
		if _, err := New(codes); err == nil {
			t.Errorf("New(%q) accepted", codes)
		}
	}
	score, err := New([]string{"en", "de"})
	if err != nil {
		t.Fatal(err)
	}
	if c, s := score("the house"); c != "en" || !(s > 0.5 && s <= 1) {
		t.Errorf("the house: %s %v", c, s)
	}
	if c, s := score("123"); c != lang.Undetermined || s != 0 {
		t.Errorf("123: %s %v", c, s)
	}
}

// TestRegistered: importing the package makes accuracy high available, and
// short texts are scored by lingua-go's high accuracy mode.
func TestRegistered(t *testing.T) {
	d, err := lang.NewDetector(lang.LangOptions{Accuracy: "high", MaxChars: 2000, Languages: []string{"en", "de", "fr"}})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := New([]string{"en", "de", "fr"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ text, want string }{{"Guten Tag", "de"}, {"le chat noir est là", "fr"}, {"good morning", "en"}, {"chat", ""}} {
		c, s := d.Detect(tc.text)
		rc, rs := ref(tc.text)
		if (tc.want != "" && c != tc.want) || c != rc || s-rs > 1e-9 || rs-s > 1e-9 { // lingua-go sums in map order
			t.Errorf("%q: %s %v, lingua-go %s %v, want %s", tc.text, c, s, rc, rs, tc.want)
		}
	}
}
