package rules

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/kready/kready/manifest"
)

// decodeNode fills the value v points to from a YAML node exactly as
// json.Unmarshal(manifest.ToJSON(n), v) would — a type mismatch leaves that
// field alone — without building the JSON text first. Types with their own
// JSON parsing (quantities, int-or-string, times) get the JSON of their
// subtree. It returns false, having possibly filled part of v, for anything
// it does not handle (aliases, merge keys, a parser that rejects a value);
// the caller then decodes from JSON.
func decodeNode(n *yaml.Node, v any) bool {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return false
	}
	return nodeInto(n, rv.Elem(), 0)
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func nodeInto(n *yaml.Node, v reflect.Value, depth int) bool {
	if depth > 200 || n == nil {
		return false
	}
	switch n.Kind {
	case yaml.AliasNode, yaml.DocumentNode:
		return false
	}
	if n.Kind == yaml.ScalarNode {
		if kind, _ := manifest.Scalar(n); kind == manifest.JSONNull {
			switch v.Kind() {
			case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
				v.SetZero()
			}
			return true // null leaves other values as they are, as in encoding/json
		}
	}
	if v.CanAddr() && (v.Addr().Type().Implements(jsonUnmarshaler) || v.Addr().Type().Implements(textUnmarshaler)) {
		data, err := manifest.ToJSON(n)
		if err != nil {
			return false
		}
		return json.Unmarshal(data, v.Addr().Interface()) == nil
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return nodeInto(n, v.Elem(), depth+1)
	case reflect.Interface:
		data, err := manifest.ToJSON(n)
		if err != nil {
			return false
		}
		return json.Unmarshal(data, v.Addr().Interface()) == nil
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return true // a type mismatch: encoding/json skips it
		}
		fields := structFields(v.Type())
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
				return false
			}
			f, ok := fields.lookup(k.Value)
			if !ok {
				continue
			}
			fv, ok := fieldByIndex(v, f)
			if !ok || !nodeInto(n.Content[i+1], fv, depth+1) {
				return false
			}
		}
		return true
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return true
		}
		if v.Type().Key().Kind() != reflect.String {
			return false
		}
		if v.IsNil() {
			v.Set(reflect.MakeMapWithSize(v.Type(), len(n.Content)/2))
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
				return false
			}
			// encoding/json decodes into the existing element only for
			// pointers; a fresh value is what it stores.
			elem := reflect.New(v.Type().Elem()).Elem()
			if !nodeInto(n.Content[i+1], elem, depth+1) {
				return false
			}
			v.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), elem)
		}
		return true
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return false // base64 bytes: leave to encoding/json
		}
		if n.Kind != yaml.SequenceNode {
			return true
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			if !nodeInto(item, s.Index(i), depth+1) {
				return false
			}
		}
		v.Set(s)
		return true
	}
	if n.Kind != yaml.ScalarNode {
		return true // a collection where a scalar belongs: skipped
	}
	kind, lit := manifest.Scalar(n)
	switch v.Kind() {
	case reflect.String:
		if kind == manifest.JSONString {
			v.SetString(lit)
		}
	case reflect.Bool:
		if kind == manifest.JSONBool {
			v.SetBool(lit == "true")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if kind == manifest.JSONNumber {
			if i, err := strconv.ParseInt(lit, 10, 64); err == nil && !v.OverflowInt(i) {
				v.SetInt(i)
			}
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if kind == manifest.JSONNumber {
			if u, err := strconv.ParseUint(lit, 10, 64); err == nil && !v.OverflowUint(u) {
				v.SetUint(u)
			}
		}
	case reflect.Float32, reflect.Float64:
		if kind == manifest.JSONNumber {
			if f, err := strconv.ParseFloat(lit, v.Type().Bits()); err == nil && !v.OverflowFloat(f) {
				v.SetFloat(f)
			}
		}
	default:
		return false
	}
	return true
}

// fieldByIndex walks to a promoted field, allocating embedded pointers.
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !v.CanSet() {
					return reflect.Value{}, false
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

// jsonFields maps JSON names to field indexes: exact names first, then
// encoding/json's case-insensitive match.
type jsonFields struct {
	exact map[string][]int
	fold  map[string][]int
}

func (f jsonFields) lookup(key string) ([]int, bool) {
	if idx, ok := f.exact[key]; ok {
		return idx, true
	}
	idx, ok := f.fold[strings.ToLower(key)]
	return idx, ok
}

var fieldCache sync.Map // reflect.Type → jsonFields

// structFields lists the JSON fields of a struct type the way encoding/json
// sees them, embedded structs without a name promoted; names claimed twice at
// the same depth are dropped, as encoding/json drops them.
func structFields(t reflect.Type) jsonFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(jsonFields)
	}
	type entry struct {
		index []int
		depth int
		dup   bool
	}
	found := map[string]*entry{}
	var walk func(t reflect.Type, prefix []int, depth int)
	walk = func(t reflect.Type, prefix []int, depth int) {
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			index := append(append([]int{}, prefix...), i)
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if sf.Anonymous && name == "" && ft.Kind() == reflect.Struct {
				walk(ft, index, depth+1)
				continue
			}
			if !sf.IsExported() {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			switch e := found[name]; {
			case e == nil || depth < e.depth:
				found[name] = &entry{index: index, depth: depth}
			case depth == e.depth:
				e.dup = true
			}
		}
	}
	walk(t, nil, 0)
	f := jsonFields{exact: map[string][]int{}, fold: map[string][]int{}}
	for name, e := range found {
		if e.dup {
			continue
		}
		f.exact[name] = e.index
		if _, taken := f.fold[strings.ToLower(name)]; !taken {
			f.fold[strings.ToLower(name)] = e.index
		}
	}
	fieldCache.Store(t, f)
	return f
}
