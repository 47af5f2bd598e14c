package pack

import (
	"errors"
	"fmt"
	"slices"
)

// PackDoc describes the pack stage in one line.
const PackDoc = "packs tokenized documents into fixed-length training rows (causal LM, masked LM or fine-tuning) by concatenation or best-fit bin packing"

// Strategies, example kinds and last-row policies accepted by PackOptions.
const (
	StrategyConcat  = "concat"
	StrategyBestFit = "bestfit"
	StrategyNone    = "none"

	ExamplesAR  = "ar"
	ExamplesMLM = "mlm"
	ExamplesSFT = "sft"

	LastPad  = "pad"
	LastDrop = "drop"

	OverlongDrop     = "drop"
	OverlongTruncate = "truncate"
)

// IgnoreIndex is the label of positions that carry no loss (PyTorch's
// CrossEntropyLoss ignore_index, used by Hugging Face trainers).
const IgnoreIndex = -100

// PackOptions configures a Packer. The MLM options apply when examples is "mlm".
type PackOptions struct {
	SeqLen       int    `yaml:"seq_len" default:"2048" doc:"row length in tokens, padding included; MLM rows include their [CLS] and [SEP]"`
	Strategy     string `yaml:"strategy" default:"bestfit" doc:"concat (cut the running stream into rows), bestfit (best-fit-decreasing over a buffer of documents, Ding et al. 2024) or none (one document per row)"`
	Examples     string `yaml:"examples" default:"ar" doc:"ar (causal LM, labels = input_ids), mlm (BERT/RoBERTa masking) or sft (labels given per token by the caller, -100 = no loss)"`
	Seed         int64  `yaml:"seed" default:"0" doc:"seed of the MLM masking RNG; a mask depends only on (seed, stream, row index, copy)"`
	Last         string `yaml:"last" default:"pad" doc:"concat: pad or drop the last partial row of the stream"`
	SplitLong    bool   `yaml:"split_long" default:"true" doc:"bestfit/none: cut documents longer than a row into row-sized chunks; false truncates them to one row (counted)"`
	BufferDocs   int    `yaml:"buffer_docs" default:"10000" doc:"bestfit: documents buffered per packing round (memory bound); larger buffers pad less"`
	BufferTokens int64  `yaml:"buffer_tokens" default:"0" doc:"bestfit: also pack a round once this many tokens are buffered (0 = no token budget)"`
	SFTOverlong  string `yaml:"sft_overlong" default:"drop" doc:"sft: drop or truncate examples longer than a row; they are never split (counted)"`
	MLMOptions
}

// Validate checks option values; its errors start with the yaml key at fault.
func (o PackOptions) Validate() error {
	switch o.Examples {
	case ExamplesAR, ExamplesSFT:
		if o.SeqLen < 1 {
			return fmt.Errorf("seq_len: must be >= 1, got %d", o.SeqLen)
		}
	case ExamplesMLM:
		if o.SeqLen < 3 {
			return fmt.Errorf("seq_len: must be >= 3 for mlm ([CLS] x [SEP]), got %d", o.SeqLen)
		}
	default:
		return fmt.Errorf("examples: must be ar, mlm or sft, got %q", o.Examples)
	}
	switch o.Strategy {
	case StrategyConcat, StrategyBestFit, StrategyNone:
	default:
		return fmt.Errorf("strategy: must be concat, bestfit or none, got %q", o.Strategy)
	}
	if o.Last != LastPad && o.Last != LastDrop {
		return fmt.Errorf("last: must be pad or drop, got %q", o.Last)
	}
	if o.BufferDocs < 1 {
		return fmt.Errorf("buffer_docs: must be >= 1, got %d", o.BufferDocs)
	}
	if o.BufferTokens < 0 {
		return fmt.Errorf("buffer_tokens: must be >= 0, got %d", o.BufferTokens)
	}
	if o.SFTOverlong != OverlongDrop && o.SFTOverlong != OverlongTruncate {
		return fmt.Errorf("sft_overlong: must be drop or truncate, got %q", o.SFTOverlong)
	}
	if o.Examples == ExamplesMLM {
		return o.MLMOptions.Validate()
	}
	return nil
}

// Example is one training row. Its slices are owned by the Packer and reused for the
// next row: they are valid only during the emit callback (use Clone to keep one).
type Example struct {
	Row  int64 // index of the row in this Packer's output, from 0
	Copy int   // MLM: which of the dupe_factor masked copies of the row; 0 otherwise

	InputIDs []int32 // seq_len ids, padded with the pad id
	// Labels: ar = InputIDs with -100 on padding (the trainer shifts); sft = the
	// caller's labels, -100 on padding; mlm = the original id at selected positions,
	// -100 elsewhere.
	Labels []int32
	// PositionIDs: ar/sft restart at 0 at each document piece and count on over the
	// padding run as one more sequence; mlm counts 0..seq_len-1.
	PositionIDs []int32
	// SeqLens are the lengths of the document pieces in the row, padding excluded;
	// for mlm the one framed sequence [CLS] ... [SEP].
	SeqLens []int32
	// AttentionMask is 1 on tokens and 0 on padding; nil when the row has no padding
	// (all ones).
	AttentionMask []int8
	// SpecialTokensMask (mlm only) is 1 on [CLS], [SEP], padding and every id of
	// Tokens.Specials, 0 elsewhere.
	SpecialTokensMask []int8
	// Docs lists the document pieces of the row in row order.
	Docs []DocSpan
}

// DocSpan places a piece of a document in a row.
type DocSpan struct {
	Doc       int  // the docIndex given to Add
	Start     int  // offset, in the document's ids, of the piece's first token
	Pos       int  // row position of that token
	Len       int  // tokens in the piece
	Truncated bool // tokens of this document were dropped (truncation or a dropped last row)
}

// Clone returns a deep copy of e that the Packer will not overwrite.
func (e *Example) Clone() *Example {
	c := *e
	c.InputIDs = append([]int32(nil), e.InputIDs...)
	c.Labels = append([]int32(nil), e.Labels...)
	c.PositionIDs = append([]int32(nil), e.PositionIDs...)
	c.SeqLens = append([]int32(nil), e.SeqLens...)
	if e.AttentionMask != nil {
		c.AttentionMask = append([]int8(nil), e.AttentionMask...)
	}
	if e.SpecialTokensMask != nil {
		c.SpecialTokensMask = append([]int8(nil), e.SpecialTokensMask...)
	}
	c.Docs = append([]DocSpan(nil), e.Docs...)
	return &c
}

// Stats counts what a Packer did. Row-level counts are per row, not per MLM copy.
type Stats struct {
	Docs          int64 // documents given to Add
	EmptyDocs     int64 // documents with no ids (nothing placed)
	InputTokens   int64 // ids given to Add
	Rows          int64 // rows formed
	Examples      int64 // examples emitted (rows x dupe_factor)
	Tokens        int64 // document ids placed in rows
	PaddingTokens int64 // pad positions in rows
	FrameTokens   int64 // mlm [CLS]/[SEP] positions added
	SplitDocs     int64 // documents cut across more than one row
	TruncatedDocs int64 // documents that lost some ids
	DroppedDocs   int64 // documents that lost all their ids (sft_overlong drop, last drop)
	DroppedTokens int64 // ids not placed in any row
	MaskedTokens  int64 // mlm positions selected for prediction, over all copies
}

// PaddingRate is the fraction of row positions that are padding.
func (s Stats) PaddingRate() float64 {
	total := s.Tokens + s.PaddingTokens + s.FrameTokens
	if total == 0 {
		return 0
	}
	return float64(s.PaddingTokens) / float64(total)
}

// Packer turns a stream of tokenized documents into rows. It is a single stream and
// not safe for concurrent use; run one Packer per goroutine (give each its own
// stream id with SetStream so MLM masks differ). Its output depends only on the
// options, the tokens and the sequence of calls.
type Packer struct {
	o    PackOptions
	t    Tokens
	emit func(*Example) error

	cap  int // document ids per row
	base int // row position of the first document id (1 for mlm)
	mlm  bool
	sft  bool

	ex      Example
	maskBuf []int8
	row     int64
	stream  uint64
	stats   Stats
	err     error

	fill int // concat: ids in the open row

	// bestfit round buffer
	arena  []int32 // ids of buffered documents
	larena []int32 // their labels, when labeled
	docs   []bufDoc
	bf     bestFit

	m       *Masker
	src     []int32 // mlm: the row being assembled, [CLS] ids [SEP], before masking
	dest    func() (ids, labels []int32, special []int8)
	own     Example // mlm: the Packer's own InputIDs, Labels and SpecialTokensMask, used without dest
	scratch maskScratch
}

type bufDoc struct {
	doc       int
	off       int // offset in arena
	n         int
	labeled   bool
	truncated bool
}

// NewPacker checks opts and toks and returns a Packer that calls emit for every row,
// in order. An error from emit stops the Packer and is returned by Add or Flush.
func NewPacker(opts PackOptions, toks Tokens, emit func(*Example) error) (*Packer, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if emit == nil {
		return nil, errors.New("pack: nil emit function")
	}
	p := &Packer{o: opts, t: toks, emit: emit, cap: opts.SeqLen}
	switch opts.Examples {
	case ExamplesMLM:
		p.mlm = true
		p.base = 1
		p.cap = opts.SeqLen - 2
		m, err := NewMasker(opts.MLMOptions, toks, opts.Seed)
		if err != nil {
			return nil, err
		}
		p.m = m
		p.src = make([]int32, opts.SeqLen)
		p.ex.SpecialTokensMask = make([]int8, opts.SeqLen)
	case ExamplesSFT:
		p.sft = true
	}
	if toks.Pad < 0 {
		return nil, fmt.Errorf("pack: pad id %d is negative", toks.Pad)
	}
	L := opts.SeqLen
	p.ex.InputIDs = make([]int32, L)
	p.ex.Labels = make([]int32, L)
	p.ex.PositionIDs = make([]int32, L)
	p.maskBuf = make([]int8, L)
	if p.mlm {
		for i := range p.ex.PositionIDs {
			p.ex.PositionIDs[i] = int32(i)
		}
		p.own = p.ex
	}
	if opts.Strategy == StrategyBestFit {
		p.bf.init(p.cap)
	}
	return p, nil
}

// SetRowDest makes an mlm Packer write each example's input_ids, labels and
// special_tokens_mask straight into the slices f returns (each seq_len long,
// for example the next row of output columns) instead of its own buffers;
// the Example given to emit then holds those slices. f is called once per
// example, right before it is masked. Other example kinds ignore it.
func (p *Packer) SetRowDest(f func() (ids, labels []int32, special []int8)) { p.dest = f }

// SetStream mixes id into the MLM RNG seed, so parallel Packers sharing a seed draw
// different masks. Call it before the first Add.
func (p *Packer) SetStream(id uint64) { p.stream = id }

// Reset returns the Packer to the state NewPacker left it in (no buffered
// documents, row numbering and statistics from zero, stream 0), keeping its
// buffers: a pool of Packers serves many streams without growing buffers
// again for each.
func (p *Packer) Reset() {
	p.row, p.stream, p.stats, p.err, p.fill = 0, 0, Stats{}, nil, 0
	p.ex.Docs = p.ex.Docs[:0]
	p.docs = p.docs[:0]
	p.arena = p.arena[:0]
	p.larena = p.larena[:0]
}

// Stats returns the counts so far.
func (p *Packer) Stats() Stats { return p.stats }

// Add appends a document. ids are copied before Add returns. The Packer adds no
// BOS/EOS: ids carry whatever the tokenizer stage added (add_bos/add_eos), so in
// concat and bestfit rows documents are separated by those tokens only. docIndex is
// reported back in Example.Docs. With examples "sft" use AddLabeled instead.
func (p *Packer) Add(docIndex int, ids []int32) error {
	if p.sft {
		return fmt.Errorf("pack: examples sft needs labels: use AddLabeled (document %d)", docIndex)
	}
	return p.add(docIndex, ids, nil)
}

// AddLabeled appends a document with per-token labels (IgnoreIndex = no loss), as
// built by EncodeSegments. Not valid with examples "mlm", which makes its own labels.
func (p *Packer) AddLabeled(docIndex int, ids, labels []int32) error {
	if p.mlm {
		return fmt.Errorf("pack: examples mlm makes its own labels (document %d)", docIndex)
	}
	if len(labels) != len(ids) {
		return fmt.Errorf("pack: document %d has %d ids but %d labels", docIndex, len(ids), len(labels))
	}
	return p.add(docIndex, ids, labels)
}

func (p *Packer) add(doc int, ids, labels []int32) error {
	if p.err != nil {
		return p.err
	}
	p.stats.Docs++
	n := len(ids)
	p.stats.InputTokens += int64(n)
	if n == 0 {
		p.stats.EmptyDocs++
		return nil
	}
	truncated := false
	if n > p.cap {
		switch {
		case p.sft && p.o.SFTOverlong == OverlongDrop:
			p.stats.DroppedDocs++
			p.stats.DroppedTokens += int64(n)
			return nil
		case p.sft || (p.o.Strategy != StrategyConcat && !p.o.SplitLong):
			p.stats.TruncatedDocs++
			p.stats.DroppedTokens += int64(n - p.cap)
			ids = ids[:p.cap]
			if labels != nil {
				labels = labels[:p.cap]
			}
			n = p.cap
			truncated = true
		case p.o.Strategy != StrategyConcat:
			p.stats.SplitDocs++
		}
	}
	switch p.o.Strategy {
	case StrategyConcat:
		p.err = p.addConcat(doc, ids, labels, truncated)
	case StrategyNone:
		for s := 0; s < n && p.err == nil; s += p.cap {
			k := min(p.cap, n-s)
			p.place(0, doc, s, ids[s:s+k], labelsAt(labels, s, k), truncated)
			p.err = p.emitRow(k)
		}
	case StrategyBestFit:
		off := len(p.arena)
		p.arena = append(p.arena, ids...)
		if labels != nil {
			if len(p.larena) < off {
				p.larena = slices.Grow(p.larena, off-len(p.larena))[:off]
			}
			p.larena = append(p.larena[:off], labels...)
		}
		p.docs = append(p.docs, bufDoc{doc: doc, off: off, n: n, labeled: labels != nil, truncated: truncated})
		if len(p.docs) >= p.o.BufferDocs || (p.o.BufferTokens > 0 && int64(len(p.arena)) >= p.o.BufferTokens) {
			p.err = p.packRound()
		}
	}
	return p.err
}

func labelsAt(labels []int32, s, k int) []int32 {
	if labels == nil {
		return nil
	}
	return labels[s : s+k]
}

func (p *Packer) addConcat(doc int, ids, labels []int32, truncated bool) error {
	n := len(ids)
	split := false
	for s := 0; s < n; {
		k := min(p.cap-p.fill, n-s)
		p.place(p.fill, doc, s, ids[s:s+k], labelsAt(labels, s, k), truncated)
		p.fill += k
		s += k
		if p.fill == p.cap {
			p.fill = 0
			if err := p.emitRow(p.cap); err != nil {
				return err
			}
			if s < n {
				split = true
			}
		}
	}
	if split {
		p.stats.SplitDocs++
	}
	return nil
}

// Flush packs and emits everything buffered: the bestfit round in progress and the
// open concat row (padded, or dropped with last: drop). The Packer can be used again
// afterwards; row indices keep counting.
func (p *Packer) Flush() error {
	if p.err != nil {
		return p.err
	}
	switch p.o.Strategy {
	case StrategyBestFit:
		if len(p.docs) > 0 {
			p.err = p.packRound()
		}
	case StrategyConcat:
		if p.fill == 0 {
			break
		}
		if p.o.Last == LastPad {
			p.err = p.emitRow(p.fill)
			p.fill = 0
			break
		}
		p.stats.DroppedTokens += int64(p.fill)
		for _, d := range p.ex.Docs {
			if d.Start == 0 {
				p.stats.DroppedDocs++
			} else {
				p.stats.TruncatedDocs++
			}
		}
		p.ex.Docs = p.ex.Docs[:0]
		p.fill = 0
	}
	return p.err
}

// place copies a document piece to content offset at (row position base+at) and
// records its span; labels nil means labels = ids (ar), ignored for mlm.
func (p *Packer) place(at, doc, start int, ids, labels []int32, truncated bool) {
	pos := p.base + at
	if p.mlm {
		copy(p.src[pos:], ids)
	} else {
		copy(p.ex.InputIDs[pos:], ids)
		if labels == nil {
			labels = ids
		}
		copy(p.ex.Labels[pos:], labels)
		pp := p.ex.PositionIDs[pos : pos+len(ids)]
		for i := range pp {
			pp[i] = int32(i)
		}
	}
	p.ex.Docs = append(p.ex.Docs, DocSpan{Doc: doc, Start: start, Pos: pos, Len: len(ids), Truncated: truncated})
}

// emitRow completes the row holding n document ids (placed by place) and emits it.
func (p *Packer) emitRow(n int) error {
	ex := &p.ex
	L := p.o.SeqLen
	used := p.base + n
	if p.mlm {
		p.src[0] = p.t.CLS
		p.src[used] = p.t.SEP
		used++
		p.stats.FrameTokens += 2
	}
	pad := L - used
	if pad > 0 {
		if !p.mlm { // mlm rows are padded by maskRow
			ids := ex.InputIDs[used:]
			for i := range ids {
				ids[i] = p.t.Pad
			}
			lab := ex.Labels[used:]
			pos := ex.PositionIDs[used:]
			for i := range lab {
				lab[i] = IgnoreIndex
				pos[i] = int32(i)
			}
		}
		m := p.maskBuf
		for i := range m[:used] {
			m[i] = 1
		}
		clear(m[used:])
		ex.AttentionMask = m
	} else {
		ex.AttentionMask = nil
	}
	ex.SeqLens = ex.SeqLens[:0]
	if p.mlm {
		ex.SeqLens = append(ex.SeqLens, int32(used))
	} else {
		for _, d := range ex.Docs {
			ex.SeqLens = append(ex.SeqLens, int32(d.Len))
		}
	}
	ex.Row = p.row
	p.row++
	p.stats.Rows++
	p.stats.Tokens += int64(n)
	p.stats.PaddingTokens += int64(pad)
	var err error
	if p.mlm {
		err = p.emitMLM(used)
	} else {
		ex.Copy = 0
		p.stats.Examples++
		err = p.emit(ex)
	}
	ex.Docs = ex.Docs[:0]
	return err
}

func (p *Packer) emitMLM(used int) error {
	ex := &p.ex
	for c := 0; c < p.m.o.DupeFactor; c++ {
		ex.InputIDs, ex.Labels, ex.SpecialTokensMask = p.own.InputIDs, p.own.Labels, p.own.SpecialTokensMask
		if p.dest != nil {
			ex.InputIDs, ex.Labels, ex.SpecialTokensMask = p.dest()
		}
		ex.Copy = c
		p.stats.MaskedTokens += int64(p.m.maskRow(p.src, used, ex.InputIDs, ex.Labels, ex.SpecialTokensMask, p.t.Pad, p.stream, uint64(ex.Row), uint64(c), &p.scratch))
		p.stats.Examples++
		if err := p.emit(ex); err != nil {
			return err
		}
	}
	return nil
}

// packRound packs the buffered documents best-fit-decreasing and emits the rows in
// the order they were opened.
func (p *Packer) packRound() error {
	bf := &p.bf
	bf.reset()
	for i, d := range p.docs {
		for s := 0; s < d.n; s += p.cap {
			bf.addPiece(int32(i), int32(s), int32(min(p.cap, d.n-s)))
		}
	}
	bf.pack()
	var err error
	for r := range bf.rows {
		at := 0
		for pi := bf.rows[r].head; pi >= 0; pi = bf.pieces[pi].next {
			pc := &bf.pieces[pi]
			d := &p.docs[pc.doc]
			lo, hi := d.off+int(pc.start), d.off+int(pc.start)+int(pc.n)
			var labels []int32
			if d.labeled {
				labels = p.larena[lo:hi]
			}
			p.place(at, d.doc, int(pc.start), p.arena[lo:hi], labels, d.truncated)
			at += int(pc.n)
		}
		if err = p.emitRow(at); err != nil {
			break
		}
	}
	p.docs = p.docs[:0]
	p.arena = p.arena[:0]
	p.larena = p.larena[:0]
	return err
}
