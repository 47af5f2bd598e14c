package train

import "strconv"

// writeUnigram ends tokenizer.json with a Unigram model: the vocabulary as
// [piece, score] pairs by id, unk_id 0 and byte_fallback, as Hugging Face's
// Unigram model serializes itself.
func (m *Model) writeUnigram(w *jsonWriter) {
	w.WriteString(",\n  \"model\": {\n    \"type\": \"Unigram\",\n    \"unk_id\": 0,\n    \"vocab\": [")
	var buf []byte
	for id, s := range m.vocab {
		if id > 0 {
			w.WriteString(",")
		}
		w.WriteString("\n      [")
		w.str(s)
		w.WriteString(", ")
		buf = strconv.AppendFloat(buf[:0], m.scores[id], 'g', -1, 64)
		w.Write(buf)
		w.WriteString("]")
	}
	w.WriteString("\n    ],\n    \"byte_fallback\": true\n  }\n}\n")
}

// Scores returns the log probability of each token by id (unigram models; 0
// for unk_token, the special tokens and the byte pieces), or nil.
func (m *Model) Scores() []float64 { return m.scores }
