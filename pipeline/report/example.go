package report

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/grist/grist/internal/storage"
	"github.com/grist/grist/pipeline"
	"github.com/grist/grist/tokenize"
)

// MaxExampleTokens bounds the tokens of the decoded example shown.
const MaxExampleTokens = 4096

// Example is the first row of the first shard, decoded with the run's
// tokenizer: its documents (from seq_lens) and, for MLM rows, the masked
// positions.
type Example struct {
	Err     string
	Shard   string
	Kind    string
	Tokens  int // ids in the row
	Padding int // padding positions (label -100 and attention 0, or past the documents)
	Masked  int // positions with a label (MLM)
	Docs    []ExampleDoc
	Clipped bool
}

// ExampleDoc is one document of a packed row.
type ExampleDoc struct {
	Len    int
	Text   string         // decoded (AR, SFT)
	Pieces []ExamplePiece // token by token (MLM)
}

// ExamplePiece is one token of an MLM row.
type ExamplePiece struct {
	Text     string
	Masked   bool
	Original string
}

func decodeExample(path string, m *pipeline.Manifest) (*Example, error) {
	tok, err := pipeline.LoadTokenizer(m.Tokenizer.Name, false)
	if err != nil {
		return nil, fmt.Errorf("tokenizer %s: %w", m.Tokenizer.Name, err)
	}
	ra, err := storage.OpenAt(context.Background(), path)
	if err != nil {
		return nil, err
	}
	defer ra.Close()
	pf, err := file.NewParquetReader(io.NewSectionReader(ra, 0, ra.Size()))
	if err != nil {
		return nil, err
	}
	if pf.NumRowGroups() == 0 {
		return nil, fmt.Errorf("%s holds no rows", path)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1}, memory.DefaultAllocator)
	if err != nil {
		return nil, err
	}
	rr, err := fr.GetRecordReader(context.Background(), nil, []int{0})
	if err != nil {
		return nil, err
	}
	defer rr.Release()
	if !rr.Next() {
		return nil, fmt.Errorf("%s holds no rows", path)
	}
	rec := rr.Record()
	ex := &Example{Shard: m.Shards[0].Path, Kind: m.ExampleKind}
	ids := listInts(rec, pipeline.ColInputIDs, 0)
	if ids == nil {
		return nil, fmt.Errorf("%s has no input_ids column", path)
	}
	ex.Tokens = len(ids)
	labels := listInts(rec, pipeline.ColLabels, 0)
	lens := listInts(rec, pipeline.ColSeqLens, 0)
	if len(lens) == 0 {
		lens = []int32{int32(len(ids))}
	}
	mlm := listInts(rec, pipeline.ColSpecialTokensMask, 0) != nil
	pos := 0
	for _, n := range lens {
		end := min(pos+int(n), len(ids))
		if end > MaxExampleTokens {
			end = MaxExampleTokens
			ex.Clipped = true
		}
		if end <= pos {
			break
		}
		d := ExampleDoc{Len: int(n)}
		if mlm {
			for k := pos; k < end; k++ {
				p := ExamplePiece{Text: decode(tok, ids[k:k+1])}
				if labels != nil && k < len(labels) && labels[k] != -100 {
					p.Masked = true
					p.Original = decode(tok, labels[k:k+1])
					ex.Masked++
				}
				d.Pieces = append(d.Pieces, p)
			}
		} else {
			d.Text = decode(tok, ids[pos:end])
		}
		ex.Docs = append(ex.Docs, d)
		pos = end
	}
	if mlm {
		// MLM rows frame each document: the positions after the last are padding
		pad, _ := tok.Special("pad")
		for _, id := range ids[pos:] {
			if id == pad {
				ex.Padding++
			}
		}
	} else {
		ex.Padding = len(ids) - pos
	}
	return ex, nil
}

func decode(tok tokenize.Tokenizer, ids []int32) string {
	b, err := tok.Decode(nil, ids)
	if err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// listInts reads row i of a list column of integers (nil when absent).
func listInts(rec arrow.Record, name string, i int) []int32 {
	idx := rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return nil
	}
	l, ok := rec.Column(idx[0]).(*array.List)
	if !ok || l.IsNull(i) {
		return nil
	}
	lo, hi := l.ValueOffsets(i)
	out := make([]int32, 0, hi-lo)
	switch v := l.ListValues().(type) {
	case *array.Int32:
		out = append(out, v.Int32Values()[lo:hi]...)
	case *array.Int64:
		for _, x := range v.Int64Values()[lo:hi] {
			out = append(out, int32(x))
		}
	case *array.Int16:
		for _, x := range v.Int16Values()[lo:hi] {
			out = append(out, int32(x))
		}
	case *array.Int8:
		for _, x := range v.Int8Values()[lo:hi] {
			out = append(out, int32(x))
		}
	default:
		return nil
	}
	return out
}
