package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestMissingRanks(t *testing.T) {
	for _, tc := range []struct {
		missing []int
		w       int
		want    []int
	}{
		{nil, 4, nil},
		{[]int{0, 1, 2, 3}, 4, []int{0, 1, 2, 3}},
		{[]int{3, 7}, 4, []int{3}},          // both tasks of rank 3
		{[]int{1, 6, 9}, 4, []int{1, 2}},    // 9 % 4 = 1
		{[]int{5, 2, 11}, 3, []int{2}},      // unsorted input, one rank
		{[]int{0, 1, 2, 3, 4}, 1, []int{0}}, // one rank owns everything
		{[]int{1000, 1001}, 1000, []int{0, 1}},
	} {
		if got := missingRanks(tc.missing, tc.w); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("missingRanks(%v, %d) = %v, want %v", tc.missing, tc.w, got, tc.want)
		}
	}
}

// TestMissingRanksCoverEveryMissingTask checks the rule itself over many
// sizes: every missing task's rank is listed, and every listed rank owns a
// missing task.
func TestMissingRanksCoverEveryMissingTask(t *testing.T) {
	for n := 1; n < 40; n++ {
		for w := 1; w <= n; w++ {
			var missing []int
			for i := 0; i < n; i++ {
				if (i*7+n)%5 == 0 {
					missing = append(missing, i)
				}
			}
			got := map[int]bool{}
			for _, r := range missingRanks(missing, w) {
				if r < 0 || r >= w {
					t.Fatalf("n=%d w=%d: rank %d out of range", n, w, r)
				}
				got[r] = true
			}
			for _, i := range missing {
				if !got[i%w] {
					t.Fatalf("n=%d w=%d: task %d missing but rank %d not listed", n, w, i, i%w)
				}
			}
			for r := range got {
				owns := false
				for _, i := range missing {
					owns = owns || i%w == r
				}
				if !owns {
					t.Fatalf("n=%d w=%d: rank %d listed without a missing task", n, w, r)
				}
			}
		}
	}
}

func TestSplitArray(t *testing.T) {
	seq := func(a, b int) []int {
		var s []int
		for i := a; i < b; i++ {
			s = append(s, i)
		}
		return s
	}
	for _, tc := range []struct {
		name  string
		ranks []int
		max   int
		want  []arrayChunk
	}{
		{"fits", seq(0, 4), 1001, []arrayChunk{{0, seq(0, 4)}}},
		{"exactly max", seq(0, 3), 3, []arrayChunk{{0, seq(0, 3)}}},
		{"one over", seq(0, 4), 3, []arrayChunk{{0, seq(0, 3)}, {3, []int{0}}}},
		{"2500 of 1001", seq(0, 2500), 1001, []arrayChunk{{0, seq(0, 1001)}, {1001, seq(0, 1001)}, {2002, seq(0, 498)}}},
		{"sparse resubmission", []int{1, 3, 1005, 2100}, 1001, []arrayChunk{{0, []int{1, 3}}, {1001, []int{4}}, {2002, []int{98}}}},
		{"empty middle chunk left out", []int{0, 7}, 3, []arrayChunk{{0, []int{0}}, {6, []int{1}}}},
		{"none", nil, 10, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := splitArray(tc.ranks, tc.max)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("splitArray = %v, want %v", got, tc.want)
			}
			// every rank comes back exactly once as offset + index, indices below max
			var back []int
			for _, c := range got {
				for _, i := range c.Indices {
					if i < 0 || i >= tc.max {
						t.Fatalf("index %d outside [0,%d)", i, tc.max)
					}
					back = append(back, c.Offset+i)
				}
			}
			if !reflect.DeepEqual(back, tc.ranks) {
				t.Fatalf("ranks back %v, want %v", back, tc.ranks)
			}
		})
	}
}

func TestArraySpec(t *testing.T) {
	for _, tc := range []struct {
		idx      []int
		throttle int
		want     string
	}{
		{[]int{0, 1, 2, 3}, 0, "0-3"},
		{[]int{0, 1, 2, 3}, 2, "0-3%2"},
		{[]int{1, 3, 5}, 0, "1,3,5"},
		{[]int{0, 1, 3, 7, 8, 9}, 0, "0-1,3,7-9"},
		{[]int{4}, 1, "4%1"},
	} {
		if got := arraySpec(tc.idx, tc.throttle); got != tc.want {
			t.Errorf("arraySpec(%v, %d) = %q, want %q", tc.idx, tc.throttle, got, tc.want)
		}
	}
}

func TestWorldSize(t *testing.T) {
	for _, tc := range []struct{ flag, tasks, capAt, want int }{
		{0, 8, 1001, 8},
		{0, 5000, 1001, 1001},
		{4, 8, 1001, 4},
		{2000, 5000, 1001, 2000}, // explicit: split into several arrays
		{9, 3, 1001, 3},          // never more ranks than tasks
		{0, 0, 1001, 1},
		{0, 5000, 0, 5000}, // no cap (k8s)
	} {
		if got := worldSize(tc.flag, tc.tasks, tc.capAt); got != tc.want {
			t.Errorf("worldSize(%d, %d, %d) = %d, want %d", tc.flag, tc.tasks, tc.capAt, got, tc.want)
		}
	}
}

func TestParseMaxArraySize(t *testing.T) {
	for _, tc := range []struct {
		conf string
		want int
	}{
		{"Configuration data as of 2024-01-01T00:00:00\nMailProg                = /bin/true\nMaxArraySize            = 40001\nMaxJobCount = 10000\n", 40001},
		{"MaxArraySize=5\n", 5},
		{"MaxJobCount = 10000\n", defaultMaxArraySize},
		{"MaxArraySize = 0\n", defaultMaxArraySize},
		{"", defaultMaxArraySize},
	} {
		if got := parseMaxArraySize(tc.conf); got != tc.want {
			t.Errorf("parseMaxArraySize(%q) = %d, want %d", tc.conf, got, tc.want)
		}
	}
}

func TestShellQuoteAndK8sName(t *testing.T) {
	for in, want := range map[string]string{
		"/data/out":     "/data/out",
		"a b":           "'a b'",
		"it's":          `'it'\''s'`,
		"$HOME":         "'$HOME'",
		"":              "''",
		"dedup_exact.x": "dedup_exact.x",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"grist-quickstart-dedup_exact.decide":        "grist-quickstart-dedup-exact-decide",
		"grist-My Pipeline":                          "grist-my-pipeline",
		strings.Repeat("a", 70) + "-b":               strings.Repeat("a", 63),
		"grist-" + strings.Repeat("x", 56) + "-tail": "grist-" + strings.Repeat("x", 56),
	} {
		if got := k8sName(in); got != want {
			t.Errorf("k8sName(%q) = %q, want %q", in, got, want)
		}
	}
}

// writeLaunchFixture writes a pipeline over n one-line files with one
// barrier and returns its path.
func writeLaunchFixture(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		line := fmt.Sprintf(`{"id":"d%d","text":"document %d"}`+"\n", i, i%3)
		if err := os.WriteFile(filepath.Join(data, fmt.Sprintf("f%02d.jsonl", i)), []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := fmt.Sprintf("input: {paths: [%s], text_field: text}\nsteps:\n  - dedup_exact: {}\noutput: {path: %s}\n", data, filepath.Join(dir, "out"))
	path := filepath.Join(dir, "my_pipe.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSlurmJobsSplit checks the scripts of a plan whose arrays are split:
// each part's rank offset and array, and the chaining groups.
func TestSlurmJobsSplit(t *testing.T) {
	path := writeLaunchFixture(t, 7)
	p, err := planLaunch(path, "", 7, 3)
	if err != nil {
		t.Fatal(err)
	}
	if p.Tasks != 7 || p.World != 7 || len(p.Phases) != 3 {
		t.Fatalf("plan: %d tasks, world %d, %d phases", p.Tasks, p.World, len(p.Phases))
	}
	groups := slurmJobs(p, launchOptions{workers: 2, maxArray: 3, throttle: 1, executable: "/bin/grist"})
	if len(groups) != 4 { // read, decide, apply, finish
		t.Fatalf("%d groups, want 4", len(groups))
	}
	for _, g := range []int{0, 2} {
		if len(groups[g]) != 3 {
			t.Fatalf("group %d: %d jobs, want 3 (ranks 0-2, 3-5, 6)", g, len(groups[g]))
		}
		for k, want := range []struct {
			array, rank string
		}{{"0-2%1", "+ 0))"}, {"0-2%1", "+ 3))"}, {"0%1", "+ 6))"}} {
			j := groups[g][k]
			if j.Array != want.array || !strings.Contains(j.Body, "#SBATCH --array="+want.array+"\n") {
				t.Errorf("group %d job %d: array %q, want %q", g, k, j.Array, want.array)
			}
			if !strings.Contains(j.Body, "RANK=$((SLURM_ARRAY_TASK_ID "+want.rank+"\n") {
				t.Errorf("group %d job %d: rank line missing %q:\n%s", g, k, want.rank, j.Body)
			}
			if !strings.Contains(j.Body, `--rank "$RANK" --world-size 7 --workers 2 -q`) {
				t.Errorf("group %d job %d: world size not explicit:\n%s", g, k, j.Body)
			}
			if !strings.HasSuffix(j.Script, fmt.Sprintf(".%d.sbatch", k)) {
				t.Errorf("group %d job %d: script %s", g, k, j.Script)
			}
		}
	}
	if d := groups[1][0]; d.Array != "" || strings.Contains(d.Body, "--array") || !strings.Contains(d.Body, "--phase dedup_exact.decide --rank 0 --world-size 1") {
		t.Errorf("decision job:\n%s", d.Body)
	}
	if f := groups[3][0]; f.Phase != -1 || !strings.Contains(f.Body, " --resume --workers 2 -q\n") {
		t.Errorf("finish job:\n%s", f.Body)
	}
	deps := sbatchArgs("s", []string{"11", "12", "13"})
	if want := []string{"sbatch", "--parsable", "--dependency=afterok:11:12:13", "--kill-on-invalid-dep=yes", "s"}; !reflect.DeepEqual(deps, want) {
		t.Errorf("sbatchArgs = %v, want %v", deps, want)
	}
}

// TestLaunchK8sYAML parses the printed manifests with yaml.v3 and checks
// each Job: Indexed, completions = world size (1 for a decision), the rank
// from JOB_COMPLETION_INDEX, and the apply order in the comments.
func TestLaunchK8sYAML(t *testing.T) {
	path := writeLaunchFixture(t, 5)
	var out bytes.Buffer
	if err := launchK8s(&out, path, launchOptions{image: "ghcr.io/x/grist:1", tasks: 4, parallel: 2, workers: 3}); err != nil {
		t.Fatal(err)
	}
	type job struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
		Spec struct {
			CompletionMode string `yaml:"completionMode"`
			Completions    int    `yaml:"completions"`
			Parallelism    int    `yaml:"parallelism"`
			Template       struct {
				Spec struct {
					RestartPolicy string `yaml:"restartPolicy"`
					Containers    []struct {
						Image   string   `yaml:"image"`
						Command []string `yaml:"command"`
						Args    []string `yaml:"args"`
						Env     []struct {
							Name  string `yaml:"name"`
							Value string `yaml:"value"`
						} `yaml:"env"`
					} `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(out.Bytes()))
	var jobs []job
	for {
		var j job
		err := dec.Decode(&j)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("invalid YAML: %v\n%s", err, out.String())
		}
		if j.Kind == "" { // the leading comment-only document
			continue
		}
		jobs = append(jobs, j)
	}
	want := []struct {
		name        string
		completions int
		phase       string
	}{
		{"grist-my-pipe-read", 4, "read"},
		{"grist-my-pipe-dedup-exact-decide", 1, "dedup_exact.decide"},
		{"grist-my-pipe-dedup-exact-apply", 4, "dedup_exact.apply"},
		{"grist-my-pipe-finish", 1, ""},
	}
	if len(jobs) != len(want) {
		t.Fatalf("%d jobs, want %d:\n%s", len(jobs), len(want), out.String())
	}
	text := out.String()
	last := -1
	for i, w := range want {
		j := jobs[i]
		if j.APIVersion != "batch/v1" || j.Kind != "Job" || j.Metadata.Name != w.name {
			t.Errorf("job %d: %s %s %s", i, j.APIVersion, j.Kind, j.Metadata.Name)
		}
		if j.Spec.CompletionMode != "Indexed" || j.Spec.Completions != w.completions || j.Spec.Parallelism != min(2, w.completions) {
			t.Errorf("job %s: mode %s, completions %d, parallelism %d", w.name, j.Spec.CompletionMode, j.Spec.Completions, j.Spec.Parallelism)
		}
		ps := j.Spec.Template.Spec
		if ps.RestartPolicy != "Never" || len(ps.Containers) != 1 {
			t.Fatalf("job %s: pod spec %+v", w.name, ps)
		}
		c := ps.Containers[0]
		if c.Image != "ghcr.io/x/grist:1" || !reflect.DeepEqual(c.Command, []string{"sh", "-c"}) || len(c.Args) != 1 {
			t.Fatalf("job %s: container %+v", w.name, c)
		}
		cmd := c.Args[0]
		if !strings.HasPrefix(cmd, "exec grist run "+path+" -o ") || !strings.HasSuffix(cmd, " --workers 3 -q") {
			t.Errorf("job %s: command %q", w.name, cmd)
		}
		switch {
		case w.phase == "":
			if !strings.Contains(cmd, " --resume ") {
				t.Errorf("finish job: %q", cmd)
			}
		case w.completions == 1:
			if !strings.Contains(cmd, "--phase "+w.phase+" --rank 0 --world-size 1 ") {
				t.Errorf("job %s: %q", w.name, cmd)
			}
		default:
			if !strings.Contains(cmd, "--phase "+w.phase+" --rank $(JOB_COMPLETION_INDEX) --world-size 4 ") {
				t.Errorf("job %s: %q", w.name, cmd)
			}
		}
		if len(c.Env) != 1 || c.Env[0].Name != "GRIST_WORLD_SIZE" || c.Env[0].Value != fmt.Sprint(w.completions) {
			t.Errorf("job %s: env %+v", w.name, c.Env)
		}
		// the order comments list the jobs in this order
		at := strings.Index(text, "kubectl wait --for=condition=complete --timeout=-1s job/"+w.name+"\n")
		if at < 0 || at < last {
			t.Errorf("job %s: apply order comment missing or out of order", w.name)
		}
		last = at
	}
}
