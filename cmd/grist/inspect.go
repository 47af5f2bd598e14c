package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
	"github.com/spf13/cobra"
)

func newInspectCmd() *cobra.Command {
	var rows, width int
	c := &cobra.Command{
		Use:   "inspect FILE.parquet",
		Short: "show a Parquet file's schema, row count and first rows",
		Args:  exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return inspectParquet(c.OutOrStdout(), args[0], rows, width)
		},
	}
	c.Flags().IntVarP(&rows, "rows", "n", 5, "rows to show")
	c.Flags().IntVar(&width, "width", 200, "characters shown per value (0 = all)")
	return c
}

func inspectParquet(w io.Writer, path string, rows, width int) error {
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
			shown++
		}
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
