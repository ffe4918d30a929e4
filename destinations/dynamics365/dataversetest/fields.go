package dataversetest

import (
	"slices"
	"strings"
)

// field is one stored column value.
type field struct {
	name string
	v    any
}

// fields are a row's values sorted by name: far smaller than a map for
// the dozen columns of a row, and as fast to search.
type fields []field

// fieldsOf copies m into sorted fields.
func fieldsOf(m map[string]any) fields {
	f := make(fields, 0, len(m))
	for k, v := range m {
		f = append(f, field{k, v})
	}
	slices.SortFunc(f, func(a, b field) int { return strings.Compare(a.name, b.name) })
	return f
}

// get returns the value of name; nil when absent.
func (f fields) get(name string) any {
	v, _ := f.lookup(name)
	return v
}

func (f fields) lookup(name string) (any, bool) {
	i, ok := slices.BinarySearchFunc(f, name, func(x field, n string) int { return strings.Compare(x.name, n) })
	if !ok {
		return nil, false
	}
	return f[i].v, true
}

// toMap copies the fields into a map.
func (f fields) toMap() map[string]any {
	m := make(map[string]any, len(f)+1)
	for _, x := range f {
		m[x.name] = x.v
	}
	return m
}
