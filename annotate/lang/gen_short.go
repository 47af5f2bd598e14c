//go:build ignore

// gen_short.go prunes lingua-go's published quadrigram and fivegram
// language models (Apache-2.0, Copyright Peter M. Stahl, from the module
// github.com/pemistahl/lingua-go in the module cache) into the compact
// short-text table models/short.bin.gz that accuracy compact embeds.
//
//	go run gen_short.go [-n4 30000] [-n5 30000] [-o models/short.bin.gz]
//
// Pruning: per language, the n4 quadrigrams and n5 fivegrams that matter
// most are kept. An n-gram g's weight is its estimated frequency in the
// language (the product of lingua's conditional probabilities of its
// prefixes: P(a) P(b|a) P(c|ab) P(d|abc) ...) times how much its own log
// probability differs from the value the scorer backs off to without it
// (that of its prefix one letter shorter, recursively down to unigrams):
// a frequent n-gram whose probability its prefix already predicts costs
// nothing to drop. The scorer treats a dropped n-gram as lingua treats an
// unknown one (it backs off), so pruning changes scores only by the
// dropped n-grams' weights.
//
// Format (little-endian, then gzip): "GRSHT1\n", uvarint key count, then
// columns as in models/ngrams.bin.gz: keys (uvarint byte length and the
// UTF-8 n-gram of 4 or 5 runes, sorted by byte string), posting counts
// (uvarint), languages (a lingua Language number per posting, ascending
// within a key), and minus the natural-log probability per posting in
// units of 2^-11 as a uint16 (at most 32 nats), low bytes then high bytes.
package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"flag"
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
	q    uint16
}

const qScale = 1 << 11

func main() {
	n4 := flag.Int("n4", 30000, "quadrigrams kept per language")
	n5 := flag.Int("n5", 30000, "fivegrams kept per language")
	outPath := flag.String("o", "models/short.bin.gz", "output file")
	flag.Parse()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/pemistahl/lingua-go").Output()
	if err != nil {
		fail(err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "language-models")
	names := []string{"", "unigrams", "bigrams", "trigrams", "quadrigrams", "fivegrams"}
	table := map[string][]posting{}
	kept := 0
	for _, l := range lingua.AllLanguages() {
		iso := strings.ToLower(l.IsoCode639_1().String())
		var m [6]map[string]float64
		for n := 1; n <= 5; n++ {
			m[n] = readModel(filepath.Join(dir, iso, names[n]+".pb.bin.zip"))
		}
		if len(m[4]) == 0 {
			continue // a language of its own script: decided by the rules
		}
		// backoff is the log probability the scorer gives g without g's
		// own entry: its prefix's, else shorter prefixes', else 0.
		backoff := func(rs []rune) float64 {
			for k := len(rs) - 1; k >= 1; k-- {
				if p, ok := m[k][string(rs[:k])]; ok {
					return math.Log(p)
				}
			}
			return 0
		}
		// logFreq is the estimated log frequency of g: the sum of its
		// prefixes' conditional log probabilities.
		logFreq := func(rs []rune) float64 {
			s := 0.0
			for k := 1; k <= len(rs); k++ {
				p, ok := m[k][string(rs[:k])]
				if !ok {
					p = 1e-9
				}
				s += math.Log(p)
			}
			return s
		}
		for _, n := range []int{4, 5} {
			type cand struct {
				g      string
				lp, wt float64
			}
			cands := make([]cand, 0, len(m[n]))
			for g, p := range m[n] {
				rs := []rune(g)
				lp := math.Log(p)
				wt := math.Exp(logFreq(rs)) * math.Abs(lp-backoff(rs))
				cands = append(cands, cand{g, lp, wt})
			}
			sort.Slice(cands, func(i, j int) bool {
				if cands[i].wt != cands[j].wt {
					return cands[i].wt > cands[j].wt
				}
				return cands[i].g < cands[j].g
			})
			limit := *n4
			if n == 5 {
				limit = *n5
			}
			if len(cands) > limit {
				cands = cands[:limit]
			}
			for _, c := range cands {
				q := math.Round(-c.lp * qScale)
				if q > math.MaxUint16 {
					q = math.MaxUint16
				}
				table[c.g] = append(table[c.g], posting{uint8(l), uint16(q)})
			}
			kept += len(cands)
		}
	}
	keys := make([]string, 0, len(table))
	for k := range table {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	var keyCol, cntCol, langCol bytes.Buffer
	var qs []uint16
	var tmp [binary.MaxVarintLen64]byte
	for _, k := range keys {
		keyCol.Write(tmp[:binary.PutUvarint(tmp[:], uint64(len(k)))])
		keyCol.WriteString(k)
		ps := table[k]
		sort.Slice(ps, func(i, j int) bool { return ps[i].lang < ps[j].lang })
		cntCol.Write(tmp[:binary.PutUvarint(tmp[:], uint64(len(ps)))])
		for _, p := range ps {
			langCol.WriteByte(p.lang)
			qs = append(qs, p.q)
		}
	}
	planes := make([]byte, 2*len(qs))
	for i, q := range qs {
		planes[i] = byte(q)
		planes[len(qs)+i] = byte(q >> 8)
	}
	f, err := os.Create(*outPath)
	if err != nil {
		fail(err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	w := bufio.NewWriter(zw)
	w.WriteString("GRSHT1\n")
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
	st, _ := os.Stat(*outPath)
	fmt.Printf("%d n-grams, %d postings, %d bytes\n", len(keys), kept, st.Size())
}

// readModel returns an n-gram -> probability map of one lingua model file,
// empty when lingua has no such model for the language.
func readModel(path string) map[string]float64 {
	res := map[string]float64{}
	b, err := os.ReadFile(path)
	if err != nil {
		return res
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
	var m serialization.SerializableLanguageModel
	if err := proto.Unmarshal(raw, &m); err != nil {
		fail(err)
	}
	for _, set := range m.NgramSets {
		for _, g := range set.Ngrams {
			res[g] = set.Probability
		}
	}
	return res
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
