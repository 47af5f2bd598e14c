package train

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(o *Options)
		key  string // "" = valid
	}{
		{"defaults", func(o *Options) {}, ""},
		{"fallback", func(o *Options) { o.ByteLevel, o.ByteFallback, o.PreTokenizer = false, true, "whitespace" }, ""},
		{"both", func(o *Options) { o.ByteFallback = true }, "byte_level"},
		{"neither", func(o *Options) { o.ByteLevel = false }, "byte_level"},
		{"unigram byte-level", func(o *Options) { o.Model = "unigram" }, "model"},
		{"unigram", func(o *Options) {
			o.Model, o.ByteLevel, o.ByteFallback, o.PreTokenizer = "unigram", false, true, "whitespace"
		}, ""},
		{"model", func(o *Options) { o.Model = "wordpiece" }, "model"},
		{"small vocab", func(o *Options) { o.VocabSize = 256 }, "vocab_size"},
		{"pretok", func(o *Options) { o.PreTokenizer = "bert" }, "pre_tokenizer"},
		{"whitespace byte-level", func(o *Options) { o.PreTokenizer = "whitespace" }, "pre_tokenizer"},
		{"regex fallback", func(o *Options) { o.ByteLevel, o.ByteFallback = false, true }, "pre_tokenizer"},
		{"norm", func(o *Options) { o.Normalization = "nfd" }, "normalization"},
		{"dup special", func(o *Options) { o.SpecialTokens = []string{"<a>", "<a>"} }, "special_tokens"},
		{"empty special", func(o *Options) { o.SpecialTokens = []string{""} }, "special_tokens"},
		{"coverage", func(o *Options) { o.CharacterCoverage = 0 }, "character_coverage"},
		{"min freq", func(o *Options) { o.MinFrequency = -1 }, "min_frequency"},
		{"piece len", func(o *Options) { o.MaxPieceLength = 1 }, "max_piece_length"},
		{"sample", func(o *Options) { o.Sample = "3 apples" }, "sample"},
		{"workers", func(o *Options) { o.Workers = -2 }, "workers"},
		{"unk special", func(o *Options) {
			o.ByteLevel, o.ByteFallback, o.PreTokenizer = false, true, "whitespace"
			o.SpecialTokens = []string{"<unk>"}
		}, "unk_token"},
	} {
		o := withDefaults(&Options{})
		tc.edit(o)
		err := o.Validate()
		switch {
		case tc.key == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.key != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.key+":")):
			t.Errorf("%s: error %v, want one starting with %q", tc.name, err, tc.key+":")
		}
		if _, nerr := New(*o); (nerr == nil) != (err == nil) {
			t.Errorf("%s: New and Validate disagree: %v / %v", tc.name, nerr, err)
		}
	}
}

func TestParseSample(t *testing.T) {
	for _, tc := range []struct {
		in          string
		docs, bytes int64
		bad         bool
	}{
		{"", 0, 0, false},
		{"1000", 1000, 0, false},
		{"10B", 0, 10, false},
		{"2kb", 0, 2048, false},
		{"500MB", 0, 500 << 20, false},
		{" 3 GB ", 0, 3 << 30, false},
		{"0", 0, 0, true},
		{"MB", 0, 0, true},
		{"5TB", 0, 0, true},
		{"-5", 0, 0, true},
		{"99999999999999999999", 0, 0, true},
		{"9999999999999GB", 0, 0, true},
	} {
		d, b, err := ParseSample(tc.in)
		if (err != nil) != tc.bad || d != tc.docs || b != tc.bytes {
			t.Errorf("%q: %d docs, %d bytes, %v", tc.in, d, b, err)
		}
	}
}

func FuzzParseSample(f *testing.F) {
	for _, s := range []string{"", "12", "1KB", "7 gb", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, b, err := ParseSample(s)
		if err != nil && (d != 0 || b != 0) {
			t.Fatalf("%q: error with values", s)
		}
		if err == nil && strings.TrimSpace(s) != "" && (d <= 0) == (b <= 0) {
			t.Fatalf("%q: want exactly one of docs %d and bytes %d", s, d, b)
		}
	})
}
