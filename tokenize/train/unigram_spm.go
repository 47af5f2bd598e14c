package train

import (
	"errors"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// SentencePiece piece types (sentencepiece_model.proto).
const (
	spmNormal  = 1
	spmUnknown = 2
	spmControl = 3
	spmByte    = 6
)

// SentencePieceModel returns a Unigram model as a SentencePiece .model file
// (a ModelProto): the pieces by id with their scores and types (unk_token
// UNKNOWN, special tokens CONTROL, byte pieces BYTE), a trainer_spec with
// model_type UNIGRAM, byte_fallback and the ids of <s>, </s> and <pad> when
// they are special tokens, and the identity normalizer_spec with a dummy
// prefix and escaped white space, kept as it is.
func (m *Model) SentencePieceModel() ([]byte, error) {
	if m.o.Model != "unigram" {
		return nil, errors.New("SentencePiece .model files hold unigram models only")
	}
	special := map[int32]bool{}
	for _, id := range m.specials {
		special[id] = true
	}
	var b []byte
	for id, s := range m.vocab {
		typ := uint64(spmNormal)
		switch {
		case id == 0:
			typ = spmUnknown
		case special[int32(id)]:
			typ = spmControl
		case id <= len(m.o.SpecialTokens)+256:
			typ = spmByte
		}
		var p []byte
		p = protowire.AppendTag(p, 1, protowire.BytesType)
		p = protowire.AppendString(p, s)
		p = protowire.AppendTag(p, 2, protowire.Fixed32Type)
		p = protowire.AppendFixed32(p, math.Float32bits(float32(m.scores[id])))
		p = protowire.AppendTag(p, 3, protowire.VarintType)
		p = protowire.AppendVarint(p, typ)
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendBytes(b, p)
	}
	ids := m.SpecialIDs()
	roleID := func(tok string) int32 {
		if id, ok := ids[tok]; ok && id != 0 {
			return id
		}
		return -1
	}
	var ts []byte
	varint := func(dst []byte, num protowire.Number, v int64) []byte {
		dst = protowire.AppendTag(dst, num, protowire.VarintType)
		return protowire.AppendVarint(dst, uint64(v))
	}
	ts = varint(ts, 3, 1) // model_type UNIGRAM
	ts = varint(ts, 4, int64(len(m.vocab)))
	ts = protowire.AppendTag(ts, 10, protowire.Fixed32Type) // character_coverage
	ts = protowire.AppendFixed32(ts, math.Float32bits(float32(m.o.CharacterCoverage)))
	ts = varint(ts, 35, 1) // byte_fallback
	ts = varint(ts, 40, 0) // unk_id
	ts = varint(ts, 41, int64(roleID("<s>")))
	ts = varint(ts, 42, int64(roleID("</s>")))
	ts = varint(ts, 43, int64(roleID("<pad>")))
	ts = protowire.AppendTag(ts, 45, protowire.BytesType) // unk_piece
	ts = protowire.AppendString(ts, m.o.UnkToken)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendBytes(b, ts)

	var ns []byte
	ns = protowire.AppendTag(ns, 1, protowire.BytesType)
	ns = protowire.AppendString(ns, "identity")
	ns = varint(ns, 3, 1) // add_dummy_prefix
	ns = varint(ns, 4, 0) // remove_extra_whitespaces
	ns = varint(ns, 5, 1) // escape_whitespaces
	b = protowire.AppendTag(b, 3, protowire.BytesType)
	b = protowire.AppendBytes(b, ns)
	return b, nil
}
