package dedup

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadDecisions feeds arbitrary bytes as a decision file: loading must
// fail cleanly or yield lookups that do not panic.
func FuzzLoadDecisions(f *testing.F) {
	good := header{kind: kindDecision, task: 0, recSize: decRecSize, rows: 3, records: 1}.encode()
	rec := make([]byte, decRecSize)
	rec[0] = 2
	f.Add(append(append([]byte{}, good...), rec...))
	f.Add(good)
	f.Add([]byte("GRISTDD1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, doneFile), []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(taskFile(dir, 0, "dec"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		d, err := loadDecisions(dir, 0)
		if err != nil {
			return
		}
		for r := 0; r < 4; r++ {
			dec := d.Lookup(r)
			if !dec.Drop && dec.ClusterSize == 1 && (dec.KeptRow != r || dec.KeptTask != 0) {
				t.Fatalf("unique row %d kept elsewhere: %+v", r, dec)
			}
		}
		d.Dropped()
	})
}
