package main

import (
	"encoding"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/numora/numora-connector/internal/suggest"
)

// checkSettings walks a settings file's YAML against the config struct and
// returns one "file:line:col: problem" per unknown setting (with the one
// probably meant) and per value of the wrong kind. Checking the tree
// ourselves gives every problem its position and our own words, where the
// YAML library only reports them as text.
func checkSettings(file string, n *yaml.Node, t reflect.Type, path string) []string {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		return []string{fmt.Sprintf("%s:%d:%d: %s: want a mapping of settings", file, n.Line, n.Column, orTop(path))}
	}
	fields := yamlFields(t)
	var problems []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		f, ok := fields[key.Value]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s:%d:%d: unknown setting %q%s", file, key.Line, key.Column,
				join(path, key.Value), suggest.DidYouMean(key.Value, slices.Sorted(maps.Keys(fields)))))
			continue
		}
		problems = append(problems, checkValue(file, val, f.Type, join(path, key.Value))...)
	}
	return problems
}

// checkValue checks one setting's value against the field's type.
func checkValue(file string, n *yaml.Node, t reflect.Type, path string) []string {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Tag == "!!null" {
		return nil
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	bad := func(want string) []string {
		what := path
		if n.Kind == yaml.ScalarNode {
			what += fmt.Sprintf(" %q", n.Value)
		}
		return []string{fmt.Sprintf("%s:%d:%d: %s: want %s", file, n.Line, n.Column, what, want)}
	}
	switch {
	case reflect.PointerTo(t).Implements(textUnmarshaler):
		if n.Kind != yaml.ScalarNode {
			return bad("a single value")
		}
	case t == durationType:
		if _, err := time.ParseDuration(n.Value); n.Kind != yaml.ScalarNode || err != nil {
			return bad("a duration such as 30s, 5m or 1h")
		}
	case t.Kind() == reflect.Struct:
		return checkSettings(file, n, t, path)
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64:
		if _, err := strconv.ParseInt(n.Value, 0, 64); n.Kind != yaml.ScalarNode || err != nil {
			return bad("a whole number")
		}
	case t.Kind() == reflect.Bool:
		if n.Kind != yaml.ScalarNode || (n.Tag != "!!bool" && n.Tag != "!!str") {
			return bad("true or false")
		}
	case t.Kind() == reflect.String:
		if n.Kind != yaml.ScalarNode {
			return bad("a single value")
		}
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode && n.Kind != yaml.ScalarNode {
			return bad("a list")
		}
	}
	return nil
}

var (
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	durationType    = reflect.TypeFor[time.Duration]()
)

// yamlFields maps a struct's YAML keys to its fields.
func yamlFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for f := range t.Fields() {
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case opts == "inline" && f.Type.Kind() == reflect.Struct:
			maps.Copy(out, yamlFields(f.Type))
		case f.IsExported() && name != "" && name != "-":
			out[name] = f
		}
	}
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orTop(path string) string {
	if path == "" {
		return "the file"
	}
	return path
}
