package pipeline

import (
	"context"
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"

	"github.com/grist/grist/internal/storage"
)

// shardWriter writes a task's output: one part, part-TTTTT, or, when the
// output sets max_rows or max_bytes, numbered parts part-TTTTT-SSSSS of at
// most that size, filled in order. Each part is committed whole when it is
// full; Abort removes the parts this attempt committed, so a failed task
// leaves none of its output, and a rerun writes the same parts again.
type shardWriter struct {
	dir     string
	task    int
	sink    SinkConfig
	bounded bool
	cur     *Part
	seq     int
	done    []PartInfo
}

// shardStep is the most rows written between two size checks under
// max_bytes (see bytesStep).
const shardStep = 64

func openShards(dir string, task int, sink SinkConfig) (*shardWriter, error) {
	s := &shardWriter{dir: dir, task: task, sink: sink, bounded: sink.MaxRows > 0 || sink.MaxBytes > 0}
	if !s.bounded {
		// opened now, as a single part always was: its Commit removes
		// the part of an earlier attempt when this one writes nothing
		p, err := OpenPart(dir, partName(task, 0, sink.Format, sink.Compression), sink)
		if err != nil {
			return nil, err
		}
		s.cur = p
	}
	return s, nil
}

// shardName is the name of the seq-th bounded part of task.
func shardName(task, seq int, sink SinkConfig) string {
	return fmt.Sprintf("part-%05d-%05d%s", task, seq, partExt(sink.Format, sink.Compression))
}

// Write appends a batch, closing parts as they fill.
func (s *shardWriter) Write(rec arrow.Record) error {
	if !s.bounded {
		return s.cur.Write(rec)
	}
	n := rec.NumRows()
	for off := int64(0); off < n; {
		if s.cur == nil {
			p, err := OpenPart(s.dir, shardName(s.task, s.seq, s.sink), s.sink)
			if err != nil {
				return err
			}
			s.cur = p
		}
		take := n - off
		if s.sink.MaxRows > 0 {
			take = min(take, s.sink.MaxRows-s.cur.Rows())
		}
		if s.sink.MaxBytes > 0 {
			take = min(take, s.bytesStep())
		}
		part := rec.NewSlice(off, off+take)
		err := s.cur.Write(part)
		part.Release()
		if err != nil {
			return err
		}
		off += take
		if (s.sink.MaxRows > 0 && s.cur.Rows() >= s.sink.MaxRows) || (s.sink.MaxBytes > 0 && s.cur.Size() >= s.sink.MaxBytes) {
			if err := s.closePart(); err != nil {
				return err
			}
		}
	}
	return nil
}

// bytesStep is how many rows to write before the next size check under
// max_bytes: about the rows that still fit at the part's mean row size so
// far (one more, so the part fills), at least 1 and at most shardStep.
func (s *shardWriter) bytesStep() int64 {
	rows := s.cur.Rows()
	if rows == 0 {
		return shardStep
	}
	size := s.cur.Size()
	per := max(1, size/rows)
	return min(max((s.sink.MaxBytes-size)/per+1, 1), shardStep)
}

// closePart commits the open part and moves to the next name.
func (s *shardWriter) closePart() error {
	infos, err := s.cur.Commit()
	s.cur = nil
	if err != nil {
		return err
	}
	s.done = append(s.done, infos...)
	s.seq++
	return nil
}

// Commit commits the open part and returns every part written.
func (s *shardWriter) Commit() ([]PartInfo, error) {
	if s.cur != nil {
		if err := s.closePart(); err != nil {
			return nil, err
		}
	}
	return s.done, nil
}

// Abort discards the open part and removes the parts already committed.
func (s *shardWriter) Abort() {
	if s.cur != nil {
		s.cur.Abort()
		s.cur = nil
	}
	for _, pi := range s.done {
		_ = storage.Remove(context.Background(), storage.Join(s.dir, pi.Path))
	}
	s.done = nil
}
