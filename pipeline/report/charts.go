package report

import (
	"fmt"
	"math"
	"strconv"

	"github.com/grist/grist/pipeline"
)

// Chart geometry (SVG user units).
const (
	chartW     = 560.0
	chartH     = 170.0
	plotLeft   = 48.0
	plotRight  = 12.0
	plotTop    = 14.0
	plotBottom = 34.0
	hRowH      = 18.0
	hLabelW    = 260.0
	hBarW      = 300.0
)

// Chart is a vertical bar chart of a histogram, drawn as inline SVG.
type Chart struct {
	Key      string // histogram key in stats.json
	Title    string
	W, H     float64
	Bars     []Bar
	Ticks    []Tick
	YTicks   []Tick
	Marks    []Mark
	N        int64
	NaN      int64
	Mean     string
	Notes    []string // thresholds outside the drawn range, ...
	BaseY    float64
	PlotL    float64
	PlotR    float64
	MarkTop  float64
	TickText float64
}

// Bar is one bin.
type Bar struct {
	X, Y, W, H float64
	Label      string
	Count      int64
}

// Tick is an axis label.
type Tick struct {
	X, Y float64
	Text string
}

// Mark is a threshold line.
type Mark struct {
	X, Y   float64
	Anchor string // text-anchor of the label
	Text   string
}

// histChart draws a fixed-bin histogram; for log2 scales only the bins from
// the first to the last non-empty one are drawn.
func histChart(key, title string, h *pipeline.Histogram) *Chart {
	if h == nil || len(h.Counts) == 0 {
		return nil
	}
	first, last := 0, len(h.Counts)-1
	if h.Scale == pipeline.ScaleLog2 {
		first, last = -1, -1
		for i, c := range h.Counts {
			if c > 0 {
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		if first < 0 {
			first, last = 0, 0
		}
		// at least 8 bins, so a narrow distribution still reads as one
		for last-first+1 < 8 && (first > 0 || last < len(h.Counts)-1) {
			if last < len(h.Counts)-1 {
				last++
			}
			if last-first+1 < 8 && first > 0 {
				first--
			}
		}
	}
	c := &Chart{Key: key, Title: title, W: chartW, H: chartH, N: h.N, NaN: h.NaN,
		BaseY: chartH - plotBottom, PlotL: plotLeft, PlotR: chartW - plotRight, MarkTop: plotTop - 4, TickText: chartH - plotBottom + 14}
	if n := h.N - h.NaN; n > 0 {
		c.Mean = formatFloat(h.Sum / float64(n))
	}
	nb := last - first + 1
	plotW := chartW - plotLeft - plotRight
	plotH := chartH - plotTop - plotBottom
	bw := plotW / float64(nb)
	var ymax int64 = 1
	for _, v := range h.Counts[first : last+1] {
		ymax = max(ymax, v)
	}
	every := max(1, (nb+9)/10)
	if h.Scale == pipeline.ScaleLinear {
		every = max(1, nb/5)
	}
	for i := first; i <= last; i++ {
		lo, hi := h.BinBounds(i)
		x := plotLeft + float64(i-first)*bw
		bh := float64(h.Counts[i]) / float64(ymax) * plotH
		label := fmt.Sprintf("[%s, %s): %d", formatBound(lo), formatBound(hi), h.Counts[i])
		if h.Scale == pipeline.ScaleLinear && i == len(h.Counts)-1 {
			label = fmt.Sprintf("[%s, %s]: %d", formatBound(lo), formatBound(hi), h.Counts[i])
		}
		c.Bars = append(c.Bars, Bar{X: x + 0.5, Y: chartH - plotBottom - bh, W: math.Max(bw-1, 1), H: bh, Label: label, Count: h.Counts[i]})
		if (i-first)%every == 0 {
			c.Ticks = append(c.Ticks, Tick{X: x, Text: formatBound(lo)})
		}
	}
	if h.Scale == pipeline.ScaleLinear {
		_, hi := h.BinBounds(last)
		c.Ticks = append(c.Ticks, Tick{X: plotLeft + plotW, Text: formatBound(hi)})
	}
	c.YTicks = []Tick{{X: plotLeft - 4, Y: plotTop + 4, Text: strconv.FormatInt(ymax, 10)}, {X: plotLeft - 4, Y: chartH - plotBottom, Text: "0"}}
	keys := sortedKeys(h.Thresholds)
	for _, k := range keys {
		v := h.Thresholds[k]
		pos := v // position in bins
		if h.Scale == pipeline.ScaleLinear {
			pos = (v - h.Lo) / (h.Hi - h.Lo) * float64(len(h.Counts))
		} else if v >= 1 {
			pos = math.Log2(v) + 1
		}
		text := k + " = " + formatFloat(v)
		if pos < float64(first) || pos > float64(last+1) {
			c.Notes = append(c.Notes, text+" (outside the drawn range)")
			continue
		}
		x := plotLeft + (pos-float64(first))*bw
		anchor := "middle"
		switch {
		case x > chartW*0.7:
			anchor = "end"
		case x < chartW*0.3:
			anchor = "start"
		}
		// alternate label rows so that close thresholds stay legible
		c.Marks = append(c.Marks, Mark{X: x, Y: plotTop - 4 + float64(len(c.Marks)%2)*11, Anchor: anchor, Text: text})
	}
	return c
}

// HChart is a horizontal bar chart of labelled values.
type HChart struct {
	Title  string
	W, H   float64
	Rows   []HRow
	LabelW float64
}

// HRow is one bar.
type HRow struct {
	Y      float64
	TextY  float64
	W      float64
	Label  string
	Text   string // the value as shown
	Key    string // data-k
	Value  string // data-v
	ValueX float64
}

type hItem struct {
	label, key, value, text string
	v                       float64
}

func hChart(title string, items []hItem) *HChart {
	if len(items) == 0 {
		return nil
	}
	c := &HChart{Title: title, W: hLabelW + hBarW + 110, H: float64(len(items))*hRowH + 4, LabelW: hLabelW}
	vmax := 0.0
	for _, it := range items {
		vmax = math.Max(vmax, it.v)
	}
	for i, it := range items {
		w := 0.0
		if vmax > 0 {
			w = it.v / vmax * hBarW
		}
		y := float64(i)*hRowH + 2
		c.Rows = append(c.Rows, HRow{Y: y, TextY: y + 12, W: math.Max(w, 0.5), Label: it.label, Text: it.text,
			Key: it.key, Value: it.value, ValueX: hLabelW + math.Max(w, 0.5) + 6})
	}
	return c
}

func formatBound(v float64) string {
	v = math.Round(v*1e9) / 1e9 // bin bounds of linear scales: 0.3, not 0.30000000000000004
	switch {
	case v >= 1e9 && math.Mod(v, 1<<30) == 0:
		return strconv.FormatFloat(v/(1<<30), 'f', -1, 64) + "Gi"
	case v >= 1e6 && math.Mod(v, 1<<20) == 0:
		return strconv.FormatFloat(v/(1<<20), 'f', -1, 64) + "Mi"
	case v >= 1024 && math.Mod(v, 1024) == 0:
		return strconv.FormatFloat(v/1024, 'f', -1, 64) + "Ki"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func formatFloat(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}
