package filters

import (
	"strings"
	"testing"
)

func newC4Quality(t testing.TB, edit func(o *C4QualityOptions)) *C4Quality {
	t.Helper()
	o := withDefaults(&C4QualityOptions{})
	if edit != nil {
		edit(o)
	}
	c, err := NewC4Quality(*o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const c4Good = "This is a well-written paragraph with several sentences.\n" +
	"The content continues with more good information here.\n" +
	"Another important point is being made in this line.\n" +
	"We can see that this document has quality content.\n" +
	"Finally, the conclusion wraps everything up nicely.\n" +
	"An additional sentence to ensure we pass the threshold."

func TestC4QualityDatatroveCases(t *testing.T) {
	// datatrove tests/pipeline/filters/test_filters.py::TestC4QualityFilter
	c := newC4Quality(t, nil)
	runReasons(t, c, []reasonCase{
		{"keeps_quality_text", c4Good, ""},
		{"lorem_ipsum", "This is a sentence with lorem ipsum dolor sit amet.\nAnother sentence with proper punctuation.\n" +
			"More content to fill out the document.\nEven more content is needed to pass the check.\nThe final sentence of the document.", "lorem_ipsum"},
		{"curly_bracket", "This is some code with a { bracket.\nAnother sentence follows this one.\nMore content to fill out the document.\n" +
			"Even more content is needed to pass.\nThe final sentence of the document.", "curly_bracket"},
		{"too_few_sentences", "Just one sentence.", "too_few_sentences"},
	})
	c2 := newC4Quality(t, func(o *C4QualityOptions) { o.MinNumSentences, o.MinWordsPerLine = -1, -1 })
	r := c2.Apply("This site uses cookies for tracking.\nAnother valid line here today.", make([]float64, 3))
	if r.Reason != "" || !r.Rewritten || strings.Contains(r.Text, "cookies") || r.Text != "Another valid line here today." {
		t.Errorf("policy line not removed: %+v", r)
	}
}

func TestC4QualityLineRules(t *testing.T) {
	c := newC4Quality(t, func(o *C4QualityOptions) { o.MinNumSentences = 1 })
	sig := make([]float64, 3)
	for _, tc := range []struct{ name, in, want string }{
		{"no_terminal_punct", "Kept line is here.\nNo punctuation at the end", "Kept line is here."},
		{"ellipsis_end", "Kept line is here.\nThis one trails off...", "Kept line is here."},
		{"quote_end", "He said \"go home.\"\nShe said 'fine'", "He said \"go home.\"\nShe said 'fine'"},
		{"two_words", "Kept line is here.\nToo short.", "Kept line is here."},
		{"javascript", "Kept line is here.\nPlease enable JavaScript to continue.", "Kept line is here."},
		{"policy", "Kept line is here.\nRead our Privacy Policy today.", "Kept line is here."},
		{"citation", "Paris is the capital of France.[1][citation needed]", "Paris is the capital of France."},
		{"citation_then_space", "Kept line is here.\nParis is a city. [12]", "Kept line is here."},
		{"strip_lines", "  Kept line is here.  \n\n\tAnother kept line here.", "Kept line is here.\nAnother kept line here."},
		{"long_word", "Kept line is here.\nA " + strings.Repeat("x", 1001) + " word.", "Kept line is here."},
		{"word_of_1000", "A " + strings.Repeat("x", 1000) + " word.", "A " + strings.Repeat("x", 1000) + " word."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.Apply(tc.in, sig)
			got := tc.in
			if r.Rewritten {
				got = r.Text
			}
			if r.Reason != "" || got != tc.want {
				t.Errorf("got %q (reason %q), want %q", got, r.Reason, tc.want)
			}
			if r.Rewritten == (tc.in == tc.want) {
				t.Errorf("Rewritten = %v for unchanged=%v", r.Rewritten, tc.in == tc.want)
			}
		})
	}
}

func TestC4QualitySentences(t *testing.T) {
	c := newC4Quality(t, nil)
	sig := make([]float64, 3)
	for _, tc := range []struct {
		text string
		want float64
	}{
		{"One two three. Four five six! Seven eight nine? Ten eleven twelve. Done with it.", 5},
		{"Dr. Smith went to Washington. He said e.g. this works. It is 3.5 m long.", 3},
		{"He said \"Stop.\" Then he left. Why? Because.", 4},
	} {
		c.Apply(tc.text, sig)
		if sig[2] != tc.want {
			t.Errorf("%q: sentences = %v, want %v", tc.text, sig[2], tc.want)
		}
	}
	if r := c.Apply("One two three. Four five six! Seven eight nine? Ten eleven twelve.", sig); r.Reason != "too_few_sentences" {
		t.Errorf("4 sentences: reason %q", r.Reason)
	}
}

func TestC4QualitySentenceMode(t *testing.T) {
	c := newC4Quality(t, func(o *C4QualityOptions) { o.SplitParagraph = false; o.MinNumSentences = 2 })
	// sentences, not lines: the newline does not end a sentence, and the
	// last sentence lacks terminal punctuation.
	r := c.Apply("First sentence is here. no end here\nSecond sentence is also here. Dangling words", make([]float64, 3))
	if r.Reason != "" || !r.Rewritten || r.Text != "First sentence is here. no end here\nSecond sentence is also here." {
		t.Errorf("sentence mode: %+v", r)
	}
}

func BenchmarkC4Quality(b *testing.B) {
	benchFilter(b, newC4Quality(b, nil))
}

func TestC4WordCounts(t *testing.T) {
	for _, tc := range []struct {
		s            string
		limit, count int
		maxLen       int
		long         bool
	}{
		{"", 3, 0, 2, false},
		{"one two three four", 3, 3, 5, false},
		{"one two three four", 10, 4, 4, true},
		{"  a\u00a0b\x1cc  ", 10, 3, 1, false},
		{"héééé x", 10, 2, 4, true},
		{"héééé x", 10, 2, 5, false},
		{"\u3000\u3000", 1, 0, 0, false},
	} {
		if got := countFields(tc.s, tc.limit); got != tc.count {
			t.Errorf("countFields(%q, %d) = %d, want %d", tc.s, tc.limit, got, tc.count)
		}
		if got := hasLongField(tc.s, tc.maxLen); got != tc.long {
			t.Errorf("hasLongField(%q, %d) = %v, want %v", tc.s, tc.maxLen, got, tc.long)
		}
	}
}
