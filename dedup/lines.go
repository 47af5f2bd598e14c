package dedup

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/zeebo/xxh3"

	"github.com/grist/grist/internal/storage"
)

// LinesDoc describes the dedup_lines stage.
const LinesDoc = "repeated-span removal (C4/datatrove sentence dedup): every span of consecutive lines or sentences seen earlier in the corpus is cut from later documents"

// Units that LinesOptions.Unit accepts.
const (
	UnitLine     = "line"
	UnitSentence = "sentence"
)

// LinesOptions configures span deduplication.
type LinesOptions struct {
	Unit        string `yaml:"unit" default:"line" doc:"line: units are the lines of the text; sentence: units end after . ! ? (and CJK full stops) followed by whitespace, or at a newline"`
	Span        int    `yaml:"span" default:"3" doc:"consecutive units hashed together; every later occurrence of a span is removed; C4 and datatrove n_sentences=3"`
	Normalize   string `yaml:"normalize" default:"simple" doc:"unit normalization before hashing: simple (datatrove simplify_text) or none"`
	MinDocWords int    `yaml:"min_doc_words" default:"50" doc:"a document that lost spans and keeps fewer whitespace-separated words is dropped; 0 disables; datatrove min_doc_words=50"`
}

// Validate checks option values.
func (o LinesOptions) Validate() error {
	if o.Unit != UnitLine && o.Unit != UnitSentence {
		return fmt.Errorf("unit: must be %q or %q, got %q", UnitLine, UnitSentence, o.Unit)
	}
	if o.Span < 1 || o.Span > 1000 {
		return errors.New("span: must be in 1..1000")
	}
	if o.MinDocWords < 0 {
		return errors.New("min_doc_words: must be >= 0")
	}
	return checkNormalize("normalize", o.Normalize)
}

// Lines finds spans of lines or sentences repeated across the corpus and
// rewrites documents without them. Safe for concurrent use.
type Lines struct {
	opts        LinesOptions
	fingerprint uint64
	pool        sync.Pool // *linesScratch
}

type linesScratch struct {
	units  []int // start,end byte offsets
	norm   []byte
	starts []int // start offset in norm of each normalized unit
	ends   []int // end offset in norm of each normalized unit
	join   []byte
}

// NewLines validates opts.
func NewLines(opts LinesOptions) (*Lines, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	l := &Lines{opts: opts, fingerprint: xxh3.HashString(fmt.Sprintf("lines/v1 unit=%s span=%d norm=%s", opts.Unit, opts.Span, opts.Normalize))}
	l.pool.New = func() any { return &linesScratch{} }
	return l, nil
}

func (l *Lines) dir(workDir string) string { return storage.Join(workDir, "lines") }

// splitUnits appends the [start,end) byte ranges of the units of text:
// lines including their "\n", or sentences including trailing whitespace.
func (l *Lines) splitUnits(dst []int, text string) []int {
	start := 0
	for i := 0; i < len(text); {
		c := text[i]
		if c == '\n' {
			dst = append(dst, start, i+1)
			start = i + 1
			i++
			continue
		}
		if l.opts.Unit == UnitSentence {
			r, size := rune(c), 1
			if c >= utf8.RuneSelf {
				r, size = utf8.DecodeRuneInString(text[i:])
			}
			if r == '.' || r == '!' || r == '?' || r == '。' || r == '！' || r == '？' {
				j := i + size
				for j < len(text) && text[j] != '\n' {
					r2, s2 := utf8.DecodeRuneInString(text[j:])
					if !unicode.IsSpace(r2) {
						break
					}
					j += s2
				}
				if j > i+size || j == len(text) || r >= utf8.RuneSelf {
					if j < len(text) && text[j] == '\n' {
						j++
					}
					dst = append(dst, start, j)
					start = j
					i = j
					continue
				}
			}
			i += size
			continue
		}
		i++
	}
	if start < len(text) {
		dst = append(dst, start, len(text))
	}
	return dst
}

// spanHashes calls fn(pos, hash) for every span of Span consecutive units
// whose normalized text is not empty: the xxh3-64 of the units' normalized
// texts joined by single spaces.
func (l *Lines) spanHashes(sc *linesScratch, text string, fn func(pos int, h uint64) error) error {
	sc.units = l.splitUnits(sc.units[:0], text)
	nu := len(sc.units) / 2
	n := l.opts.Span
	if nu < n {
		return nil
	}
	sc.norm, sc.starts, sc.ends = sc.norm[:0], sc.starts[:0], sc.ends[:0]
	for u := 0; u < nu; u++ {
		sc.starts = append(sc.starts, len(sc.norm))
		seg := strings.TrimSpace(text[sc.units[2*u]:sc.units[2*u+1]])
		sc.norm = appendNormalized(sc.norm, seg, l.opts.Normalize)
		sc.ends = append(sc.ends, len(sc.norm))
		sc.norm = append(sc.norm, ' ')
	}
	for p := 0; p+n <= nu; p++ {
		join := sc.join[:0]
		for u := p; u < p+n; u++ {
			if u > p {
				join = append(join, ' ')
			}
			join = append(join, sc.norm[sc.starts[u]:sc.ends[u]]...)
		}
		sc.join = join
		if len(bytes.TrimSpace(join)) == 0 {
			continue
		}
		if err := fn(p, xxh3.Hash(join)); err != nil {
			return err
		}
	}
	return nil
}

// LinesTaskWriter writes the phase-1 span hashes of one task
// (workDir/lines/p1/task-NNNNN.spans: hash u64, row u32, pos u32). Rows must
// increase. Not safe for concurrent use.
type LinesTaskWriter struct {
	l      *Lines
	task   int
	f      *atomicFile
	maxRow int64
	rec    [16]byte
	sc     linesScratch
}

// NewTaskWriter starts phase 1 for task.
func (l *Lines) NewTaskWriter(workDir string, task int) (*LinesTaskWriter, error) {
	if task < 0 || task > maxRows {
		return nil, fmt.Errorf("dedup: task %d out of range", task)
	}
	f, err := createAtomic(taskFile(storage.Join(l.dir(workDir), "p1"), task, "spans"),
		header{kind: kindLines, task: uint32(task), recSize: 16, fingerprint: l.fingerprint})
	if err != nil {
		return nil, err
	}
	return &LinesTaskWriter{l: l, task: task, f: f, maxRow: -1}, nil
}

// Add hashes the spans of one document.
func (w *LinesTaskWriter) Add(row int, text string) error {
	if row < 0 || row > maxRows-1 || int64(row) <= w.maxRow {
		return fmt.Errorf("dedup: task %d: row %d after row %d: rows must increase", w.task, row, w.maxRow)
	}
	w.maxRow = int64(row)
	return w.l.spanHashes(&w.sc, text, func(pos int, h uint64) error {
		if pos > 1<<32-1 {
			return nil
		}
		binary.LittleEndian.PutUint64(w.rec[0:], h)
		binary.LittleEndian.PutUint32(w.rec[8:], uint32(row))
		binary.LittleEndian.PutUint32(w.rec[12:], uint32(pos))
		w.f.writeRec(w.rec[:])
		return nil
	})
}

// Close writes the file atomically.
func (w *LinesTaskWriter) Close() error {
	w.f.hdr.rows = uint64(w.maxRow + 1)
	return w.f.Close()
}

// Abort discards the file.
func (w *LinesTaskWriter) Abort() { w.f.Abort() }

// Phase-2 span records reuse bandRec: band = span hash, g = global id << 32
// | position.
var spanCodec = bandCodec

var gpCodec = codec[uint64]{
	size: 8,
	put:  func(b []byte, v uint64) { binary.LittleEndian.PutUint64(b, v) },
	get:  func(b []byte) uint64 { return binary.LittleEndian.Uint64(b) },
	cmp:  cmpU64,
}

// Cluster runs phase 2: an external sort of all span hashes by (hash, task,
// row, position); every occurrence after the first is marked for removal.
// It writes workDir/lines/decisions/task-NNNNN.lines (row u32, pos u32,
// sorted) for every task, then _DONE.json. Stats.Duplicates counts removed
// span occurrences, Stats.Hashed all spans.
func (l *Lines) Cluster(ctx context.Context, workDir string, numTasks int, cfg ClusterConfig) (Stats, error) {
	st := Stats{Tasks: numTasks}
	dir := l.dir(workDir)
	p1 := storage.Join(dir, "p1")
	rows, _, err := scanTaskFiles(p1, numTasks, "spans", kindLines, l.fingerprint)
	if err != nil {
		return st, err
	}
	layout, err := newTaskLayout(rows)
	if err != nil {
		return st, err
	}
	st.Documents = int64(layout.total())
	sd, cleanup, err := newSpill(dir)
	if err != nil {
		return st, err
	}
	defer cleanup()
	sorter := newExtSorter(spanCodec, sd, "span", int(cfg.budget()/16))
	defer sorter.discard()
	for t := 0; t < numTasks; t++ {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		r, _, err := openRecords(taskFile(p1, t, "spans"), kindLines, t, l.fingerprint)
		if err != nil {
			return st, err
		}
		for {
			b, err := r.next()
			if err != nil {
				r.Close()
				return st, err
			}
			if b == nil {
				break
			}
			g := layout.offsets[t] + uint64(binary.LittleEndian.Uint32(b[8:]))
			st.Hashed++
			if err := sorter.add(bandRec{band: binary.LittleEndian.Uint64(b), g: g<<32 | uint64(binary.LittleEndian.Uint32(b[12:]))}); err != nil {
				r.Close()
				return st, err
			}
		}
		r.Close()
	}
	drops := newExtSorter(gpCodec, sd, "drop", int(cfg.budget()/8))
	defer drops.discard()
	var last uint64
	have := false
	err = sorter.each(func(s bandRec) error {
		if have && s.band == last {
			st.Duplicates++
			return drops.add(s.g)
		}
		last, have = s.band, true
		return nil
	})
	if err != nil {
		return st, err
	}
	st.SpillRuns = sd.runs.Load()
	ddir := storage.Join(dir, "decisions")
	dw, err := newDecisionWriter(ddir, layout)
	if err != nil {
		return st, err
	}
	// Reuse the decision files: one record per removed span, with the span
	// position in the keptRow field and keptTask = ^0 (not a real task).
	err = drops.each(func(gp uint64) error {
		return dw.addSpan(gp>>32, uint32(gp))
	})
	if err != nil {
		dw.abort()
		return st, err
	}
	return st, dw.finish(st)
}

// addSpan records a removed span at position pos of document g.
func (w *decisionWriter) addSpan(g uint64, pos uint32) error {
	for w.cur < 0 || g >= w.layout.offsets[w.cur+1] {
		if w.cur >= len(w.layout.offsets)-2 {
			return errors.New("dedup: span beyond the last task")
		}
		if err := w.openNext(); err != nil {
			return err
		}
	}
	le := binary.LittleEndian
	le.PutUint32(w.rec[0:], uint32(g-w.layout.offsets[w.cur]))
	le.PutUint32(w.rec[4:], spanMarker)
	le.PutUint32(w.rec[8:], pos)
	le.PutUint32(w.rec[12:], 0)
	le.PutUint64(w.rec[16:], 0)
	w.f.writeRec(w.rec[:])
	return nil
}

const spanMarker = 1<<32 - 1

// LineDecisions lists, per row of one task, the positions of the spans to
// remove. Safe for concurrent use.
type LineDecisions struct {
	l    *Lines
	recs []decRec // row, keptRow = position; sorted by (row, position)
}

// LoadDecisions reads the phase-2 result for one task (phase 3).
func (l *Lines) LoadDecisions(workDir string, task int) (*LineDecisions, error) {
	d, err := loadDecisions(storage.Join(l.dir(workDir), "decisions"), task)
	if err != nil {
		return nil, err
	}
	return &LineDecisions{l: l, recs: d.recs}, nil
}

// Positions returns the unit indexes where removed spans start in row
// (nil when the row is untouched).
func (d *LineDecisions) Positions(row int) []int {
	i := sort.Search(len(d.recs), func(i int) bool { return int(d.recs[i].row) >= row })
	var out []int
	for ; i < len(d.recs) && int(d.recs[i].row) == row; i++ {
		out = append(out, int(d.recs[i].keptRow))
	}
	return out
}

// Rewrite returns the text of row without its repeated spans. changed
// reports whether anything was removed; keep is false when the document
// should be dropped: it lost spans and is left empty or with fewer than
// MinDocWords words.
func (d *LineDecisions) Rewrite(row int, text string) (out string, changed, keep bool) {
	pos := d.Positions(row)
	if len(pos) == 0 {
		return text, false, true
	}
	sc := d.l.pool.Get().(*linesScratch)
	defer d.l.pool.Put(sc)
	sc.units = d.l.splitUnits(sc.units[:0], text)
	nu := len(sc.units) / 2
	drop := make([]bool, nu)
	for _, p := range pos {
		for u := p; u < p+d.l.opts.Span && u < nu; u++ {
			drop[u] = true
		}
	}
	var b strings.Builder
	b.Grow(len(text))
	for u := 0; u < nu; u++ {
		if !drop[u] {
			b.WriteString(text[sc.units[2*u]:sc.units[2*u+1]])
		}
	}
	out = strings.TrimLeftFunc(b.String(), unicode.IsSpace)
	keep = strings.TrimSpace(out) != "" && (d.l.opts.MinDocWords == 0 || len(strings.Fields(out)) >= d.l.opts.MinDocWords)
	return out, out != text, keep
}
