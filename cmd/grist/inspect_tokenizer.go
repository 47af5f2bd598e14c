package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/grist/grist/pipeline"
)

// vocabScripts are the scripts the vocabulary report counts pieces of.
var vocabScripts = []struct {
	name  string
	table *unicode.RangeTable
}{
	{"Latin", unicode.Latin}, {"Cyrillic", unicode.Cyrillic}, {"Greek", unicode.Greek},
	{"Arabic", unicode.Arabic}, {"Hebrew", unicode.Hebrew}, {"Devanagari", unicode.Devanagari},
	{"Bengali", unicode.Bengali}, {"Tamil", unicode.Tamil}, {"Thai", unicode.Thai},
	{"Han", unicode.Han}, {"Hiragana", unicode.Hiragana}, {"Katakana", unicode.Katakana},
	{"Hangul", unicode.Hangul},
}

// inspectTokenizer prints a vocabulary report: size, special tokens, sample
// pieces, pieces per script, and (with a sample file) bytes per token and
// the share of each script's characters that encode without byte pieces.
func inspectTokenizer(w io.Writer, spec, sample string, rows int) error {
	tok, err := pipeline.LoadTokenizer(spec, false)
	if err != nil {
		return usageError{err}
	}
	n := tok.VocabSize()
	fmt.Fprintf(w, "%s: %d tokens\n", spec, n)
	var roles []string
	for _, r := range []string{"bos", "eos", "pad", "unk", "mask", "cls", "sep"} {
		if id, ok := tok.Special(r); ok {
			roles = append(roles, fmt.Sprintf("%s=%d %q", r, id, tok.Piece(id)))
		}
	}
	fmt.Fprintf(w, "special: %s\n", strings.Join(roles, ", "))
	perScript := make([]int, len(vocabScripts))
	byteish := 0
	longest := ""
	for id := int32(0); int(id) < n; id++ {
		p := tok.Piece(id)
		if strings.HasPrefix(p, "<0x") && len(p) == 6 {
			byteish++
			continue
		}
		if utf8.RuneCountInString(p) > utf8.RuneCountInString(longest) && utf8.ValidString(p) {
			longest = p
		}
		for i, s := range vocabScripts {
			for _, r := range p {
				if unicode.Is(s.table, r) {
					perScript[i]++
					break
				}
			}
		}
	}
	show := func(from int) []string {
		var out []string
		for id := from; id < n && len(out) < max(rows, 1)*2; id++ {
			out = append(out, fmt.Sprintf("%q", tok.Piece(int32(id))))
		}
		return out
	}
	fmt.Fprintf(w, "pieces %d..: %s\n", n/2, strings.Join(show(n/2), " "))
	fmt.Fprintf(w, "pieces %d..: %s\n", max(n-2*rows, 0), strings.Join(show(max(n-2*rows, 0)), " "))
	fmt.Fprintf(w, "longest piece: %q; byte pieces: %d\n", longest, byteish)
	fmt.Fprintln(w, "pieces per script:")
	for i, s := range vocabScripts {
		if perScript[i] > 0 {
			fmt.Fprintf(w, "  %-11s %d\n", s.name, perScript[i])
		}
	}
	if sample == "" {
		fmt.Fprintln(w, "(give --sample FILE, held-out documents, for bytes per token and script coverage)")
		return nil
	}
	in := pipeline.InputConfig{}
	if err := pipeline.ApplyDefaults(&in); err != nil {
		return err
	}
	in.Paths = []string{sample}
	var mu sync.Mutex
	var bytesN, tokens int64
	chars := make([]int64, len(vocabScripts))
	covered := make([]int64, len(vocabScripts))
	pieceRE := func(id int32) bool { p := tok.Piece(id); return strings.HasPrefix(p, "<0x") && len(p) == 6 }
	st, err := pipeline.ReadDocuments(context.Background(), in, 0, func(text string) {
		ids := tok.Encode(nil, []byte(text))
		c, cov := make([]int64, len(vocabScripts)), make([]int64, len(vocabScripts))
		// a character is covered when no byte piece is needed for it: count
		// by script, then subtract byte pieces' characters approximately by
		// decoding the pieces that are bytes
		byteChars := map[rune]bool{}
		var raw []byte
		for _, id := range ids {
			if pieceRE(id) {
				b, _ := tok.Decode(nil, []int32{id})
				raw = append(raw, b...)
			}
		}
		for _, r := range string(raw) {
			byteChars[r] = true
		}
		for _, r := range text {
			for i, s := range vocabScripts {
				if unicode.Is(s.table, r) {
					c[i]++
					if !byteChars[r] {
						cov[i]++
					}
					break
				}
			}
		}
		mu.Lock()
		bytesN += int64(len(text))
		tokens += int64(len(ids))
		for i := range vocabScripts {
			chars[i] += c[i]
			covered[i] += cov[i]
		}
		mu.Unlock()
	})
	if err != nil {
		return err
	}
	bpt := 0.0
	if tokens > 0 {
		bpt = float64(bytesN) / float64(tokens)
	}
	fmt.Fprintf(w, "sample %s: %d documents, %d bytes, %d tokens, %.3f bytes per token\n", sample, st.Docs, bytesN, tokens, bpt)
	type row struct {
		name     string
		chars    int64
		coverage float64
	}
	var rs []row
	for i, s := range vocabScripts {
		if chars[i] > 0 {
			rs = append(rs, row{s.name, chars[i], float64(covered[i]) / float64(chars[i])})
		}
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].chars > rs[j].chars })
	fmt.Fprintln(w, "script coverage (characters encoded without byte pieces):")
	for _, r := range rs {
		fmt.Fprintf(w, "  %-11s %6.2f%% of %d\n", r.name, 100*r.coverage, r.chars)
	}
	return nil
}
