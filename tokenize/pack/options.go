package pack

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// withDefaults fills the fields of the options struct pointed to by ptr from their
// `default` tags, as the pipeline does, so tests keep the defaults in the tags only.
// Embedded structs are filled inline.
func withDefaults[T any](ptr *T) *T {
	fill(reflect.ValueOf(ptr).Elem())
	return ptr
}

func fill(v reflect.Value) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
			fill(v.Field(i))
			continue
		}
		def, ok := sf.Tag.Lookup("default")
		if !ok || def == "" {
			continue
		}
		if err := setFromString(v.Field(i), def); err != nil {
			panic(fmt.Sprintf("%s.%s: bad default %q: %v", t.Name(), sf.Name, def, err))
		}
	}
}

func setFromString(v reflect.Value, s string) error {
	switch v.Kind() {
	case reflect.Pointer:
		nv := reflect.New(v.Type().Elem())
		if err := setFromString(nv.Elem(), s); err != nil {
			return err
		}
		v.Set(nv)
	case reflect.Slice:
		parts := strings.Split(s, ",")
		sl := reflect.MakeSlice(v.Type(), len(parts), len(parts))
		for i, p := range parts {
			if err := setFromString(sl.Index(i), strings.TrimSpace(p)); err != nil {
				return err
			}
		}
		v.Set(sl)
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(s, 0, 64)
		if err != nil {
			return err
		}
		v.SetInt(n)
	case reflect.Float64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return err
		}
		v.SetFloat(f)
	default:
		return fmt.Errorf("unsupported type %s", v.Type())
	}
	return nil
}
