package dedup

import (
	"context"
	"path/filepath"
	"testing"
)

// TestSampleCorpusExactWithinMinHash runs exact (simple normalization) and
// minhash dedup on the shared spam-assassin sample: every exact duplicate
// with a signature must also be a minhash duplicate, and minhash must find
// the natural near-duplicates of the spam on top.
func TestSampleCorpusExactWithinMinHash(t *testing.T) {
	docs := loadJSONLGz(t, filepath.Join("..", "..", "shared", "data", "spam-assassin.jsonl.gz"))
	const numTasks = 3
	texts := make([][]string, numTasks)
	for i, d := range docs {
		texts[i%numTasks] = append(texts[i%numTasks], d.Text)
	}
	dir := t.TempDir()
	e := newTestExact(t, NormalizeSimple)
	m := newTestMinHash(t, nil)
	order := []int{2, 0, 1}
	writeExactTasks(t, e, dir, texts, order)
	writeMinHashTasks(t, m, dir, texts, order)
	ctx := context.Background()
	est, err := e.Cluster(ctx, dir, numTasks, ClusterConfig{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	mst, err := m.Cluster(ctx, dir, numTasks, ClusterConfig{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("exact: %+v", est)
	t.Logf("minhash: %+v", mst)
	ed := loadAllDecisions(t, e.LoadDecisions, dir, texts)
	md := loadAllDecisions(t, m.LoadDecisions, dir, texts)
	missed := 0
	for task := range texts {
		for row, text := range texts[task] {
			if ed[task][row].Drop && !md[task][row].Drop && len(m.Signature(text, nil)) > 0 {
				missed++
			}
		}
	}
	if missed > 0 {
		t.Errorf("%d exact duplicates not dropped by minhash", missed)
	}
	if mst.Duplicates <= est.Duplicates {
		t.Errorf("minhash found %d duplicates, exact %d: expected near-duplicates on top", mst.Duplicates, est.Duplicates)
	}
}
