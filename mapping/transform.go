package mapping

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"

	yaml "go.yaml.in/yaml/v3"
)

// Transform names: simple ones are written as a bare name, the others as a
// one-key mapping ({replace: {old: "-", new: ""}}).
var (
	simpleTransforms = []string{"trim", "upper", "lower", "remove_spaces", "collapse_spaces", "digits_only"}
	paramTransforms  = []string{"replace", "regex_replace", "regex_extract"}
	allTransforms    = append(append([]string{}, simpleTransforms...), paramTransforms...)
)

// transform is one compiled text transform.
type transform struct {
	name     string
	old, new string         // replace
	re       *regexp.Regexp // regex_replace, regex_extract
	group    int            // regex_extract: the submatch to keep
}

// apply runs the transform on s.
func (t *transform) apply(s string) string {
	switch t.name {
	case "trim":
		return strings.TrimSpace(s)
	case "upper":
		return strings.ToUpper(s)
	case "lower":
		return strings.ToLower(s)
	case "remove_spaces":
		return strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, s)
	case "collapse_spaces":
		return strings.Join(strings.Fields(s), " ")
	case "digits_only":
		return strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
	case "replace":
		return strings.ReplaceAll(s, t.old, t.new)
	case "regex_replace":
		return t.re.ReplaceAllString(s, t.new)
	}
	return t.extract(s)
}

// extract returns the chosen submatch, or "" when nothing matches.
func (t *transform) extract(s string) string {
	m := t.re.FindStringSubmatch(s)
	if m == nil || t.group >= len(m) {
		return ""
	}
	return m[t.group]
}

// transforms compiles a transform list (or a single transform).
func (l *loader) transforms(n *yaml.Node) []transform {
	n = l.resolve(n)
	items := []*yaml.Node{n}
	if n != nil && n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	out := make([]transform, 0, len(items))
	for _, it := range items {
		if t, ok := l.transform(l.resolve(it)); ok {
			out = append(out, t)
		}
	}
	return out
}

// transform compiles one transform.
func (l *loader) transform(n *yaml.Node) (transform, bool) {
	if n != nil && n.Kind == yaml.ScalarNode {
		if slices.Contains(simpleTransforms, n.Value) {
			return transform{name: n.Value}, true
		}
		switch hint := didYouMean(n.Value, allTransforms); {
		case slices.Contains(paramTransforms, n.Value):
			l.errorf(n, "transform %q needs parameters, e.g. {%s: {…}}; see docs/mapping.md", n.Value, n.Value)
		case hint != "":
			l.errorf(n, "unknown transform %q%s", n.Value, hint)
		default:
			l.errorf(n, "unknown transform %q; valid: %s", n.Value, quoteList(allTransforms))
		}
		return transform{}, false
	}
	es, ok := l.entries(n, "a transform")
	if !ok {
		return transform{}, false
	}
	if len(es) != 1 {
		l.errorf(n, "a transform with parameters is a mapping with one key, one of %s", quoteList(paramTransforms))
		return transform{}, false
	}
	name := es[0].key.Value
	switch name {
	case "replace":
		return l.replaceTransform(es[0].val)
	case "regex_replace", "regex_extract":
		return l.regexTransform(name, es[0].val)
	}
	l.errorf(es[0].key, "unknown transform %q%s; valid with parameters: %s", name, didYouMean(name, paramTransforms),
		quoteList(paramTransforms))
	return transform{}, false
}

// replaceTransform compiles {replace: {old: …, new: …}}.
func (l *loader) replaceTransform(n *yaml.Node) (transform, bool) {
	f, ok := l.fields(n, "replace", []string{"old", "new"})
	if !ok {
		return transform{}, false
	}
	t := transform{name: "replace"}
	old, okOld := f["old"]
	if !okOld {
		l.errorf(n, "replace needs old (the text to replace)")
		return t, false
	}
	t.old, ok = l.text(old.val, "replace.old")
	if nw, has := f["new"]; has && !isNull(nw.val) {
		t.new, _ = l.text(nw.val, "replace.new")
	}
	return t, ok && t.old != ""
}

// regexTransform compiles regex_replace {pattern, with} and regex_extract
// (a pattern, or {pattern, group}).
func (l *loader) regexTransform(name string, n *yaml.Node) (transform, bool) {
	t := transform{name: name, group: -1}
	var pat *yaml.Node
	if r := l.resolve(n); r != nil && r.Kind == yaml.ScalarNode && name == "regex_extract" {
		pat = r
	} else {
		known := []string{"pattern", "group"}
		if name == "regex_replace" {
			known = []string{"pattern", "with"}
		}
		f, ok := l.fields(n, name, known)
		if !ok {
			return t, false
		}
		pat = f["pattern"].val
		if w, has := f["with"]; has {
			t.new, _ = l.text(w.val, name+".with")
		}
		if g, has := f["group"]; has {
			gi, _ := l.integer(g.val, name+".group")
			t.group = int(gi)
		}
	}
	if pat == nil {
		l.errorf(n, "%s needs a pattern", name)
		return t, false
	}
	src, ok := l.text(pat, name+".pattern")
	if !ok {
		return t, false
	}
	re, err := regexp.Compile(src)
	if err != nil {
		l.errorf(pat, "%s: invalid pattern: %s", name, patternProblem(err))
		return t, false
	}
	t.re = re
	return t, l.checkGroup(pat, &t)
}

// patternProblem says what is wrong with a pattern regexp.Compile refused:
// the syntax error's code and the part of the pattern it concerns.
func patternProblem(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return fmt.Sprintf("%s: `%s`", se.Code, se.Expr)
	}
	return err.Error()
}

// checkGroup defaults regex_extract's group (1 if the pattern has groups,
// else the whole match) and checks it exists.
func (l *loader) checkGroup(n *yaml.Node, t *transform) bool {
	if t.name != "regex_extract" {
		return true
	}
	if t.group < 0 {
		t.group = min(1, t.re.NumSubexp())
		return true
	}
	if t.group > t.re.NumSubexp() {
		l.errorf(n, "regex_extract: group %d does not exist; the pattern has %d", t.group, t.re.NumSubexp())
		return false
	}
	return true
}
