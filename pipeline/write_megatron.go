package pipeline

import (
	"fmt"
	"io"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/grist/grist/tokenize/megatron"
)

// megatronWriter writes the input_ids of each row as one Megatron-LM
// document (MMIDIDX: part-N.bin tokens, part-N.idx index), the format
// Megatron-LM, NeMo and GPT-NeoX read. The token dtype follows the
// vocabulary: uint16 below 65,500 ids, else int32.
type megatronWriter struct{ w *megatron.Writer }

func newMegatronWriter(w io.Writer, vocab int) (*megatronWriter, error) {
	if vocab <= 0 {
		return nil, fmt.Errorf("format: megatron needs a tokenize step (the token dtype follows its vocabulary)")
	}
	mw, err := megatron.NewWriter(w, megatron.DTypeForVocab(vocab))
	if err != nil {
		return nil, err
	}
	return &megatronWriter{w: mw}, nil
}

func (m *megatronWriter) Write(rec arrow.Record) error {
	idx := rec.Schema().FieldIndices(ColInputIDs)
	if len(idx) == 0 {
		return fmt.Errorf("format: megatron writes input_ids: put a tokenize step in the pipeline")
	}
	l, ok := rec.Column(idx[0]).(*array.List)
	if !ok {
		return fmt.Errorf("input_ids is %s, not a list", rec.Column(idx[0]).DataType())
	}
	vals := l.ListValues().(*array.Int32).Int32Values()
	for i := 0; i < l.Len(); i++ {
		lo, hi := l.ValueOffsets(i)
		if err := m.w.AddDocument(vals[lo:hi]); err != nil {
			return err
		}
	}
	return nil
}

func (m *megatronWriter) Close() error { return m.w.Flush() }

func (m *megatronWriter) Sidecar() (string, func(io.Writer) error) {
	return ".idx", m.w.WriteIndex
}
