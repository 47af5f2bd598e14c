package dedup

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// nearDupCorpus is a test corpus with planted near-duplicates.
type nearDupCorpus struct {
	texts [][]string     // [task][row]
	pairs []plantedPair  // (original, variant) with true Jaccard
	where map[int]docRef // doc index -> location
}

type plantedPair struct {
	a, b    int // doc indexes
	jaccard float64
}

// mutate applies seeded word-level edits to text: each word is substituted,
// deleted or followed by an inserted word with probability rate; with
// probability shuffleP, two lines are swapped.
func mutate(rng *rand.Rand, text string, rate, shuffleP float64) string {
	lines := strings.Split(text, "\n")
	if len(lines) > 2 && rng.Float64() < shuffleP {
		i, j := rng.IntN(len(lines)), rng.IntN(len(lines))
		lines[i], lines[j] = lines[j], lines[i]
	}
	var out []string
	for _, line := range lines {
		words := strings.Fields(line)
		var nw []string
		for _, w := range words {
			if rng.Float64() >= rate {
				nw = append(nw, w)
				continue
			}
			switch rng.IntN(3) {
			case 0:
				nw = append(nw, fmt.Sprintf("edit%d", rng.IntN(1e6)))
			case 1: // delete
			case 2:
				nw = append(nw, w, fmt.Sprintf("ins%d", rng.IntN(1e6)))
			}
		}
		out = append(out, strings.Join(nw, " "))
	}
	return strings.Join(out, "\n")
}

// shingleSet is the exact set of shingle hashes m uses for text.
func shingleSet(m *MinHash, text string) map[uint64]bool {
	sc := &mhScratch{}
	m.shingleHashes(sc, text)
	s := make(map[uint64]bool, len(sc.hashes))
	for _, h := range sc.hashes {
		s[h] = true
	}
	return s
}

func jaccard(a, b map[uint64]bool) float64 {
	inter := 0
	for h := range a {
		if b[h] {
			inter++
		}
	}
	u := len(a) + len(b) - inter
	if u == 0 {
		return 0
	}
	return float64(inter) / float64(u)
}

func buildNearDupCorpus(t testing.TB, m *MinHash, numTasks int, seed uint64) *nearDupCorpus {
	base := testCorpus(t)
	rng := rand.New(rand.NewPCG(seed, 1))
	var docs []string
	var pairs []plantedPair
	sets := map[int]map[uint64]bool{}
	for _, d := range base {
		docs = append(docs, d.Text)
	}
	for i := range base {
		if len(shingleSet(m, base[i].Text)) < 40 {
			continue
		}
		nv := 1
		if rng.IntN(5) == 0 {
			nv = 2
		}
		for v := 0; v < nv; v++ {
			variant := mutate(rng, base[i].Text, rng.Float64()*0.09, 0.3)
			if sets[i] == nil {
				sets[i] = shingleSet(m, base[i].Text)
			}
			j := jaccard(sets[i], shingleSet(m, variant))
			docs = append(docs, variant)
			pairs = append(pairs, plantedPair{a: i, b: len(docs) - 1, jaccard: j})
		}
	}
	// Shuffle documents over tasks.
	perm := rng.Perm(len(docs))
	c := &nearDupCorpus{texts: make([][]string, numTasks), pairs: pairs, where: map[int]docRef{}}
	for pos, di := range perm {
		task := pos % numTasks
		c.where[di] = docRef{task, len(c.texts[task])}
		c.texts[task] = append(c.texts[task], docs[di])
	}
	return c
}

func writeMinHashTasks(t testing.TB, m *MinHash, dir string, texts [][]string, order []int) {
	t.Helper()
	for _, task := range order {
		w, err := m.NewTaskWriter(dir, task)
		if err != nil {
			t.Fatal(err)
		}
		for r, s := range texts[task] {
			if err := w.Add(r, s); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func loadAllDecisions(t testing.TB, load func(string, int) (*Decisions, error), dir string, texts [][]string) [][]Decision {
	t.Helper()
	out := make([][]Decision, len(texts))
	for task := range texts {
		d, err := load(dir, task)
		if err != nil {
			t.Fatal(err)
		}
		for r := range texts[task] {
			out[task] = append(out[task], d.Lookup(r))
		}
	}
	return out
}

type qualityReport struct {
	recallHigh, precision float64
	bands                 []bandRate
}

type bandRate struct {
	lo, hi         float64
	n              int
	rate, expected float64
}

func evaluate(c *nearDupCorpus, decs [][]Decision, b, r int) qualityReport {
	rep := func(d docRef) docRef {
		x := decs[d.task][d.row]
		return docRef{x.KeptTask, x.KeptRow}
	}
	var high, highHit int
	planted := map[[2]docRef]bool{}
	bands := []bandRate{{lo: 0.3, hi: 0.5}, {lo: 0.5, hi: 0.6}, {lo: 0.6, hi: 0.7}, {lo: 0.7, hi: 0.8}, {lo: 0.8, hi: 0.9}, {lo: 0.9, hi: 1.01}}
	for _, p := range c.pairs {
		da, db := c.where[p.a], c.where[p.b]
		planted[[2]docRef{da, db}], planted[[2]docRef{db, da}] = true, true
		hit := rep(da) == rep(db)
		if p.jaccard >= 0.85 {
			high++
			if hit {
				highHit++
			}
		}
		for i := range bands {
			if p.jaccard >= bands[i].lo && p.jaccard < bands[i].hi {
				bands[i].n++
				if hit {
					bands[i].rate++
				}
				bands[i].expected += CandidateProbability(p.jaccard, b, r)
			}
		}
	}
	for i := range bands {
		if bands[i].n > 0 {
			bands[i].rate /= float64(bands[i].n)
			bands[i].expected /= float64(bands[i].n)
		}
	}
	// Precision: of the documents dropped, the fraction whose kept
	// representative is a planted relative (same family).
	family := map[docRef]int{}
	for i, p := range c.pairs {
		da, db := c.where[p.a], c.where[p.b]
		if f, ok := family[da]; ok {
			family[db] = f
		} else {
			family[da], family[db] = i, i
		}
	}
	dropped, correct := 0, 0
	for task := range decs {
		for row, d := range decs[task] {
			if !d.Drop {
				continue
			}
			dropped++
			fa, oka := family[docRef{task, row}]
			fb, okb := family[docRef{d.KeptTask, d.KeptRow}]
			if oka && okb && fa == fb {
				correct++
			}
		}
	}
	return qualityReport{recallHigh: float64(highHit) / float64(max(high, 1)), precision: float64(correct) / float64(max(dropped, 1)), bands: bands}
}

func TestMinHashNearDuplicateQuality(t *testing.T) {
	for _, verify := range []bool{false, true} {
		t.Run(fmt.Sprintf("verify=%v", verify), func(t *testing.T) {
			m := newTestMinHash(t, func(o *MinHashOptions) {
				if verify {
					thr := 0.7
					o.Threshold = &thr
				}
			})
			c := buildNearDupCorpus(t, m, 4, 11)
			dir := t.TempDir()
			writeMinHashTasks(t, m, dir, c.texts, []int{0, 1, 2, 3})
			st, err := m.Cluster(context.Background(), dir, 4, ClusterConfig{Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			decs := loadAllDecisions(t, m.LoadDecisions, dir, c.texts)
			q := evaluate(c, decs, 14, 8)
			t.Logf("stats %+v", st)
			t.Logf("recall(J>=0.85)=%.3f precision=%.3f", q.recallHigh, q.precision)
			if q.recallHigh < 0.95 {
				t.Errorf("recall for pairs with Jaccard >= 0.85: %.3f < 0.95", q.recallHigh)
			}
			if q.precision < 0.95 {
				t.Errorf("precision %.3f < 0.95", q.precision)
			}
			for _, b := range q.bands {
				t.Logf("J in [%.1f,%.1f): n=%d detected %.3f, S-curve %.3f", b.lo, b.hi, b.n, b.rate, b.expected)
				if b.n < 20 {
					continue
				}
				tol := 3*math.Sqrt(b.expected*(1-b.expected)/float64(b.n)) + 0.05
				if verify {
					// verification only removes candidates
					if b.rate > b.expected+tol {
						t.Errorf("band [%.1f,%.1f): detected %.3f above S-curve %.3f", b.lo, b.hi, b.rate, b.expected)
					}
					continue
				}
				if math.Abs(b.rate-b.expected) > tol {
					t.Errorf("band [%.1f,%.1f): detected %.3f, S-curve %.3f (tolerance %.3f)", b.lo, b.hi, b.rate, b.expected, tol)
				}
			}
		})
	}
}

// TestMinHashDeterministic checks identical decisions whatever the workers,
// the phase-1 task order and the memory budget (spilling).
func TestMinHashDeterministic(t *testing.T) {
	for _, verify := range []bool{false, true} {
		m := newTestMinHash(t, func(o *MinHashOptions) {
			if verify {
				thr := 0.75
				o.Threshold = &thr
			}
		})
		c := buildNearDupCorpus(t, m, 5, 12)
		run := func(order []int, cfg ClusterConfig) ([][]Decision, Stats, string) {
			dir := t.TempDir()
			writeMinHashTasks(t, m, dir, c.texts, order)
			st, err := m.Cluster(context.Background(), dir, 5, cfg)
			if err != nil {
				t.Fatal(err)
			}
			return loadAllDecisions(t, m.LoadDecisions, dir, c.texts), st, dir
		}
		ref, refSt, _ := run([]int{0, 1, 2, 3, 4}, ClusterConfig{Workers: 1})
		if refSt.Clusters == 0 || refSt.SpillRuns != 0 {
			t.Fatalf("reference run: %+v", refSt)
		}
		for _, v := range []struct {
			name  string
			order []int
			cfg   ClusterConfig
		}{
			{"4 workers", []int{0, 1, 2, 3, 4}, ClusterConfig{Workers: 4}},
			{"reverse phase-1 order", []int{4, 3, 2, 1, 0}, ClusterConfig{Workers: 3}},
			{"tiny budget spills", []int{2, 0, 4, 1, 3}, ClusterConfig{Workers: 4, MemoryBudget: 14 * 16 * 100}},
		} {
			got, st, dir := run(v.order, v.cfg)
			if v.cfg.MemoryBudget > 0 {
				if st.SpillRuns < 14*2 {
					t.Errorf("%s: %d spill runs, want many", v.name, st.SpillRuns)
				}
				if entries, _ := os.ReadDir(filepath.Join(dir, "minhash", "spill")); len(entries) != 0 {
					t.Errorf("%s: %d spill files left", v.name, len(entries))
				}
				st.SpillRuns = 0
			}
			if st != refSt {
				t.Errorf("verify=%v %s: stats %+v, want %+v", verify, v.name, st, refSt)
			}
			if !reflect.DeepEqual(got, ref) {
				t.Errorf("verify=%v %s: decisions differ", verify, v.name)
			}
		}
	}
}

func TestMinHashExactCopiesAndShortDocs(t *testing.T) {
	m := newTestMinHash(t, nil)
	texts := [][]string{
		{"alpha beta gamma delta epsilon zeta eta theta", "too short", "unique words that nobody else has here at all"},
		{"Alpha, beta; gamma delta epsilon zeta eta theta!", "too short", "alpha beta gamma delta epsilon zeta eta theta"},
	}
	dir := t.TempDir()
	writeMinHashTasks(t, m, dir, texts, []int{1, 0})
	st, err := m.Cluster(context.Background(), dir, 2, ClusterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	decs := loadAllDecisions(t, m.LoadDecisions, dir, texts)
	want := [][]Decision{
		{{KeptTask: 0, KeptRow: 0, ClusterID: 0, ClusterSize: 3}, {KeptTask: 0, KeptRow: 1, ClusterID: -1, ClusterSize: 1}, {KeptTask: 0, KeptRow: 2, ClusterID: -1, ClusterSize: 1}},
		{{Drop: true, KeptTask: 0, KeptRow: 0, ClusterID: 0, ClusterSize: 3}, {KeptTask: 1, KeptRow: 1, ClusterID: -1, ClusterSize: 1}, {Drop: true, KeptTask: 0, KeptRow: 0, ClusterID: 0, ClusterSize: 3}},
	}
	if !reflect.DeepEqual(decs, want) {
		t.Errorf("decisions\n got %+v\nwant %+v", decs, want)
	}
	if st.Documents != 6 || st.Hashed != 4 || st.Duplicates != 2 || st.Clusters != 1 {
		t.Errorf("stats %+v", st)
	}
}

func BenchmarkCluster(b *testing.B) {
	// Synthetic phase-1 files: 200k documents in 4 tasks, 10% in groups.
	m := newTestMinHash(b, nil)
	dir := b.TempDir()
	const tasks, per = 4, 50000
	rng := rand.New(rand.NewPCG(1, 2))
	sig := make([]uint64, m.NumHashes())
	for t := 0; t < tasks; t++ {
		w, err := m.NewTaskWriter(dir, t)
		if err != nil {
			b.Fatal(err)
		}
		for r := 0; r < per; r++ {
			if rng.IntN(10) != 0 {
				for i := range sig {
					sig[i] = rng.Uint64() & mersenne61
				}
			}
			if err := w.AddSignature(r, sig); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(tasks * per * m.opts.Buckets * 16))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Cluster(context.Background(), dir, tasks, ClusterConfig{Workers: 2}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestEmptyTasksAndNoTasks(t *testing.T) {
	m := newTestMinHash(t, nil)
	e := newTestExact(t, NormalizeNone)
	l := newTestLines(t, nil)
	text := "the same text with more than five words in it"
	texts := [][]string{nil, {text, text}, nil}
	dir := t.TempDir()
	writeMinHashTasks(t, m, dir, texts, []int{0, 1, 2})
	writeExactTasks(t, e, dir, texts, []int{0, 1, 2})
	for task := range texts {
		w, err := l.NewTaskWriter(dir, task)
		if err != nil {
			t.Fatal(err)
		}
		for r, s := range texts[task] {
			if err := w.Add(r, s); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	for name, cluster := range map[string]func(context.Context, string, int, ClusterConfig) (Stats, error){
		"minhash": m.Cluster, "exact": e.Cluster, "lines": l.Cluster,
	} {
		if _, err := cluster(ctx, t.TempDir(), 0, ClusterConfig{}); err != nil {
			t.Errorf("%s with no tasks: %v", name, err)
		}
		st, err := cluster(ctx, dir, 3, ClusterConfig{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if st.Documents != 2 {
			t.Errorf("%s: %d documents, want 2", name, st.Documents)
		}
	}
	for _, load := range []func(string, int) (*Decisions, error){m.LoadDecisions, e.LoadDecisions} {
		d, err := load(dir, 1)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Dropped(); len(got) != 1 || got[0] != 1 {
			t.Errorf("dropped %v, want [1]", got)
		}
		if d0, err := load(dir, 0); err != nil || d0.Grouped() != 0 {
			t.Errorf("empty task: %v %v", d0, err)
		}
	}
}
