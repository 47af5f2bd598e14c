package tokenize

import (
	"bytes"
	"unicode"
	"unicode/utf8"

	"github.com/dlclark/regexp2/v2"
)

// ptSpan is one piece of text during pre-tokenization: buf[s:e] of the
// ptState, and whether it starts at offset 0 of the original input (what
// Metaspace's prepend_scheme "first" tests).
type ptSpan struct {
	s, e  int32
	first bool
}

// ptMatch is one region found by a splitting pattern inside a span.
type ptMatch struct {
	s, e  int32
	match bool
}

// ptState is the scratch of one pre-tokenization. Pre-tokenizers read cur and
// write next; rewritten text is appended to buf, which only grows during one
// segment, so spans stay valid.
type ptState struct {
	buf       []byte
	cur, next []ptSpan
	m         []ptMatch
}

func (st *ptState) swap() { st.cur, st.next = st.next, st.cur[:0] }

func (st *ptState) emit(s, e int32, first bool) {
	if e > s {
		st.next = append(st.next, ptSpan{s, e, first})
	}
}

// splitBehavior is tokenizer.json's SplitDelimiterBehavior.
type splitBehavior uint8

const (
	behaviorRemoved splitBehavior = iota
	behaviorIsolated
	behaviorMergedWithPrevious
	behaviorMergedWithNext
	behaviorContiguous
)

func parseBehavior(s string) (splitBehavior, bool) {
	switch s {
	case "Removed", "removed":
		return behaviorRemoved, true
	case "Isolated", "isolated":
		return behaviorIsolated, true
	case "MergedWithPrevious", "merged_with_previous":
		return behaviorMergedWithPrevious, true
	case "MergedWithNext", "merged_with_next":
		return behaviorMergedWithNext, true
	case "Contiguous", "contiguous":
		return behaviorContiguous, true
	}
	return 0, false
}

// applyBehavior turns the matches found in parent (st.m, covering it in
// order) into pieces appended to st.next, as NormalizedString::split does.
func (st *ptState) applyBehavior(parent ptSpan, b splitBehavior) {
	ms := st.m
	first := func(s int32) bool { return parent.first && s == parent.s }
	switch b {
	case behaviorRemoved:
		for _, m := range ms {
			if !m.match {
				st.emit(m.s, m.e, first(m.s))
			}
		}
	case behaviorIsolated:
		for _, m := range ms {
			st.emit(m.s, m.e, first(m.s))
		}
	case behaviorContiguous, behaviorMergedWithPrevious:
		// Fold forward into [start, end) runs, then emit.
		prev := false
		have := false
		var s, e int32
		for _, m := range ms {
			join := false
			if b == behaviorContiguous {
				join = m.match == prev
			} else {
				join = m.match && !prev
			}
			if join && have {
				e = m.e
			} else {
				if have {
					st.emit(s, e, first(s))
				}
				s, e, have = m.s, m.e, true
			}
			prev = m.match
		}
		if have {
			st.emit(s, e, first(s))
		}
	case behaviorMergedWithNext:
		// Fold backwards: a match that follows a non-match (reading right to
		// left) is glued to the start of the piece after it.
		start := len(st.next)
		prev := false
		have := false
		var s, e int32
		for i := len(ms) - 1; i >= 0; i-- {
			m := ms[i]
			if m.match && !prev && have {
				s = m.s
			} else {
				if have && e > s {
					st.next = append(st.next, ptSpan{s, e, false})
				}
				s, e, have = m.s, m.e, true
			}
			prev = m.match
		}
		if have && e > s {
			st.next = append(st.next, ptSpan{s, e, false})
		}
		out := st.next[start:]
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
		for i := range out {
			out[i].first = first(out[i].s)
		}
	}
}

// splitByRune fills st.m with each rune of parent for which pred holds as a
// separate match, and the runs between them as non-matches.
func (st *ptState) splitByRune(parent ptSpan, pred func(rune) bool) {
	st.m = st.m[:0]
	text := st.buf[parent.s:parent.e]
	last := 0
	for i := 0; i < len(text); {
		r, n := decodeRune(text[i:])
		if pred(r) {
			if last < i {
				st.m = append(st.m, ptMatch{parent.s + int32(last), parent.s + int32(i), false})
			}
			st.m = append(st.m, ptMatch{parent.s + int32(i), parent.s + int32(i+n), true})
			last = i + n
		}
		i += n
	}
	if last < len(text) {
		st.m = append(st.m, ptMatch{parent.s + int32(last), parent.e, false})
	}
}

// fillGaps turns a list of match ranges (relative to parent) into st.m.
func (st *ptState) addMatch(parent ptSpan, last *int, s, e int, invert bool) {
	if *last < s {
		st.m = append(st.m, ptMatch{parent.s + int32(*last), parent.s + int32(s), invert})
	}
	st.m = append(st.m, ptMatch{parent.s + int32(s), parent.s + int32(e), !invert})
	*last = e
}

func (st *ptState) closeMatches(parent ptSpan, last int, invert bool) {
	if int32(last) < parent.e-parent.s {
		st.m = append(st.m, ptMatch{parent.s + int32(last), parent.e, invert})
	}
}

func decodeRune(b []byte) (rune, int) {
	if b[0] < utf8.RuneSelf {
		return rune(b[0]), 1
	}
	return utf8.DecodeRune(b)
}

type preTokenizer interface {
	preTokenize(st *ptState)
}

// byteLevelPre is GPT-2's pre-tokenizer: optional leading space, the GPT-2
// regex split (the fast splitR50k scanner), then every byte mapped to its
// printable stand-in character. When skipMap is set (the BPE model after it
// works on raw bytes, see bpeModel.raw) the mapping is left out.
type byteLevelPre struct {
	addPrefixSpace, useRegex bool
	skipMap                  bool
}

func (p *byteLevelPre) preTokenize(st *ptState) {
	for _, sp := range st.cur {
		if p.addPrefixSpace && st.buf[sp.s] != ' ' {
			s := int32(len(st.buf))
			st.buf = append(st.buf, ' ')
			st.buf = append(st.buf, st.buf[sp.s:sp.e]...)
			sp = ptSpan{s, int32(len(st.buf)), sp.first}
		}
		if !p.useRegex {
			st.emit(sp.s, sp.e, sp.first)
			continue
		}
		text := st.buf[sp.s:sp.e]
		for i := 0; i < len(text); {
			n := splitR50k(text[i:])
			st.emit(sp.s+int32(i), sp.s+int32(i+n), sp.first && i == 0)
			i += n
		}
	}
	st.swap()
	if p.skipMap {
		return
	}
	for _, sp := range st.cur {
		s := int32(len(st.buf))
		for i := sp.s; i < sp.e; i++ {
			st.buf = append(st.buf, byteLevelEnc[st.buf[i]]...)
		}
		st.emit(s, int32(len(st.buf)), sp.first)
	}
	st.swap()
}

// byteLevelEnc maps each byte to the UTF-8 of its GPT-2 stand-in character;
// byteLevelDec is the inverse, indexed by rune (all stand-ins are < 0x144).
var byteLevelEnc [256]string
var byteLevelDec [0x144]int16

func init() {
	var bs []int
	for b := '!'; b <= '~'; b++ {
		bs = append(bs, int(b))
	}
	for b := 0xA1; b <= 0xAC; b++ {
		bs = append(bs, b)
	}
	for b := 0xAE; b <= 0xFF; b++ {
		bs = append(bs, b)
	}
	in := make([]bool, 256)
	for _, b := range bs {
		in[b] = true
	}
	for i := range byteLevelDec {
		byteLevelDec[i] = -1
	}
	n := 0
	for b := 0; b < 256; b++ {
		r := rune(b)
		if !in[b] {
			r = rune(256 + n)
			n++
		}
		byteLevelEnc[b] = string(r)
		byteLevelDec[r] = int16(b)
	}
}

func isNumber(r rune) bool {
	if r < utf8.RuneSelf {
		return '0' <= r && r <= '9'
	}
	return unicode.IsNumber(r)
}

func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || ('\t' <= r && r <= '\r')
	}
	return unicode.IsSpace(r)
}

func runWhile(b []byte, pred func(rune) bool) int {
	i := 0
	for i < len(b) {
		r, n := decodeRune(b[i:])
		if !pred(r) {
			break
		}
		i += n
	}
	return i
}

// isWordRune is the Unicode \w of Rust's regex crate.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') || r == '_'
	}
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.Is(unicode.Nd, r) ||
		unicode.Is(unicode.Nl, r) || unicode.Is(unicode.Pc, r) ||
		unicode.Is(unicode.Other_Alphabetic, r) || r == 0x200C || r == 0x200D
}

// whitespacePre keeps the matches of \w+|[^\w\s]+.
type whitespacePre struct{}

func (whitespacePre) preTokenize(st *ptState) {
	for _, sp := range st.cur {
		text := st.buf[sp.s:sp.e]
		for i := 0; i < len(text); {
			r, n := decodeRune(text[i:])
			var m int
			switch {
			case isWordRune(r):
				m = runWhile(text[i:], isWordRune)
			case !isSpace(r):
				m = runWhile(text[i:], func(r rune) bool { return !isWordRune(r) && !isSpace(r) })
			default:
				i += n
				continue
			}
			st.emit(sp.s+int32(i), sp.s+int32(i+m), sp.first && i == 0)
			i += m
		}
	}
	st.swap()
}

// whitespaceSplitPre splits on white space, dropping it.
type whitespaceSplitPre struct{}

func (whitespaceSplitPre) preTokenize(st *ptState) {
	for _, sp := range st.cur {
		st.splitByRune(sp, isSpace)
		st.applyBehavior(sp, behaviorRemoved)
	}
	st.swap()
}

func isPunc(r rune) bool {
	if r < utf8.RuneSelf {
		return (r >= '!' && r <= '/') || (r >= ':' && r <= '@') || (r >= '[' && r <= '`') || (r >= '{' && r <= '~')
	}
	return unicode.Is(hfPunct, r)
}

// bertPre splits on white space (dropped) and isolates each punctuation character.
type bertPre struct{}

func (bertPre) preTokenize(st *ptState) {
	for _, sp := range st.cur {
		text := st.buf[sp.s:sp.e]
		run := -1
		for i := 0; i < len(text); {
			r, n := decodeRune(text[i:])
			sp2 := isSpace(r)
			pu := !sp2 && isPunc(r)
			if sp2 || pu {
				if run >= 0 {
					st.emit(sp.s+int32(run), sp.s+int32(i), sp.first && run == 0)
					run = -1
				}
				if pu {
					st.emit(sp.s+int32(i), sp.s+int32(i+n), sp.first && i == 0)
				}
			} else if run < 0 {
				run = i
			}
			i += n
		}
		if run >= 0 {
			st.emit(sp.s+int32(run), sp.e, sp.first && run == 0)
		}
	}
	st.swap()
}

// runePre splits with a rune predicate and a behavior (Punctuation, Digits).
type runePre struct {
	pred     func(rune) bool
	behavior splitBehavior
}

func (p runePre) preTokenize(st *ptState) {
	for _, sp := range st.cur {
		st.splitByRune(sp, p.pred)
		st.applyBehavior(sp, p.behavior)
	}
	st.swap()
}

// metaspacePre replaces ' ' by the replacement character, prepends it
// according to the scheme and optionally splits before each replacement.
type metaspacePre struct {
	repl    []byte
	replR   rune
	prepend string // "always", "first", "never"
	split   bool
}

func (p *metaspacePre) preTokenize(st *ptState) {
	for _, sp := range st.cur {
		s := int32(len(st.buf))
		text := st.buf[sp.s:sp.e]
		needPrefix := false
		if p.prepend == "always" || (p.prepend == "first" && sp.first) {
			needPrefix = !(text[0] == ' ' || bytes.HasPrefix(text, p.repl))
		}
		if needPrefix {
			st.buf = append(st.buf, p.repl...)
		}
		for i := sp.s; i < sp.e; i++ {
			c := st.buf[i]
			if c == ' ' {
				st.buf = append(st.buf, p.repl...)
			} else {
				st.buf = append(st.buf, c)
			}
		}
		np := ptSpan{s, int32(len(st.buf)), sp.first}
		if !p.split {
			st.emit(np.s, np.e, np.first)
			continue
		}
		st.splitByRune(np, func(r rune) bool { return r == p.replR })
		st.applyBehavior(np, behaviorMergedWithNext)
	}
	st.swap()
}

// splitPre is the Split pre-tokenizer with a literal or a regex pattern.
type splitPre struct {
	literal  []byte
	re       *regexp2.Regexp
	fast     splitFunc // a known pattern served by a hand-written scanner
	behavior splitBehavior
	invert   bool
}

func (p *splitPre) preTokenize(st *ptState) {
	for _, sp := range st.cur {
		st.m = st.m[:0]
		text := st.buf[sp.s:sp.e]
		last := 0
		if p.fast != nil {
			for i := 0; i < len(text); {
				n := p.fast(text[i:])
				st.addMatch(sp, &last, i, i+n, p.invert)
				i += n
			}
		} else if p.re != nil {
			for _, l := range regexFindAll(p.re, text) {
				if l[0] < last {
					continue
				}
				st.addMatch(sp, &last, l[0], l[1], p.invert)
			}
		} else if len(p.literal) > 0 {
			for off := 0; off <= len(text); {
				i := bytes.Index(text[off:], p.literal)
				if i < 0 {
					break
				}
				st.addMatch(sp, &last, off+i, off+i+len(p.literal), p.invert)
				off += i + len(p.literal)
			}
		}
		st.closeMatches(sp, last, p.invert)
		st.applyBehavior(sp, p.behavior)
	}
	st.swap()
}

type seqPre struct{ list []preTokenizer }

func (p *seqPre) preTokenize(st *ptState) {
	for _, x := range p.list {
		x.preTokenize(st)
	}
}

// fastPatterns maps split regexes that have a hand-written scanner (see
// pretok.go) to it; each scanner returns exactly the regex's matches, and
// these patterns match every character, so the pieces tile the text.
var fastPatterns = map[string]splitFunc{
	`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`:                                          splitR50k,
	`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`: splitCL100k,
	`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`: splitO200k,
}
