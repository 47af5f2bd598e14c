package pack

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"unicode"
)

// SFTDoc describes the fine-tuning template helpers in one line.
const SFTDoc = "renders chat messages or prompt/completion pairs with the chatml or llama3 template into segments; the loss is on assistant replies and their end token only"

// Chat template names.
const (
	TemplateChatML = "chatml"
	TemplateLlama3 = "llama3"
	TemplateAuto   = "auto"
)

// SFTOptions selects the chat template of fine-tuning examples.
type SFTOptions struct {
	ChatTemplate string `yaml:"chat_template" default:"auto" doc:"chatml, llama3, or auto: detected from the chat_template of the tokenizer_config.json beside the tokenizer"`
}

// Validate checks the option values; errors start with the yaml key at fault.
func (o SFTOptions) Validate() error {
	switch o.ChatTemplate {
	case TemplateChatML, TemplateLlama3, TemplateAuto:
		return nil
	}
	return fmt.Errorf("chat_template: must be chatml, llama3 or auto, got %q", o.ChatTemplate)
}

// Message is one chat turn.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Segment is a run of rendered text. Markup segments are template text whose special
// tokens ("<|im_start|>") must be encoded as special tokens; the others are message
// content, encoded as plain text so data cannot inject control tokens. Train marks
// the segments that carry loss: assistant content and the assistant's end token.
type Segment struct {
	Text   string
	Train  bool
	Markup bool
}

// ChatTemplate renders conversations in one model family's format. Immutable; safe
// for concurrent use.
type ChatTemplate struct {
	name string
}

// Name is "chatml" or "llama3".
func (t *ChatTemplate) Name() string { return t.name }

var (
	chatML = &ChatTemplate{name: TemplateChatML}
	llama3 = &ChatTemplate{name: TemplateLlama3}
)

// Template returns the built-in template called name ("chatml" or "llama3").
func Template(name string) (*ChatTemplate, error) {
	switch name {
	case TemplateChatML:
		return chatML, nil
	case TemplateLlama3:
		return llama3, nil
	}
	return nil, fmt.Errorf("chat_template: unknown template %q (chatml or llama3)", name)
}

// DetectTemplate recognises the Jinja chat_template of a tokenizer_config.json:
//   - llama3: it holds <|start_header_id|>, <|end_header_id|> and <|eot_id|> and none of
//     the Llama 3.1+ additions ("Cutting Knowledge Date" system header, tools);
//   - chatml: it holds <|im_start|> and <|im_end|>, and no default system prompt
//     ("You are", as Qwen templates inject), tool or <think> handling.
//
// Anything else is an error naming what was found, since rendering it with one of
// these two would not match what the model saw.
func DetectTemplate(chatTemplate string) (*ChatTemplate, error) {
	has := func(s string) bool { return strings.Contains(chatTemplate, s) }
	switch {
	case has("<|start_header_id|>") && has("<|end_header_id|>") && has("<|eot_id|>"):
		if has("Cutting Knowledge Date") || has("tools") || has("ipython") {
			return nil, fmt.Errorf("chat_template: a Llama 3.1+ template (knowledge-date system header or tools) is not the plain llama3 format; set chat_template: llama3 to use the plain Llama 3 format anyway")
		}
		return llama3, nil
	case has("<|im_start|>") && has("<|im_end|>"):
		if has("You are") || has("tools") || has("<think>") {
			return nil, fmt.Errorf("chat_template: a chatml variant with a default system prompt, tools or <think> handling is not plain chatml; set chat_template: chatml to use plain chatml anyway")
		}
		return chatML, nil
	case chatTemplate == "":
		return nil, fmt.Errorf("chat_template: empty template")
	}
	return nil, fmt.Errorf("chat_template: template is neither chatml (<|im_start|>) nor llama3 (<|start_header_id|>); only these two are built in")
}

// DetectTemplateConfig reads the chat_template of a tokenizer_config.json document:
// a string, or a list of {name, template} of which "default" is used.
func DetectTemplateConfig(tokenizerConfig []byte) (*ChatTemplate, error) {
	var cfg struct {
		ChatTemplate json.RawMessage `json:"chat_template"`
	}
	if err := json.Unmarshal(tokenizerConfig, &cfg); err != nil {
		return nil, fmt.Errorf("chat_template: tokenizer_config.json: %w", err)
	}
	if len(cfg.ChatTemplate) == 0 || string(cfg.ChatTemplate) == "null" {
		return nil, fmt.Errorf("chat_template: tokenizer_config.json has no chat_template")
	}
	var s string
	if err := json.Unmarshal(cfg.ChatTemplate, &s); err == nil {
		return DetectTemplate(s)
	}
	var list []struct {
		Name     string `json:"name"`
		Template string `json:"template"`
	}
	if err := json.Unmarshal(cfg.ChatTemplate, &list); err != nil {
		return nil, fmt.Errorf("chat_template: tokenizer_config.json: chat_template is neither a string nor a list of {name, template}")
	}
	for _, t := range list {
		if t.Name == "default" {
			return DetectTemplate(t.Template)
		}
	}
	return nil, fmt.Errorf("chat_template: tokenizer_config.json lists no \"default\" chat_template")
}

// LoadTemplate resolves SFTOptions.ChatTemplate: a built-in name, or "auto" to
// detect it from the tokenizer_config.json at configPath.
func LoadTemplate(name, configPath string) (*ChatTemplate, error) {
	if name != TemplateAuto {
		return Template(name)
	}
	b, err := os.ReadFile(configPath)
	if err != nil {
		return nil, fmt.Errorf("chat_template: auto needs the tokenizer_config.json: %w", err)
	}
	return DetectTemplateConfig(b)
}

// Render appends the segments of msgs to dst, exactly as the published templates
// print them (no generation prompt):
//
//	chatml: for each message "<|im_start|>{role}\n{content}<|im_end|>\n"
//	llama3: "<|begin_of_text|>" then for each message
//	        "<|start_header_id|>{role}<|end_header_id|>\n\n{content|trim}<|eot_id|>"
//
// where trim strips leading and trailing whitespace as Python's str.strip (Jinja's
// trim). Only messages of role "assistant" train: their content and their end token
// (<|im_end|>, <|eot_id|>); the "\n" after <|im_end|> is template text. Empty
// content yields no content segment.
func (t *ChatTemplate) Render(dst []Segment, msgs []Message) ([]Segment, error) {
	for i, m := range msgs {
		if m.Role == "" {
			return dst, fmt.Errorf("pack: message %d has no role", i)
		}
		if strings.Contains(m.Role, "<|") {
			return dst, fmt.Errorf("pack: message %d role %q contains template markup", i, m.Role)
		}
		train := m.Role == "assistant"
		switch t.name {
		case TemplateChatML:
			dst = append(dst, Segment{Text: "<|im_start|>" + m.Role + "\n", Markup: true})
			if m.Content != "" {
				dst = append(dst, Segment{Text: m.Content, Train: train})
			}
			dst = append(dst, Segment{Text: "<|im_end|>", Train: train, Markup: true},
				Segment{Text: "\n", Markup: true})
		case TemplateLlama3:
			head := "<|start_header_id|>" + m.Role + "<|end_header_id|>\n\n"
			if i == 0 {
				head = "<|begin_of_text|>" + head
			}
			dst = append(dst, Segment{Text: head, Markup: true})
			if c := strings.TrimFunc(m.Content, pyIsSpace); c != "" {
				dst = append(dst, Segment{Text: c, Train: train})
			}
			dst = append(dst, Segment{Text: "<|eot_id|>", Train: train, Markup: true})
		}
	}
	return dst, nil
}

// RenderPromptCompletion renders a prompt/completion pair as a user turn and an
// assistant turn.
func (t *ChatTemplate) RenderPromptCompletion(dst []Segment, prompt, completion string) ([]Segment, error) {
	return t.Render(dst, []Message{{Role: "user", Content: prompt}, {Role: "assistant", Content: completion}})
}

// pyIsSpace is Python's str.isspace for one rune: Unicode White_Space plus the
// separators U+001C..U+001F.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// EncodeFunc appends the ids of text to dst (tokenize.Tokenizer.Encode).
type EncodeFunc func(dst []int32, text []byte) []int32

// EncodeSegments appends the ids of segs to ids and their labels to labels: the ids
// on Train segments, IgnoreIndex elsewhere. Content segments go through text (a
// tokenizer without special-token parsing); markup segments through markup (the same
// tokenizer loaded with ParseSpecial). Each segment is encoded on its own, so segment
// boundaries are token boundaries.
func EncodeSegments(ids, labels []int32, segs []Segment, text, markup EncodeFunc) ([]int32, []int32) {
	for _, s := range segs {
		start := len(ids)
		if s.Markup {
			ids = markup(ids, []byte(s.Text))
		} else {
			ids = text(ids, []byte(s.Text))
		}
		if s.Train {
			labels = append(labels, ids[start:]...)
		} else {
			for range ids[start:] {
				labels = append(labels, IgnoreIndex)
			}
		}
	}
	return ids, labels
}
