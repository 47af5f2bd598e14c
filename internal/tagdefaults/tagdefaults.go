// Package tagdefaults fills option structs from their `default` struct tags,
// the one place defaults are written. The pipeline applies them before
// decoding a config; the domain packages' tests use them so that their
// defaults, too, live only in the tags. Embedded structs are filled inline;
// slices take comma-separated lists; pointers are set to a new value.
package tagdefaults

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Apply sets every field of the struct ptr points to that has a non-empty
// `default` tag, overwriting what is there.
func Apply(ptr any) error { return fill(reflect.ValueOf(ptr).Elem(), false) }

// FillZero sets only the fields that are still zero (nil pointers and
// slices, empty strings, zero numbers, false).
func FillZero(ptr any) error { return fill(reflect.ValueOf(ptr).Elem(), true) }

// Must is FillZero for tests: it panics on a bad default and returns ptr.
func Must[T any](ptr *T) *T {
	if err := FillZero(ptr); err != nil {
		panic(err)
	}
	return ptr
}

func fill(v reflect.Value, zeroOnly bool) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
			if err := fill(v.Field(i), zeroOnly); err != nil {
				return err
			}
			continue
		}
		def := sf.Tag.Get("default")
		if def == "" || !sf.IsExported() || (zeroOnly && !v.Field(i).IsZero()) {
			continue
		}
		if err := Set(v.Field(i), def); err != nil {
			return fmt.Errorf("%s.%s: bad default %q: %w", t.Name(), sf.Name, def, err)
		}
	}
	return nil
}

// Set parses s into v: a scalar, a pointer to one, or a slice of them given
// as a comma-separated list.
func Set(v reflect.Value, s string) error {
	switch v.Kind() {
	case reflect.Pointer:
		nv := reflect.New(v.Type().Elem())
		if err := Set(nv.Elem(), s); err != nil {
			return err
		}
		v.Set(nv)
		return nil
	case reflect.Slice:
		parts := strings.Split(s, ",")
		sl := reflect.MakeSlice(v.Type(), len(parts), len(parts))
		for i, p := range parts {
			if err := Set(sl.Index(i), strings.TrimSpace(p)); err != nil {
				return err
			}
		}
		v.Set(sl)
		return nil
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 0, 64)
		if err != nil {
			return err
		}
		if v.OverflowInt(n) {
			return fmt.Errorf("%s out of range", s)
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(strings.ReplaceAll(s, "_", ""), 0, 64)
		if err != nil {
			return err
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
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
