package dedup

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

func newTestLines(t testing.TB, edit func(*LinesOptions)) *Lines {
	var o LinesOptions
	fillDefaults(&o)
	if edit != nil {
		edit(&o)
	}
	l, err := NewLines(o)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestSplitUnits(t *testing.T) {
	cases := []struct {
		unit, in string
		want     []string
	}{
		{UnitLine, "a\nb\n\nc", []string{"a\n", "b\n", "\n", "c"}},
		{UnitLine, "", nil},
		{UnitSentence, "One. Two!  Three?\nFour", []string{"One. ", "Two!  ", "Three?\n", "Four"}},
		{UnitSentence, "v1.2 is out. Yes", []string{"v1.2 is out. ", "Yes"}},
		{UnitSentence, "第一句。第二句。", []string{"第一句。", "第二句。"}},
	}
	for _, c := range cases {
		l := newTestLines(t, func(o *LinesOptions) { o.Unit = c.unit })
		u := l.splitUnits(nil, c.in)
		var got []string
		for i := 0; i < len(u); i += 2 {
			got = append(got, c.in[u[i]:u[i+1]])
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %q: got %q want %q", c.unit, c.in, got, c.want)
		}
	}
}

func TestLinesRemovesRepeatedSpans(t *testing.T) {
	boiler := "Subscribe to our newsletter\nFollow us on social media\nAll rights reserved 2024\n"
	texts := [][]string{
		{"Intro one\nbody alpha\nbody beta\n" + boiler, "short\n"},
		{"Intro two\n" + boiler + "body gamma\nbody delta\nend\n", "Intro one\nbody alpha\nbody beta\nmore text\n"},
	}
	l := newTestLines(t, func(o *LinesOptions) { o.MinDocWords = 3 })
	dir := t.TempDir()
	for _, task := range []int{1, 0} {
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
	st, err := l.Cluster(context.Background(), dir, 2, ClusterConfig{MemoryBudget: 16 * 20})
	if err != nil {
		t.Fatal(err)
	}
	if st.Duplicates != 2 || st.Hashed != 11 {
		t.Errorf("stats %+v: want 11 spans, 2 repeated", st)
	}
	d0, _ := l.LoadDecisions(dir, 0)
	d1, _ := l.LoadDecisions(dir, 1)
	if out, changed, keep := d0.Rewrite(0, texts[0][0]); changed || !keep || out != texts[0][0] {
		t.Errorf("first occurrence changed: %q", out)
	}
	out, changed, keep := d1.Rewrite(0, texts[1][0])
	if want := "Intro two\nbody gamma\nbody delta\nend\n"; out != want || !changed || !keep {
		t.Errorf("task 1 row 0: got %q changed=%v keep=%v, want %q", out, changed, keep, want)
	}
	out, _, keep = d1.Rewrite(1, texts[1][1])
	if want := "more text\n"; out != want || keep {
		t.Errorf("task 1 row 1: got %q keep=%v, want %q dropped (min_doc_words)", out, keep, want)
	}
	if strings.Contains(out, "alpha") {
		t.Errorf("repeated span kept")
	}
}

func BenchmarkLinesSpanHashes(b *testing.B) {
	docs := testCorpus(b)
	l := newTestLines(b, nil)
	size := 0
	for _, d := range docs {
		size += len(d.Text)
	}
	b.SetBytes(int64(size))
	sc := &linesScratch{}
	fn := func(int, uint64) error { return nil }
	for i := 0; i < b.N; i++ {
		for _, d := range docs {
			_ = l.spanHashes(sc, d.Text, fn)
		}
	}
}
