package tokenize

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/dlclark/regexp2/v2"
	"golang.org/x/text/unicode/norm"
)

// HFDoc describes the tokenizer.json loader.
const HFDoc = "Hugging Face tokenizer.json (BPE, WordPiece, Unigram, WordLevel) with its normalizer, pre-tokenizer, added tokens, post-processor and decoder"

// hfModel encodes one pre-tokenized word.
type hfModel interface {
	encodeWord(sc *scratch, dst []int32, w []byte) []int32
}

// scratch is the per-call state of an encode, pooled per tokenizer.
type scratch struct {
	pt      ptState
	norm    []byte
	ns      normScratch
	syms    []bpeSym
	heap    []bpeItem
	key     []byte
	lattice []uniNode
	path    []uniNode
	ids     []int32

	cache     wordCache
	spmSyms   []spmSym
	spmAgenda []spmPair
}

// HF is a tokenizer loaded from a Hugging Face tokenizer.json. It is safe for
// concurrent use.
type HF struct {
	name      string
	opts      Options
	norm      normalizer
	pre       preTokenizer
	model     hfModel
	decoder   decoder
	prefix    []int32 // post-processor ids before a single sequence
	suffix    []int32 // and after it
	pieces    []string
	vocabSize int
	added     map[int32]*addedToken
	rawMatch  *addedMatcher // tokens matched on the input text
	normMatch *addedMatcher // tokens matched on the normalized text
	roles     map[string]int32
	pool      sync.Pool
}

var _ Tokenizer = (*HF)(nil)

type addedToken struct {
	ID         int32  `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

type hfFile struct {
	AddedTokens   []addedToken    `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	PostProcessor json.RawMessage `json:"post_processor"`
	Decoder       json.RawMessage `json:"decoder"`
	Model         json.RawMessage `json:"model"`
}

// LoadHF loads a tokenizer.json file.
//
// Added tokens are split out of the text before normalization and the model:
// non-special ones always, special ones only with opts.ParseSpecial (without
// it a special token spelt in the text is encoded as ordinary text, like the
// library's encode_special_tokens=true). Tokens marked "normalized" are
// matched on the normalized text, the others on the input. An unsupported
// component is an error naming it and the file.
func LoadHF(path string, opts Options) (*HF, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseHF(path, data, opts)
}

// ParseHF builds a tokenizer from the bytes of a tokenizer.json; name is used
// in errors and returned by Name.
func ParseHF(name string, data []byte, opts Options) (*HF, error) {
	var f hfFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	t := &HF{name: name, opts: opts, added: map[int32]*addedToken{}, roles: map[string]int32{}}
	wrap := func(err error) error { return fmt.Errorf("%s: %w", name, err) }
	var pieces []string
	var err error
	t.model, pieces, err = parseHFModel(f.Model)
	if err != nil {
		return nil, wrap(err)
	}
	if t.norm, err = parseNormalizer(f.Normalizer); err != nil {
		return nil, wrap(err)
	}
	if t.pre, err = parsePreTokenizer(f.PreTokenizer); err != nil {
		return nil, wrap(err)
	}
	if t.decoder, err = parseDecoder(f.Decoder); err != nil {
		return nil, wrap(err)
	}
	for i := range f.AddedTokens {
		a := f.AddedTokens[i]
		if a.ID < 0 || a.ID > 1<<28 {
			return nil, wrap(fmt.Errorf("added token %q: bad id %d", a.Content, a.ID))
		}
		t.added[a.ID] = &a
		for int(a.ID) >= len(pieces) {
			pieces = append(pieces, "")
		}
		pieces[a.ID] = a.Content
	}
	t.pieces = pieces
	t.vocabSize = len(pieces)
	if err := checkByteCoverage(f.PreTokenizer, f.Model, pieces, opts); err != nil {
		return nil, wrap(err)
	}
	if t.prefix, t.suffix, err = parsePostProcessor(f.PostProcessor, t.tokenID); err != nil {
		return nil, wrap(err)
	}
	t.buildMatchers()
	t.buildRoles()
	t.useRawBytes()
	t.pool.New = func() any { return &scratch{} }
	return t, nil
}

// useRawBytes lets a BPE model that follows a ByteLevel pre-tokenizer work on
// raw bytes: the pre-tokenizer skips the byte-to-character mapping and the
// model looks each byte up in a 256-entry table, which gives the same ids
// since each stand-in character is exactly one byte.
func (t *HF) useRawBytes() {
	m, ok := t.model.(*bpeModel)
	if !ok || m.prefix != "" || m.suffix != "" || m.byteFallback {
		return
	}
	var bl *byteLevelPre
	switch p := t.pre.(type) {
	case *byteLevelPre:
		bl = p
	case *seqPre:
		if len(p.list) > 0 {
			bl, _ = p.list[len(p.list)-1].(*byteLevelPre)
		}
	}
	if bl == nil {
		return
	}
	bl.skipMap = true
	m.enableRaw()
}

func (t *HF) tokenID(s string) (int32, bool) {
	for id, a := range t.added {
		if a.Content == s {
			return id, true
		}
	}
	for id, p := range t.pieces {
		if p == s {
			return int32(id), true
		}
	}
	return 0, false
}

func (t *HF) buildMatchers() {
	var raw, normd []*addedToken
	ids := make([]int32, 0, len(t.added))
	for id := range t.added {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var ns normScratch
	for _, id := range ids {
		a := t.added[id]
		if a.Content == "" || (a.Special && !t.opts.ParseSpecial) {
			continue
		}
		if a.Normalized {
			c := *a
			if t.norm != nil {
				c.Content = string(t.norm.normalize(nil, []byte(a.Content), &ns))
			}
			if c.Content != "" {
				normd = append(normd, &c)
			}
		} else {
			raw = append(raw, a)
		}
	}
	t.rawMatch = newAddedMatcher(raw)
	t.normMatch = newAddedMatcher(normd)
}

var roleNames = map[string][]string{
	"bos":  {"<s>", "<|begin_of_text|>", "<bos>", "[BOS]", "<|startoftext|>"},
	"eos":  {"</s>", "<|end_of_text|>", "<|endoftext|>", "<eos>", "[EOS]"},
	"pad":  {"<pad>", "[PAD]", "<|pad|>", "<|padding|>"},
	"unk":  {"<unk>", "[UNK]", "<|unk|>"},
	"mask": {"<mask>", "[MASK]", "<|mask|>"},
	"cls":  {"[CLS]", "<cls>", "<s>"},
	"sep":  {"[SEP]", "<sep>", "</s>"},
}

// buildRoles resolves Special roles: bos/cls from the first template token,
// eos/sep from the last one, unk from the model, then well-known spellings.
func (t *HF) buildRoles() {
	if len(t.prefix) > 0 {
		t.roles["bos"] = t.prefix[0]
		t.roles["cls"] = t.prefix[0]
	}
	if len(t.suffix) > 0 {
		t.roles["eos"] = t.suffix[len(t.suffix)-1]
		t.roles["sep"] = t.suffix[0]
	}
	switch m := t.model.(type) {
	case *bpeModel:
		if m.unk >= 0 {
			t.roles["unk"] = m.unk
		}
	case *wordPieceModel:
		if m.unk >= 0 {
			t.roles["unk"] = m.unk
		}
	case *unigramModel:
		if m.unk >= 0 {
			t.roles["unk"] = m.unk
		}
	case *wordLevelModel:
		if m.unk >= 0 {
			t.roles["unk"] = m.unk
		}
	}
	for role, names := range roleNames {
		if _, ok := t.roles[role]; ok {
			continue
		}
		for _, n := range names {
			if id, ok := t.tokenID(n); ok {
				t.roles[role] = id
				break
			}
		}
	}
}

// Name returns the path the tokenizer was loaded from.
func (t *HF) Name() string { return t.name }

// VocabSize is one more than the largest id, added tokens included.
func (t *HF) VocabSize() int { return t.vocabSize }

// Piece returns the token string of id ("" when id is unknown).
func (t *HF) Piece(id int32) string {
	if id < 0 || int(id) >= len(t.pieces) {
		return ""
	}
	return t.pieces[id]
}

// Special resolves a role to an id (see buildRoles for the rules).
func (t *HF) Special(role string) (int32, bool) {
	id, ok := t.roles[role]
	return id, ok
}

// Encode appends the ids of text to dst (no post-processor tokens).
func (t *HF) Encode(dst []int32, text []byte) []int32 {
	sc := t.pool.Get().(*scratch)
	dst = t.encode(sc, dst, text)
	t.pool.Put(sc)
	return dst
}

// Count returns the number of ids Encode would append.
func (t *HF) Count(text []byte) int {
	sc := t.pool.Get().(*scratch)
	sc.ids = t.encode(sc, sc.ids[:0], text)
	n := len(sc.ids)
	t.pool.Put(sc)
	return n
}

// EncodeWithSpecial is Encode wrapped by the post-processor's template for a
// single sequence (e.g. [CLS] … [SEP], <s> … </s>, BOS …).
func (t *HF) EncodeWithSpecial(dst []int32, text []byte) []int32 {
	dst = append(dst, t.prefix...)
	dst = t.Encode(dst, text)
	return append(dst, t.suffix...)
}

// SpecialTemplate returns the ids the post-processor puts before and after a
// single sequence.
func (t *HF) SpecialTemplate() (prefix, suffix []int32) { return t.prefix, t.suffix }

func (t *HF) encode(sc *scratch, dst []int32, text []byte) []int32 {
	off := 0
	for from := 0; from < len(text); {
		s, e, tok, ok := t.rawMatch.find(text, from)
		if !ok {
			break
		}
		from = e
		s, e, ok = tok.adjust(text, s, e, off)
		if !ok {
			continue
		}
		if off < s {
			dst = t.encodeRaw(sc, dst, text[off:s], off == 0)
		}
		dst = append(dst, tok.ID)
		off = e
	}
	if off < len(text) {
		dst = t.encodeRaw(sc, dst, text[off:], off == 0)
	}
	return dst
}

func (t *HF) encodeRaw(sc *scratch, dst []int32, seg []byte, atStart bool) []int32 {
	text := seg
	if t.norm != nil {
		sc.norm = t.norm.normalize(sc.norm[:0], seg, &sc.ns)
		text = sc.norm
	}
	off := 0
	for from := 0; from < len(text); {
		s, e, tok, ok := t.normMatch.find(text, from)
		if !ok {
			break
		}
		from = e
		s, e, ok = tok.adjust(text, s, e, off)
		if !ok {
			continue
		}
		if off < s {
			dst = t.encodePiece(sc, dst, text[off:s], atStart && off == 0)
		}
		dst = append(dst, tok.ID)
		off = e
	}
	if off < len(text) {
		dst = t.encodePiece(sc, dst, text[off:], atStart && off == 0)
	}
	return dst
}

func (t *HF) encodePiece(sc *scratch, dst []int32, piece []byte, first bool) []int32 {
	st := &sc.pt
	st.buf = append(st.buf[:0], piece...)
	st.cur = append(st.cur[:0], ptSpan{0, int32(len(piece)), first})
	st.next = st.next[:0]
	if t.pre != nil {
		t.pre.preTokenize(st)
	}
	for _, sp := range st.cur {
		dst = t.model.encodeWord(sc, dst, st.buf[sp.s:sp.e])
	}
	return dst
}

// Decode appends the text of ids to dst, running the tokenizer.json decoder
// (ids of no token are skipped, as the library does). The ByteLevel decoder
// returns the raw bytes, so any input round-trips even where the library
// would show U+FFFD for a cut character.
func (t *HF) Decode(dst []byte, ids []int32) ([]byte, error) {
	toks := make([]string, 0, len(ids))
	for _, id := range ids {
		if id < 0 || int(id) >= len(t.pieces) {
			return dst, fmt.Errorf("tokenize: id %d out of range [0,%d)", id, len(t.pieces))
		}
		if a, ok := t.added[id]; ok {
			toks = append(toks, a.Content)
			continue
		}
		if p := t.pieces[id]; p != "" {
			toks = append(toks, p)
		}
	}
	if t.decoder == nil {
		return append(dst, strings.Join(toks, " ")...), nil
	}
	for _, s := range t.decoder.decode(toks) {
		dst = append(dst, s...)
	}
	return dst, nil
}

// addedMatcher finds added tokens leftmost-longest, like the library's
// Aho-Corasick automaton (token sets are small, so candidates are indexed by
// first byte and tried longest first).
type addedMatcher struct {
	byFirst [256][]*addedToken
	any     bool
}

func newAddedMatcher(toks []*addedToken) *addedMatcher {
	m := &addedMatcher{}
	for _, a := range toks {
		c := a.Content[0]
		m.byFirst[c] = append(m.byFirst[c], a)
		m.any = true
	}
	for i := range m.byFirst {
		l := m.byFirst[i]
		sort.SliceStable(l, func(a, b int) bool { return len(l[a].Content) > len(l[b].Content) })
	}
	return m
}

func (m *addedMatcher) find(text []byte, from int) (int, int, *addedToken, bool) {
	if m == nil || !m.any {
		return 0, 0, nil, false
	}
	for i := from; i < len(text); i++ {
		for _, a := range m.byFirst[text[i]] {
			if len(a.Content) <= len(text)-i && string(text[i:i+len(a.Content)]) == a.Content {
				return i, i + len(a.Content), a, true
			}
		}
	}
	return 0, 0, nil, false
}

// adjust applies single_word, lstrip and rstrip to a match [s,e) given the end
// off of the previous split; ok is false when the match is discarded.
func (a *addedToken) adjust(text []byte, s, e, off int) (int, int, bool) {
	if a.SingleWord {
		if s > 0 {
			if r, _ := utf8.DecodeLastRune(text[:s]); isWordChar(r) {
				return s, e, false
			}
		}
		if e < len(text) {
			if r, _ := utf8.DecodeRune(text[e:]); isWordChar(r) {
				return s, e, false
			}
		}
	}
	if a.LStrip {
		ns := len(bytes.TrimRightFunc(text[:s], unicode.IsSpace))
		s = max(ns, off)
	}
	if a.RStrip {
		e = len(text) - len(bytes.TrimLeftFunc(text[e:], unicode.IsSpace))
	}
	return s, e, true
}

func isWordChar(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_' || unicode.Is(unicode.Pc, r)
}

// ---- component parsing ----

type typed struct {
	Type string `json:"type"`
}

func isNull(raw json.RawMessage) bool {
	s := bytes.TrimSpace(raw)
	return len(s) == 0 || string(s) == "null"
}

type patternJSON struct {
	String *string `json:"String"`
	Regex  *string `json:"Regex"`
}

func compileHFRegex(expr string) (*regexp2.Regexp, error) {
	re, err := regexp2.Compile(expr, regexp2.None)
	if err != nil {
		return nil, fmt.Errorf("regex %q: %w", expr, err)
	}
	return re, nil
}

func parseNormalizer(raw json.RawMessage) (normalizer, error) {
	if isNull(raw) {
		return nil, nil
	}
	var t typed
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("normalizer: %w", err)
	}
	switch t.Type {
	case "NFC":
		return nfNormalizer{norm.NFC}, nil
	case "NFD":
		return nfNormalizer{norm.NFD}, nil
	case "NFKC":
		return nfNormalizer{norm.NFKC}, nil
	case "NFKD":
		return nfNormalizer{norm.NFKD}, nil
	case "Lowercase":
		return lowercaseNormalizer{}, nil
	case "StripAccents":
		return stripAccentsNormalizer{}, nil
	case "Strip":
		var v struct {
			Left  bool `json:"strip_left"`
			Right bool `json:"strip_right"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("normalizer Strip: %w", err)
		}
		return stripNormalizer{v.Left, v.Right}, nil
	case "Prepend":
		var v struct {
			Prepend string `json:"prepend"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("normalizer Prepend: %w", err)
		}
		return prependNormalizer{[]byte(v.Prepend)}, nil
	case "Replace":
		var v struct {
			Pattern patternJSON `json:"pattern"`
			Content string      `json:"content"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("normalizer Replace: %w", err)
		}
		r := &replaceNormalizer{content: []byte(v.Content)}
		switch {
		case v.Pattern.String != nil:
			r.literal = []byte(*v.Pattern.String)
		case v.Pattern.Regex != nil && *v.Pattern.Regex == " {2,}":
			r.spaceRuns = true
		case v.Pattern.Regex != nil:
			re, err := compileHFRegex(*v.Pattern.Regex)
			if err != nil {
				return nil, fmt.Errorf("normalizer Replace: %w", err)
			}
			r.re = re
		default:
			return nil, errors.New("normalizer Replace: pattern must be String or Regex")
		}
		return r, nil
	case "BertNormalizer":
		var v struct {
			Clean     *bool `json:"clean_text"`
			Chinese   *bool `json:"handle_chinese_chars"`
			Strip     *bool `json:"strip_accents"`
			Lowercase *bool `json:"lowercase"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("normalizer BertNormalizer: %w", err)
		}
		def := func(p *bool, d bool) bool {
			if p == nil {
				return d
			}
			return *p
		}
		b := &bertNormalizer{cleanText: def(v.Clean, true), chineseChars: def(v.Chinese, true), lowercase: def(v.Lowercase, true)}
		b.stripAccents = def(v.Strip, b.lowercase)
		return b, nil
	case "Precompiled":
		var v struct {
			Map *string `json:"precompiled_charsmap"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("normalizer Precompiled: %w", err)
		}
		if v.Map == nil || *v.Map == "" {
			return &seqNormalizer{}, nil
		}
		blob, err := base64.StdEncoding.DecodeString(*v.Map)
		if err != nil {
			return nil, fmt.Errorf("normalizer Precompiled: %w", err)
		}
		cm, err := parseCharsMap(blob)
		if err != nil {
			return nil, fmt.Errorf("normalizer Precompiled: %w", err)
		}
		return &precompiledNormalizer{cm}, nil
	case "Sequence":
		var v struct {
			List []json.RawMessage `json:"normalizers"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("normalizer Sequence: %w", err)
		}
		s := &seqNormalizer{}
		for _, r := range v.List {
			n, err := parseNormalizer(r)
			if err != nil {
				return nil, err
			}
			if n == nil {
				continue
			}
			if inner, ok := n.(*seqNormalizer); ok {
				s.list = append(s.list, inner.list...)
			} else {
				s.list = append(s.list, n)
			}
		}
		return s, nil
	}
	return nil, fmt.Errorf("normalizer type %q is not supported", t.Type)
}

func parsePreTokenizer(raw json.RawMessage) (preTokenizer, error) {
	if isNull(raw) {
		return nil, nil
	}
	var t typed
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("pre_tokenizer: %w", err)
	}
	switch t.Type {
	case "ByteLevel":
		v := struct {
			AddPrefixSpace bool  `json:"add_prefix_space"`
			UseRegex       *bool `json:"use_regex"`
		}{}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("pre_tokenizer ByteLevel: %w", err)
		}
		return &byteLevelPre{addPrefixSpace: v.AddPrefixSpace, useRegex: v.UseRegex == nil || *v.UseRegex}, nil
	case "Whitespace":
		return whitespacePre{}, nil
	case "WhitespaceSplit":
		return whitespaceSplitPre{}, nil
	case "BertPreTokenizer":
		return bertPre{}, nil
	case "Punctuation":
		var v struct {
			Behavior string `json:"behavior"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("pre_tokenizer Punctuation: %w", err)
		}
		b := behaviorIsolated
		if v.Behavior != "" {
			var ok bool
			if b, ok = parseBehavior(v.Behavior); !ok {
				return nil, fmt.Errorf("pre_tokenizer Punctuation: behavior %q is not supported", v.Behavior)
			}
		}
		return runePre{isPunc, b}, nil
	case "Digits":
		var v struct {
			Individual bool `json:"individual_digits"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("pre_tokenizer Digits: %w", err)
		}
		b := behaviorContiguous
		if v.Individual {
			b = behaviorIsolated
		}
		return runePre{unicode.IsNumber, b}, nil
	case "Metaspace":
		var v struct {
			Replacement    *string `json:"replacement"`
			PrependScheme  string  `json:"prepend_scheme"`
			AddPrefixSpace *bool   `json:"add_prefix_space"`
			Split          *bool   `json:"split"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("pre_tokenizer Metaspace: %w", err)
		}
		p := &metaspacePre{repl: []byte("▁"), prepend: "always", split: v.Split == nil || *v.Split}
		if v.Replacement != nil {
			if utf8.RuneCountInString(*v.Replacement) != 1 {
				return nil, fmt.Errorf("pre_tokenizer Metaspace: replacement %q must be one character", *v.Replacement)
			}
			p.repl = []byte(*v.Replacement)
		}
		p.replR, _ = utf8.DecodeRune(p.repl)
		switch {
		case v.PrependScheme != "":
			if v.PrependScheme != "always" && v.PrependScheme != "first" && v.PrependScheme != "never" {
				return nil, fmt.Errorf("pre_tokenizer Metaspace: prepend_scheme %q is not supported", v.PrependScheme)
			}
			p.prepend = v.PrependScheme
		case v.AddPrefixSpace != nil && !*v.AddPrefixSpace:
			p.prepend = "never"
		}
		return p, nil
	case "Split":
		var v struct {
			Pattern  patternJSON `json:"pattern"`
			Behavior string      `json:"behavior"`
			Invert   bool        `json:"invert"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("pre_tokenizer Split: %w", err)
		}
		b, ok := parseBehavior(v.Behavior)
		if !ok {
			return nil, fmt.Errorf("pre_tokenizer Split: behavior %q is not supported", v.Behavior)
		}
		p := &splitPre{behavior: b, invert: v.Invert}
		switch {
		case v.Pattern.String != nil:
			p.literal = []byte(*v.Pattern.String)
		case v.Pattern.Regex != nil:
			if f, ok := fastPatterns[*v.Pattern.Regex]; ok {
				p.fast = f
				break
			}
			re, err := compileHFRegex(*v.Pattern.Regex)
			if err != nil {
				return nil, fmt.Errorf("pre_tokenizer Split: %w", err)
			}
			p.re = re
		default:
			return nil, errors.New("pre_tokenizer Split: pattern must be String or Regex")
		}
		return p, nil
	case "Sequence":
		var v struct {
			List []json.RawMessage `json:"pretokenizers"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("pre_tokenizer Sequence: %w", err)
		}
		s := &seqPre{}
		for _, r := range v.List {
			p, err := parsePreTokenizer(r)
			if err != nil {
				return nil, err
			}
			if p != nil {
				s.list = append(s.list, p)
			}
		}
		return s, nil
	}
	return nil, fmt.Errorf("pre_tokenizer type %q is not supported", t.Type)
}

func parseHFModel(raw json.RawMessage) (hfModel, []string, error) {
	if isNull(raw) {
		return nil, nil, errors.New("model is missing")
	}
	var v struct {
		Type         string          `json:"type"`
		Vocab        json.RawMessage `json:"vocab"`
		Merges       json.RawMessage `json:"merges"`
		UnkToken     *string         `json:"unk_token"`
		UnkID        *int            `json:"unk_id"`
		Prefix       *string         `json:"continuing_subword_prefix"`
		Suffix       *string         `json:"end_of_word_suffix"`
		FuseUnk      bool            `json:"fuse_unk"`
		ByteFallback bool            `json:"byte_fallback"`
		IgnoreMerges bool            `json:"ignore_merges"`
		MaxChars     *int            `json:"max_input_chars_per_word"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, nil, fmt.Errorf("model: %w", err)
	}
	typ := v.Type
	if typ == "" { // untagged files: infer from the fields
		switch {
		case !isNull(v.Merges):
			typ = "BPE"
		case bytes.HasPrefix(bytes.TrimSpace(v.Vocab), []byte("[")):
			typ = "Unigram"
		case v.MaxChars != nil:
			typ = "WordPiece"
		default:
			typ = "WordLevel"
		}
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	switch typ {
	case "BPE", "WordPiece", "WordLevel":
		vocab := map[string]int32{}
		var m map[string]int64
		if err := json.Unmarshal(v.Vocab, &m); err != nil {
			return nil, nil, fmt.Errorf("model %s vocab: %w", typ, err)
		}
		pieces, err := piecesFromMap(m, vocab)
		if err != nil {
			return nil, nil, fmt.Errorf("model %s: %w", typ, err)
		}
		switch typ {
		case "BPE":
			merges, err := parseMerges(v.Merges)
			if err != nil {
				return nil, nil, err
			}
			b, err := newBPEModel(vocab, merges, str(v.UnkToken), str(v.Prefix), str(v.Suffix))
			if err != nil {
				return nil, nil, fmt.Errorf("model BPE: %w", err)
			}
			b.fuseUnk, b.byteFallback, b.ignoreMerges = v.FuseUnk, v.ByteFallback, v.IgnoreMerges
			return b, pieces, nil
		case "WordPiece":
			unk, prefix, maxChars := "[UNK]", "##", 100
			if v.UnkToken != nil {
				unk = *v.UnkToken
			}
			if v.Prefix != nil {
				prefix = *v.Prefix
			}
			if v.MaxChars != nil {
				maxChars = *v.MaxChars
			}
			return newWordPieceModel(vocab, unk, prefix, maxChars), pieces, nil
		default:
			m := &wordLevelModel{vocab: vocab, unk: -1}
			if id, ok := vocab[str(v.UnkToken)]; ok {
				m.unk = id
			}
			return m, pieces, nil
		}
	case "Unigram":
		var list [][2]json.RawMessage
		if err := json.Unmarshal(v.Vocab, &list); err != nil {
			return nil, nil, fmt.Errorf("model Unigram vocab: %w", err)
		}
		pieces := make([]string, len(list))
		scores := make([]float64, len(list))
		vocab := make(map[string]int32, len(list))
		for i, e := range list {
			if err := json.Unmarshal(e[0], &pieces[i]); err != nil {
				return nil, nil, fmt.Errorf("model Unigram vocab[%d]: %w", i, err)
			}
			if err := json.Unmarshal(e[1], &scores[i]); err != nil {
				return nil, nil, fmt.Errorf("model Unigram vocab[%d]: %w", i, err)
			}
			if _, dup := vocab[pieces[i]]; !dup {
				vocab[pieces[i]] = int32(i)
			}
		}
		m := &unigramModel{scores: scores, unk: -1, byteFallback: v.ByteFallback, vocab: vocab}
		if v.UnkID != nil {
			if *v.UnkID < 0 || *v.UnkID >= len(pieces) {
				return nil, nil, fmt.Errorf("model Unigram: unk_id %d out of range", *v.UnkID)
			}
			m.unk = int32(*v.UnkID)
		}
		minScore := 0.0
		for i, s := range scores {
			if i == 0 || s < minScore {
				minScore = s
			}
		}
		m.unkScore = minScore - 10
		for i := range m.byteIDs {
			m.byteIDs[i] = -1
			if id, ok := vocab[fmt.Sprintf("<0x%02X>", i)]; ok {
				m.byteIDs[i] = id
			}
		}
		m.trie = buildPieceTrie(pieces, func(id int) bool { return vocab[pieces[id]] == int32(id) })
		m.da = buildDATrie(m.trie)
		return m, pieces, nil
	}
	return nil, nil, fmt.Errorf("model type %q is not supported", typ)
}

func piecesFromMap(m map[string]int64, vocab map[string]int32) ([]string, error) {
	maxID := int64(-1)
	for k, id := range m {
		if id < 0 || id > 1<<28 {
			return nil, fmt.Errorf("token %q has bad id %d", k, id)
		}
		if id > maxID {
			maxID = id
		}
	}
	pieces := make([]string, maxID+1)
	for k, id := range m {
		pieces[id] = k
		vocab[k] = int32(id)
	}
	return pieces, nil
}

func parseMerges(raw json.RawMessage) ([][2]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("model BPE merges: %w", err)
	}
	out := make([][2]string, len(list))
	for i, r := range list {
		var s string
		if err := json.Unmarshal(r, &s); err == nil {
			parts := strings.Split(s, " ")
			if len(parts) != 2 {
				return nil, fmt.Errorf("model BPE merges[%d]: %q is not two tokens", i, s)
			}
			out[i] = [2]string{parts[0], parts[1]}
			continue
		}
		var p []string
		if err := json.Unmarshal(r, &p); err != nil || len(p) != 2 {
			return nil, fmt.Errorf("model BPE merges[%d]: want \"a b\" or [a, b]", i)
		}
		out[i] = [2]string{p[0], p[1]}
	}
	return out, nil
}

func parsePostProcessor(raw json.RawMessage, lookup func(string) (int32, bool)) (prefix, suffix []int32, err error) {
	if isNull(raw) {
		return nil, nil, nil
	}
	var t typed
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, nil, fmt.Errorf("post_processor: %w", err)
	}
	switch t.Type {
	case "ByteLevel":
		return nil, nil, nil
	case "BertProcessing", "RobertaProcessing":
		var v struct {
			Sep [2]json.RawMessage `json:"sep"`
			Cls [2]json.RawMessage `json:"cls"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, nil, fmt.Errorf("post_processor %s: %w", t.Type, err)
		}
		var sep, cls int32
		if err := json.Unmarshal(v.Sep[1], &sep); err != nil {
			return nil, nil, fmt.Errorf("post_processor %s sep: %w", t.Type, err)
		}
		if err := json.Unmarshal(v.Cls[1], &cls); err != nil {
			return nil, nil, fmt.Errorf("post_processor %s cls: %w", t.Type, err)
		}
		return []int32{cls}, []int32{sep}, nil
	case "TemplateProcessing":
		var v struct {
			Single []struct {
				Special *struct {
					ID string `json:"id"`
				} `json:"SpecialToken"`
				Sequence *struct {
					ID string `json:"id"`
				} `json:"Sequence"`
			} `json:"single"`
			Specials map[string]struct {
				IDs []int32 `json:"ids"`
			} `json:"special_tokens"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, nil, fmt.Errorf("post_processor TemplateProcessing: %w", err)
		}
		seen := false
		for _, p := range v.Single {
			switch {
			case p.Sequence != nil:
				seen = true
			case p.Special != nil:
				sp, ok := v.Specials[p.Special.ID]
				ids := sp.IDs
				if !ok {
					id, ok := lookup(p.Special.ID)
					if !ok {
						return nil, nil, fmt.Errorf("post_processor TemplateProcessing: special token %q is not defined", p.Special.ID)
					}
					ids = []int32{id}
				}
				if seen {
					suffix = append(suffix, ids...)
				} else {
					prefix = append(prefix, ids...)
				}
			}
		}
		return prefix, suffix, nil
	case "Sequence":
		var v struct {
			List []json.RawMessage `json:"processors"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, nil, fmt.Errorf("post_processor Sequence: %w", err)
		}
		for _, r := range v.List {
			p, s, err := parsePostProcessor(r, lookup)
			if err != nil {
				return nil, nil, err
			}
			prefix = append(append([]int32{}, p...), prefix...)
			suffix = append(suffix, s...)
		}
		return prefix, suffix, nil
	}
	return nil, nil, fmt.Errorf("post_processor type %q is not supported", t.Type)
}

// NonTextIDs lists the added tokens marked special and the ids with no token.
func (t *HF) NonTextIDs() []int32 {
	var out []int32
	for id := range t.vocabSize {
		if a := t.added[int32(id)]; (a != nil && a.Special) || t.Piece(int32(id)) == "" {
			out = append(out, int32(id))
		}
	}
	return out
}
