package tokenize

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// LoadDoc describes how Load resolves a tokenizer spec.
const LoadDoc = "a built-in name (cl100k_base, …), or a path to a .tiktoken file, a tokenizer.json, a SentencePiece .model, or a folder holding one of them"

// Load resolves spec to a tokenizer:
//
//   - a path to a file ending in ".tiktoken" → LoadTiktoken;
//   - a path to a file ending in ".json" → LoadHF;
//   - a path to a file ending in ".model" → LoadSentencePiece;
//   - a path to a folder → its tokenizer.json, else its tokenizer.model, else
//     its only *.model file, else its only *.tiktoken file;
//   - anything that is not an existing path → Builtin(spec, opts).
func Load(spec string, opts Options) (Tokenizer, error) {
	st, err := os.Stat(spec)
	if err != nil {
		if os.IsNotExist(err) {
			return Builtin(spec, opts)
		}
		return nil, err
	}
	if st.IsDir() {
		path, err := findInDir(spec)
		if err != nil {
			return nil, err
		}
		return loadFile(path, opts)
	}
	return loadFile(spec, opts)
}

func loadFile(path string, opts Options) (Tokenizer, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".tiktoken":
		return LoadTiktoken(path, opts)
	case ".json":
		return LoadHF(path, opts)
	case ".model":
		return LoadSentencePiece(path, opts)
	}
	return nil, fmt.Errorf("%s: unknown tokenizer file type (want .tiktoken, .json or .model)", path)
}

func findInDir(dir string) (string, error) {
	for _, name := range []string{"tokenizer.json", "tokenizer.model"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	for _, ext := range []string{"*.model", "*.tiktoken"} {
		m, err := filepath.Glob(filepath.Join(dir, ext))
		if err != nil {
			return "", err
		}
		if len(m) == 1 {
			return m[0], nil
		}
		if len(m) > 1 {
			return "", fmt.Errorf("%s: several %s files; name one", dir, ext)
		}
	}
	return "", fmt.Errorf("%s: no tokenizer.json, tokenizer.model, *.model or *.tiktoken file", dir)
}
