//go:build ignore

// gen_models.go converts lingua-go's published unigram, bigram and trigram
// language models (Apache-2.0, Copyright Peter M. Stahl, from the module
// github.com/pemistahl/lingua-go in the module cache) into the compact
// n-gram table models/ngrams.bin.gz that the scorer embeds.
//
//	go generate ./annotate/lang
//
// Format (little-endian, then gzip): "GRLNG1\n", uvarint key count, then
// four columns so that each compresses well on its own:
//
//  1. keys: per key, uvarint byte length and the UTF-8 n-gram (1-3 runes),
//     keys sorted by byte string;
//  2. posting counts: per key, uvarint number of languages having it;
//  3. languages: per posting, the lingua Language number (a byte), ascending
//     within a key;
//  4. log probabilities: per posting, math.Log of lingua's probability as a
//     float32, stored byte-plane by byte-plane (all first bytes, then all
//     second bytes, ...).
package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pemistahl/lingua-go"
	"github.com/pemistahl/lingua-go/serialization"
	"google.golang.org/protobuf/proto"
)

type posting struct {
	lang uint8
	lp   float32
}

func main() {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/pemistahl/lingua-go").Output()
	if err != nil {
		fail(err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "language-models")
	names := map[int]string{1: "unigrams", 2: "bigrams", 3: "trigrams"}
	table := map[string][]posting{}
	for _, l := range lingua.AllLanguages() {
		iso := strings.ToLower(l.IsoCode639_1().String())
		for n := 1; n <= 3; n++ {
			raw, ok := readModel(filepath.Join(dir, iso, names[n]+".pb.bin.zip"))
			if !ok {
				continue
			}
			var m serialization.SerializableLanguageModel
			if err := proto.Unmarshal(raw, &m); err != nil {
				fail(err)
			}
			for _, set := range m.NgramSets {
				lp := float32(math.Log(set.Probability))
				for _, g := range set.Ngrams {
					table[g] = append(table[g], posting{uint8(l), lp})
				}
			}
		}
	}
	keys := make([]string, 0, len(table))
	for k := range table {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	var keyCol, cntCol, langCol bytes.Buffer
	var lps []float32
	var tmp [binary.MaxVarintLen64]byte
	for _, k := range keys {
		keyCol.Write(tmp[:binary.PutUvarint(tmp[:], uint64(len(k)))])
		keyCol.WriteString(k)
		ps := table[k]
		sort.Slice(ps, func(i, j int) bool { return ps[i].lang < ps[j].lang })
		cntCol.Write(tmp[:binary.PutUvarint(tmp[:], uint64(len(ps)))])
		for _, p := range ps {
			langCol.WriteByte(p.lang)
			lps = append(lps, p.lp)
		}
	}
	planes := make([]byte, 4*len(lps))
	for i, f := range lps {
		u := math.Float32bits(f)
		for b := 0; b < 4; b++ {
			planes[b*len(lps)+i] = byte(u >> (8 * b))
		}
	}

	f, err := os.Create("models/ngrams.bin.gz")
	if err != nil {
		fail(err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	w := bufio.NewWriter(zw)
	w.WriteString("GRLNG1\n")
	w.Write(tmp[:binary.PutUvarint(tmp[:], uint64(len(keys)))])
	w.Write(keyCol.Bytes())
	w.Write(cntCol.Bytes())
	w.Write(langCol.Bytes())
	w.Write(planes)
	if err := w.Flush(); err != nil {
		fail(err)
	}
	if err := zw.Close(); err != nil {
		fail(err)
	}
	if err := f.Close(); err != nil {
		fail(err)
	}
	fmt.Printf("%d n-grams, %d postings\n", len(keys), len(lps))
}

func readModel(path string) ([]byte, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false // lingua has no such model for this language
	}
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		fail(err)
	}
	r, err := z.File[0].Open()
	if err != nil {
		fail(err)
	}
	defer r.Close()
	raw, err := io.ReadAll(r)
	if err != nil {
		fail(err)
	}
	return raw, true
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
