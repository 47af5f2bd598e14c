package pipeline

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/compute"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// shuffleCorpus writes files in-0..in-{files-1}.jsonl.gz of docs documents
// each, with ids "f<file>-<n>" of uneven lengths, and returns the ids in
// input order.
func shuffleCorpus(t testing.TB, dir string, files, docs int) []string {
	t.Helper()
	var ids []string
	for f := 0; f < files; f++ {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		for i := 0; i < docs; i++ {
			id := fmt.Sprintf("f%d-%d", f, i)
			text := fmt.Sprintf("Document %s: %s", id, strings.Repeat("words of filler ", 1+(i*7+f)%23))
			b, _ := json.Marshal(map[string]any{"id": id, "text": text, "n": i})
			zw.Write(append(b, '\n'))
			ids = append(ids, id)
		}
		zw.Close()
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("in-%d.jsonl.gz", f)), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

func shuffleConfig(t testing.TB, dir, out, opts string) *Config {
	return writeConfig(t, dir, `
input: {paths: [`+dir+`/in-*.jsonl.gz], batch_size: 16}
steps:
  - shuffle: {seed: 5`+opts+`}
output: {path: `+out+`, format: jsonl, compression: none}
`)
}

// outputIDs reads the ids of a JSONL output in manifest order.
func outputIDs(t *testing.T, out string, res *Result) []string {
	t.Helper()
	var ids []string
	for _, s := range res.Manifest.Shards {
		b, err := os.ReadFile(filepath.Join(out, s.Path))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var d struct{ ID string }
			if err := json.Unmarshal([]byte(line), &d); err != nil {
				t.Fatalf("%s: %v", s.Path, err)
			}
			ids = append(ids, d.ID)
		}
	}
	return ids
}

// TestShuffleBoundedMemory: with a memory bound of a few KB (phase A
// flushes every few batches, every part is built from several sub-buckets)
// every row comes out exactly once, not in input order, and the output is
// the same for 1 and 3 workers, for 2 ranks, and for the default bound.
func TestShuffleBoundedMemory(t *testing.T) {
	dir := t.TempDir()
	in := shuffleCorpus(t, dir, 3, 300)
	const tiny = ", memory_mb: 0.03" // 31 KB: 4 KB flushes, 8 KB sub-buckets
	res := run(t, shuffleConfig(t, dir, dir+"/w1", tiny), RunOptions{Workers: 1})
	got := outputIDs(t, dir+"/w1", res)

	seen := map[string]int{}
	for _, id := range got {
		seen[id]++
	}
	for _, id := range in {
		if seen[id] != 1 {
			t.Fatalf("%s written %d times", id, seen[id])
		}
	}
	if len(got) != len(in) {
		t.Fatalf("%d rows out, %d in", len(got), len(in))
	}
	if strings.Join(got, " ") == strings.Join(in, " ") {
		t.Fatal("output is in input order")
	}
	// each part mixes the three files and is not in input order inside
	for _, s := range res.Manifest.Shards {
		b, _ := os.ReadFile(filepath.Join(dir, "w1", s.Path))
		files := map[string]bool{}
		inOrder := true
		prev := -1
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var d struct {
				ID string
				N  int
			}
			json.Unmarshal([]byte(line), &d)
			files[d.ID[:2]] = true
			if d.N < prev {
				inOrder = false
			}
			prev = d.N
		}
		if len(files) != 3 || inOrder {
			t.Fatalf("%s: rows of %d files, in input order: %v", s.Path, len(files), inOrder)
		}
	}

	// the bound was in force: several flushes per task and destination,
	// several sub-buckets per part
	idx, _ := filepath.Glob(dir + "/w1/.grist/barrier/*shuffle/task-*.arrow.index")
	if len(idx) != 3 {
		t.Fatalf("%d phase A indexes", len(idx))
	}
	for _, p := range idx {
		b, _ := os.ReadFile(p)
		var ix shuffleIndex
		if err := json.Unmarshal(b, &ix); err != nil {
			t.Fatal(err)
		}
		per := map[int]int{}
		for _, d := range ix.Dest {
			per[d]++
		}
		if len(per) != 3 || per[0] < 3 {
			t.Fatalf("%s: batches per destination %v: the buffers were not flushed as they filled", p, per)
		}
	}
	var subBuckets int64
	for _, st := range res.Stats.Stages {
		subBuckets += st.Counters["sub_buckets"]
	}
	if subBuckets < 3*4 {
		t.Fatalf("%d sub-buckets for 3 parts", subBuckets)
	}

	ref := readDirFiles(t, dir+"/w1")
	run(t, shuffleConfig(t, dir, dir+"/w3", tiny), RunOptions{Workers: 3})
	sameFiles(t, ref, readDirFiles(t, dir+"/w3"))

	// the bound changes how the parts are built, not what they hold (the
	// manifest differs by its config hash)
	res = run(t, shuffleConfig(t, dir, dir+"/default", ""), RunOptions{Workers: 2})
	def := readDirFiles(t, dir+"/default")
	if !bytes.Contains(def["manifest.json"], []byte(`"config_hash"`)) {
		t.Fatal("the manifest has no config hash")
	}
	refParts := maps.Clone(ref)
	delete(refParts, "manifest.json")
	delete(def, "manifest.json")
	sameFiles(t, refParts, def)
	for _, st := range res.Stats.Stages {
		if n := st.Counters["sub_buckets"]; n != 0 && n != 3 {
			t.Fatalf("default bound: %d sub-buckets for 3 small parts", n)
		}
	}

	for rank := 1; rank >= 0; rank-- {
		run(t, shuffleConfig(t, dir, dir+"/ranks", tiny), RunOptions{Workers: 1, Rank: rank, WorldSize: 2, Resume: rank != 1})
	}
	run(t, shuffleConfig(t, dir, dir+"/ranks", tiny), RunOptions{Workers: 1, Resume: true})
	sameFiles(t, ref, readDirFiles(t, dir+"/ranks"))

	// another seed, another order
	res = run(t, writeConfig(t, dir, `
input: {paths: [`+dir+`/in-*.jsonl.gz], batch_size: 16}
steps:
  - shuffle: {seed: 6, memory_mb: 0.03}
output: {path: `+dir+`/seed6, format: jsonl, compression: none}
`), RunOptions{Workers: 1})
	if strings.Join(outputIDs(t, dir+"/seed6", res), " ") == strings.Join(got, " ") {
		t.Fatal("seeds 5 and 6 give the same order")
	}
}

// TestShuffleResumeAfterFailure: a run that fails in the shuffle's phase B
// and is resumed gives the same output as a run that did not fail.
func TestShuffleResumeAfterFailure(t *testing.T) {
	dir := t.TempDir()
	shuffleCorpus(t, dir, 3, 200)
	const tiny = ", memory_mb: 0.03"
	run(t, shuffleConfig(t, dir, dir+"/ref", tiny), RunOptions{Workers: 2})
	cfg := shuffleConfig(t, dir, dir+"/out", tiny)
	run(t, cfg, RunOptions{Workers: 2, Phase: "read"})
	if _, err := Run(context.Background(), cfg, RunOptions{Workers: 2, FaultTask: 1, Resume: true}); err == nil || !strings.Contains(err.Error(), "task 1") {
		t.Fatalf("want the injected fault in task 1, got %v", err)
	}
	if _, err := os.Stat(dir + "/out/.grist/barrier/step-00-shuffle/task-00001.arrow"); err != nil {
		t.Fatal("phase A output of task 1 missing: the fault did not come in phase B")
	}
	run(t, cfg, RunOptions{Workers: 2, Resume: true})
	sameFiles(t, readDirFiles(t, dir+"/ref"), readDirFiles(t, dir+"/out"))
	if tmp, _ := filepath.Glob(dir + "/out/.grist/barrier/*/.task-*"); len(tmp) > 0 {
		t.Fatalf("temporary files left: %v", tmp)
	}
}

func TestShuffleOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		mb   float64
		fail bool
	}{{256, false}, {0.001, false}, {0, true}, {-1, true}} {
		err := (&ShuffleOptions{MemoryMB: tc.mb}).Validate()
		if (err != nil) != tc.fail || (err != nil && !strings.HasPrefix(err.Error(), "memory_mb:")) {
			t.Errorf("memory_mb %v: %v", tc.mb, err)
		}
	}
}

// TestSubBucketMonotonic: sub-buckets are key ranges in key order, so the
// concatenation of sorted sub-buckets is the whole part sorted by key.
func TestSubBucketMonotonic(t *testing.T) {
	for _, nb := range []int{1, 2, 3, 7, 1000} {
		prev := 0
		for _, k := range []uint64{0, 1, 1 << 20, 1 << 62, 1 << 63, 3 << 62, ^uint64(0) - 1, ^uint64(0)} {
			b := subBucket(k, nb)
			if b < prev || b >= nb {
				t.Fatalf("nb %d: key %x in sub-bucket %d after %d", nb, k, b, prev)
			}
			prev = b
		}
		if subBucket(^uint64(0), nb) != nb-1 {
			t.Fatalf("nb %d: the largest key is not in the last sub-bucket", nb)
		}
	}
}

// BenchmarkShuffle runs a shuffle alone on the ~20 MB bench corpus (one
// task), with the default bound and with a 4 MB one (several flushes and
// sub-buckets). Bytes are the corpus' text bytes.
func BenchmarkShuffle(b *testing.B) {
	p, textBytes := benchCorpus(b)
	for _, mb := range []string{"256", "4"} {
		b.Run("memory_mb="+mb, func(b *testing.B) {
			b.SetBytes(textBytes)
			for i := 0; i < b.N; i++ {
				out := filepath.Join(b.TempDir(), "out")
				cfg, err := ParseConfig("bench.yaml", []byte("input: {paths: ["+p+"], batch_size: 1000}\nsteps:\n  - shuffle: {memory_mb: "+mb+"}\noutput: {path: "+out+", format: jsonl, compression: none}\n"))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := Run(context.Background(), cfg, RunOptions{Workers: 1, FaultTask: -1}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// takeTestColumns builds n rows of every column type takeArray handles
// itself (and two it leaves to Arrow), with nulls in every other column.
func takeTestColumns(n int) []arrow.Array {
	mem := memory.DefaultAllocator
	r := rand.New(rand.NewPCG(1, 2))
	var cols []arrow.Array
	add := func(b array.Builder, nullable bool, appendOne func()) {
		for i := 0; i < n; i++ {
			if nullable && r.IntN(4) == 0 {
				b.AppendNull()
				continue
			}
			appendOne()
		}
		cols = append(cols, b.NewArray())
		b.Release()
	}
	for _, nullable := range []bool{false, true} {
		i32 := array.NewInt32Builder(mem)
		add(i32, nullable, func() { i32.Append(r.Int32()) })
		i64 := array.NewInt64Builder(mem)
		add(i64, nullable, func() { i64.Append(r.Int64()) })
		i8 := array.NewInt8Builder(mem)
		add(i8, nullable, func() { i8.Append(int8(r.IntN(256))) })
		f64 := array.NewFloat64Builder(mem)
		add(f64, nullable, func() { f64.Append(r.Float64()) })
		bl := array.NewBooleanBuilder(mem)
		add(bl, nullable, func() { bl.Append(r.IntN(2) == 0) })
		word := func() string { return strings.Repeat(string(rune('a'+r.IntN(26))), r.IntN(12)) }
		st := array.NewStringBuilder(mem)
		add(st, nullable, func() { st.Append(word()) })
		ls := array.NewLargeStringBuilder(mem)
		add(ls, nullable, func() { ls.Append(word()) })
		bn := array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
		add(bn, nullable, func() { bn.Append([]byte(word())) })
		li := array.NewListBuilder(mem, arrow.PrimitiveTypes.Int32)
		add(li, nullable, func() {
			li.Append(true)
			for k := r.IntN(40); k > 0; k-- {
				li.ValueBuilder().(*array.Int32Builder).Append(r.Int32())
			}
		})
		ll := array.NewLargeListBuilder(mem, arrow.PrimitiveTypes.Int8)
		add(ll, nullable, func() {
			ll.Append(true)
			for k := r.IntN(40); k > 0; k-- {
				ll.ValueBuilder().(*array.Int8Builder).Append(int8(r.IntN(256)))
			}
		})
		// elements with nulls, strings in lists: the position-take path
		lsn := array.NewListBuilder(mem, arrow.BinaryTypes.String)
		add(lsn, nullable, func() {
			lsn.Append(true)
			vb := lsn.ValueBuilder().(*array.StringBuilder)
			for k := r.IntN(5); k > 0; k-- {
				if r.IntN(3) == 0 {
					vb.AppendNull()
				} else {
					vb.Append(word())
				}
			}
		})
		// left to Arrow's kernel: a struct and a dictionary
		sb := array.NewStructBuilder(mem, arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int32}))
		add(sb, nullable, func() { sb.Append(true); sb.FieldBuilder(0).(*array.Int32Builder).Append(r.Int32()) })
		db := array.NewDictionaryBuilder(mem, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String})
		add(db, nullable, func() { db.(*array.BinaryDictionaryBuilder).AppendString(word()) })
	}
	return cols
}

// TestTakeArrayMatchesArrow: the hand-written take (and Arrow's kernel for
// the types it leaves) gives what concatenating one-row slices gives, for
// every type, for whole arrays and for slices (offsets), with repeated and
// reversed positions.
func TestTakeArrayMatchesArrow(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := compute.WithAllocator(context.Background(), mem)
	for _, col := range takeTestColumns(300) {
		for _, sl := range [][2]int64{{0, 300}, {37, 251}} {
			arr := array.NewSlice(col, sl[0], sl[1])
			n := int(sl[1] - sl[0])
			for _, idx := range [][]int32{
				{},
				{0},
				{int32(n - 1), 0, int32(n / 2), int32(n / 2), 3},
				func() []int32 {
					p := make([]int32, n)
					for i, v := range rand.New(rand.NewPCG(3, 4)).Perm(n) {
						p[i] = int32(v)
					}
					return p
				}(),
			} {
				ia := array.NewInt32Data(array.NewData(arrow.PrimitiveTypes.Int32, len(idx),
					[]*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(idx))}, nil, 0, 0))
				want, err := takeBySlices(mem, arr, idx)
				if err != nil {
					t.Fatal(err)
				}
				got, err := takeArray(ctx, mem, arr, idx, ia)
				if err != nil {
					t.Fatal(err)
				}
				if !arrow.TypeEqual(got.DataType(), want.DataType()) || !array.Equal(got, want) {
					t.Fatalf("%s slice %v, %d positions: got %v, want %v", arr.DataType(), sl, len(idx), got, want)
				}
				got.Release()
				want.Release()
				ia.Release()
			}
			arr.Release()
		}
		col.Release()
	}
}

// BenchmarkTakeColumns permutes 1,000 packed rows (three 2048-token list
// columns), the phase B kernel of the shuffle; bytes are the rows' Arrow
// bytes.
func BenchmarkTakeColumns(b *testing.B) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "input_ids", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32)},
		{Name: "labels", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32)},
		{Name: "attention_mask", Type: arrow.ListOf(arrow.PrimitiveTypes.Int8)},
	}, nil)
	mem := memory.NewGoAllocator()
	rb := array.NewRecordBuilder(mem, schema)
	const n = 1000
	for r := 0; r < n; r++ {
		for c := 0; c < 3; c++ {
			lb := rb.Field(c).(*array.ListBuilder)
			lb.Append(true)
			for k := 0; k < 2048; k++ {
				if c == 2 {
					lb.ValueBuilder().(*array.Int8Builder).Append(1)
				} else {
					lb.ValueBuilder().(*array.Int32Builder).Append(int32(r + k))
				}
			}
		}
	}
	rec := rb.NewRecord()
	defer rec.Release()
	order := make([]int32, n)
	for i, p := range rand.New(rand.NewPCG(5, 6)).Perm(n) {
		order[i] = int32(p)
	}
	b.SetBytes(recordBytes(rec))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := takeColumns(mem, rec, order, schema, nil)
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
}

// peakAllocator counts the Arrow bytes allocated and not yet freed, and
// their high-water mark.
type peakAllocator struct {
	mem       memory.Allocator
	mu        sync.Mutex
	cur, peak int64
}

func (a *peakAllocator) add(n int64) {
	a.mu.Lock()
	a.cur += n
	a.peak = max(a.peak, a.cur)
	a.mu.Unlock()
}

func (a *peakAllocator) Allocate(n int) []byte {
	a.add(int64(n))
	return a.mem.Allocate(n)
}

func (a *peakAllocator) Reallocate(n int, b []byte) []byte {
	a.add(int64(n - len(b)))
	return a.mem.Reallocate(n, b)
}

func (a *peakAllocator) Free(b []byte) {
	a.add(-int64(len(b)))
	a.mem.Free(b)
}

// TestShuffleApplyMemory pins phase B's memory: parts of dozens of
// sub-buckets, built by tasks that passed few batches to the barrier, are
// handed on in slices of at most 1/32 of the bound, and the Arrow bytes held
// at once stay under half the bound plus the batch of the task's own rows
// being read. (Handing a part on in batches of 1 MB or of a share of the
// part, as the executor's calls allowed before, holds 1.1 MB here.)
func TestShuffleApplyMemory(t *testing.T) {
	dir := t.TempDir()
	shuffleCorpus(t, dir, 2, 6000)
	cfg := writeConfig(t, dir, `
input: {paths: [`+dir+`/in-*.jsonl.gz], batch_size: 500}
steps:
  - shuffle: {seed: 5, memory_mb: 0.25}
output: {path: `+dir+`/out, format: jsonl, compression: none}
`)
	run(t, cfg, RunOptions{Workers: 1, Phase: "read"})
	run(t, cfg, RunOptions{Workers: 1, Phase: "shuffle.decide"})

	// the largest batch phase B reads of the task's own rows
	var batch int64
	inter, _ := filepath.Glob(dir + "/out/.grist/data/p0/task-*.arrow")
	if len(inter) != 2 {
		t.Fatalf("%d phase A data files", len(inter))
	}
	for _, p := range inter {
		src, err := openInter(p, memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		for {
			rec, err := src.Next()
			if err != nil {
				break
			}
			batch = max(batch, recordBytes(rec))
			rec.Release()
		}
		src.Close()
	}

	mem := &peakAllocator{mem: memory.NewGoAllocator()}
	res := run(t, cfg, RunOptions{Workers: 1, Phase: "shuffle.apply", Mem: mem})
	budget := int64(0.25 * (1 << 20))
	var subBuckets int64
	for _, st := range res.Stats.Stages {
		subBuckets += st.Counters["sub_buckets"]
	}
	if subBuckets < 2*12 {
		t.Fatalf("%d sub-buckets for 2 parts: the parts do not exceed the bound", subBuckets)
	}
	if mem.cur != 0 {
		t.Errorf("%d bytes not released", mem.cur)
	}
	if limit := budget/2 + batch; mem.peak > limit {
		t.Errorf("phase B held %d KB of Arrow buffers at once; the bound is %d KB (half of memory_mb %d KB, plus a %d KB batch read)",
			mem.peak>>10, limit>>10, budget>>10, batch>>10)
	}
	t.Logf("peak %d KB, bound %d KB, batch %d KB, %d sub-buckets", mem.peak>>10, (budget/2+batch)>>10, batch>>10, subBuckets)
	if got := len(outputIDs(t, dir+"/out", res)); got != 12000 {
		t.Fatalf("%d rows out of 12000", got)
	}
}
