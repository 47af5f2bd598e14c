package filters

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// withDefaults fills the fields of the options struct pointed to by ptr from
// their `default` tags, as the pipeline does; tests use it so defaults live
// only in the tags.
func withDefaults[T any](ptr *T) *T {
	v := reflect.ValueOf(ptr).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		def, ok := t.Field(i).Tag.Lookup("default")
		if !ok || def == "" {
			continue
		}
		if err := setFromString(v.Field(i), def); err != nil {
			panic(fmt.Sprintf("%s.%s: bad default %q: %v", t.Name(), t.Field(i).Name, def, err))
		}
	}
	return ptr
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

// enabled reports whether an optional threshold is set; as in datatrove
// (Python truthiness), 0 disables a rule too.
func enabledF(p *float64) bool { return p != nil && *p != 0 }
func enabledI(p *int) bool     { return p != nil && *p != 0 }

func checkRatio(key string, p *float64) error {
	if p != nil && (*p < 0 || *p > 1) {
		return fmt.Errorf("%s: must be in [0, 1], got %g", key, *p)
	}
	return nil
}

func checkNonNeg(key string, p *int) error {
	if p != nil && *p < 0 {
		return fmt.Errorf("%s: must be >= 0, got %d", key, *p)
	}
	return nil
}
