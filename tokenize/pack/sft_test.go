package pack

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/grist/grist/tokenize"
)

var conversation = []Message{
	{Role: "system", Content: "You are terse."},
	{Role: "user", Content: "  What is the capital of France?\n"},
	{Role: "assistant", Content: "Paris. It has been the capital since 987."},
	{Role: "user", Content: "And of Italy?"},
	{Role: "assistant", Content: "Rome."},
}

func TestRenderMatchesPublishedTemplates(t *testing.T) {
	// The strings below are what the published Jinja templates print for
	// conversation (Qwen/ChatML: '<|im_start|>' + role + '\n' + content +
	// '<|im_end|>' + '\n'; Meta Llama 3: bos_token, then '<|start_header_id|>' + role +
	// '<|end_header_id|>\n\n' + content|trim + '<|eot_id|>').
	want := map[string]string{
		TemplateChatML: "<|im_start|>system\nYou are terse.<|im_end|>\n" +
			"<|im_start|>user\n  What is the capital of France?\n<|im_end|>\n" +
			"<|im_start|>assistant\nParis. It has been the capital since 987.<|im_end|>\n" +
			"<|im_start|>user\nAnd of Italy?<|im_end|>\n" +
			"<|im_start|>assistant\nRome.<|im_end|>\n",
		TemplateLlama3: "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>" +
			"<|start_header_id|>user<|end_header_id|>\n\nWhat is the capital of France?<|eot_id|>" +
			"<|start_header_id|>assistant<|end_header_id|>\n\nParis. It has been the capital since 987.<|eot_id|>" +
			"<|start_header_id|>user<|end_header_id|>\n\nAnd of Italy?<|eot_id|>" +
			"<|start_header_id|>assistant<|end_header_id|>\n\nRome.<|eot_id|>",
	}
	wantTrain := map[string]string{
		TemplateChatML: "Paris. It has been the capital since 987.<|im_end|>Rome.<|im_end|>",
		TemplateLlama3: "Paris. It has been the capital since 987.<|eot_id|>Rome.<|eot_id|>",
	}
	for name, w := range want {
		tpl, err := Template(name)
		if err != nil {
			t.Fatal(err)
		}
		segs, err := tpl.Render(nil, conversation)
		if err != nil {
			t.Fatal(err)
		}
		var all, train strings.Builder
		for _, s := range segs {
			all.WriteString(s.Text)
			if s.Train {
				train.WriteString(s.Text)
			}
			if !s.Markup && strings.Contains(s.Text, "<|") {
				t.Fatalf("%s: content segment holds markup: %q", name, s.Text)
			}
		}
		if all.String() != w {
			t.Fatalf("%s rendered\n%q\nwant\n%q", name, all.String(), w)
		}
		if train.String() != wantTrain[name] {
			t.Fatalf("%s trains on %q", name, train.String())
		}
	}
	pc, _ := chatML.RenderPromptCompletion(nil, "2+2?", "4")
	var s strings.Builder
	for _, g := range pc {
		s.WriteString(g.Text)
	}
	if s.String() != "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n" {
		t.Fatalf("prompt/completion rendered %q", s.String())
	}
	if _, err := chatML.Render(nil, []Message{{Role: "", Content: "x"}}); err == nil {
		t.Fatal("empty role accepted")
	}
	if _, err := chatML.Render(nil, []Message{{Role: "user<|im_end|>", Content: "x"}}); err == nil {
		t.Fatal("role with markup accepted")
	}
}

// markupEncoder encodes template text: the listed special tokens by id, the text
// between them with tok. It stands for a tokenizer loaded with ParseSpecial that has
// the template's special tokens.
func markupEncoder(tok tokenize.Tokenizer, specials map[string]int32) EncodeFunc {
	re := regexp.MustCompile(`<\|[a-z_]+\|>`)
	return func(dst []int32, text []byte) []int32 {
		for len(text) > 0 {
			loc := re.FindIndex(text)
			if loc == nil {
				return tok.Encode(dst, text)
			}
			dst = tok.Encode(dst, text[:loc[0]])
			id, ok := specials[string(text[loc[0]:loc[1]])]
			if !ok {
				panic("unknown special " + string(text[loc[0]:loc[1]]))
			}
			dst = append(dst, id)
			text = text[loc[1]:]
		}
		return dst
	}
}

func TestSFTLabels(t *testing.T) {
	tok := cl100k(t)
	specials := map[string]int32{
		"<|im_start|>": 200000, "<|im_end|>": 200001, "<|begin_of_text|>": 200002,
		"<|start_header_id|>": 200003, "<|end_header_id|>": 200004, "<|eot_id|>": 200005,
	}
	names := map[int32]string{}
	for k, v := range specials {
		names[v] = k
	}
	decode := func(ids []int32) string {
		var b []byte
		for _, id := range ids {
			if n, ok := names[id]; ok {
				b = append(b, n...)
				continue
			}
			var err error
			if b, err = tok.Decode(b, []int32{id}); err != nil {
				t.Fatal(err)
			}
		}
		return string(b)
	}
	for _, name := range []string{TemplateChatML, TemplateLlama3} {
		tpl, _ := Template(name)
		segs, err := tpl.Render(nil, conversation)
		if err != nil {
			t.Fatal(err)
		}
		ids, labels := EncodeSegments(nil, nil, segs, tok.Encode, markupEncoder(tok, specials))
		if len(ids) != len(labels) {
			t.Fatalf("%d ids, %d labels", len(ids), len(labels))
		}
		// Walk the segments: labels equal ids exactly on assistant content and its end
		// token; everything else (system, user, template) is -100.
		pos := 0
		var trained []int32
		for _, s := range segs {
			n := len(encodeSegment(s, tok, specials))
			for k := pos; k < pos+n; k++ {
				if s.Train && labels[k] != ids[k] || !s.Train && labels[k] != IgnoreIndex {
					t.Fatalf("%s: segment %q position %d: id %d label %d", name, s.Text, k, ids[k], labels[k])
				}
			}
			pos += n
		}
		if pos != len(ids) {
			t.Fatalf("%s: segments cover %d of %d ids", name, pos, len(ids))
		}
		for k, l := range labels {
			if l != IgnoreIndex {
				trained = append(trained, ids[k])
			}
		}
		wantTrain := "Paris. It has been the capital since 987.<|im_end|>Rome.<|im_end|>"
		if name == TemplateLlama3 {
			wantTrain = strings.ReplaceAll(wantTrain, "<|im_end|>", "<|eot_id|>")
		}
		if got := decode(trained); got != wantTrain {
			t.Fatalf("%s: trained tokens decode to %q", name, got)
		}
		if !strings.Contains(decode(ids), "What is the capital of France?") {
			t.Fatalf("%s: ids decode to %q", name, decode(ids))
		}
		// Through the packer: rows keep the labels, so the trained tokens of a packed
		// row decode to the assistant replies of every example in it.
		o := arOpts(StrategyBestFit, 256)
		o.Examples = ExamplesSFT
		rows, err := func() ([]*Example, error) {
			var rows []*Example
			p, err := NewPacker(o, Tokens{Pad: 0}, func(e *Example) error { rows = append(rows, e.Clone()); return nil })
			if err != nil {
				return nil, err
			}
			for i := 0; i < 3; i++ {
				if err := p.AddLabeled(i, ids, labels); err != nil {
					return nil, err
				}
			}
			return rows, p.Flush()
		}()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || len(rows[0].Docs) != 3 {
			t.Fatalf("%d rows", len(rows))
		}
		var rowTrained []int32
		for k, l := range rows[0].Labels {
			if l != IgnoreIndex {
				if l != rows[0].InputIDs[k] {
					t.Fatalf("%s: packed label %d on id %d", name, l, rows[0].InputIDs[k])
				}
				rowTrained = append(rowTrained, l)
			}
		}
		if got := decode(rowTrained); got != strings.Repeat(wantTrain, 3) {
			t.Fatalf("%s: packed row trains on %q", name, got)
		}
		// A user turn spelling a special token stays text.
		segs, _ = tpl.Render(nil, []Message{{Role: "user", Content: "<|im_end|><|eot_id|>"}, {Role: "assistant", Content: "ok"}})
		ids, _ = EncodeSegments(nil, nil, segs, tok.Encode, markupEncoder(tok, specials))
		n := 0
		for _, id := range ids {
			if id == specials["<|im_end|>"] || id == specials["<|eot_id|>"] {
				n++
			}
		}
		if n != 2 {
			t.Fatalf("%s: %d end tokens, want 2 (the user's text must not become special)", name, n)
		}
	}
}

func encodeSegment(s Segment, tok tokenize.Tokenizer, specials map[string]int32) []int32 {
	if s.Markup {
		return markupEncoder(tok, specials)(nil, []byte(s.Text))
	}
	return tok.Encode(nil, []byte(s.Text))
}

func TestDetectTemplate(t *testing.T) {
	qwen := "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
	for _, tc := range []struct {
		name, file string
		want       string // template name, or "" for an error
	}{
		{"chatml", "chatml.json", TemplateChatML},
		{"llama3", "llama3.json", TemplateLlama3},
		{"llama3 list", "llama3-list.json", TemplateLlama3},
		{"llama3.1", "llama31.json", ""},
		{"mistral", "mistral.json", ""},
		{"none", "none.json", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "chat_templates", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			tpl, err := DetectTemplateConfig(b)
			if tc.want == "" {
				if err == nil || !strings.HasPrefix(err.Error(), "chat_template:") {
					t.Fatalf("detected %v, err %v; want a chat_template error", tpl, err)
				}
				return
			}
			if err != nil || tpl.Name() != tc.want {
				t.Fatalf("got %v, %v; want %s", tpl, err, tc.want)
			}
			l, err := LoadTemplate(TemplateAuto, filepath.Join("testdata", "chat_templates", tc.file))
			if err != nil || l != tpl {
				t.Fatalf("LoadTemplate: %v %v", l, err)
			}
		})
	}
	if _, err := DetectTemplate(qwen); err == nil {
		t.Fatal("qwen template with a default system prompt accepted as chatml")
	}
	if got, _ := LoadTemplate(TemplateLlama3, "/nonexistent"); got != llama3 {
		t.Fatal("explicit name must not read the config")
	}
	if err := (SFTOptions{ChatTemplate: "alpaca"}).Validate(); err == nil || !strings.HasPrefix(err.Error(), "chat_template:") {
		t.Fatalf("Validate: %v", err)
	}
	var names []string
	for _, n := range []string{TemplateChatML, TemplateLlama3} {
		tpl, _ := Template(n)
		names = append(names, tpl.Name())
	}
	if !slices.Equal(names, []string{"chatml", "llama3"}) {
		t.Fatal(names)
	}
}
