package pack

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// cl100kMLM plays a BERT vocabulary with cl100k's specials: [CLS] = <|fim_prefix|>,
// [SEP] = <|endoftext|> (also the documents' EOS), [MASK] = <|fim_middle|>,
// [PAD] = <|fim_suffix|>; every id past the ranks is special (cl100k's
// NonTextIDs: its special tokens and the gaps between them).
var cl100kMLM = Tokens{Pad: 100260, CLS: 100258, SEP: cl100kEOS, Mask: 100259, VocabSize: 100277, Specials: idSpan(100256, 100277)}

// idSpan lists the ids in [lo, hi).
func idSpan(lo, hi int32) []int32 {
	var out []int32
	for id := lo; id < hi; id++ {
		out = append(out, id)
	}
	return out
}

func isSpecialID(id int32) bool { return id >= 100256 }

func mlmOpts(seqLen int) PackOptions {
	o := *withDefaults(&PackOptions{})
	o.Examples = ExamplesMLM
	o.Strategy = StrategyConcat
	o.SeqLen = seqLen
	o.Seed = 42
	return o
}

// original rebuilds the unmasked row of ex from its spans.
func original(t *testing.T, ex *Example, docs [][]int32, toks Tokens) []int32 {
	t.Helper()
	row := make([]int32, len(ex.InputIDs))
	for i := range row {
		row[i] = toks.Pad
	}
	row[0] = toks.CLS
	end := 1
	for _, d := range ex.Docs {
		if d.Pos != end {
			t.Fatalf("row %d: span at %d, want %d", ex.Row, d.Pos, end)
		}
		copy(row[d.Pos:], docs[d.Doc][d.Start:d.Start+d.Len])
		end += d.Len
	}
	row[end] = toks.SEP
	if ex.SeqLens[0] != int32(end+1) {
		t.Fatalf("row %d: seq_lens %v, want [%d]", ex.Row, ex.SeqLens, end+1)
	}
	return row
}

type maskCounts struct{ candidates, selected, masked, random, kept int }

// checkMLM verifies one MLM example against its original row and tallies the choices.
func checkMLM(t *testing.T, ex *Example, orig []int32, c *maskCounts) {
	t.Helper()
	for i, id := range ex.InputIDs {
		o := orig[i]
		special := isSpecialID(o)
		if (ex.SpecialTokensMask[i] == 1) != special {
			t.Fatalf("row %d pos %d: special_tokens_mask %d for id %d", ex.Row, i, ex.SpecialTokensMask[i], o)
		}
		if ex.PositionIDs[i] != int32(i) {
			t.Fatalf("row %d: position %d is %d", ex.Row, i, ex.PositionIDs[i])
		}
		if special {
			if ex.Labels[i] != IgnoreIndex || id != o {
				t.Fatalf("row %d pos %d: special token %d selected (label %d, id %d)", ex.Row, i, o, ex.Labels[i], id)
			}
			continue
		}
		c.candidates++
		if ex.Labels[i] == IgnoreIndex {
			if id != o {
				t.Fatalf("row %d pos %d: unselected id changed %d -> %d", ex.Row, i, o, id)
			}
			continue
		}
		if ex.Labels[i] != o {
			t.Fatalf("row %d pos %d: label %d, original %d", ex.Row, i, ex.Labels[i], o)
		}
		c.selected++
		switch {
		case id == cl100kMLM.Mask:
			c.masked++
		case id == o:
			c.kept++
		default:
			if isSpecialID(id) || id < 0 || id >= 100277 {
				t.Fatalf("row %d pos %d: random replacement %d is special or out of range", ex.Row, i, id)
			}
			c.random++
		}
	}
}

func TestMLMMaskingStatistics(t *testing.T) {
	docs := encodeDocs(cl100k(t), sampleTexts(t), cl100kEOS)
	o := mlmOpts(512)
	o.DupeFactor = 2
	rows, st := packAll(t, o, cl100kMLM, docs)
	var c maskCounts
	var prevRow int64 = -1
	var prev []int32
	for _, ex := range rows {
		orig := original(t, ex, docs, cl100kMLM)
		checkMLM(t, ex, orig, &c)
		if ex.Row == prevRow {
			if ex.Copy != 1 || slices.Equal(ex.InputIDs, prev) {
				t.Fatalf("row %d: copy %d identical to copy 0", ex.Row, ex.Copy)
			}
		} else if ex.Copy != 0 {
			t.Fatalf("row %d starts with copy %d", ex.Row, ex.Copy)
		}
		prevRow, prev = ex.Row, ex.InputIDs
	}
	if c.candidates < 100000 {
		t.Fatalf("only %d candidate tokens", c.candidates)
	}
	if st.Examples != 2*st.Rows || st.MaskedTokens != int64(c.selected) || st.FrameTokens != 2*st.Rows {
		t.Fatalf("stats %+v, selected %d", st, c.selected)
	}
	sel := float64(c.selected) / float64(c.candidates)
	fm, fr, fk := float64(c.masked)/float64(c.selected), float64(c.random)/float64(c.selected), float64(c.kept)/float64(c.selected)
	t.Logf("%d candidates: selected %.4f; mask %.4f random %.4f kept %.4f", c.candidates, sel, fm, fr, fk)
	if math.Abs(sel-0.15) > 0.01 || math.Abs(fm-0.8) > 0.02 || math.Abs(fr-0.1) > 0.02 || math.Abs(fk-0.1) > 0.02 {
		t.Fatalf("selected %.4f (want 0.15±0.01), mask/random/kept %.4f/%.4f/%.4f (want 0.8/0.1/0.1 ±0.02)", sel, fm, fr, fk)
	}
}

func TestMLMWholeWordNeverSplitsWords(t *testing.T) {
	tok := cl100k(t)
	docs := encodeDocs(tok, sampleTexts(t), cl100kEOS)
	ws, err := WordStarts(tok.VocabSize(), tok.Piece, WordsAuto)
	if err != nil {
		t.Fatal(err)
	}
	toks := cl100kMLM
	toks.WordStart = ws
	o := mlmOpts(512)
	o.WholeWord = true
	rows, _ := packAll(t, o, toks, docs)
	var c maskCounts
	words, selWords, multi := 0, 0, 0
	for _, ex := range rows {
		orig := original(t, ex, docs, toks)
		checkMLM(t, ex, orig, &c)
		// Words, computed here from the rule: a word begins at a word-start piece or
		// after a special token, and runs until the next such piece or special.
		for i := 0; i < len(orig); {
			if isSpecialID(orig[i]) {
				i++
				continue
			}
			j := i + 1
			for j < len(orig) && !isSpecialID(orig[j]) && !ws[orig[j]] {
				j++
			}
			nsel := 0
			for k := i; k < j; k++ {
				if ex.Labels[k] != IgnoreIndex {
					nsel++
				}
			}
			if nsel != 0 && nsel != j-i {
				t.Fatalf("row %d: word [%d,%d) %q partly selected (%d of %d)", ex.Row, i, j, tok.Piece(orig[i]), nsel, j-i)
			}
			words++
			if nsel > 0 {
				selWords++
				if j-i > 1 {
					multi++
				}
			}
			i = j
		}
	}
	fw := float64(selWords) / float64(words)
	t.Logf("%d words, %.4f selected, %d selected words of several pieces", words, fw, multi)
	if math.Abs(fw-0.15) > 0.015 || multi == 0 {
		t.Fatalf("selected word fraction %.4f, multi-piece %d", fw, multi)
	}
}

func TestMLMMaxPredictions(t *testing.T) {
	tok := cl100k(t)
	docs := encodeDocs(tok, sampleTexts(t)[:60], cl100kEOS)
	ws, err := WordStarts(tok.VocabSize(), tok.Piece, WordsByteLevel)
	if err != nil {
		t.Fatal(err)
	}
	for _, whole := range []bool{false, true} {
		toks := cl100kMLM
		toks.WordStart = ws
		o := mlmOpts(256)
		o.WholeWord = whole
		o.MaskProb = 0.5
		five := 5
		o.MaxPredictions = &five
		rows, _ := packAll(t, o, toks, docs)
		hit := 0
		for _, ex := range rows {
			var c maskCounts
			checkMLM(t, ex, original(t, ex, docs, toks), &c)
			if c.selected > 5 || (!whole && c.candidates > 60 && c.selected != 5) {
				t.Fatalf("whole_word=%v row %d: %d selected of %d", whole, ex.Row, c.selected, c.candidates)
			}
			if c.selected == 5 {
				hit++
			}
		}
		if hit < len(rows)/2 {
			t.Fatalf("whole_word=%v: only %d of %d rows reach the cap", whole, hit, len(rows))
		}
	}
}

func TestMaskerDeterminism(t *testing.T) {
	o := *withDefaults(&MLMOptions{})
	row := make([]int32, 300)
	special := make([]int8, 300)
	for i := range row {
		row[i] = int32(i * 7)
	}
	special[0], special[299] = 1, 1
	run := func(seed int64, stream, r uint64, cp int) []int32 {
		m, err := NewMasker(o, Tokens{Pad: 0, CLS: 1, SEP: 2, Mask: 3, VocabSize: 5000}, seed)
		if err != nil {
			t.Fatal(err)
		}
		ids := slices.Clone(row)
		labels := make([]int32, len(ids))
		m.Mask(ids, labels, special, stream, r, cp)
		return append(ids, labels...)
	}
	base := run(1, 0, 0, 0)
	if !slices.Equal(base, run(1, 0, 0, 0)) {
		t.Fatal("same inputs gave different masks")
	}
	for name, other := range map[string][]int32{
		"seed": run(2, 0, 0, 0), "stream": run(1, 1, 0, 0), "row": run(1, 0, 1, 0), "copy": run(1, 0, 0, 1),
	} {
		if slices.Equal(base, other) {
			t.Fatalf("changing the %s did not change the mask", name)
		}
	}
}

func TestRandomTokensAvoidSpecials(t *testing.T) {
	// A tiny vocabulary where most ids are special: replacements must land on the
	// four others, uniformly.
	o := *withDefaults(&MLMOptions{})
	o.MaskProb, o.MaskTokenProb, o.RandomTokenProb = 1, 0, 1
	toks := Tokens{Pad: 0, CLS: 1, SEP: 2, Mask: 3, VocabSize: 10, Specials: []int32{5, 7}}
	m, err := NewMasker(o, toks, 9)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int32, 40000)
	for i := range ids {
		ids[i] = 4
	}
	labels := make([]int32, len(ids))
	if n := m.Mask(ids, labels, make([]int8, len(ids)), 0, 0, 0); n != len(ids) {
		t.Fatalf("selected %d of %d with mask_prob 1", n, len(ids))
	}
	counts := map[int32]int{}
	for _, id := range ids {
		counts[id]++
	}
	for _, id := range []int32{4, 6, 8, 9} {
		if f := float64(counts[id]) / float64(len(ids)); math.Abs(f-0.25) > 0.02 {
			t.Fatalf("id %d drawn %.3f of the time; counts %v", id, f, counts)
		}
	}
	if len(counts) != 4 {
		t.Fatalf("drawn ids %v", counts)
	}
}

// refMask is the masking rule of Masker.Mask written plainly, one position
// at a time with branches, as the documentation states it: the optimised
// kernels must give the same ids, labels and count for every input.
func refMask(m *Masker, toks Tokens, ids, labels []int32, special []int8, stream, row, cp uint64) int {
	g := rng{s: splitmix(splitmix(splitmix(splitmix(m.seed)^stream)^row) ^ cp)}
	isWordStart := func(id int32) bool {
		return id < 0 || int(id) >= len(toks.WordStart) || toks.WordStart[id]
	}
	// every position takes a 32-bit selection draw, two per output, low half first
	draw := make([]uint64, len(ids))
	var z uint64
	for i := range ids {
		if i%2 == 0 {
			z = g.next()
		}
		draw[i] = z >> (32 * (i % 2)) & 0xffffffff
	}
	count := 0
	var wStart, wLen []int
	if m.o.WholeWord {
		inWord, sel := false, false
		for i, id := range ids {
			labels[i] = IgnoreIndex
			if special[i] != 0 {
				inWord = false
				continue
			}
			if !inWord || isWordStart(id) {
				inWord = true
				sel = draw[i] < m.thrSelect
				if sel {
					wStart, wLen = append(wStart, i), append(wLen, 0)
				}
			}
			if sel {
				labels[i] = id
				count++
				wLen[len(wLen)-1]++
			}
		}
		if m.maxPred >= 0 && count > m.maxPred {
			for i := len(wStart) - 1; i > 0; i-- {
				j := int(g.below(uint64(i + 1)))
				wStart[i], wStart[j] = wStart[j], wStart[i]
				wLen[i], wLen[j] = wLen[j], wLen[i]
			}
			total := 0
			for i := range wStart {
				if total+wLen[i] <= m.maxPred {
					total += wLen[i]
					continue
				}
				for k := wStart[i]; k < wStart[i]+wLen[i]; k++ {
					labels[k] = IgnoreIndex
				}
			}
			count = total
		}
	} else {
		selected := make([]bool, len(ids))
		for i, id := range ids {
			labels[i] = IgnoreIndex
			if draw[i] < m.thrSelect && special[i] == 0 {
				labels[i] = id
				selected[i] = true
				count++
			}
		}
		if m.maxPred >= 0 && count > m.maxPred {
			need, left := uint64(m.maxPred), uint64(count)
			for i := range labels {
				if !selected[i] {
					continue
				}
				if g.below(left) < need {
					need--
				} else {
					labels[i] = IgnoreIndex
				}
				left--
			}
			count = m.maxPred
		}
	}
	nonSpecial := uint64(m.vocab - len(m.specials))
	for i := range ids {
		if labels[i] == IgnoreIndex {
			continue
		}
		if g.u53() < m.thrMask {
			ids[i] = m.maskID
		} else if g.u53() < m.thrRandom {
			id := int32(g.below(nonSpecial))
			for _, sp := range m.specials {
				if sp <= id {
					id++
				}
			}
			ids[i] = id
		}
	}
	return count
}

// TestMaskKernelsMatchReference compares Mask (caller's special mask) and
// maskRow (the Packer's path, special mask computed from the ids) with
// refMask on random rows: token and whole-word rules, with and without a
// cap, odd ids (IgnoreIndex, negative, past the vocabulary) included.
func TestMaskKernelsMatchReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const vocab = 50
	toks := Tokens{Pad: 0, CLS: 1, SEP: 2, Mask: 3, VocabSize: vocab, Specials: []int32{7, 11}}
	toks.WordStart = make([]bool, 40) // ids 40.. begin words
	for i := range toks.WordStart {
		toks.WordStart[i] = i%3 != 0
	}
	isSp := func(id int32) bool { return slices.Contains([]int32{0, 1, 2, 3, 7, 11}, id) }
	for trial := 0; trial < 3000; trial++ {
		o := *withDefaults(&MLMOptions{})
		o.WholeWord = trial%2 == 0
		o.MaskProb = []float64{0.15, 0.5, 1, 0}[trial%4/2*2+trial%8/4]
		if trial%3 == 0 {
			mp := r.IntN(8)
			o.MaxPredictions = &mp
		}
		m, err := NewMasker(o, toks, int64(trial))
		if err != nil {
			t.Fatal(err)
		}
		L := 3 + r.IntN(60)
		if trial%5 == 1 { // rows of more than 64 words: the kernels' draws in blocks of 64
			L = 130 + r.IntN(400)
		}
		used := 2 + r.IntN(L-1)
		row := make([]int32, L)
		for i := range row {
			switch {
			case i == 0:
				row[i] = toks.CLS
			case i == used-1:
				row[i] = toks.SEP
			case i >= used:
				row[i] = toks.Pad
			case r.IntN(40) == 0:
				row[i] = []int32{IgnoreIndex, -5, vocab + 3, 7}[r.IntN(4)]
			default:
				row[i] = int32(4 + r.IntN(vocab+10))
			}
		}
		special := make([]int8, L)
		for i, id := range row {
			if isSp(id) || i == 0 || i >= used-1 {
				special[i] = 1
			}
		}
		stream, rowIdx, cp := uint64(trial%5), uint64(trial), uint64(trial%3)
		wantIDs, wantLabels := slices.Clone(row), make([]int32, L)
		want := refMask(m, toks, wantIDs, wantLabels, special, stream, rowIdx, cp)

		ids, labels := slices.Clone(row), make([]int32, L)
		got := m.Mask(ids, labels, special, stream, rowIdx, int(cp))
		if got != want || !slices.Equal(ids, wantIDs) || !slices.Equal(labels, wantLabels) {
			t.Fatalf("trial %d (%+v): Mask gave %d %v %v, want %d %v %v", trial, o, got, ids, labels, want, wantIDs, wantLabels)
		}
		// maskRow reads the row through [SEP] only and writes every position
		// of its outputs, which start as garbage; the row is left as it was
		ids, labels, sp := make([]int32, L), make([]int32, L), make([]int8, L)
		for i := range ids {
			ids[i], labels[i], sp[i] = 99, 98, 5
		}
		src := slices.Clone(row)
		for i := used; i < L; i++ {
			src[i] = 97
		}
		before := slices.Clone(src)
		got = m.maskRow(src, used, ids, labels, sp, toks.Pad, stream, rowIdx, cp, new(maskScratch))
		if !slices.Equal(src, before) {
			t.Fatalf("trial %d: maskRow changed its source row", trial)
		}
		if got != want || !slices.Equal(ids, wantIDs) || !slices.Equal(labels, wantLabels) || !slices.Equal(sp, special) {
			t.Fatalf("trial %d (%+v, used %d): maskRow gave %d %v %v %v, want %d %v %v %v", trial, o, used, got, ids, labels, sp, want, wantIDs, wantLabels, special)
		}
		// unframed: the row starts inside a word
		row[0], special[0] = 6, 0
		wantIDs, wantLabels = slices.Clone(row), make([]int32, L)
		want = refMask(m, toks, wantIDs, wantLabels, special, stream, rowIdx, cp)
		ids, labels = slices.Clone(row), make([]int32, L)
		got = m.Mask(ids, labels, special, stream, rowIdx, int(cp))
		if got != want || !slices.Equal(ids, wantIDs) || !slices.Equal(labels, wantLabels) {
			t.Fatalf("trial %d (%+v): unframed Mask gave %d %v %v, want %d %v %v", trial, o, got, ids, labels, want, wantIDs, wantLabels)
		}
	}
}
