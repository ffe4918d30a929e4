package mapping

import (
	"fmt"
	"slices"
	"strconv"

	yaml "go.yaml.in/yaml/v3"
)

// maxVisits bounds the nodes a load may visit, so alias chains ("billion
// laughs") cannot make loading explode.
const maxVisits = 200_000

// loader walks a parsed rules file, collecting every problem and warning
// with its position. Its helpers never stop at the first mistake.
type loader struct {
	file     string
	problems []Problem
	warnings []Problem
	visits   int
	tooBig   bool
}

// entry is one key/value pair of a YAML mapping.
type entry struct{ key, val *yaml.Node }

func (l *loader) pos(n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: l.file}
	}
	return Pos{File: l.file, Line: n.Line, Col: n.Column}
}

func (l *loader) errorf(n *yaml.Node, format string, args ...any) {
	l.problems = append(l.problems, Problem{Pos: l.pos(n), Message: fmt.Sprintf(format, args...)})
}

func (l *loader) errorAt(p Pos, format string, args ...any) {
	l.problems = append(l.problems, Problem{Pos: p, Message: fmt.Sprintf(format, args...)})
}

func (l *loader) warnAt(p Pos, format string, args ...any) {
	l.warnings = append(l.warnings, Problem{Pos: p, Message: fmt.Sprintf(format, args...)})
}

func (l *loader) warnf(n *yaml.Node, format string, args ...any) {
	l.warnings = append(l.warnings, Problem{Pos: l.pos(n), Message: fmt.Sprintf(format, args...)})
}

// resolve follows aliases and counts visits.
func (l *loader) resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	l.visits++
	if l.visits > maxVisits && !l.tooBig {
		l.tooBig = true
		l.errorf(n, "the rules file is too large or its aliases nest too deeply")
	}
	return n
}

// isNull reports whether n is absent or an explicit null.
func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// entries returns the pairs of mapping n in order, with merge keys (<<)
// expanded and duplicate keys reported. ok is false if n is not a mapping.
func (l *loader) entries(n *yaml.Node, what string) (out []entry, ok bool) {
	n = l.resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		l.errorf(n, "%s must be a mapping (key: value lines), not %s", what, describe(n))
		return nil, false
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content) && !l.tooBig; i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Tag == "!!merge" {
			out = l.merge(out, seen, v, what)
			continue
		}
		if j, dup := seen[k.Value]; dup {
			if out[j].merged() {
				out[j] = entry{k, v}
			} else {
				l.errorf(k, "key %q in %s is already defined at line %d", k.Value, what, out[j].key.Line)
			}
			continue
		}
		seen[k.Value] = len(out)
		out = append(out, entry{k, v})
	}
	return out, true
}

// merged reports whether e came from a merge key; such entries may be
// overridden by explicit keys.
func (e entry) merged() bool { return e.key.Tag == "!!merged" }

// merge adds the entries of the mapping(s) v (a << value) that are not
// already present.
func (l *loader) merge(out []entry, seen map[string]int, v *yaml.Node, what string) []entry {
	v = l.resolve(v)
	srcs := []*yaml.Node{v}
	if v != nil && v.Kind == yaml.SequenceNode {
		srcs = v.Content
	}
	for _, s := range srcs {
		es, ok := l.entries(s, what+" (merged)")
		if !ok {
			continue
		}
		for _, e := range es {
			if _, dup := seen[e.key.Value]; dup {
				continue
			}
			k := *e.key
			k.Tag = "!!merged"
			seen[k.Value] = len(out)
			out = append(out, entry{&k, e.val})
		}
	}
	return out
}

// fields returns the entries of mapping n by key, reporting keys not in
// known (with a suggestion). ok is false if n is not a mapping.
func (l *loader) fields(n *yaml.Node, what string, known []string) (map[string]entry, bool) {
	es, ok := l.entries(n, what)
	if !ok {
		return nil, false
	}
	m := make(map[string]entry, len(es))
	for _, e := range es {
		if !slices.Contains(known, e.key.Value) {
			if hint := didYouMean(e.key.Value, known); hint != "" {
				l.errorf(e.key, "unknown key %q in %s%s", e.key.Value, what, hint)
			} else {
				l.errorf(e.key, "unknown key %q in %s; valid keys: %s", e.key.Value, what, quoteList(known))
			}
			continue
		}
		m[e.key.Value] = e
	}
	return m, true
}

// require reports keys missing from f, unless a misspelt key (already
// reported with a suggestion) stands for one.
func (l *loader) require(n *yaml.Node, f map[string]entry, what string, keys ...string) {
	n = l.resolve(n)
	for _, k := range keys {
		if _, has := f[k]; !has && !misspelt(n, k) {
			l.errorf(n, "%s needs %s", what, k)
		}
	}
}

// misspelt reports whether mapping n has a key that looks like key.
func misspelt(n *yaml.Node, key string) bool {
	if n == nil || n.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i < len(n.Content); i += 2 {
		if k := n.Content[i].Value; k != key && suggest(k, []string{key}) == key {
			return true
		}
	}
	return false
}

// describe names a node's kind for messages.
func describe(n *yaml.Node) string {
	switch {
	case n == nil:
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Tag == "!!null":
		return "null"
	case n.Tag == "!!str":
		return strconv.Quote(n.Value)
	default:
		return n.Value
	}
}

// str reads a non-empty string scalar.
func (l *loader) str(n *yaml.Node, what string) (string, bool) {
	n = l.resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag != "!!str" || n.Value == "" {
		l.errorf(n, "%s must be a non-empty text, not %s", what, describe(n))
		return "", false
	}
	return n.Value, true
}

// text reads any scalar as text (a reason, a constant label).
func (l *loader) text(n *yaml.Node, what string) (string, bool) {
	n = l.resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		l.errorf(n, "%s must be a text, not %s", what, describe(n))
		return "", false
	}
	return n.Value, true
}

// number reads an int or float scalar.
func (l *loader) number(n *yaml.Node, what string) (float64, bool) {
	n = l.resolve(n)
	if n != nil && n.Kind == yaml.ScalarNode && (n.Tag == "!!int" || n.Tag == "!!float") {
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return f, true
		}
	}
	l.errorf(n, "%s must be a number, not %s", what, describe(n))
	return 0, false
}

// integer reads an int scalar.
func (l *loader) integer(n *yaml.Node, what string) (int64, bool) {
	n = l.resolve(n)
	if n != nil && n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return i, true
		}
	}
	l.errorf(n, "%s must be a whole number, not %s", what, describe(n))
	return 0, false
}

// boolean reads a bool scalar.
func (l *loader) boolean(n *yaml.Node, what string) (bool, bool) {
	n = l.resolve(n)
	if n != nil && n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		var b bool
		if n.Decode(&b) == nil {
			return b, true
		}
	}
	l.errorf(n, "%s must be true or false, not %s", what, describe(n))
	return false, false
}

// oneOf reads a string scalar that must be one of options.
func (l *loader) oneOf(n *yaml.Node, what string, options []string) (string, bool) {
	n = l.resolve(n)
	if n != nil && n.Kind == yaml.ScalarNode && slices.Contains(options, n.Value) {
		return n.Value, true
	}
	v := describe(n)
	if n != nil && n.Kind == yaml.ScalarNode {
		v = strconv.Quote(n.Value)
	}
	hint := ""
	if n != nil && n.Kind == yaml.ScalarNode {
		hint = didYouMean(n.Value, options)
	}
	l.errorf(n, "%s must be one of %s, not %s%s", what, quoteList(options), v, hint)
	return "", false
}

// list returns the items of a sequence node.
func (l *loader) list(n *yaml.Node, what string) ([]*yaml.Node, bool) {
	n = l.resolve(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		l.errorf(n, "%s must be a list, not %s", what, describe(n))
		return nil, false
	}
	return n.Content, true
}
