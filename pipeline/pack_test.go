package pipeline

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/grist/grist/tokenize"
	"github.com/grist/grist/tokenize/megatron"
)

// TestPackConcatGivesBackEveryDocument decodes every row of a concat run and
// finds every kept document, in order, each followed by EOS: nothing lost,
// nothing duplicated.
func TestPackConcatGivesBackEveryDocument(t *testing.T) {
	dir := t.TempDir()
	writeCorpus(t, filepath.Join(dir, "in.jsonl.gz"), 600)
	docsCfg := writeConfig(t, dir, `
input: {paths: [`+dir+`/in.jsonl.gz], batch_size: 50}
steps:
  - length: {min_chars: 1}
output: {path: `+dir+`/docs, format: jsonl, compression: none}
`)
	run(t, docsCfg, RunOptions{Workers: 1})
	cfg := writeConfig(t, dir, `
input: {paths: [`+dir+`/in.jsonl.gz], batch_size: 50}
steps:
  - length: {min_chars: 1}
  - tokenize: {tokenizer: cl100k_base, add_eos: true}
  - pack: {seq_len: 128, strategy: concat, examples: ar}
output: {path: `+dir+`/out}
`)
	res := run(t, cfg, RunOptions{Workers: 1})
	if err := res.Stats.CheckAccounting(); err != nil {
		t.Fatal(err)
	}
	tok, err := tokenize.Builtin("cl100k_base", tokenize.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var all []int32
	rows := 0
	for _, s := range res.Manifest.Shards {
		tbl := readParquet(t, filepath.Join(dir, "out", s.Path))
		tr := array.NewTableReader(tbl, 0)
		for tr.Next() {
			rec := tr.Record()
			ids := rec.Column(0).(*array.List)
			labels := rec.Column(1).(*array.List)
			mask := rec.Column(4).(*array.List)
			for i := 0; i < int(rec.NumRows()); i++ {
				lo, hi := ids.ValueOffsets(i)
				if hi-lo != 128 {
					t.Fatalf("row %d has %d tokens", rows, hi-lo)
				}
				vals := ids.ListValues().(*array.Int32).Int32Values()[lo:hi]
				labs := labels.ListValues().(*array.Int32).Int32Values()[lo:hi]
				ml, _ := mask.ValueOffsets(i)
				m := mask.ListValues().(*array.Int8).Int8Values()[ml : ml+128]
				for k := range vals {
					if m[k] == 1 {
						all = append(all, vals[k])
						if labs[k] != vals[k] {
							t.Fatalf("row %d pos %d: label %d for id %d", rows, k, labs[k], vals[k])
						}
					} else if labs[k] != -100 {
						t.Fatalf("row %d pos %d: padding with label %d", rows, k, labs[k])
					}
				}
				rows++
			}
		}
		tr.Release()
		tbl.Release()
	}
	text, err := tok.Decode(nil, all)
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	b, _ := os.ReadFile(filepath.Join(dir, "docs", "part-00000.jsonl"))
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var d struct{ Text string }
		json.Unmarshal([]byte(line), &d)
		want.WriteString(d.Text + "<|endoftext|>")
	}
	if string(text) != want.String() {
		t.Fatalf("decoded rows differ from the documents: %d vs %d bytes", len(text), want.Len())
	}
	if res.Stats.Examples != int64(rows) || res.Manifest.Rows != int64(rows) {
		t.Fatalf("examples %d, manifest rows %d, rows read %d", res.Stats.Examples, res.Manifest.Rows, rows)
	}
}

// TestPackBestFitTruncatesLessThanConcat: on real documents at seq_len
// 2048, best-fit splits fewer documents and reports its padding.
func TestPackBestFitTruncatesLessThanConcat(t *testing.T) {
	if _, err := os.Stat("../configs/data/quickstart.jsonl.gz"); err != nil {
		t.Skip("quickstart corpus absent")
	}
	dir := t.TempDir()
	split := map[string]int64{}
	for _, strategy := range []string{"concat", "bestfit"} {
		cfg := writeConfig(t, dir, `
input: {paths: [../configs/data/quickstart.jsonl.gz]}
steps:
  - tokenize: {tokenizer: cl100k_base, add_eos: true}
  - pack: {seq_len: 2048, strategy: `+strategy+`}
output: {path: `+dir+`/`+strategy+`}
`)
		res := run(t, cfg, RunOptions{Workers: 1})
		c := res.Stats.Stages[1].Counters
		split[strategy] = c["split_docs"] + c["truncated_docs"]
		if c["input_tokens"] != c["tokens"] {
			t.Fatalf("%s lost tokens: %v", strategy, c)
		}
		if strategy == "bestfit" && c["padding_tokens"] == 0 {
			t.Fatalf("bestfit reports no padding: %v", c)
		}
	}
	t.Logf("documents split or truncated at seq_len 2048: concat %d, bestfit %d", split["concat"], split["bestfit"])
	if split["bestfit"] >= split["concat"] {
		t.Fatalf("bestfit split %d documents, concat %d", split["bestfit"], split["concat"])
	}
}

// TestMegatronOutput writes tokenized documents as Megatron .bin/.idx and
// reads them back with the independent reader of tokenize/megatron.
func TestMegatronOutput(t *testing.T) {
	dir := t.TempDir()
	writeCorpus(t, filepath.Join(dir, "in.jsonl.gz"), 300)
	cfg := writeConfig(t, dir, `
input: {paths: [`+dir+`/in.jsonl.gz]}
steps:
  - tokenize: {tokenizer: r50k_base, add_eos: true}
output: {path: `+dir+`/out, format: megatron}
`)
	res := run(t, cfg, RunOptions{Workers: 1})
	r, err := megatron.Open(filepath.Join(dir, "out", "part-00000"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Index.DType != megatron.Uint16 {
		t.Fatalf("dtype %v, want uint16 for a 50k vocabulary", r.Index.DType)
	}
	if int64(r.Index.Documents()) != res.Stats.Written || res.Manifest.Rows != res.Stats.Written {
		t.Fatalf("%d documents in the index, %d written, manifest rows %d", r.Index.Documents(), res.Stats.Written, res.Manifest.Rows)
	}
	tok, _ := tokenize.Builtin("r50k_base", tokenize.Options{})
	var total int64
	for d := 0; d < r.Index.Documents(); d++ {
		ids, err := r.Document(nil, d)
		if err != nil {
			t.Fatal(err)
		}
		if ids[len(ids)-1] != 50256 {
			t.Fatalf("document %d does not end with EOS", d)
		}
		if d == 0 {
			text, _ := tok.Decode(nil, ids)
			if !strings.HasPrefix(string(text), "Document 0: ") {
				t.Fatalf("first document decodes to %q", text)
			}
		}
		total += int64(len(ids))
	}
	if total != res.Stats.Stages[0].Counters["tokens"] {
		t.Fatalf("%d tokens in .bin, tokenize counted %d", total, res.Stats.Stages[0].Counters["tokens"])
	}
}

// TestSFTLabelsOnlyOnAssistantTokens runs the sft example config and decodes
// the trained positions of every row: they are exactly the assistant replies
// (and completions), each with its end token; everything else is -100.
func TestSFTLabelsOnlyOnAssistantTokens(t *testing.T) {
	if _, err := os.Stat("../configs/sft.yaml"); err != nil {
		t.Skip("configs absent")
	}
	dir := t.TempDir()
	wd, _ := os.Getwd()
	os.Chdir("..")
	defer os.Chdir(wd)
	cfg, err := LoadConfig("configs/sft.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res := run(t, cfg, RunOptions{OutDir: dir, Workers: 1})
	tok, err := LoadTokenizer("configs/tokenizers/chatml-sample.json", true)
	if err != nil {
		t.Fatal(err)
	}
	var trained, context []string
	tbl := readParquet(t, filepath.Join(dir, res.Manifest.Shards[0].Path))
	defer tbl.Release()
	tr := array.NewTableReader(tbl, 0)
	defer tr.Release()
	for tr.Next() {
		rec := tr.Record()
		ids, labels := rec.Column(0).(*array.List), rec.Column(1).(*array.List)
		for i := 0; i < int(rec.NumRows()); i++ {
			lo, hi := ids.ValueOffsets(i)
			iv := ids.ListValues().(*array.Int32).Int32Values()[lo:hi]
			lv := labels.ListValues().(*array.Int32).Int32Values()[lo:hi]
			var run, ctx []int32
			flush := func() {
				if len(run) > 0 {
					b, _ := tok.Decode(nil, run)
					trained = append(trained, string(b))
					run = run[:0]
				}
			}
			for k := range iv {
				if lv[k] == -100 {
					flush()
					ctx = append(ctx, iv[k])
					continue
				}
				if lv[k] != iv[k] {
					t.Fatalf("label %d at a position holding id %d", lv[k], iv[k])
				}
				run = append(run, iv[k])
			}
			flush()
			b, _ := tok.Decode(nil, ctx)
			context = append(context, string(b))
		}
	}
	if len(trained) != 20 {
		t.Fatalf("%d trained spans, want 20 (10 chats + 10 completions): %q", len(trained), trained)
	}
	for _, s := range trained {
		if !strings.HasSuffix(s, "<|im_end|>") || strings.Contains(s, "<|im_start|>") || strings.Contains(s, "teacher") || strings.Contains(s, "Explain") {
			t.Fatalf("trained span holds more than a reply: %q", s)
		}
	}
	all := strings.Join(context, "")
	for _, want := range []string{"<|im_start|>system\nYou are a concise teacher.<|im_end|>", "<|im_start|>user\nExplain prime numbers in two sentences.<|im_end|>", "<|im_start|>assistant\n"} {
		if !strings.Contains(all, want) {
			t.Fatalf("untrained tokens lack %q in %q", want, all[:min(len(all), 600)])
		}
	}
}

// TestPackARNeedsEOS: AR rows that hold several documents need the tokenize
// step to end each with EOS; without it the configuration is refused, naming
// both lines. One document per row (strategy none) needs no separator.
func TestPackARNeedsEOS(t *testing.T) {
	dir := t.TempDir()
	writeCorpus(t, filepath.Join(dir, "in.jsonl.gz"), 10)
	for _, c := range []struct{ tokenize, pack, want string }{
		{"{tokenizer: cl100k_base}", "{strategy: concat}", "pipeline.yaml:5: steps[1].pack: examples ar with strategy concat puts several documents in a row, but the tokenize step (line 4) ends them with no EOS"},
		{"{tokenizer: cl100k_base}", "{strategy: bestfit}", "the tokenize step (line 4) ends them with no EOS"},
		{"{tokenizer: cl100k_base, add_eos: true}", "{strategy: concat}", ""},
		{"{tokenizer: cl100k_base}", "{strategy: none}", ""},
	} {
		cfg := writeConfig(t, dir, `
input: {paths: [`+dir+`/in.jsonl.gz]}
steps:
  - tokenize: `+c.tokenize+`
  - pack: `+c.pack+`
output: {path: `+dir+`/out}
`)
		_, err := Validate(cfg)
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s then %s: got %v, want %q", c.tokenize, c.pack, err, c.want)
		}
	}
}

// TestPackWarnsOfTemplateBOS: when the tokenizer's template starts every
// sequence with BOS (Llama's) and the tokenize step does not add it, the run
// says so; with add_bos, or a tokenizer without such a template, it does not.
func TestPackWarnsOfTemplateBOS(t *testing.T) {
	dir := t.TempDir()
	writeCorpus(t, filepath.Join(dir, "in.jsonl.gz"), 20)
	llama := filepath.Join("..", "tokenize", "testdata", "hf", "bpe-llama.json")
	for _, c := range []struct {
		tokenize string
		warn     bool
	}{
		{"{tokenizer: " + llama + ", add_eos: true}", true},
		{"{tokenizer: " + llama + ", add_eos: true, add_bos: true}", false},
		{"{tokenizer: cl100k_base, add_eos: true}", false},
	} {
		cfg := writeConfig(t, dir, `
input: {paths: [`+dir+`/in.jsonl.gz]}
steps:
  - tokenize: `+c.tokenize+`
  - pack: {seq_len: 256}
output: {path: `+dir+`/out}
`)
		var log bytes.Buffer
		run(t, cfg, RunOptions{Workers: 1, Overwrite: true, Progress: &log})
		warned := strings.Contains(log.String(), `starts every sequence with BOS "<s>" (its template), but the tokenize step (line 4) has add_bos: false`)
		if warned != c.warn {
			t.Errorf("%s: warned %v, want %v; log:\n%s", c.tokenize, warned, c.warn, log.String())
		}
	}
}
