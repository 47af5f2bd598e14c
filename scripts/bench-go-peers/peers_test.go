// Package peers benchmarks grist's tiktoken encoder beside the Go ports users
// reach for, on the same text in one run: github.com/pkoukk/tiktoken-go (exact
// ids, slow) and github.com/tiktoken-go/tokenizer (fast, not exact). It is a
// separate module so grist itself does not depend on them.
//
//	cd scripts/bench-go-peers && GOMAXPROCS=1 go test -bench . -benchtime 3x
package peers

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"os"
	"strings"
	"testing"

	pkoukk "github.com/pkoukk/tiktoken-go"
	loader "github.com/pkoukk/tiktoken-go-loader"
	tkgo "github.com/tiktoken-go/tokenizer"

	"github.com/grist/grist/tokenize"
)

func corpus(b *testing.B, name string) []string {
	f, err := os.Open("../../../shared/data/" + name)
	if err != nil {
		b.Skip("shared corpus absent")
	}
	defer f.Close()
	zr, _ := gzip.NewReader(f)
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	var out []string
	for sc.Scan() {
		var d struct{ Text, Label string }
		json.Unmarshal(sc.Bytes(), &d)
		if name == "spam-assassin.jsonl.gz" && d.Label != "ham" {
			continue
		}
		out = append(out, d.Text)
	}
	return out
}

func size(texts []string) int64 {
	var n int64
	for _, t := range texts {
		n += int64(len(t))
	}
	return n
}

func BenchmarkEncode(b *testing.B) {
	for _, c := range []struct{ name, file string }{{"english", "spam-assassin.jsonl.gz"}, {"multilingual", "udhr.jsonl.gz"}} {
		texts := corpus(b, c.file)
		for _, enc := range []string{"cl100k_base", "o200k_base"} {
			g, err := tokenize.Builtin(enc, tokenize.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Run("grist/"+enc+"/"+c.name, func(b *testing.B) {
				b.SetBytes(size(texts))
				var ids []int32
				for i := 0; i < b.N; i++ {
					for _, t := range texts {
						ids = g.Encode(ids[:0], []byte(t))
					}
				}
			})
			pkoukk.SetBpeLoader(loader.NewOfflineLoader())
			pk, err := pkoukk.GetEncoding(enc)
			if err != nil {
				b.Fatal(err)
			}
			b.Run("pkoukk-tiktoken-go/"+enc+"/"+c.name, func(b *testing.B) {
				b.SetBytes(size(texts))
				for i := 0; i < b.N; i++ {
					for _, t := range texts {
						pk.Encode(t, nil, nil)
					}
				}
			})
			name := tkgo.Cl100kBase
			if enc == "o200k_base" {
				name = tkgo.O200kBase
			}
			tk, err := tkgo.Get(name)
			if err != nil {
				b.Fatal(err)
			}
			b.Run("tiktoken-go-tokenizer/"+enc+"/"+c.name, func(b *testing.B) {
				b.SetBytes(size(texts))
				for i := 0; i < b.N; i++ {
					for _, t := range texts {
						tk.Encode(t)
					}
				}
			})
		}
	}
}

// TestPeersDisagree shows why exactness matters: the fast port's ids differ
// from tiktoken's on mixed whitespace, where grist's equal tiktoken's.
func TestPeersDisagree(t *testing.T) {
	g, _ := tokenize.Builtin("cl100k_base", tokenize.Options{})
	tk, _ := tkgo.Get(tkgo.Cl100kBase)
	text := "x \n \n As"
	ids := g.Encode(nil, []byte(text))
	other, _, _ := tk.Encode(text)
	t.Logf("grist %v, tiktoken-go/tokenizer %v (tiktoken: [87 33006 1666])", ids, other)
	_ = strings.TrimSpace
}
