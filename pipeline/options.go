package pipeline

import (
	"fmt"
	"github.com/grist/grist/internal/tagdefaults"
	"math"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Field describes one option of a stage or config section, read from the
// struct tags `yaml`, `default` and `doc` of its options struct. Specs are
// reflected once; docs, defaults and validation all come from here.
type Field struct {
	Key     string
	Type    string // "string", "int", "float", "bool", "[]string", ...
	Default string
	Doc     string
	index   []int
}

// Fields lists the options of an options struct value or pointer, in
// declaration order. Embedded structs contribute their fields inline.
func Fields(opts any) []Field {
	t := reflect.TypeOf(opts)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return fieldsOf(t, nil)
}

func fieldsOf(t reflect.Type, prefix []int) []Field {
	var out []Field
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		idx := append(append([]int(nil), prefix...), i)
		if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
			out = append(out, fieldsOf(sf.Type, idx)...)
			continue
		}
		key, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if key == "" || key == "-" || !sf.IsExported() {
			continue
		}
		out = append(out, Field{
			Key:     key,
			Type:    typeName(sf.Type),
			Default: sf.Tag.Get("default"),
			Doc:     sf.Tag.Get("doc"),
			index:   idx,
		})
	}
	return out
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return typeName(t.Elem())
	case reflect.Slice:
		return "[]" + typeName(t.Elem())
	case reflect.Map:
		return "map[" + typeName(t.Key()) + "]" + typeName(t.Elem())
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Uint32, reflect.Uint64:
		return "int"
	case reflect.Float32, reflect.Float64:
		return "float"
	case reflect.Struct:
		return "object"
	case reflect.Interface:
		return "any"
	}
	return t.Kind().String()
}

// ApplyDefaults sets every field of the options struct pointed to by ptr to
// its `default` tag. Fields without a default keep their zero value.
func ApplyDefaults(ptr any) error { return tagdefaults.Apply(ptr) }

func parseScalar(v reflect.Value, s, tag string) error {
	switch v.Kind() {
	case reflect.String:
		if tag != "" && tag != "!!str" && tag != "!!int" && tag != "!!float" && tag != "!!bool" {
			return fmt.Errorf("must be a string")
		}
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil || (tag != "" && tag != "!!bool") {
			return fmt.Errorf("must be true or false, got %q", s)
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 0, 64)
		if err != nil {
			return fmt.Errorf("must be an integer, got %q", s)
		}
		if v.OverflowInt(n) {
			return fmt.Errorf("integer %s out of range", s)
		}
		v.SetInt(n)
	case reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(strings.ReplaceAll(s, "_", ""), 0, 64)
		if err != nil {
			return fmt.Errorf("must be a non-negative integer, got %q", s)
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) {
			return fmt.Errorf("must be a number, got %q", s)
		}
		v.SetFloat(f)
	default:
		return fmt.Errorf("unsupported option type %s", v.Type())
	}
	return nil
}

// ConfigError is a finding about a config file, positioned at a YAML node.
type ConfigError struct {
	File string
	Line int
	Col  int
	Path string // steps[2].dedup_minhash.buckets
	Msg  string
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(":")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:%d:", e.Line, e.Col)
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ConfigErrors holds every finding of a load or validate, in file order.
type ConfigErrors []*ConfigError

func (es ConfigErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// decoder turns YAML nodes into tagged option structs, strictly: unknown keys,
// wrong types and bad values are findings with their line and YAML path.
type decoder struct {
	file string
	errs ConfigErrors
	env  func(string) (string, bool)
}

func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) {
	e := &ConfigError{File: d.file, Path: path, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	d.errs = append(d.errs, e)
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// expand replaces ${VAR} and ${VAR:-default} in a scalar.
func (d *decoder) expand(n *yaml.Node, path string) string {
	s := n.Value
	if !strings.Contains(s, "${") {
		return s
	}
	return envRef.ReplaceAllStringFunc(s, func(m string) string {
		sub := envRef.FindStringSubmatch(m)
		if v, ok := d.env(sub[1]); ok {
			return v
		}
		if sub[2] != "" {
			return sub[3]
		}
		d.errorf(n, path, "environment variable %s is not set (use ${%s:-default} for a fallback)", sub[1], sub[1])
		return ""
	})
}

// decode fills v (addressable) from n. Defaults must already be applied.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		if v.Kind() == reflect.Pointer {
			v.Set(reflect.Zero(v.Type())) // null turns an optional rule off
		}
		return // elsewhere an absent value keeps the default
	}
	switch v.Kind() {
	case reflect.Pointer:
		nv := reflect.New(v.Type().Elem())
		if !v.IsNil() {
			nv.Elem().Set(v.Elem())
		}
		d.decode(n, nv.Elem(), path)
		v.Set(nv)
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			d.errorf(n, path, "must be a mapping of options, got %s", kindName(n))
			return
		}
		fields := fieldsOf(v.Type(), nil)
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			kp := joinPath(path, k.Value)
			if seen[k.Value] {
				d.errorf(k, kp, "key given twice")
				continue
			}
			seen[k.Value] = true
			f, ok := findField(fields, k.Value)
			if !ok {
				keys := make([]string, len(fields))
				for j, f := range fields {
					keys[j] = f.Key
				}
				d.errorf(k, kp, "unknown key%s", suggest(k.Value, keys))
				continue
			}
			d.decode(val, v.FieldByIndex(f.index), kp)
		}
	case reflect.Slice:
		if n.Kind == yaml.ScalarNode && v.Type().Elem().Kind() != reflect.Struct {
			// a single value where a list is expected: accept as a one-item list
			sl := reflect.MakeSlice(v.Type(), 1, 1)
			d.decode(n, sl.Index(0), path)
			v.Set(sl)
			return
		}
		if n.Kind != yaml.SequenceNode {
			d.errorf(n, path, "must be a list, got %s", kindName(n))
			return
		}
		sl := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.decode(c, sl.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(sl)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.errorf(n, path, "must be a mapping, got %s", kindName(n))
			return
		}
		m := reflect.MakeMap(v.Type())
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			ev := reflect.New(v.Type().Elem()).Elem()
			d.decode(val, ev, joinPath(path, k.Value))
			m.SetMapIndex(reflect.ValueOf(k.Value), ev)
		}
		v.Set(m)
	case reflect.Interface:
		// raw node, decoded later by its owner (steps)
		v.Set(reflect.ValueOf(n))
	default:
		if n.Kind != yaml.ScalarNode {
			d.errorf(n, path, "must be a %s, got %s", typeName(v.Type()), kindName(n))
			return
		}
		s := d.expand(n, path)
		tag := n.Tag
		if s != n.Value {
			tag = "" // expanded values are untyped text
		}
		if err := parseScalar(v, s, tag); err != nil {
			d.errorf(n, path, "%v", err)
		}
	}
}

func findField(fs []Field, key string) (Field, bool) {
	for _, f := range fs {
		if f.Key == key {
			return f, true
		}
	}
	return Field{}, false
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "nothing"
}

// suggest returns `; did you mean "x"?` for the nearest candidate, or the list
// of valid keys when none is near.
func suggest(got string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if d := editDistance(got, c); d < bestD {
			best, bestD = c, d
		}
	}
	if best != "" && bestD <= max(2, len(got)/3) {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	if len(candidates) == 0 {
		return ""
	}
	cs := append([]string(nil), candidates...)
	sort.Strings(cs)
	return "; valid keys: " + strings.Join(cs, ", ")
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// validateOptions runs the struct's Validate method, mapping an error that
// starts with "key:" to that key's YAML node.
func (d *decoder) validateOptions(ptr any, check func(any) error, n *yaml.Node, path string) {
	var err error
	if val, ok := ptr.(interface{ Validate() error }); ok {
		err = val.Validate()
	} else if check != nil {
		err = check(ptr)
	}
	if err == nil {
		return
	}
	msg := err.Error()
	at, p := n, path
	if key, rest, found := strings.Cut(msg, ": "); found && n != nil && n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				at, p, msg = n.Content[i+1], joinPath(path, key), rest
				break
			}
		}
		if p == path {
			if _, ok := findField(Fields(ptr), key); ok {
				p, msg = joinPath(path, key), rest
			}
		}
	}
	d.errorf(at, p, "%s", msg)
}

func osEnv(k string) (string, bool) { return os.LookupEnv(k) }
