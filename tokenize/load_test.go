package tokenize

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLoadDispatch(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/hf/wordpiece.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	spmDir := t.TempDir()
	model := filepath.Join(spmDir, "ko.model")
	if err := os.WriteFile(model, gunzipFile(t, "testdata/spm/ko-bpe-bf.model.gz"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		spec string
		want string // concrete type
	}{
		{"testdata/hf/unigram.json", "*tokenize.HF"},
		{dir, "*tokenize.HF"},
		{model, "*tokenize.SentencePiece"},
		{spmDir, "*tokenize.SentencePiece"},
	}
	for _, c := range cases {
		tok, err := Load(c.spec, Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.spec, err)
		}
		if got := typeName(tok); got != c.want {
			t.Errorf("%s: loaded %s, want %s", c.spec, got, c.want)
		}
		if len(tok.Encode(nil, []byte("hello world"))) == 0 {
			t.Errorf("%s: no ids", c.spec)
		}
	}
	if _, err := Load("no-such-tokenizer-name", Options{}); err == nil {
		t.Error("unknown name: no error")
	}
	bad := filepath.Join(t.TempDir(), "vocab.txt")
	if err := os.WriteFile(bad, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad, Options{}); err == nil {
		t.Error("unknown file type: no error")
	}
	if _, err := Load(t.TempDir(), Options{}); err == nil {
		t.Error("empty folder: no error")
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *HF:
		return "*tokenize.HF"
	case *SentencePiece:
		return "*tokenize.SentencePiece"
	}
	return "other"
}
