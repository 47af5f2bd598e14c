package tokenize

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/dlclark/regexp2/v2"
)

// decoder is a tokenizer.json decoder: it rewrites the list of token strings
// (decode_chain); the results are concatenated.
type decoder interface {
	decode(toks []string) []string
}

type byteLevelDecoder struct{}

func (byteLevelDecoder) decode(toks []string) []string {
	var out []byte
	for _, t := range toks {
		mark := len(out)
		ok := true
		for _, r := range t {
			if r >= 0 && int(r) < len(byteLevelDec) && byteLevelDec[r] >= 0 {
				out = append(out, byte(byteLevelDec[r]))
			} else {
				ok = false
				break
			}
		}
		if !ok {
			out = append(out[:mark], t...)
		}
	}
	return []string{string(out)}
}

type metaspaceDecoder struct {
	repl    string
	prepend string
}

func (d metaspaceDecoder) decode(toks []string) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		if i == 0 && d.prepend != "never" {
			out[i] = strings.ReplaceAll(t, d.repl, "")
		} else {
			out[i] = strings.ReplaceAll(t, d.repl, " ")
		}
	}
	return out
}

type wordPieceDecoder struct {
	prefix  string
	cleanup bool
}

func wordPieceClean(s string) string {
	// The library applies each replacement to the whole string in turn.
	for _, p := range [][2]string{{" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"}, {" n't", "n't"}, {" 'm", "'m"}, {" do not", " don't"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}} {
		s = strings.ReplaceAll(s, p[0], p[1])
	}
	return s
}

func (d wordPieceDecoder) decode(toks []string) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		if i != 0 {
			if strings.HasPrefix(t, d.prefix) {
				t = t[len(d.prefix):]
			} else {
				t = " " + t
			}
		}
		if d.cleanup {
			t = wordPieceClean(t)
		}
		out[i] = t
	}
	return out
}

type byteFallbackDecoder struct{}

func pieceByte(t string) (byte, bool) {
	if len(t) != 6 || !strings.HasPrefix(t, "<0x") || t[5] != '>' {
		return 0, false
	}
	var v byte
	for _, c := range []byte(t[3:5]) {
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | (c - '0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | (c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			v = v<<4 | (c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return v, true
}

func (byteFallbackDecoder) decode(toks []string) []string {
	out := make([]string, 0, len(toks))
	var pending []byte
	flush := func() {
		if len(pending) == 0 {
			return
		}
		if utf8.Valid(pending) {
			out = append(out, string(pending))
		} else {
			for range pending {
				out = append(out, "\uFFFD")
			}
		}
		pending = pending[:0]
	}
	for _, t := range toks {
		if b, ok := pieceByte(t); ok {
			pending = append(pending, b)
			continue
		}
		flush()
		out = append(out, t)
	}
	flush()
	return out
}

type fuseDecoder struct{}

func (fuseDecoder) decode(toks []string) []string { return []string{strings.Join(toks, "")} }

type stripDecoder struct {
	content     rune
	start, stop int
}

func (d stripDecoder) decode(toks []string) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		rs := []rune(t)
		a, b := 0, len(rs)
		for j := 0; j < d.start && j < len(rs); j++ {
			if rs[j] != d.content {
				break
			}
			a = j + 1
		}
		for j := 0; j < d.stop && len(rs)-j-1 >= 0; j++ {
			k := len(rs) - j - 1
			if rs[k] != d.content {
				break
			}
			b = k
		}
		if a > b {
			a = b
		}
		out[i] = string(rs[a:b])
	}
	return out
}

type replaceDecoder struct{ r *replaceNormalizer }

func (d replaceDecoder) decode(toks []string) []string {
	out := make([]string, len(toks))
	var buf []byte
	for i, t := range toks {
		buf = d.r.normalize(buf[:0], []byte(t), nil)
		out[i] = string(buf)
	}
	return out
}

type bpeDecoder struct{ suffix string }

func (d bpeDecoder) decode(toks []string) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		rep := " "
		if i == len(toks)-1 {
			rep = ""
		}
		out[i] = strings.ReplaceAll(t, d.suffix, rep)
	}
	return out
}

type seqDecoder struct{ list []decoder }

func (d *seqDecoder) decode(toks []string) []string {
	for _, x := range d.list {
		toks = x.decode(toks)
	}
	return toks
}

func parseDecoder(raw json.RawMessage) (decoder, error) {
	if isNull(raw) {
		return nil, nil
	}
	var v struct {
		Type           string            `json:"type"`
		Replacement    *string           `json:"replacement"`
		PrependScheme  string            `json:"prepend_scheme"`
		AddPrefixSpace *bool             `json:"add_prefix_space"`
		Prefix         *string           `json:"prefix"`
		Cleanup        *bool             `json:"cleanup"`
		Content        *string           `json:"content"`
		Start          int               `json:"start"`
		Stop           int               `json:"stop"`
		Pattern        patternJSON       `json:"pattern"`
		Suffix         *string           `json:"suffix"`
		Decoders       []json.RawMessage `json:"decoders"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("decoder: %w", err)
	}
	switch v.Type {
	case "ByteLevel":
		return byteLevelDecoder{}, nil
	case "Metaspace":
		d := metaspaceDecoder{repl: "▁", prepend: "always"}
		if v.Replacement != nil {
			d.repl = *v.Replacement
		}
		switch {
		case v.PrependScheme != "":
			d.prepend = v.PrependScheme
		case v.AddPrefixSpace != nil && !*v.AddPrefixSpace:
			d.prepend = "never"
		}
		return d, nil
	case "WordPiece":
		d := wordPieceDecoder{prefix: "##", cleanup: true}
		if v.Prefix != nil {
			d.prefix = *v.Prefix
		}
		if v.Cleanup != nil {
			d.cleanup = *v.Cleanup
		}
		return d, nil
	case "ByteFallback":
		return byteFallbackDecoder{}, nil
	case "Fuse":
		return fuseDecoder{}, nil
	case "Strip":
		if v.Content == nil || utf8.RuneCountInString(*v.Content) != 1 {
			return nil, errors.New("decoder Strip: content must be one character")
		}
		r, _ := utf8.DecodeRuneInString(*v.Content)
		return stripDecoder{r, v.Start, v.Stop}, nil
	case "Replace":
		r := &replaceNormalizer{}
		if v.Content != nil {
			r.content = []byte(*v.Content)
		}
		switch {
		case v.Pattern.String != nil:
			r.literal = []byte(*v.Pattern.String)
		case v.Pattern.Regex != nil:
			re, err := regexp2.Compile(*v.Pattern.Regex, regexp2.None)
			if err != nil {
				return nil, fmt.Errorf("decoder Replace: regex %q: %w", *v.Pattern.Regex, err)
			}
			r.re = re
		default:
			return nil, errors.New("decoder Replace: pattern must be String or Regex")
		}
		return replaceDecoder{r}, nil
	case "BPEDecoder":
		d := bpeDecoder{suffix: "</w>"}
		if v.Suffix != nil {
			d.suffix = *v.Suffix
		}
		return d, nil
	case "Sequence":
		s := &seqDecoder{}
		for _, r := range v.Decoders {
			d, err := parseDecoder(r)
			if err != nil {
				return nil, err
			}
			if d != nil {
				s.list = append(s.list, d)
			}
		}
		return s, nil
	}
	return nil, fmt.Errorf("decoder type %q is not supported", v.Type)
}
