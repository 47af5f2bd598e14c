package train

import "testing"

// checkLearner recounts every pair from the words and compares with the
// incremental counts, and checks that best() is the true argmax.
func checkLearner(t *testing.T, l *bpeLearner, step int) {
	t.Helper()
	want := map[uint64]int64{}
	for w := range l.start {
		s := l.syms[l.start[w] : l.start[w]+l.size[w]]
		for i := 0; i+1 < len(s); i++ {
			if l.eligible(s[i], s[i+1]) {
				want[pairKey(s[i], s[i+1])] += l.count[w]
			}
		}
	}
	bad := 0
	for k, p := range l.index {
		if l.pcount[p] != want[k] && l.pcount[p] != 0 {
			if bad < 5 {
				t.Errorf("step %d: pair (%d,%d) count %d, recount %d", step, l.left[p], l.right[p], l.pcount[p], want[k])
			}
			bad++
		}
	}
	for k, c := range want {
		if p, ok := l.index[k]; !ok || (l.pcount[p] != c) {
			if bad < 5 {
				t.Errorf("step %d: pair %x recount %d, missing or wrong", step, k, c)
			}
			bad++
		}
	}
	for i := range l.heap {
		if l.hpos[l.heap[i]] != int32(i) {
			t.Fatalf("step %d: hpos broken", step)
		}
		if i > 0 && l.less(l.heap[i], l.heap[(i-1)/2]) {
			t.Fatalf("step %d: heap order broken at %d", step, i)
		}
	}
	if bad > 0 {
		t.FailNow()
	}
}

func TestLearnerCountsExact(t *testing.T) {
	lines := corpusLines(t)[:200]
	tr, _ := New(*withDefaults(&Options{Workers: 1}))
	for _, d := range lines {
		tr.Add(d)
	}
	tr.c.finish()
	words, counts := tr.c.words()
	var syms, start []int32
	for _, w := range words {
		start = append(start, int32(len(syms)))
		for i := 0; i < len(w); i++ {
			syms = append(syms, byteRank[w[i]])
		}
	}
	start = append(start, int32(len(syms)))
	l := newBPELearner(syms, start, counts, 256, 0)
	checkLearner(t, l, 0)
	next := int32(256)
	for step := int32(1); step < 300; step++ {
		p := l.best(0)
		if p < 0 {
			break
		}
		l.merge(p, next, step)
		next++
		if step%10 == 0 || step < 20 {
			checkLearner(t, l, int(step))
		}
	}
}
