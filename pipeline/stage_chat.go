package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/grist/grist/tokenize/pack"
)

func init() {
	Register(Spec{
		Name:    "tokenize_chat",
		Doc:     "render fine-tuning rows (messages, or prompt and completion) with a chat template and tokenize them: input_ids, and labels that are -100 except on assistant replies",
		Source:  "chat templates of ChatML and Llama 3 as published with their models",
		Kind:    KindFilter,
		Options: ChatOptions{},
		New:     newChatStage,
	})
}

// ChatOptions configure the tokenize_chat stage.
type ChatOptions struct {
	Tokenizer       string `yaml:"tokenizer" doc:"built-in name or path of the tokenizer (required)"`
	Template        string `yaml:"template" default:"auto" doc:"chatml, llama3, or auto: the chat_template of tokenizer_config (one of those two)"`
	TokenizerConfig string `yaml:"tokenizer_config" doc:"path of the model's tokenizer_config.json, for template: auto (default: beside the tokenizer)"`
	MessagesField   string `yaml:"messages_field" default:"messages" doc:"column holding a list of {role, content} messages (JSON)"`
	PromptField     string `yaml:"prompt_field" default:"prompt" doc:"column holding the prompt, for rows without messages"`
	CompletionField string `yaml:"completion_field" default:"completion" doc:"column holding the completion (trained on), for rows without messages"`
}

// Validate checks the options.
func (o *ChatOptions) Validate() error {
	if o.Tokenizer == "" {
		return fmt.Errorf("tokenizer: required")
	}
	switch o.Template {
	case "auto", pack.TemplateChatML, pack.TemplateLlama3:
	default:
		return fmt.Errorf("template: must be chatml, llama3 or auto, got %q", o.Template)
	}
	return nil
}

type chatStage struct {
	o      ChatOptions
	tpl    *pack.ChatTemplate
	text   pack.EncodeFunc
	markup pack.EncodeFunc
}

func newChatStage(opts any, env *Env) (Stage, error) {
	o := *opts.(*ChatOptions)
	plain, err := LoadTokenizer(o.Tokenizer, false)
	if err != nil {
		return nil, err
	}
	special, err := LoadTokenizer(o.Tokenizer, true)
	if err != nil {
		return nil, err
	}
	cfgPath := o.TokenizerConfig
	if o.Template == "auto" && cfgPath == "" {
		cfgPath = siblingFile(o.Tokenizer, "tokenizer_config.json")
	}
	tpl, err := pack.LoadTemplate(o.Template, cfgPath)
	if err != nil {
		return nil, err
	}
	return &chatStage{o: o, tpl: tpl, text: plain.Encode, markup: special.Encode}, nil
}

// Process renders and encodes each row; rows with neither messages nor a
// prompt and completion, or with malformed messages, are rejected.
func (s *chatStage) Process(ctx context.Context, t *Task, rec arrow.Record) (arrow.Record, error) {
	n := int(rec.NumRows())
	col := func(name string) arrow.Array {
		if idx := rec.Schema().FieldIndices(name); len(idx) > 0 {
			return rec.Column(idx[0])
		}
		return nil
	}
	msgCol, promptCol, complCol := col(s.o.MessagesField), col(s.o.PromptField), col(s.o.CompletionField)
	reasons := make([]string, n)
	idsB := array.NewListBuilder(t.Mem, arrow.PrimitiveTypes.Int32)
	defer idsB.Release()
	labB := array.NewListBuilder(t.Mem, arrow.PrimitiveTypes.Int32)
	defer labB.Release()
	cntB := array.NewInt32Builder(t.Mem)
	defer cntB.Release()
	var segs []pack.Segment
	var ids, labels []int32
	var msgs []pack.Message
	var tokens int64
	for i := 0; i < n; i++ {
		var err error
		segs = segs[:0]
		switch {
		case msgCol != nil && msgCol.IsValid(i):
			raw, _ := columnString(msgCol, i)
			msgs = msgs[:0]
			if e := json.Unmarshal([]byte(raw), &msgs); e != nil || len(msgs) == 0 {
				reasons[i] = "bad_messages"
			} else {
				segs, err = s.tpl.Render(segs, msgs)
			}
		case promptCol != nil && complCol != nil && promptCol.IsValid(i) && complCol.IsValid(i):
			p, _ := columnString(promptCol, i)
			c, _ := columnString(complCol, i)
			segs, err = s.tpl.RenderPromptCompletion(segs, p, c)
		default:
			reasons[i] = "no_messages"
		}
		if err != nil {
			reasons[i] = "bad_messages"
		}
		ids, labels = ids[:0], labels[:0]
		if reasons[i] == "" {
			ids, labels = pack.EncodeSegments(ids, labels, segs, s.text, s.markup)
		}
		idsB.Append(true)
		idsB.ValueBuilder().(*array.Int32Builder).AppendValues(ids, nil)
		labB.Append(true)
		labB.ValueBuilder().(*array.Int32Builder).AppendValues(labels, nil)
		cntB.Append(int32(len(ids)))
		tokens += int64(len(ids))
	}
	t.Count("tokens", tokens)
	a1, a2, a3 := idsB.NewArray(), labB.NewArray(), cntB.NewArray()
	defer a1.Release()
	defer a2.Release()
	defer a3.Release()
	o1 := ReplaceColumn(rec, ColInputIDs, a1)
	o2 := ReplaceColumn(o1, ColLabels, a2)
	o1.Release()
	o3 := ReplaceColumn(o2, ColNumTokens, a3)
	o2.Release()
	kept, err := t.Reject(o3, reasons)
	o3.Release()
	return kept, err
}

// siblingFile returns name beside a tokenizer given as a file or folder
// path, or "" for a built-in name.
func siblingFile(spec, name string) string {
	st, err := os.Stat(spec)
	if err != nil {
		return ""
	}
	if st.IsDir() {
		return filepath.Join(spec, name)
	}
	return filepath.Join(filepath.Dir(spec), name)
}
