package tagdefaults

import "testing"

type inner struct {
	Depth int `default:"3"`
}

type opts struct {
	inner
	Name   string   `default:"x"`
	Ratio  *float64 `default:"0.5"`
	Off    *int     `default:""`
	Langs  []string `default:"en, ko"`
	On     bool     `default:"true"`
	Count  int64    `default:"1_000"`
	hidden int      `default:"9"`
}

func TestApplyAndFillZero(t *testing.T) {
	var o opts
	if err := Apply(&o); err != nil {
		t.Fatal(err)
	}
	if o.Depth != 3 || o.Name != "x" || *o.Ratio != 0.5 || o.Off != nil || len(o.Langs) != 2 || o.Langs[1] != "ko" || !o.On || o.Count != 1000 || o.hidden != 0 {
		t.Fatalf("%+v", o)
	}
	p := Must(&opts{Name: "mine", inner: inner{Depth: 7}})
	if p.Name != "mine" || p.Depth != 7 || *p.Ratio != 0.5 {
		t.Fatalf("FillZero overwrote set fields: %+v", p)
	}
	type bad struct {
		N int `default:"many"`
	}
	if err := Apply(&bad{}); err == nil {
		t.Fatal("a bad default must be an error")
	}
}
