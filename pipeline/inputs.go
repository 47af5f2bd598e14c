package pipeline

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/grist/grist/internal/storage"
)

// InputFile is one file to read.
type InputFile struct {
	// Path is the file as given or found (relative paths stay relative); a
	// URL without its query (endpoint and other settings), as ids, error
	// rows and manifests show it.
	Path        string
	Size        int64
	Format      string // jsonl, text, parquet
	Compression string // gzip, zstd or "" (from the extension)
	loc         string // where to open it when not Path: a URL with its query
}

// Location is where the file is opened: Path, or the full URL.
func (f InputFile) Location() string {
	if f.loc != "" {
		return f.loc
	}
	return f.Path
}

// TaskSpec is one unit of input: a whole file, a line-aligned byte range of
// an uncompressed file, or a range of Parquet row groups. Tasks are numbered
// from the sorted file list, so numbering never depends on timing.
type TaskSpec struct {
	Index int
	File  InputFile
	Start int64 // byte offset (jsonl/text) or first row group (parquet)
	End   int64 // exclusive; -1 = to the end
}

// ExpandInputs resolves paths, globs (with **) and folders to a sorted,
// de-duplicated list of readable files. A path that matches nothing is an error.
func ExpandInputs(in InputConfig) ([]InputFile, error) {
	seen := map[string]bool{}
	var files []InputFile
	add := func(p string, size int64) error {
		clean, loc := filepath.Clean(p), ""
		if storage.IsURL(p) {
			clean, loc = storage.Display(p), p
		}
		if seen[clean] {
			return nil
		}
		format, comp := detectFormat(clean, in.Format)
		if format == "" {
			return nil // folders and globs skip files of unknown kinds
		}
		seen[clean] = true
		files = append(files, InputFile{Path: clean, Size: size, Format: format, Compression: comp, loc: loc})
		return nil
	}
	for _, p := range in.Paths {
		if storage.IsURL(p) {
			if err := expandURL(p, in.Format, add); err != nil {
				return nil, err
			}
			continue
		}
		matches, err := globAll(p)
		if err != nil {
			return nil, fmt.Errorf("input %s: %v", p, err)
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("input %s: no such file or no file matches", p)
		}
		for _, m := range matches {
			st, err := os.Stat(m)
			if err != nil {
				return nil, fmt.Errorf("input %s: %v", m, unwrapPathErr(err))
			}
			if st.IsDir() {
				err := filepath.WalkDir(m, func(path string, d fs.DirEntry, err error) error {
					if err != nil {
						return err
					}
					if d.IsDir() {
						if path != m && strings.HasPrefix(d.Name(), ".") {
							return filepath.SkipDir
						}
						return nil
					}
					if strings.HasPrefix(d.Name(), ".") {
						return nil
					}
					if d.Type()&fs.ModeSymlink != 0 {
						// a symlinked file (Hugging Face caches are made of
						// them) is read; symlinked folders are not followed,
						// so links cannot loop
						if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
							return add(path, st.Size())
						}
						return nil
					}
					if !d.Type().IsRegular() {
						return nil
					}
					info, err := d.Info()
					if err != nil {
						return err
					}
					return add(path, info.Size())
				})
				if err != nil {
					return nil, fmt.Errorf("input %s: %v", m, err)
				}
				continue
			}
			if format, _ := detectFormat(m, in.Format); format == "" {
				return nil, fmt.Errorf("input %s: unknown format (use .jsonl, .txt or .parquet, optionally .gz/.zst, or set input.format)", m)
			}
			if err := add(m, st.Size()); err != nil {
				return nil, err
			}
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("input: no readable files in %s", strings.Join(in.Paths, ", "))
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

// expandURL resolves an object storage input: an object, a folder (every
// object under the prefix, hidden names skipped as on disk) or a glob (the
// objects under the glob's literal prefix that match it).
func expandURL(p, forced string, add func(string, int64) error) error {
	ctx := context.Background()
	shown := storage.Display(p)
	matches, err := globURL(ctx, p)
	if err != nil {
		return fmt.Errorf("input %s: %v", shown, unwrapPathErr(err))
	}
	if matches == nil {
		st, err := storage.Stat(ctx, p)
		if err != nil {
			if storage.IsNotExist(err) {
				return fmt.Errorf("input %s: no such file or no file matches", shown)
			}
			return fmt.Errorf("input %s: %v", shown, unwrapPathErr(err))
		}
		if !st.IsDir {
			if format, _ := detectFormat(shown, forced); format == "" {
				return fmt.Errorf("input %s: unknown format (use .jsonl, .txt or .parquet, optionally .gz/.zst, or set input.format)", shown)
			}
			return add(p, st.Size)
		}
		ents, err := storage.List(ctx, p, true)
		if err != nil {
			return fmt.Errorf("input %s: %v", shown, unwrapPathErr(err))
		}
		for _, e := range ents {
			if hiddenPath(e.Name) {
				continue
			}
			if err := add(storage.Join(p, e.Name), e.Size); err != nil {
				return err
			}
		}
		return nil
	}
	if len(matches) == 0 {
		return fmt.Errorf("input %s: no such file or no file matches", shown)
	}
	for _, m := range matches {
		if err := add(m.Name, m.Size); err != nil {
			return err
		}
	}
	return nil
}

// globURL expands a glob in a URL ("**" matches any number of folders); nil
// when the URL holds no glob.
func globURL(ctx context.Context, pattern string) ([]storage.Entry, error) {
	base, query, _ := strings.Cut(pattern, "?")
	scheme, rest, _ := strings.Cut(base, "://")
	host, pat, _ := strings.Cut(rest, "/")
	if !strings.ContainsAny(pat, "*?[") {
		return nil, nil
	}
	// the folder before the first glob character is listed
	lit := pat[:strings.IndexAny(pat, "*?[")]
	dir := ""
	if i := strings.LastIndex(lit, "/"); i >= 0 {
		dir = lit[:i]
	}
	root := scheme + "://" + host
	if dir != "" {
		root += "/" + dir
	}
	if query != "" {
		root += "?" + query
	}
	ents, err := storage.List(ctx, root, true)
	if err != nil {
		return nil, err
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(pat, dir), "/")
	out := []storage.Entry{}
	for _, e := range ents {
		if globMatch(rel, e.Name) {
			out = append(out, storage.Entry{Name: storage.Join(root, e.Name), Size: e.Size})
		}
	}
	return out, nil
}

// globMatch matches a "/"-separated name against a glob where "**" stands
// for any number of folders, as globAll does on disk.
func globMatch(pattern, name string) bool {
	if !strings.Contains(pattern, "**") {
		ok, _ := path.Match(pattern, name)
		return ok
	}
	pre, post, _ := strings.Cut(pattern, "**")
	pre = strings.TrimSuffix(pre, "/")
	if pre != "" {
		if !strings.HasPrefix(name, pre+"/") {
			return false
		}
		name = name[len(pre)+1:]
	}
	post = strings.TrimPrefix(post, "/")
	if post == "" {
		return true
	}
	if ok, _ := path.Match(post, path.Base(name)); ok {
		return true
	}
	ok, _ := path.Match(post, name)
	return ok
}

// hiddenPath: a name with an element starting with "." (skipped in folders).
func hiddenPath(rel string) bool {
	for _, e := range strings.Split(rel, "/") {
		if strings.HasPrefix(e, ".") {
			return true
		}
	}
	return false
}

// globAll expands a glob; "**" matches any number of folders.
func globAll(pattern string) ([]string, error) {
	if storage.IsURL(pattern) {
		ents, err := globURL(context.Background(), pattern)
		if ents == nil && err == nil {
			return []string{pattern}, nil
		}
		out := make([]string, len(ents))
		for i, e := range ents {
			out[i] = e.Name
		}
		return out, err
	}
	if !strings.Contains(pattern, "**") {
		if !strings.ContainsAny(pattern, "*?[") {
			return []string{pattern}, nil
		}
		return filepath.Glob(pattern)
	}
	root, rest, _ := strings.Cut(pattern, "**")
	root = filepath.Clean(root)
	if root == "" {
		root = "."
	}
	rest = strings.TrimPrefix(rest, string(filepath.Separator))
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		if ok, _ := filepath.Match(rest, filepath.Base(rel)); ok || rest == "" {
			out = append(out, path)
		} else if ok, _ := filepath.Match(rest, rel); ok {
			out = append(out, path)
		}
		return nil
	})
	return out, err
}

// detectFormat maps a file name to (format, compression); forced is
// input.format ("auto" to detect).
func detectFormat(path, forced string) (string, string) {
	name := strings.ToLower(storage.Base(path))
	comp := ""
	switch {
	case strings.HasSuffix(name, ".gz"):
		comp, name = "gzip", strings.TrimSuffix(name, ".gz")
	case strings.HasSuffix(name, ".zst"):
		comp, name = "zstd", strings.TrimSuffix(name, ".zst")
	case strings.HasSuffix(name, ".zstd"):
		comp, name = "zstd", strings.TrimSuffix(name, ".zstd")
	}
	if forced != "" && forced != "auto" {
		return forced, comp
	}
	switch filepath.Ext(name) {
	case ".jsonl", ".ndjson", ".json":
		return "jsonl", comp
	case ".txt", ".text", ".md":
		return "text", comp
	case ".parquet":
		if comp != "" {
			return "", ""
		}
		return "parquet", ""
	}
	return "", ""
}

// PlanTasks cuts files into tasks: large uncompressed line files into
// line-aligned byte ranges of about splitBytes, Parquet files into ranges of
// row groups of about splitBytes, everything else one task per file.
func PlanTasks(files []InputFile, in InputConfig) ([]TaskSpec, error) {
	var tasks []TaskSpec
	for _, f := range files {
		switch {
		case f.Compression == "" && f.Size > in.SplitBytes && (f.Format == "jsonl" || (f.Format == "text" && in.TextMode == "line")):
			for start := int64(0); start < f.Size; start += in.SplitBytes {
				end := min(start+in.SplitBytes, f.Size)
				tasks = append(tasks, TaskSpec{Index: len(tasks), File: f, Start: start, End: end})
			}
		case f.Format == "parquet":
			groups, err := parquetRowGroupSplits(f.Location(), in.SplitBytes)
			if err != nil {
				return nil, err
			}
			for _, g := range groups {
				tasks = append(tasks, TaskSpec{Index: len(tasks), File: f, Start: g[0], End: g[1]})
			}
		default:
			tasks = append(tasks, TaskSpec{Index: len(tasks), File: f, Start: 0, End: -1})
		}
	}
	return tasks, nil
}
