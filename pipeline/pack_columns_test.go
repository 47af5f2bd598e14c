package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/grist/grist/internal/tagdefaults"
	"github.com/grist/grist/tokenize/pack"
)

// builderRecord builds the record of examples with Arrow builders, value by
// value: the plain construction exampleColumns must equal.
func builderRecord(schema *arrow.Schema, exs []*pack.Example, seqLen int) arrow.Record {
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	ones := make([]int8, seqLen)
	for i := range ones {
		ones[i] = 1
	}
	for _, e := range exs {
		mask := e.AttentionMask
		if mask == nil {
			mask = ones
		}
		for i, f := range schema.Fields() {
			lb := b.Field(i).(*array.ListBuilder)
			lb.Append(true)
			switch f.Name {
			case ColInputIDs:
				lb.ValueBuilder().(*array.Int32Builder).AppendValues(e.InputIDs, nil)
			case ColLabels:
				lb.ValueBuilder().(*array.Int32Builder).AppendValues(e.Labels, nil)
			case ColPositionIDs:
				lb.ValueBuilder().(*array.Int32Builder).AppendValues(e.PositionIDs, nil)
			case ColSeqLens:
				lb.ValueBuilder().(*array.Int32Builder).AppendValues(e.SeqLens, nil)
			case ColAttentionMask:
				lb.ValueBuilder().(*array.Int8Builder).AppendValues(mask, nil)
			case ColSpecialTokensMask:
				lb.ValueBuilder().(*array.Int8Builder).AppendValues(e.SpecialTokensMask, nil)
			}
		}
	}
	return b.NewRecord()
}

// TestExampleColumnsMatchBuilders packs documents, takes records after
// varying numbers of rows (so the shared offsets table is outgrown and
// replaced several times), and checks every record, once all are taken, equals
// the one Arrow builders make from the same examples: no record is changed
// by the rows gathered after it.
// MLM runs also write rows in place (SetRowDest, as the pack stage does),
// with one copy per row (assembled in the output row) and with two.
func TestExampleColumnsMatchBuilders(t *testing.T) {
	for _, c := range []struct {
		name, examples string
		dupe           int
		dest           bool
	}{
		{"ar", pack.ExamplesAR, 1, false}, {"mlm", pack.ExamplesMLM, 1, false},
		{"mlm-dest", pack.ExamplesMLM, 1, true}, {"mlm-dest-dupe2", pack.ExamplesMLM, 2, true},
	} {
		examples := c.examples
		t.Run(c.name, func(t *testing.T) {
			o := tagdefaults.Must(&pack.PackOptions{})
			o.Examples, o.SeqLen, o.Strategy, o.BufferDocs = examples, 64, pack.StrategyBestFit, 7
			o.DupeFactor = c.dupe
			toks := pack.Tokens{Pad: 0, CLS: 1, SEP: 2, Mask: 3, VocabSize: 1000}
			dest := c.dest
			c := newExampleColumns(*o)
			var recs []arrow.Record
			var want [][]*pack.Example
			var batch []*pack.Example
			takeAt := []int{1, 5, 40, 3, 0, 90, 2}
			p, err := pack.NewPacker(*o, toks, func(e *pack.Example) error {
				c.add(e)
				batch = append(batch, e.Clone())
				if len(batch) >= takeAt[len(recs)%len(takeAt)] {
					recs = append(recs, c.take(memory.DefaultAllocator))
					want, batch = append(want, batch), nil
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if dest {
				p.SetRowDest(c.rowDest)
			}
			for d := 0; d < 600; d++ {
				doc := make([]int32, 1+(d*37)%150)
				for i := range doc {
					doc[i] = int32(4 + (d*31+i*7)%990)
				}
				if err := p.Add(d, doc); err != nil {
					t.Fatal(err)
				}
			}
			if err := p.Flush(); err != nil {
				t.Fatal(err)
			}
			recs = append(recs, c.take(memory.DefaultAllocator))
			want = append(want, batch)
			rows := 0
			for i, rec := range recs {
				exp := builderRecord(c.schema, want[i], o.SeqLen)
				if !array.RecordEqual(rec, exp) {
					t.Fatalf("record %d (%d rows) differs from the builders'", i, rec.NumRows())
				}
				rows += int(rec.NumRows())
				exp.Release()
				rec.Release()
			}
			if rows < 100 || len(recs) < 5 {
				t.Fatalf("only %d rows in %d records", rows, len(recs))
			}
		})
	}
}

// TestPackSameOutputAcrossWorkers runs pack configurations over five files
// with one worker (each task reusing the packer and buffers of the one before)
// and with three: the output files must be identical.
func TestPackSameOutputAcrossWorkers(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 5; i++ {
		writeCorpus(t, filepath.Join(dir, fmt.Sprintf("in-%d.jsonl.gz", i)), 150+i*40)
	}
	wp := filepath.Join("..", "configs", "tokenizers", "wordpiece-sample.json")
	for i, c := range []struct{ tokenize, pack string }{
		{"{tokenizer: cl100k_base, add_eos: true}", "{seq_len: 256, buffer_docs: 60}"},
		{"{tokenizer: cl100k_base, add_eos: true}", "{seq_len: 100, strategy: concat, last: drop}"},
		{"{tokenizer: " + wp + "}", "{seq_len: 128, examples: mlm, strategy: concat, whole_word: true, dupe_factor: 2}"},
		{"{tokenizer: " + wp + "}", "{seq_len: 64, examples: mlm, strategy: none, max_predictions: 5}"},
	} {
		out := func(w int) map[string][]byte {
			o := filepath.Join(dir, fmt.Sprintf("out%d-w%d", i, w))
			cfg := writeConfig(t, dir, "input: {paths: ["+dir+"/in-*.jsonl.gz], batch_size: 37}\nsteps:\n  - tokenize: "+c.tokenize+"\n  - pack: "+c.pack+"\noutput: {path: "+o+"}\n")
			res := run(t, cfg, RunOptions{Workers: w})
			if res.Stats.Examples == 0 {
				t.Fatalf("%s: no examples", c.pack)
			}
			return readDirFiles(t, o)
		}
		a := out(1)
		if len(a) < 6 {
			t.Fatalf("%s: %d files", c.pack, len(a))
		}
		sameFiles(t, a, out(3))
	}
}

// TestExampleColumnsReuseReleasedBuffers checks the pool: once a record is
// released its value buffers serve the next batch (no new memory), a record
// still held keeps its values, and the reused rows are written whole.
func TestExampleColumnsReuseReleasedBuffers(t *testing.T) {
	for _, examples := range []string{pack.ExamplesAR, pack.ExamplesMLM} {
		t.Run(examples, func(t *testing.T) {
			o := tagdefaults.Must(&pack.PackOptions{})
			o.Examples, o.SeqLen, o.Strategy = examples, 32, pack.StrategyConcat
			toks := pack.Tokens{Pad: 0, CLS: 1, SEP: 2, Mask: 3, VocabSize: 1000}
			c := newExampleColumns(*o)
			var exs []*pack.Example
			p, err := pack.NewPacker(*o, toks, func(e *pack.Example) error {
				c.add(e)
				exs = append(exs, e.Clone())
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if examples == pack.ExamplesMLM {
				p.SetRowDest(c.rowDest)
			}
			batch := func(first int) (arrow.Record, []*pack.Example) {
				exs = nil
				for d := first; d < first+40; d++ {
					doc := make([]int32, 1+(d%40*13)%70) // the same rows in every batch
					for i := range doc {
						doc[i] = int32(4 + (d*7+i)%900)
					}
					if err := p.Add(d, doc); err != nil {
						t.Fatal(err)
					}
				}
				return c.take(memory.DefaultAllocator), exs
			}
			valuesAddr := func(rec arrow.Record) *byte {
				return &rec.Column(0).(*array.List).ListValues().Data().Buffers()[1].Bytes()[0]
			}
			bufferAddrs := func(rec arrow.Record) map[*byte]bool {
				m := map[*byte]bool{}
				for _, col := range rec.Columns() {
					m[&col.(*array.List).ListValues().Data().Buffers()[1].Bytes()[0]] = true
				}
				return m
			}
			check := func(rec arrow.Record, want []*pack.Example) {
				t.Helper()
				exp := builderRecord(c.schema, want, o.SeqLen)
				defer exp.Release()
				if !array.RecordEqual(rec, exp) {
					t.Fatalf("record of %d rows differs from the builders'", rec.NumRows())
				}
			}
			w, _ := batch(0) // the first batch sizes the columns
			w.Release()
			a, wantA := batch(0)
			addrsA := bufferAddrs(a)
			check(a, wantA)
			a.Release() // its buffers go back to the pool (poisoned)
			b, wantB := batch(0)
			if !addrsA[valuesAddr(b)] {
				t.Fatal("the released record's input_ids buffer was not reused")
			}
			check(b, wantB) // reused memory fully rewritten
			held, wantHeld := batch(0)
			d, wantD := batch(0) // taken while held is alive: other buffers
			if valuesAddr(d) == valuesAddr(held) {
				t.Fatal("a held record's buffer was handed out again")
			}
			check(held, wantHeld)
			check(d, wantD)
			b.Release()
			held.Release()
			d.Release()
		})
	}
}

// TestPackInstancesDroppedAfterPhase checks that the pack instances kept
// for reuse (with their pooled columns) are let go once the phase's tasks
// are done, so a later phase (here the shuffle's) does not carry them.
func TestPackInstancesDroppedAfterPhase(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 3; i++ {
		writeCorpus(t, filepath.Join(dir, fmt.Sprintf("in-%d.jsonl.gz", i)), 120)
	}
	cfg := writeConfig(t, dir, "input: {paths: ["+dir+"/in-*.jsonl.gz]}\nsteps:\n  - tokenize: {tokenizer: cl100k_base, add_eos: true}\n  - pack: {seq_len: 128}\noutput: {path: "+filepath.Join(dir, "out")+"}\n")
	r := &runner{cfg: cfg, mem: memory.DefaultAllocator, opts: RunOptions{FaultTask: -1, WorldSize: 1, Workers: 2}, out: filepath.Join(dir, "out"), work: filepath.Join(dir, "out", ".grist")}
	if err := r.prepare(); err != nil {
		t.Fatal(err)
	}
	ps := r.stages[1].(*packStage)
	pt, err := ps.StartTask(&Task{Spec: r.tasks[0], Mem: r.mem, r: r, stats: NewStats(cfg.Plan)})
	if err != nil {
		t.Fatal(err)
	}
	ps.free = append(ps.free, pt.(*packTask)) // an instance a task left behind
	if err := r.runTaskPhase(context.Background(), r.phases[0]); err != nil {
		t.Fatal(err)
	}
	if n := len(ps.free); n != 0 {
		t.Fatalf("%d pack instances kept after the phase", n)
	}
}
