package tokenize

import (
	"errors"
	"fmt"
	"math"
	"os"
	"sync"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// SentencePieceDoc describes the SentencePiece loader.
const SentencePieceDoc = "SentencePiece .model (Unigram or BPE) with its precompiled normalizer, user-defined and control symbols and byte fallback"

// SentencePiece piece types (sentencepiece_model.proto).
const (
	spmNormal      = 1
	spmUnknown     = 2
	spmControl     = 3
	spmUserDefined = 4
	spmUnused      = 5
	spmByte        = 6
)

// SentencePiece is a tokenizer loaded from a SentencePiece ModelProto. It
// encodes like spm_encode (normalizer.cc, unigram_model.cc EncodeOptimized,
// bpe_model.cc) and decodes like spm_decode. It is safe for concurrent use.
type SentencePiece struct {
	name         string
	opts         Options
	pieces       []string
	scores       []float32
	types        []uint8
	normalID     map[string]int32 // NORMAL, USER_DEFINED and UNUSED pieces
	reservedID   map[string]int32 // CONTROL, UNKNOWN and BYTE pieces
	unk          int32
	bos, eos     int32
	pad          int32
	byteFallback bool
	byteIDs      [256]int32
	modelType    int
	cm           *charsMap
	addDummy     bool
	removeExtra  bool
	escapeWS     bool
	userTrie     *pieceTrie // user-defined symbols, matched longest first
	hasUser      bool
	uni          *unigramModel
	unkSurface   string
	control      *addedMatcher // control symbols, split out with ParseSpecial
	// BPE: pairs[idL<<32|idR] is the piece spelt by the two pieces side by
	// side, so merges are found by id instead of hashing strings; overlap
	// tells that some piece is both normal and reserved (ids then go through
	// pieceToID as spm does).
	pairs   map[uint64]int32
	overlap bool
	// asciiID is the normal piece id of each one-byte string (-1 if none);
	// asciiPlain marks bytes that no charsmap rule or user-defined symbol
	// starts with, which normalization copies unchanged.
	asciiID    [128]int32
	asciiPlain [128]bool
	pool       sync.Pool
}

var _ Tokenizer = (*SentencePiece)(nil)

// LoadSentencePiece loads a SentencePiece .model file. With opts.ParseSpecial
// the model's control symbols ("<s>", "</s>", …) spelt in the text are
// encoded as their ids (spm_encode never does this); text after one is
// normalized without the dummy prefix.
func LoadSentencePiece(path string, opts Options) (*SentencePiece, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseSentencePiece(path, data, opts)
}

type spmProto struct {
	pieces        []string
	scores        []float32
	types         []uint8
	modelType     int
	byteFallback  bool
	unk, bos, eos int32
	pad           int32
	unkSurface    string
	wsSuffix      bool
	normName      string
	charsmap      []byte
	addDummy      bool
	removeExtra   bool
	escapeWS      bool
}

func consumeFields(b []byte, fn func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var u uint32
			u, n = protowire.ConsumeFixed32(b)
			x = uint64(u)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if err := fn(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}

func parseSPMProto(data []byte) (*spmProto, error) {
	p := &spmProto{modelType: 1, unk: 0, bos: 1, eos: 2, pad: -1, unkSurface: " \u2047 ", addDummy: true, removeExtra: true, escapeWS: true}
	err := consumeFields(data, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		switch {
		case num == 1 && typ == protowire.BytesType:
			piece, score, ptype := "", float32(0), uint8(spmNormal)
			err := consumeFields(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
				switch {
				case num == 1 && typ == protowire.BytesType:
					piece = string(v)
				case num == 2 && typ == protowire.Fixed32Type:
					score = math.Float32frombits(uint32(x))
				case num == 3 && typ == protowire.VarintType:
					ptype = uint8(x)
				}
				return nil
			})
			if err != nil {
				return err
			}
			p.pieces = append(p.pieces, piece)
			p.scores = append(p.scores, score)
			p.types = append(p.types, ptype)
		case num == 2 && typ == protowire.BytesType:
			return consumeFields(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
				if typ == protowire.VarintType {
					switch num {
					case 3:
						p.modelType = int(x)
					case 24:
						p.wsSuffix = x != 0
					case 35:
						p.byteFallback = x != 0
					case 40:
						p.unk = int32(x)
					case 41:
						p.bos = int32(x)
					case 42:
						p.eos = int32(x)
					case 43:
						p.pad = int32(x)
					}
				} else if typ == protowire.BytesType && num == 44 {
					p.unkSurface = string(v)
				}
				return nil
			})
		case num == 3 && typ == protowire.BytesType:
			return consumeFields(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
				switch {
				case num == 1 && typ == protowire.BytesType:
					p.normName = string(v)
				case num == 2 && typ == protowire.BytesType:
					p.charsmap = append([]byte(nil), v...)
				case num == 3 && typ == protowire.VarintType:
					p.addDummy = x != 0
				case num == 4 && typ == protowire.VarintType:
					p.removeExtra = x != 0
				case num == 5 && typ == protowire.VarintType:
					p.escapeWS = x != 0
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// ParseSentencePiece builds a tokenizer from the bytes of a .model file; name
// is used in errors and returned by Name.
func ParseSentencePiece(name string, data []byte, opts Options) (*SentencePiece, error) {
	wrap := func(err error) error { return fmt.Errorf("%s: %w", name, err) }
	p, err := parseSPMProto(data)
	if err != nil {
		return nil, wrap(fmt.Errorf("not a SentencePiece model: %w", err))
	}
	if len(p.pieces) == 0 {
		return nil, wrap(errors.New("not a SentencePiece model: no pieces"))
	}
	if p.modelType != 1 && p.modelType != 2 {
		return nil, wrap(fmt.Errorf("model_type %d is not supported (only UNIGRAM=1 and BPE=2)", p.modelType))
	}
	if p.wsSuffix {
		return nil, wrap(errors.New("treat_whitespace_as_suffix is not supported"))
	}
	t := &SentencePiece{
		name: name, opts: opts, pieces: p.pieces, scores: p.scores, types: p.types,
		normalID: map[string]int32{}, reservedID: map[string]int32{}, unk: -1, bos: -1, eos: -1, pad: -1,
		byteFallback: p.byteFallback, modelType: p.modelType, addDummy: p.addDummy,
		removeExtra: p.removeExtra, escapeWS: p.escapeWS, unkSurface: p.unkSurface,
	}
	var controls []*addedToken
	for i, piece := range p.pieces {
		if piece == "" {
			return nil, wrap(fmt.Errorf("piece %d is empty", i))
		}
		ty := p.types[i]
		m := t.reservedID
		if ty == spmNormal || ty == spmUserDefined || ty == spmUnused {
			m = t.normalID
		}
		if _, dup := m[piece]; dup {
			return nil, wrap(fmt.Errorf("piece %q is defined twice", piece))
		}
		m[piece] = int32(i)
		switch ty {
		case spmUnknown:
			t.unk = int32(i)
		case spmUserDefined:
			t.hasUser = true
		case spmControl:
			controls = append(controls, &addedToken{ID: int32(i), Content: piece, Special: true})
		case spmByte:
			if !p.byteFallback {
				return nil, wrap(errors.New("byte pieces present but byte_fallback is off"))
			}
		}
	}
	if t.unk < 0 {
		return nil, wrap(errors.New("no UNKNOWN piece"))
	}
	for i := range t.byteIDs {
		t.byteIDs[i] = -1
		if id, ok := t.reservedID[fmt.Sprintf("<0x%02X>", i)]; ok && p.types[id] == spmByte {
			t.byteIDs[i] = id
		}
	}
	if p.byteFallback {
		for i, id := range t.byteIDs {
			if id < 0 {
				return nil, wrap(fmt.Errorf("byte_fallback is on but piece <0x%02X> is missing", i))
			}
		}
	}
	in := func(id int32) int32 {
		if id >= 0 && int(id) < len(p.pieces) {
			return id
		}
		return -1
	}
	t.bos, t.eos, t.pad = in(p.bos), in(p.eos), in(p.pad)
	if len(p.charsmap) > 0 {
		if t.cm, err = parseCharsMap(p.charsmap); err != nil {
			return nil, wrap(err)
		}
	}
	if t.hasUser {
		t.userTrie = buildPieceTrie(p.pieces, func(id int) bool { return p.types[id] == spmUserDefined })
	}
	if opts.ParseSpecial {
		t.control = newAddedMatcher(controls)
	}
	for piece := range t.normalID {
		if _, ok := t.reservedID[piece]; ok {
			t.overlap = true
		}
	}
	for c := range t.asciiID {
		t.asciiID[c] = -1
		if id, ok := t.normalID[string(rune(c))]; ok {
			t.asciiID[c] = id
		}
		plain := c != ' '
		if t.cm != nil {
			t.cm.prefixSearch([]byte{byte(c)}, false, func(int, uint32) bool { plain = false; return false })
			if pos := dartsOffset(t.cm.units[0]) ^ uint32(c); int(pos) < len(t.cm.units) && dartsLabel(t.cm.units[pos]) == uint32(c) {
				plain = false // some longer rule starts with c
			}
		}
		if t.hasUser && t.userTrie.root[c] >= 0 {
			plain = false
		}
		t.asciiPlain[c] = plain
	}
	if p.modelType == 2 {
		t.pairs = make(map[uint64]int32)
		for piece, id := range t.normalID {
			for k := 1; k < len(piece); k++ {
				if !utf8.RuneStart(piece[k]) {
					continue
				}
				a, ok1 := t.normalID[piece[:k]]
				b, ok2 := t.normalID[piece[k:]]
				if ok1 && ok2 {
					t.pairs[pairKey(a, b)] = id
				}
			}
		}
	}
	if p.modelType == 1 {
		u := &unigramModel{unk: t.unk, spm: true, userDefined: make([]bool, len(p.pieces))}
		u.scores = make([]float64, len(p.pieces))
		minScore, maxScore := float32(math.MaxFloat32), float32(1.17549435e-38) // FLT_MAX, FLT_MIN
		for i, s := range p.scores {
			u.scores[i] = float64(s)
			u.userDefined[i] = p.types[i] == spmUserDefined
			if p.types[i] == spmNormal {
				minScore = min(minScore, s)
				maxScore = max(maxScore, s)
			}
		}
		u.maxScore = maxScore
		u.unkScore = float64(minScore - 10)
		for i := range u.byteIDs {
			u.byteIDs[i] = -1 // byte fallback happens after the lattice, below
		}
		u.trie = buildPieceTrie(p.pieces, func(id int) bool {
			ty := p.types[id]
			return ty == spmNormal || ty == spmUserDefined
		})
		u.da = buildDATrie(u.trie)
		t.uni = u
	}
	t.pool.New = func() any { return &scratch{} }
	return t, nil
}

// Name returns the path the model was loaded from.
func (t *SentencePiece) Name() string { return t.name }

// VocabSize is the number of pieces.
func (t *SentencePiece) VocabSize() int { return len(t.pieces) }

// Piece returns the piece of id as spm shows it ("▁나", "<0xEA>").
func (t *SentencePiece) Piece(id int32) string {
	if id < 0 || int(id) >= len(t.pieces) {
		return ""
	}
	return t.pieces[id]
}

// Special resolves "unk", "bos", "eos" and "pad" from the trainer spec.
func (t *SentencePiece) Special(role string) (int32, bool) {
	var id int32 = -1
	switch role {
	case "unk":
		id = t.unk
	case "bos", "cls":
		id = t.bos
	case "eos", "sep":
		id = t.eos
	case "pad":
		id = t.pad
	}
	return id, id >= 0
}

// EncodeWithSpecial is Encode between the model's BOS and EOS ids (each only
// when the model defines it), as spm_encode --extra_options=bos:eos.
func (t *SentencePiece) EncodeWithSpecial(dst []int32, text []byte) []int32 {
	if t.bos >= 0 {
		dst = append(dst, t.bos)
	}
	dst = t.Encode(dst, text)
	if t.eos >= 0 {
		dst = append(dst, t.eos)
	}
	return dst
}

// pieceToID is ModelInterface::PieceToId: reserved pieces, then normal ones, else unk.
func (t *SentencePiece) pieceToID(p []byte) int32 {
	if id, ok := t.reservedID[string(p)]; ok {
		return id
	}
	if id, ok := t.normalID[string(p)]; ok {
		return id
	}
	return t.unk
}

// Encode appends the ids of text to dst.
func (t *SentencePiece) Encode(dst []int32, text []byte) []int32 {
	sc := t.pool.Get().(*scratch)
	dst = t.encode(sc, dst, text)
	t.pool.Put(sc)
	return dst
}

// Count returns the number of ids Encode would append.
func (t *SentencePiece) Count(text []byte) int {
	sc := t.pool.Get().(*scratch)
	sc.ids = t.encode(sc, sc.ids[:0], text)
	n := len(sc.ids)
	t.pool.Put(sc)
	return n
}

func (t *SentencePiece) encode(sc *scratch, dst []int32, text []byte) []int32 {
	off := 0
	for from := 0; from < len(text) && t.control != nil; {
		s, e, tok, ok := t.control.find(text, from)
		if !ok {
			break
		}
		if off < s {
			dst = t.encodeSegment(sc, dst, text[off:s], off == 0)
		}
		dst = append(dst, tok.ID)
		off, from = e, e
	}
	if off < len(text) {
		dst = t.encodeSegment(sc, dst, text[off:], off == 0)
	}
	return dst
}

func (t *SentencePiece) encodeSegment(sc *scratch, dst []int32, text []byte, first bool) []int32 {
	sc.norm = t.normalize(sc.norm[:0], text, first)
	w := sc.norm
	if len(w) == 0 {
		return dst
	}
	start := len(dst)
	if t.modelType == 1 {
		dst = t.uni.encodeWord(sc, dst, w)
		// encodeWord emits one unk per fused run of unknown characters; with
		// byte fallback the unigram model has no byte ids, so expand here.
		if t.byteFallback {
			dst = t.expandUnigramUnknown(sc, dst, start, w)
		}
		return dst
	}
	return t.encodeBPE(sc, dst, w)
}

// expandUnigramUnknown replaces each unk id emitted for w by the bytes of
// the characters it covers. It re-walks the best path kept in sc.path.
func (t *SentencePiece) expandUnigramUnknown(sc *scratch, dst []int32, start int, w []byte) []int32 {
	has := false
	for _, id := range dst[start:] {
		if id == t.unk {
			has = true
			break
		}
	}
	if !has {
		return dst
	}
	dst = dst[:start]
	path := sc.path
	for i := len(path) - 1; i >= 0; i-- {
		p := path[i]
		if p.id == t.unk || p.id < 0 {
			for _, b := range w[p.start:int(p.score)] {
				dst = append(dst, t.byteIDs[b])
			}
			continue
		}
		dst = append(dst, p.id)
	}
	return dst
}

// userPrefix returns the length of the longest user-defined symbol at the
// start of b, or 0.
func (t *SentencePiece) userPrefix(b []byte) int {
	if !t.hasUser {
		return 0
	}
	best := 0
	n := t.userTrie.root[b[0]]
	for pos := 1; n >= 0; pos++ {
		if t.userTrie.value[n] >= 0 {
			best = pos
		}
		if pos >= len(b) {
			break
		}
		n = t.userTrie.child(n, b[pos])
	}
	return best
}

// normalizePrefix is Normalizer::NormalizePrefix: a user-defined symbol
// verbatim, else the longest charsmap rule, else one character (an invalid
// byte becomes U+FFFD).
func (t *SentencePiece) normalizePrefix(in []byte) ([]byte, int) {
	if n := t.userPrefix(in); n > 0 {
		return in[:n], n
	}
	if t.cm != nil {
		if n, r := t.cm.longest(in); n > 0 {
			return r, n
		}
	}
	r, n := utf8.DecodeRune(in)
	if r == utf8.RuneError && n <= 1 {
		return []byte("\uFFFD"), 1
	}
	return in[:n], n
}

var spaceSymbol = []byte("▁")

// normalize is Normalizer::Normalize (dummy prefix only when first is set).
func (t *SentencePiece) normalize(dst, in []byte, first bool) []byte {
	if len(in) == 0 {
		return dst
	}
	if t.removeExtra {
		for len(in) > 0 {
			r, n := t.normalizePrefix(in)
			if string(r) != " " {
				break
			}
			in = in[n:]
		}
	}
	if len(in) == 0 {
		return dst
	}
	base := len(dst)
	if t.addDummy && first {
		if t.escapeWS {
			dst = append(dst, spaceSymbol...)
		} else {
			dst = append(dst, ' ')
		}
	}
	prevSpace := t.removeExtra
	for len(in) > 0 {
		if c := in[0]; c < utf8.RuneSelf && t.asciiPlain[c] {
			dst = append(dst, c)
			in = in[1:]
			prevSpace = false
			continue
		}
		r, n := t.normalizePrefix(in)
		for prevSpace && len(r) > 0 && r[0] == ' ' {
			r = r[1:]
		}
		if len(r) > 0 {
			for _, c := range r {
				if t.escapeWS && c == ' ' {
					dst = append(dst, spaceSymbol...)
				} else {
					dst = append(dst, c)
				}
			}
			prevSpace = r[len(r)-1] == ' '
		}
		in = in[n:]
		if !t.removeExtra {
			prevSpace = false
		}
	}
	if t.removeExtra {
		sp := spaceSymbol
		if !t.escapeWS {
			sp = []byte{' '}
		}
		for len(dst)-base >= len(sp) && string(dst[len(dst)-len(sp):]) == string(sp) {
			dst = dst[:len(dst)-len(sp)]
		}
	}
	return dst
}

// ---- BPE (bpe_model.cc) ----

type spmSym struct {
	start, n   int32
	id         int32 // normal piece id of the symbol's text, -1 when none
	prev, next int32
	freeze     bool
}

type spmPair struct {
	score       float32
	left, right int32
	size        int32
	id          int32 // the merged piece
}

func spmPairLess(a, b spmPair) bool { // a before b in the agenda
	if a.score != b.score {
		return a.score > b.score
	}
	return a.left < b.left
}

func (t *SentencePiece) encodeBPE(sc *scratch, dst []int32, w []byte) []int32 {
	syms := sc.spmSyms[:0]
	for i := 0; i < len(w); {
		n := t.userPrefix(w[i:])
		freeze := n > 0
		if !freeze {
			n = min(oneCharLen(w[i]), len(w)-i)
		}
		var id int32
		if n == 1 && w[i] < utf8.RuneSelf {
			id = t.asciiID[w[i]]
		} else if v, ok := t.normalID[string(w[i:i+n])]; ok {
			id = v
		} else {
			id = -1
		}
		k := int32(len(syms))
		syms = append(syms, spmSym{start: int32(i), n: int32(n), id: id, prev: k - 1, next: k + 1, freeze: freeze})
		i += n
	}
	if len(syms) == 0 {
		return dst
	}
	syms[len(syms)-1].next = -1
	agenda := sc.spmAgenda[:0]
	var revMerge map[string][2]string
	for i := 1; i < len(syms); i++ {
		agenda = t.addPair(agenda, syms, w, int32(i-1), int32(i), &revMerge)
	}
	for len(agenda) > 0 {
		var top spmPair
		top, agenda = spmPop(agenda)
		l, r := &syms[top.left], &syms[top.right]
		if l.n == 0 || r.n == 0 || l.n+r.n != top.size {
			continue
		}
		l.n += r.n
		l.id = top.id
		l.next = r.next
		if r.next >= 0 {
			syms[r.next].prev = top.left
		}
		r.n = 0
		agenda = t.addPair(agenda, syms, w, l.prev, top.left, &revMerge)
		agenda = t.addPair(agenda, syms, w, top.left, l.next, &revMerge)
	}
	sc.spmSyms, sc.spmAgenda = syms, agenda
	prevUnk := false
	for i := int32(0); i >= 0; i = syms[i].next {
		piece := w[syms[i].start : syms[i].start+syms[i].n]
		id := syms[i].id
		if id < 0 || t.overlap {
			id = t.pieceToID(piece)
		}
		dst, prevUnk = t.resegment(dst, piece, id, revMerge, prevUnk)
	}
	return dst
}

// addPair is MaybeAddNewSymbolPair: queue the merge of symbols l and r when
// their concatenation is a piece.
func (t *SentencePiece) addPair(agenda []spmPair, syms []spmSym, w []byte, l, r int32, rev *map[string][2]string) []spmPair {
	if l < 0 || r < 0 || syms[l].freeze || syms[r].freeze {
		return agenda
	}
	size := syms[l].n + syms[r].n
	var id int32
	var ok bool
	if syms[l].id >= 0 && syms[r].id >= 0 {
		id, ok = t.pairs[pairKey(syms[l].id, syms[r].id)]
	} else {
		id, ok = t.normalID[string(w[syms[l].start:syms[l].start+size])]
	}
	if !ok {
		return agenda
	}
	agenda = spmPush(agenda, spmPair{t.scores[id], l, r, size, id})
	if t.types[id] == spmUnused {
		if *rev == nil {
			*rev = map[string][2]string{}
		}
		(*rev)[string(w[syms[l].start:syms[l].start+size])] = [2]string{
			string(w[syms[l].start : syms[l].start+syms[l].n]), string(w[syms[r].start : syms[r].start+syms[r].n])}
	}
	return agenda
}

func (t *SentencePiece) resegment(dst []int32, piece []byte, id int32, rev map[string][2]string, prevUnk bool) ([]int32, bool) {
	if t.types[id] == spmUnused {
		if p, ok := rev[string(piece)]; ok {
			dst, prevUnk = t.resegment(dst, []byte(p[0]), t.pieceToID([]byte(p[0])), rev, prevUnk)
			return t.resegment(dst, []byte(p[1]), t.pieceToID([]byte(p[1])), rev, prevUnk)
		}
	}
	if id == t.unk {
		if t.byteFallback {
			for _, b := range piece {
				dst = append(dst, t.byteIDs[b])
			}
			return dst, true
		}
		if prevUnk {
			return dst, true // runs of unknown pieces are merged
		}
		return append(dst, id), true
	}
	return append(dst, id), false
}

func spmPush(h []spmPair, it spmPair) []spmPair {
	h = append(h, it)
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if !spmPairLess(h[i], h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	return h
}

func spmPop(h []spmPair) (spmPair, []spmPair) {
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		c := l
		if r := l + 1; r < len(h) && spmPairLess(h[r], h[l]) {
			c = r
		}
		if !spmPairLess(h[c], h[i]) {
			break
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
	return top, h
}

// Decode appends the text of ids to dst as spm_decode does: control pieces
// vanish, unk becomes the unk surface (" ⁇ "), runs of byte pieces are
// decoded as UTF-8 (U+FFFD per invalid byte), "▁" becomes ' ' and the
// leading space of the dummy prefix is dropped.
func (t *SentencePiece) Decode(dst []byte, ids []int32) ([]byte, error) {
	for _, id := range ids {
		if id < 0 || int(id) >= len(t.pieces) {
			return dst, fmt.Errorf("tokenize: id %d out of range [0,%d)", id, len(t.pieces))
		}
	}
	base := len(dst)
	isBosWS := true
	bosWSSeen := false
	var bytesRun []byte
	flush := func() {
		for len(bytesRun) > 0 {
			r, n := utf8.DecodeRune(bytesRun)
			if r == utf8.RuneError && n <= 1 {
				dst = append(dst, "\uFFFD"...)
				n = 1
			} else {
				dst = append(dst, bytesRun[:n]...)
			}
			bytesRun = bytesRun[n:]
		}
	}
	for _, id := range ids {
		if t.types[id] == spmByte {
			if b, ok := pieceByte(t.pieces[id]); ok {
				bytesRun = append(bytesRun, b)
				continue
			}
		}
		flush()
		if bosWSSeen || len(dst) > base {
			isBosWS = false
		}
		bosWSSeen = false
		switch t.types[id] {
		case spmControl:
			continue
		case spmUnknown:
			dst = append(dst, t.unkSurface...)
			continue
		}
		piece := []byte(t.pieces[id])
		if isBosWS && (t.addDummy || t.removeExtra) {
			if len(piece) >= len(spaceSymbol) && string(piece[:len(spaceSymbol)]) == string(spaceSymbol) {
				piece = piece[len(spaceSymbol):]
				bosWSSeen = !t.removeExtra
			}
		}
		for len(piece) > 0 {
			if len(piece) >= len(spaceSymbol) && string(piece[:len(spaceSymbol)]) == string(spaceSymbol) {
				dst = append(dst, ' ')
				piece = piece[len(spaceSymbol):]
				continue
			}
			dst = append(dst, piece[0])
			piece = piece[1:]
		}
	}
	flush()
	return dst, nil
}

// NonTextIDs lists the unknown, control and unused pieces.
func (t *SentencePiece) NonTextIDs() []int32 {
	var out []int32
	for id, ty := range t.types {
		if ty == spmUnknown || ty == spmControl || ty == spmUnused {
			out = append(out, int32(id))
		}
	}
	return out
}
