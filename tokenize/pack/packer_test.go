package pack

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// checkRows verifies every AR/SFT row invariant against the source documents and
// returns, per document, the number of ids placed in rows.
func checkRows(t *testing.T, docs [][]int32, labels [][]int32, rows []*Example, L int, pad int32) []int {
	t.Helper()
	placed := make([]int, len(docs))
	for r, ex := range rows {
		if ex.Row != int64(r) {
			t.Fatalf("row %d has Row %d", r, ex.Row)
		}
		if len(ex.InputIDs) != L || len(ex.Labels) != L || len(ex.PositionIDs) != L {
			t.Fatalf("row %d: lengths %d/%d/%d, want %d", r, len(ex.InputIDs), len(ex.Labels), len(ex.PositionIDs), L)
		}
		if len(ex.SeqLens) != len(ex.Docs) {
			t.Fatalf("row %d: %d seq_lens for %d docs", r, len(ex.SeqLens), len(ex.Docs))
		}
		used := 0
		for k, d := range ex.Docs {
			if d.Pos != used {
				t.Fatalf("row %d span %d at %d, want %d", r, k, d.Pos, used)
			}
			if int(ex.SeqLens[k]) != d.Len || d.Len <= 0 {
				t.Fatalf("row %d span %d: seq_len %d, len %d", r, k, ex.SeqLens[k], d.Len)
			}
			src := docs[d.Doc][d.Start : d.Start+d.Len]
			if !slices.Equal(ex.InputIDs[d.Pos:d.Pos+d.Len], src) {
				t.Fatalf("row %d span %d: ids differ from document %d[%d:]", r, k, d.Doc, d.Start)
			}
			want := src
			if labels != nil {
				want = labels[d.Doc][d.Start : d.Start+d.Len]
			}
			if !slices.Equal(ex.Labels[d.Pos:d.Pos+d.Len], want) {
				t.Fatalf("row %d span %d: labels differ", r, k)
			}
			for i := 0; i < d.Len; i++ {
				if ex.PositionIDs[d.Pos+i] != int32(i) {
					t.Fatalf("row %d span %d: position %d is %d", r, k, i, ex.PositionIDs[d.Pos+i])
				}
			}
			placed[d.Doc] += d.Len
			used += d.Len
		}
		if (ex.AttentionMask == nil) != (used == L) {
			t.Fatalf("row %d: used %d of %d but attention mask nil=%v", r, used, L, ex.AttentionMask == nil)
		}
		for i := 0; i < L; i++ {
			if i < used {
				if ex.AttentionMask != nil && ex.AttentionMask[i] != 1 {
					t.Fatalf("row %d: attention 0 on token %d", r, i)
				}
				continue
			}
			if ex.InputIDs[i] != pad || ex.Labels[i] != IgnoreIndex || ex.AttentionMask[i] != 0 || ex.PositionIDs[i] != int32(i-used) {
				t.Fatalf("row %d: padding position %d: id %d label %d att %d pos %d", r, i, ex.InputIDs[i], ex.Labels[i], ex.AttentionMask[i], ex.PositionIDs[i])
			}
		}
	}
	return placed
}

func TestConcatRoundTripRealText(t *testing.T) {
	tok := cl100k(t)
	texts := sampleTexts(t)
	docs := encodeDocs(tok, texts, cl100kEOS)
	const L = 256
	for _, last := range []string{LastPad, LastDrop} {
		t.Run(last, func(t *testing.T) {
			o := arOpts(StrategyConcat, L)
			o.Last = last
			rows, st := packAll(t, o, Tokens{Pad: cl100kEOS}, docs)
			checkRows(t, docs, nil, rows, L, cl100kEOS)
			var stream []int32
			for _, ex := range rows {
				n := 0
				for _, d := range ex.Docs {
					n += d.Len
				}
				stream = append(stream, ex.InputIDs[:n]...)
			}
			var all []int32
			for _, d := range docs {
				all = append(all, d...)
			}
			if last == LastPad {
				if !slices.Equal(stream, all) {
					t.Fatalf("rows hold %d ids, documents %d: not the same stream", len(stream), len(all))
				}
				if st.PaddingTokens != int64(L-len(all)%L) || st.DroppedTokens != 0 {
					t.Fatalf("padding %d dropped %d for %d ids", st.PaddingTokens, st.DroppedTokens, len(all))
				}
				// Decoding the rows gives back every document, in order, separated by EOS.
				text, err := tok.Decode(nil, stream)
				if err != nil {
					t.Fatal(err)
				}
				got := strings.Split(strings.TrimSuffix(string(text), "<|endoftext|>"), "<|endoftext|>")
				if !slices.Equal(got, texts) {
					t.Fatalf("decoded %d documents, want %d identical", len(got), len(texts))
				}
			} else {
				keep := len(all) / L * L
				if !slices.Equal(stream, all[:keep]) || st.DroppedTokens != int64(len(all)-keep) || st.PaddingTokens != 0 {
					t.Fatalf("drop: kept %d of %d, dropped %d, padding %d", len(stream), len(all), st.DroppedTokens, st.PaddingTokens)
				}
			}
			if st.Rows != int64(len(rows)) || st.InputTokens != int64(len(all)) || st.Docs != int64(len(docs)) {
				t.Fatalf("stats %+v", st)
			}
			// A document is split when it spans a row boundary.
			var split int64
			pos := 0
			for _, d := range docs {
				if pos/L != (pos+len(d)-1)/L {
					split++
				}
				pos += len(d)
			}
			if st.SplitDocs != split || split == 0 {
				t.Fatalf("split documents %d, want %d", st.SplitDocs, split)
			}
		})
	}
}

func TestBestFitKeepsEveryTokenAndSplitsLess(t *testing.T) {
	const L = 2048
	docs := syntheticDocs(7, 12000, 400, 1.3, 40000, 100000, cl100kEOS)
	var total int64
	var long int64
	for _, d := range docs {
		total += int64(len(d))
		if len(d) > L {
			long++
		}
	}
	bf, bst := packAll(t, arOpts(StrategyBestFit, L), Tokens{Pad: cl100kEOS}, docs)
	placed := checkRows(t, docs, nil, bf, L, cl100kEOS)
	for i, d := range docs {
		if placed[i] != len(d) {
			t.Fatalf("document %d: %d of %d ids placed", i, placed[i], len(d))
		}
	}
	if bst.Tokens != total || bst.DroppedTokens != 0 || bst.TruncatedDocs != 0 {
		t.Fatalf("bestfit stats %+v, want all %d tokens", bst, total)
	}
	if bst.SplitDocs != long {
		t.Fatalf("bestfit split %d documents, want only the %d longer than a row", bst.SplitDocs, long)
	}
	_, cst := packAll(t, arOpts(StrategyConcat, L), Tokens{Pad: cl100kEOS}, docs)
	t.Logf("seq_len %d, %d docs, %d tokens: bestfit rows %d padding %.4f split %d; concat rows %d split %d",
		L, len(docs), total, bst.Rows, bst.PaddingRate(), bst.SplitDocs, cst.Rows, cst.SplitDocs)
	if bst.SplitDocs >= cst.SplitDocs {
		t.Fatalf("bestfit fragments %d documents, concat %d", bst.SplitDocs, cst.SplitDocs)
	}
	if r := bst.PaddingRate(); r <= 0 || r > 0.05 {
		t.Fatalf("bestfit padding rate %.4f", r)
	}
	if want := float64(bst.PaddingTokens) / float64(bst.Rows*L); want != bst.PaddingRate() {
		t.Fatalf("padding rate %g, want %g", bst.PaddingRate(), want)
	}
}

func TestBestFitRealText(t *testing.T) {
	tok := cl100k(t)
	texts := readTexts(t, "../../../shared/data/udhr.jsonl.gz", 0)
	docs := encodeDocs(tok, texts, cl100kEOS)
	const L = 2048
	rows, st := packAll(t, arOpts(StrategyBestFit, L), Tokens{Pad: cl100kEOS}, docs)
	placed := checkRows(t, docs, nil, rows, L, cl100kEOS)
	for i, d := range docs {
		if placed[i] != len(d) {
			t.Fatalf("document %d: %d of %d ids placed", i, placed[i], len(d))
		}
	}
	_, cst := packAll(t, arOpts(StrategyConcat, L), Tokens{Pad: cl100kEOS}, docs)
	t.Logf("UDHR: %d docs %d tokens: bestfit rows %d padding %.4f split %d; concat rows %d split %d",
		len(docs), st.Tokens, st.Rows, st.PaddingRate(), st.SplitDocs, cst.Rows, cst.SplitDocs)
	if st.SplitDocs >= cst.SplitDocs {
		t.Fatalf("bestfit fragments %d documents, concat %d", st.SplitDocs, cst.SplitDocs)
	}
}

func TestLongDocuments(t *testing.T) {
	docs := [][]int32{{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {12, 13}, {}, {14, 15, 16, 17}}
	for _, tc := range []struct {
		strategy   string
		splitLong  bool
		rows       int
		split      int64
		truncated  int64
		dropped    int64
		firstSpans []DocSpan
	}{
		{StrategyNone, true, 5, 1, 0, 0, []DocSpan{{Doc: 0, Start: 0, Pos: 0, Len: 4}}},
		{StrategyNone, false, 3, 0, 1, 7, []DocSpan{{Doc: 0, Start: 0, Pos: 0, Len: 4, Truncated: true}}},
		{StrategyBestFit, true, 5, 1, 0, 0, []DocSpan{{Doc: 0, Start: 0, Pos: 0, Len: 4}}},
		{StrategyBestFit, false, 3, 0, 1, 7, []DocSpan{{Doc: 0, Start: 0, Pos: 0, Len: 4, Truncated: true}}},
		{StrategyConcat, false, 5, 3, 0, 0, []DocSpan{{Doc: 0, Start: 0, Pos: 0, Len: 4}}},
	} {
		t.Run(fmt.Sprintf("%s/split=%v", tc.strategy, tc.splitLong), func(t *testing.T) {
			o := arOpts(tc.strategy, 4)
			o.SplitLong = tc.splitLong
			rows, st := packAll(t, o, Tokens{Pad: 0}, docs)
			placed := checkRows(t, docs, nil, rows, 4, 0)
			if len(rows) != tc.rows || st.SplitDocs != tc.split || st.TruncatedDocs != tc.truncated || st.DroppedTokens != tc.dropped || st.EmptyDocs != 1 {
				t.Fatalf("%d rows, stats %+v", len(rows), st)
			}
			if !slices.Equal(rows[0].Docs, tc.firstSpans) {
				t.Fatalf("first row spans %+v, want %+v", rows[0].Docs, tc.firstSpans)
			}
			var sum int64
			for _, n := range placed {
				sum += int64(n)
			}
			if sum+st.DroppedTokens != 17 || sum != st.Tokens {
				t.Fatalf("placed %d + dropped %d != 17", sum, st.DroppedTokens)
			}
		})
	}
}

func TestSFTNeverSplits(t *testing.T) {
	docs := [][]int32{{1, 2, 3}, {4, 5, 6, 7, 8, 9, 10}, {11, 12}, {13}}
	labels := [][]int32{{-100, 2, 3}, {-100, -100, 6, 7, 8, 9, 10}, {-100, 12}, {13}}
	for _, tc := range []struct {
		overlong  string
		rows      int
		truncated int64
		dropped   int64
	}{
		{OverlongDrop, 2, 0, 1},
		{OverlongTruncate, 3, 1, 0},
	} {
		for _, strategy := range []string{StrategyBestFit, StrategyNone} {
			t.Run(tc.overlong+"/"+strategy, func(t *testing.T) {
				o := arOpts(strategy, 4)
				o.Examples = ExamplesSFT
				o.SFTOverlong = tc.overlong
				var rows []*Example
				p, err := NewPacker(o, Tokens{Pad: 0}, func(e *Example) error { rows = append(rows, e.Clone()); return nil })
				if err != nil {
					t.Fatal(err)
				}
				if err := p.Add(0, docs[0]); err == nil {
					t.Fatal("Add without labels accepted for sft")
				}
				for i := range docs {
					if err := p.AddLabeled(i, docs[i], labels[i]); err != nil {
						t.Fatal(err)
					}
				}
				if err := p.Flush(); err != nil {
					t.Fatal(err)
				}
				st := p.Stats()
				checkRows(t, docs, labels, rows, 4, 0)
				if strategy == StrategyBestFit && len(rows) != tc.rows {
					t.Fatalf("%d rows, want %d", len(rows), tc.rows)
				}
				if st.TruncatedDocs != tc.truncated || st.DroppedDocs != tc.dropped || st.SplitDocs != 0 {
					t.Fatalf("stats %+v", st)
				}
				for _, ex := range rows {
					for _, d := range ex.Docs {
						if d.Start != 0 {
							t.Fatalf("sft example %d split: %+v", d.Doc, d)
						}
					}
				}
			})
		}
	}
}

func TestPackerDeterministic(t *testing.T) {
	docs := syntheticDocs(11, 3000, 300, 1.0, 5000, 50000, 1)
	o := arOpts(StrategyBestFit, 1024)
	o.BufferDocs = 500
	a, _ := packAll(t, o, Tokens{Pad: 0}, docs)
	b, _ := packAll(t, o, Tokens{Pad: 0}, docs)
	if len(a) != len(b) {
		t.Fatalf("%d rows then %d", len(a), len(b))
	}
	for i := range a {
		if !slices.Equal(a[i].InputIDs, b[i].InputIDs) || !slices.Equal(a[i].Docs, b[i].Docs) {
			t.Fatalf("row %d differs between runs", i)
		}
	}
}

func TestBufferTokens(t *testing.T) {
	docs := syntheticDocs(5, 200, 100, 0.5, 400, 1000, 1)
	o := arOpts(StrategyBestFit, 512)
	o.BufferTokens = 2000
	var rounds, maxDoc int
	p, err := NewPacker(o, Tokens{Pad: 0}, func(e *Example) error {
		for _, d := range e.Docs {
			maxDoc = max(maxDoc, d.Doc)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	buffered := 0
	for i, d := range docs {
		before := p.Stats().Rows
		if err := p.Add(i, d); err != nil {
			t.Fatal(err)
		}
		buffered += len(d)
		if p.Stats().Rows != before {
			rounds++
			if buffered < 2000 || maxDoc != i {
				t.Fatalf("round after %d buffered tokens, last doc %d at %d", buffered, maxDoc, i)
			}
			buffered = 0
		} else if buffered >= 2000 {
			t.Fatalf("%d tokens buffered without a round", buffered)
		}
	}
	if rounds < 5 {
		t.Fatalf("%d rounds", rounds)
	}
}

func TestEmitErrorStops(t *testing.T) {
	stop := errors.New("stop")
	p, err := NewPacker(arOpts(StrategyConcat, 2), Tokens{}, func(*Example) error { return stop })
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Add(0, []int32{1, 2, 3}); !errors.Is(err, stop) {
		t.Fatalf("Add: %v", err)
	}
	if err := p.Add(1, []int32{1}); !errors.Is(err, stop) {
		t.Fatalf("Add after error: %v", err)
	}
	if err := p.Flush(); !errors.Is(err, stop) {
		t.Fatalf("Flush: %v", err)
	}
}

func TestValidate(t *testing.T) {
	five := 5
	neg := -1
	for _, tc := range []struct {
		edit func(*PackOptions)
		key  string
	}{
		{func(o *PackOptions) {}, ""},
		{func(o *PackOptions) { o.SeqLen = 0 }, "seq_len"},
		{func(o *PackOptions) { o.Examples = ExamplesMLM; o.SeqLen = 2 }, "seq_len"},
		{func(o *PackOptions) { o.Strategy = "greedy" }, "strategy"},
		{func(o *PackOptions) { o.Examples = "clm" }, "examples"},
		{func(o *PackOptions) { o.Last = "keep" }, "last"},
		{func(o *PackOptions) { o.BufferDocs = 0 }, "buffer_docs"},
		{func(o *PackOptions) { o.BufferTokens = -1 }, "buffer_tokens"},
		{func(o *PackOptions) { o.SFTOverlong = "split" }, "sft_overlong"},
		{func(o *PackOptions) { o.Examples = ExamplesMLM; o.MaskProb = 1.5 }, "mask_prob"},
		{func(o *PackOptions) { o.Examples = ExamplesMLM; o.MaskTokenProb = 0.95 }, "random_token_prob"},
		{func(o *PackOptions) { o.Examples = ExamplesMLM; o.DupeFactor = 0 }, "dupe_factor"},
		{func(o *PackOptions) { o.Examples = ExamplesMLM; o.MaxPredictions = &neg }, "max_predictions"},
		{func(o *PackOptions) { o.Examples = ExamplesMLM; o.MaxPredictions = &five }, ""},
	} {
		o := *withDefaults(&PackOptions{})
		tc.edit(&o)
		err := o.Validate()
		if tc.key == "" {
			if err != nil {
				t.Errorf("%+v: %v", o, err)
			}
			continue
		}
		if err == nil || !strings.HasPrefix(err.Error(), tc.key+":") {
			t.Errorf("want error on %s, got %v", tc.key, err)
		}
	}
}

func TestDefaultsFromTags(t *testing.T) {
	o := *withDefaults(&PackOptions{})
	if o.SeqLen != 2048 || o.Strategy != StrategyBestFit || o.Examples != ExamplesAR || o.Last != LastPad ||
		!o.SplitLong || o.BufferDocs != 10000 || o.MaskProb != 0.15 || o.MaskTokenProb != 0.8 ||
		o.RandomTokenProb != 0.1 || o.DupeFactor != 1 || o.MaxPredictions != nil || o.WholeWord {
		t.Fatalf("defaults %+v", o)
	}
}

// TestResetIsANewPacker: a Packer used for one stream (left mid-round, mid
// row or in error), then Reset and given a stream id, emits exactly the rows
// and statistics of a new Packer, for every strategy and example kind.
func TestResetIsANewPacker(t *testing.T) {
	docs := syntheticDocs(21, 400, 200, 1.0, 2000, 50000, 1)
	ar := func(s string) PackOptions { o := arOpts(s, 512); o.BufferDocs = 50; return o }
	mlm := mlmOpts(256)
	mlm.Strategy = StrategyBestFit
	mlm.DupeFactor = 2
	for name, c := range map[string]struct {
		o    PackOptions
		toks Tokens
	}{
		"concat": {ar(StrategyConcat), Tokens{Pad: 0}}, "bestfit": {ar(StrategyBestFit), Tokens{Pad: 0}},
		"none": {ar(StrategyNone), Tokens{Pad: 0}}, "mlm": {mlm, cl100kMLM},
	} {
		var got []*Example
		fail := false
		p, err := NewPacker(c.o, c.toks, func(e *Example) error {
			if fail {
				return errors.New("stop")
			}
			got = append(got, e.Clone())
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		p.SetStream(9)
		for i, d := range docs[:77] { // a partial round, an open row
			if err := p.Add(i, d); err != nil {
				t.Fatal(err)
			}
		}
		fail = true
		p.Flush()
		fail = false
		p.Reset()
		p.SetStream(3)
		got = got[:0]
		for i, d := range docs {
			if err := p.Add(i, d); err != nil {
				t.Fatalf("%s: %v after Reset", name, err)
			}
		}
		if err := p.Flush(); err != nil {
			t.Fatal(err)
		}
		var want []*Example
		q, _ := NewPacker(c.o, c.toks, func(e *Example) error { want = append(want, e.Clone()); return nil })
		q.SetStream(3)
		for i, d := range docs {
			q.Add(i, d)
		}
		q.Flush()
		if p.Stats() != q.Stats() {
			t.Fatalf("%s: stats %+v after Reset, new Packer %+v", name, p.Stats(), q.Stats())
		}
		if len(got) != len(want) || len(want) == 0 {
			t.Fatalf("%s: %d rows after Reset, %d from a new Packer", name, len(got), len(want))
		}
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("%s: row %d differs after Reset", name, i)
			}
		}
	}
}

// TestRowDestSameExamples checks that MLM rows written in place
// (SetRowDest; with one copy per bestfit row, assembled in the output row
// itself) equal the rows the Packer makes in its own buffers, and that every
// row lands in the slices dest gave for it.
func TestRowDestSameExamples(t *testing.T) {
	docs := syntheticDocs(5, 300, 120, 1.0, 900, 50000, cl100kEOS)
	for _, strategy := range []string{StrategyBestFit, StrategyConcat, StrategyNone} {
		for _, dupe := range []int{1, 3} {
			o := mlmOpts(128)
			o.Strategy, o.DupeFactor, o.BufferDocs = strategy, dupe, 40
			o.WholeWord = dupe == 1
			toks := cl100kMLM
			toks.WordStart = make([]bool, 60000)
			for i := range toks.WordStart {
				toks.WordStart[i] = i%4 != 0
			}
			want, _ := packAll(t, o, toks, docs)
			var got []*Example
			var given [][]int32 // the ids slices dest gave, in order
			p, err := NewPacker(o, toks, func(e *Example) error {
				if len(given) == 0 || &e.InputIDs[0] != &given[len(given)-1][0] {
					t.Fatalf("%s dupe %d: row %d copy %d not written to the slice dest gave", strategy, dupe, e.Row, e.Copy)
				}
				got = append(got, e.Clone())
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			p.SetRowDest(func() ([]int32, []int32, []int8) {
				ids := make([]int32, o.SeqLen)
				for i := range ids {
					ids[i] = -7 // garbage the Packer must overwrite
				}
				given = append(given, ids)
				return ids, make([]int32, o.SeqLen), make([]int8, o.SeqLen)
			})
			for i, d := range docs {
				if err := p.Add(i, d); err != nil {
					t.Fatal(err)
				}
			}
			if err := p.Flush(); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) || len(given) != len(want) {
				t.Fatalf("%s dupe %d: %d examples, %d dest rows, want %d", strategy, dupe, len(got), len(given), len(want))
			}
			for i := range want {
				g, w := got[i], want[i]
				if g.Row != w.Row || g.Copy != w.Copy || !slices.Equal(g.InputIDs, w.InputIDs) || !slices.Equal(g.Labels, w.Labels) ||
					!slices.Equal(g.SpecialTokensMask, w.SpecialTokensMask) || !slices.Equal(g.AttentionMask, w.AttentionMask) {
					t.Fatalf("%s dupe %d: example %d differs:\n got %+v\nwant %+v", strategy, dupe, i, g, w)
				}
			}
		}
	}
}
