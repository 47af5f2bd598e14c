package pack

import (
	"strings"
	"testing"
)

// FuzzDetectTemplateConfig: any tokenizer_config.json gives a template or an error
// starting with "chat_template:", never a panic.
func FuzzDetectTemplateConfig(f *testing.F) {
	f.Add([]byte(`{"chat_template": "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"}`))
	f.Add([]byte(`{"chat_template": [{"name": "default", "template": "<|start_header_id|><|end_header_id|><|eot_id|>"}]}`))
	f.Add([]byte(`{"chat_template": 3}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		tpl, err := DetectTemplateConfig(b)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "chat_template:") {
				t.Fatalf("error %q does not name the key", err)
			}
			return
		}
		if tpl.Name() != TemplateChatML && tpl.Name() != TemplateLlama3 {
			t.Fatalf("template %q", tpl.Name())
		}
	})
}

// FuzzPacker: documents of fuzzed lengths through every strategy keep every id
// exactly once (split_long) and every row has the invariants checkRows asserts.
func FuzzPacker(f *testing.F) {
	f.Add([]byte{3, 9, 1, 0, 200, 17}, uint8(8), uint8(0))
	f.Add([]byte{255, 255, 1, 1, 1, 1, 1}, uint8(16), uint8(1))
	f.Add([]byte{5, 5, 5, 5}, uint8(5), uint8(2))
	f.Fuzz(func(t *testing.T, lens []byte, seqLen, strategy uint8) {
		L := 1 + int(seqLen%64)
		o := arOpts([]string{StrategyBestFit, StrategyConcat, StrategyNone}[strategy%3], L)
		o.BufferDocs = 1 + int(strategy/3)%7
		docs := make([][]int32, len(lens))
		next := int32(1)
		var total int64
		for i, n := range lens {
			d := make([]int32, n)
			for k := range d {
				d[k] = next
				next++
			}
			docs[i] = d
			total += int64(n)
		}
		rows, st := packAll(t, o, Tokens{Pad: 0}, docs)
		placed := checkRows(t, docs, nil, rows, L, 0)
		for i, d := range docs {
			if placed[i] != len(d) {
				t.Fatalf("document %d: %d of %d ids placed", i, placed[i], len(d))
			}
		}
		if st.Tokens != total || st.Rows != int64(len(rows)) {
			t.Fatalf("stats %+v for %d ids", st, total)
		}
	})
}
