package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
	"github.com/spf13/cobra"

	"github.com/grist/grist/pipeline"
	"github.com/grist/grist/tokenize"
)

func newInspectCmd() *cobra.Command {
	var rows, width int
	var tokSpec, sample string
	c := &cobra.Command{
		Use:   "inspect FILE.parquet | TOKENIZER",
		Short: "show a Parquet file's schema, row count and first rows, or a tokenizer's vocabulary report",
		Args:  exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if !strings.HasSuffix(args[0], ".parquet") {
				return inspectTokenizer(c.OutOrStdout(), args[0], sample, rows)
			}
			var tok tokenize.Tokenizer
			if tokSpec != "" {
				var err error
				if tok, err = pipeline.LoadTokenizer(tokSpec, false); err != nil {
					return usageError{err}
				}
			}
			return inspectParquet(c.OutOrStdout(), args[0], rows, width, tok)
		},
	}
	c.Flags().StringVarP(&tokSpec, "tokenizer", "t", "", "decode input_ids with this tokenizer: packed rows show document boundaries (⟦doc⟧), SFT rows the spans that carry loss («reply»), MLM rows masked positions ([MASK:original])")
	c.Flags().IntVarP(&rows, "rows", "n", 5, "rows to show")
	c.Flags().StringVar(&sample, "sample", "", "tokenizers: held-out documents (any grist input) for bytes per token and script coverage")
	c.Flags().IntVar(&width, "width", 200, "characters shown per value (0 = all)")
	return c
}

func inspectParquet(w io.Writer, path string, rows, width int, tok tokenize.Tokenizer) error {
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		return usageError{fmt.Errorf("%s: not a readable Parquet file: %v", path, err)}
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: int64(max(rows, 1))}, memory.DefaultAllocator)
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	schema, err := fr.Schema()
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	md := pf.MetaData()
	fmt.Fprintf(w, "%s: %d rows, %d row groups, created by %s\n", path, md.NumRows, pf.NumRowGroups(), md.GetCreatedBy())
	fmt.Fprintln(w, "schema:")
	for _, f := range schema.Fields() {
		null := ""
		if !f.Nullable {
			null = " not null"
		}
		fmt.Fprintf(w, "  %s: %s%s\n", f.Name, f.Type, null)
	}
	if rows <= 0 || md.NumRows == 0 {
		return nil
	}
	rr, err := fr.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		return err
	}
	defer rr.Release()
	shown := 0
	fmt.Fprintf(w, "first %d rows:\n", min(int64(rows), md.NumRows))
	for shown < rows && rr.Next() {
		rec := rr.Record()
		for i := 0; i < int(rec.NumRows()) && shown < rows; i++ {
			fmt.Fprintf(w, "[%d]\n", shown)
			for c, f := range rec.Schema().Fields() {
				fmt.Fprintf(w, "  %s: %s\n", f.Name, clip(valueString(rec.Column(c), i), width))
			}
			if tok != nil {
				if text, ok := decodeRow(tok, rec, i); ok {
					fmt.Fprintf(w, "  decoded: %s\n", clip(text, width*10))
				}
			}
			shown++
		}
	}
	if err := rr.Err(); err != nil && err != io.EOF {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

func valueString(a arrow.Array, i int) string {
	if a.IsNull(i) {
		return "null"
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(a.GetOneForMarshal(i)); err != nil {
		return a.ValueStr(i)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func clip(s string, width int) string {
	if width <= 0 || len(s) <= width {
		return s
	}
	r := []rune(s)
	if len(r) <= width {
		return s
	}
	return string(r[:width]) + fmt.Sprintf("… (%d chars)", len(r))
}

// decodeRow renders a row's input_ids as text: documents of a packed row
// between ⟦ ⟧ (from seq_lens), padding left out, in rows where some document
// positions carry no loss (SFT) the positions that do between « », and for
// MLM rows each selected position as [MASK:original] (or [random→original],
// [=original]).
func decodeRow(tok tokenize.Tokenizer, rec arrow.Record, i int) (string, bool) {
	list := func(name string) []int32 {
		idx := rec.Schema().FieldIndices(name)
		if len(idx) == 0 {
			return nil
		}
		l, ok := rec.Column(idx[0]).(*array.List)
		if !ok {
			return nil
		}
		lo, hi := l.ValueOffsets(i)
		switch v := l.ListValues().(type) {
		case *array.Int32:
			return v.Int32Values()[lo:hi]
		case *array.Int8:
			out := make([]int32, hi-lo)
			for k := range out {
				out[k] = int32(v.Value(int(lo) + k))
			}
			return out
		}
		return nil
	}
	ids := list(pipeline.ColInputIDs)
	if ids == nil {
		return "", false
	}
	dec := func(v []int32) string {
		b, err := tok.Decode(nil, v)
		if err != nil {
			return fmt.Sprintf("<%v>", err)
		}
		return string(b)
	}
	var sb strings.Builder
	if special := list(pipeline.ColSpecialTokensMask); special != nil {
		labels := list(pipeline.ColLabels)
		mask, _ := tok.Special("mask")
		for k, id := range ids {
			if labels != nil && labels[k] != -100 {
				switch {
				case id == mask:
					fmt.Fprintf(&sb, "[MASK:%s]", dec(labels[k:k+1]))
				case id == labels[k]:
					fmt.Fprintf(&sb, "[=%s]", dec(labels[k:k+1]))
				default:
					fmt.Fprintf(&sb, "[%s→%s]", dec(ids[k:k+1]), dec(labels[k:k+1]))
				}
				continue
			}
			sb.WriteString(tok.Piece(id))
			sb.WriteByte(' ')
		}
		return sb.String(), true
	}
	pos := 0
	lens := list(pipeline.ColSeqLens)
	if lens == nil {
		return dec(ids), true
	}
	labels := list(pipeline.ColLabels)
	// rows with untrained document positions (SFT) show what carries loss
	partial := false
	for k, n := 0, 0; k < len(lens) && labels != nil; k++ {
		for j := n; j < min(n+int(lens[k]), len(labels)); j++ {
			partial = partial || labels[j] == -100
		}
		n += int(lens[k])
	}
	for _, n := range lens {
		end := min(pos+int(n), len(ids))
		sb.WriteString("⟦")
		if partial {
			writeLossSpans(&sb, ids[pos:end], labels[pos:end], dec)
		} else {
			sb.WriteString(dec(ids[pos:end]))
		}
		sb.WriteString("⟧")
		pos = end
	}
	return sb.String(), true
}

// writeLossSpans writes a document's text with the runs of positions that
// carry loss (label not -100) between « and ».
func writeLossSpans(sb *strings.Builder, ids, labels []int32, dec func([]int32) string) {
	for start := 0; start < len(ids); {
		trained := labels[start] != -100
		end := start + 1
		for end < len(ids) && (labels[end] != -100) == trained {
			end++
		}
		if trained {
			sb.WriteString("«" + dec(ids[start:end]) + "»")
		} else {
			sb.WriteString(dec(ids[start:end]))
		}
		start = end
	}
}
