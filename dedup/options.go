package dedup

import (
	"fmt"
	"reflect"
	"strconv"
)

// fillDefaults sets every field of the options struct pointed to by ptr from
// its `default` tag (used by tests and benchmarks; the pipeline fills
// options from the same tags).
func fillDefaults(ptr any) {
	v := reflect.ValueOf(ptr).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		def, ok := t.Field(i).Tag.Lookup("default")
		if !ok || def == "" {
			continue
		}
		f := v.Field(i)
		if f.Kind() == reflect.Pointer {
			f.Set(reflect.New(f.Type().Elem()))
			f = f.Elem()
		}
		switch f.Kind() {
		case reflect.String:
			f.SetString(def)
		case reflect.Bool:
			b, err := strconv.ParseBool(def)
			must(err)
			f.SetBool(b)
		case reflect.Int, reflect.Int64:
			n, err := strconv.ParseInt(def, 10, 64)
			must(err)
			f.SetInt(n)
		case reflect.Float64:
			x, err := strconv.ParseFloat(def, 64)
			must(err)
			f.SetFloat(x)
		default:
			panic(fmt.Sprintf("fillDefaults: unsupported kind %s", f.Kind()))
		}
	}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
