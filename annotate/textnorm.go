package annotate

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NormalizeDoc describes the normalize stage.
const NormalizeDoc = "Unicode normalization (NFC by default), control and format character stripping, line-break and whitespace-run cleanup"

// NormalizeOptions configure Normalizer.
type NormalizeOptions struct {
	Form           string `yaml:"form" default:"nfc" doc:"Unicode normalization form: nfc, nfkc, nfd, nfkd or none"`
	Newlines       bool   `yaml:"newlines" default:"true" doc:"turn CRLF and lone CR into LF"`
	StripControl   bool   `yaml:"strip_control" default:"true" doc:"remove control characters (Unicode Cc) other than newline and tab"`
	StripFormat    bool   `yaml:"strip_format" default:"false" doc:"remove format characters (Unicode Cf: zero-width spaces and joiners, bidi controls, soft hyphens, BOMs)"`
	CollapseSpaces bool   `yaml:"collapse_spaces" default:"true" doc:"turn runs of spaces and tabs into one space and drop them at line ends and text ends"`
	MaxNewlines    int    `yaml:"max_newlines" default:"2" doc:"keep at most this many consecutive line breaks (0 = no limit)"`
}

// Validate checks the options.
func (o *NormalizeOptions) Validate() error {
	switch o.Form {
	case "nfc", "nfkc", "nfd", "nfkd", "none":
	default:
		return fmt.Errorf("form: must be nfc, nfkc, nfd, nfkd or none, got %q", o.Form)
	}
	if o.MaxNewlines < 0 {
		return fmt.Errorf("max_newlines: must be >= 0")
	}
	return nil
}

// Normalizer rewrites text per NormalizeOptions. Safe for concurrent use.
type Normalizer struct {
	o    NormalizeOptions
	form norm.Form
}

// NewNormalizer builds a Normalizer.
func NewNormalizer(o NormalizeOptions) (*Normalizer, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	n := &Normalizer{o: o}
	switch o.Form {
	case "nfc":
		n.form = norm.NFC
	case "nfkc":
		n.form = norm.NFKC
	case "nfd":
		n.form = norm.NFD
	case "nfkd":
		n.form = norm.NFKD
	}
	return n, nil
}

// Normalize returns the normalized text and whether it changed. The order is:
// Unicode form, line breaks, character stripping, whitespace runs.
func (n *Normalizer) Normalize(s string) (string, bool) {
	orig := s
	if n.o.Form != "none" && !n.form.IsNormalString(s) {
		s = n.form.String(s)
	}
	if n.clean(s) {
		return s, s != orig
	}
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	newlines := 0
	atStart := true
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		if r == '\r' && n.o.Newlines {
			if i < len(s) && s[i] == '\n' {
				continue
			}
			r = '\n'
		}
		switch {
		case r == '\n':
			pendingSpace = false // spaces at line ends go
			newlines++
			if n.o.MaxNewlines > 0 && newlines > n.o.MaxNewlines {
				continue
			}
			if n.o.CollapseSpaces && atStart {
				continue
			}
			b.WriteByte('\n')
			continue
		case (r == ' ' || r == '\t') && n.o.CollapseSpaces:
			pendingSpace = true
			continue
		case n.o.StripControl && r != '\t' && unicode.Is(unicode.Cc, r):
			continue
		case n.o.StripFormat && unicode.Is(unicode.Cf, r):
			continue
		}
		if pendingSpace && !atStart && (newlines == 0 || !n.o.CollapseSpaces) {
			b.WriteByte(' ')
		}
		pendingSpace = false
		newlines = 0
		atStart = false
		b.WriteRune(r)
	}
	out := b.String()
	if n.o.CollapseSpaces {
		out = strings.TrimRight(out, "\n")
	}
	return out, out != orig
}

// clean reports whether s needs no character-level pass: a quick scan for
// the bytes any rule would touch.
func (n *Normalizer) clean(s string) bool {
	prevSpace, newlines := false, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s[i:])
			if n.o.StripControl && r >= 0x80 && r <= 0x9f || n.o.StripFormat && unicode.Is(unicode.Cf, r) {
				return false
			}
			i += size - 1
			prevSpace, newlines = false, 0
		case c == '\n':
			if prevSpace && n.o.CollapseSpaces {
				return false
			}
			newlines++
			if n.o.MaxNewlines > 0 && newlines > n.o.MaxNewlines {
				return false
			}
			if i == 0 && n.o.CollapseSpaces {
				return false
			}
			prevSpace = false
		case c == ' ' || c == '\t':
			if n.o.CollapseSpaces && (prevSpace || c == '\t' || i == 0 || newlines > 0 && i > 0 && s[i-1] == '\n') {
				return false
			}
			prevSpace = true
		case c == '\r':
			if n.o.Newlines || n.o.StripControl {
				return false
			}
		case c < 0x20 || c == 0x7f:
			if n.o.StripControl {
				return false
			}
			prevSpace, newlines = false, 0
		default:
			prevSpace, newlines = false, 0
		}
	}
	if n.o.CollapseSpaces && len(s) > 0 && (prevSpace || s[len(s)-1] == '\n') {
		return false
	}
	return true
}
