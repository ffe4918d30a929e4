package mapping

import (
	"slices"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// scope carries settings inherited from defaults down to columns.
type scope struct {
	schema    string
	record    string
	loc       *time.Location
	sep       byte
	gate      gate
	confirmed bool
	inItem    bool
}

// Parse compiles rules from data; name is used in positions
// ("mappings.yaml:12:5"). On problems it returns a *LoadError listing every
// one of them.
func Parse(name string, data []byte) (*Rules, error) {
	l := &loader{file: name}
	r := l.parse(data)
	sortProblems(l.problems)
	if len(l.problems) > 0 || r == nil {
		if len(l.problems) == 0 {
			l.errorf(nil, "invalid rules")
		}
		return nil, &LoadError{File: name, Problems: l.problems}
	}
	sortProblems(l.warnings)
	r.warnings = l.warnings
	return r, nil
}

func sortProblems(ps []Problem) {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line - b.Pos.Line
		}
		return a.Pos.Col - b.Pos.Col
	})
}

// parse reads the YAML and compiles the top level.
func (l *loader) parse(data []byte) *Rules {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		l.syntaxError(data, err)
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || isNull(doc.Content[0]) {
		l.problems = append(l.problems, Problem{Pos: Pos{File: l.file, Line: 1, Col: 1}, Message: "the file is empty"})
		return nil
	}
	return l.rules(doc.Content[0])
}

// maxSyntaxProbes bounds the parses syntaxError tries (rules files are a
// few hundred lines; a huge broken file is not searched to its start).
const maxSyntaxProbes = 1000

// syntaxError reports a YAML syntax error at the line where the text stops
// being YAML: the line after the longest run of first lines that still
// parses. The library names a line only in its message text; this finds
// it from the rules themselves (a construct cut in the middle, such as a
// quoted string over two lines, does not hide an error further down).
func (l *loader) syntaxError(data []byte, err error) {
	lines := strings.SplitAfter(string(data), "\n")
	line := 0
	for n := len(lines) - 1; n > 0 && n >= len(lines)-maxSyntaxProbes; n-- {
		var doc yaml.Node
		if yaml.Unmarshal([]byte(strings.Join(lines[:n], "")), &doc) == nil {
			line = n + 1
			break
		}
	}
	// The library's text repeats its own guess at the line; ours replaces it
	// (if the text changes shape, it is merely kept whole).
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if line == 0 { // not found within the probes: the library's guess stays in the text
		l.problems = append(l.problems, Problem{Pos: Pos{File: l.file, Line: 1, Col: 1}, Message: "invalid YAML: " + msg})
		return
	}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if _, after, found := strings.Cut(rest, ": "); found {
			msg = after
		}
	}
	l.problems = append(l.problems, Problem{Pos: Pos{File: l.file, Line: min(line, len(lines)), Col: 1},
		Message: "invalid YAML: " + msg})
}

// rules compiles the top-level mapping.
func (l *loader) rules(n *yaml.Node) *Rules {
	f, ok := l.fields(n, "the rules file", topKeys(n))
	if !ok {
		return nil
	}
	l.version(n, f)
	sc := l.defaults(f["defaults"].val)
	r := &Rules{file: l.file, schemas: map[string]*schemaRules{}}
	schemas, has := f["schemas"]
	if !has {
		if !misspelt(n, "schemas") {
			l.errorf(n, "missing schemas: map at least one result schema, e.g. invoice_v2")
		}
		return r
	}
	es, _ := l.entries(schemas.val, "schemas")
	if len(es) == 0 && !isNull(schemas.val) && l.resolve(schemas.val).Kind == yaml.MappingNode {
		l.errorf(schemas.val, "schemas is empty: map at least one result schema, e.g. invoice_v2")
	}
	for _, e := range es {
		name := e.key.Value
		if !slices.Contains(knownSchemas, name) {
			l.warnf(e.key, "schema %q is not one Numora documents (%s)%s; its rules are never used unless Numora sends it",
				name, strings.Join(knownSchemas, ", "), didYouMean(name, knownSchemas))
		}
		sc.schema = name
		r.schemas[name] = l.schema(e.val, sc, r)
		r.order = append(r.order, name)
	}
	return r
}

// topKeys are the top-level keys: version, defaults, schemas, and any
// "x-" key, which is ignored (a place for YAML anchors to reuse).
func topKeys(n *yaml.Node) []string {
	keys := []string{"version", "defaults", "schemas"}
	if n != nil && n.Kind == yaml.MappingNode {
		for i := 0; i < len(n.Content); i += 2 {
			if k := n.Content[i].Value; strings.HasPrefix(k, "x-") {
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// version checks version: 1.
func (l *loader) version(n *yaml.Node, f map[string]entry) {
	v, has := f["version"]
	if !has {
		if !misspelt(n, "version") {
			l.errorf(n, "missing version: add `version: 1` at the top")
		}
		return
	}
	if i, ok := l.integer(v.val, "version"); ok && i != 1 {
		l.errorf(v.val, "unsupported version %d: this connector reads version 1", i)
	}
}

// defaults compiles the defaults section into the root scope.
func (l *loader) defaults(n *yaml.Node) scope {
	sc := scope{loc: time.UTC, gate: gate{}}
	if n == nil {
		return sc
	}
	f, ok := l.fields(n, "defaults", []string{"timezone", "decimal_separator", "min_confidence", "require_confirmed"})
	if !ok {
		return sc
	}
	return l.overrides(f, sc)
}

// overrides applies the inheritable settings present in f to sc.
func (l *loader) overrides(f map[string]entry, sc scope) scope {
	if e, has := f["timezone"]; has {
		sc.loc = l.timezone(e.val)
	}
	if e, has := f["decimal_separator"]; has {
		sc.sep = l.separator(e.val)
	}
	if e, has := f["min_confidence"]; has {
		sc.gate = l.gate(e.val)
	}
	if e, has := f["require_confirmed"]; has {
		sc.confirmed, _ = l.boolean(e.val, "require_confirmed")
	}
	return sc
}

// timezone loads an IANA time zone name.
func (l *loader) timezone(n *yaml.Node) *time.Location {
	name, ok := l.str(n, "timezone")
	if !ok {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		l.errorf(n, "unknown timezone %q: use an IANA name such as Europe/Berlin or UTC", name)
		return time.UTC
	}
	return loc
}

// separator reads decimal_separator: auto, "." or ",".
func (l *loader) separator(n *yaml.Node) byte {
	v, _ := l.oneOf(n, "decimal_separator", []string{"auto", ".", ","})
	if v == "auto" || v == "" {
		return 0
	}
	return v[0]
}

// gate reads min_confidence: a number, or {value, action}.
func (l *loader) gate(n *yaml.Node) gate {
	n = l.resolve(n)
	g := gate{action: "fail"}
	valNode := n
	if n != nil && n.Kind == yaml.MappingNode {
		f, ok := l.fields(n, "min_confidence", []string{"value", "action"})
		if !ok {
			return gate{}
		}
		valNode = f["value"].val
		if valNode == nil {
			l.errorf(n, "min_confidence needs a value between 0 and 1")
			return gate{}
		}
		if a, has := f["action"]; has {
			g.action, _ = l.oneOf(a.val, "min_confidence.action", []string{"fail", "skip", "ignore"})
		}
	}
	v, ok := l.number(valNode, "min_confidence")
	if ok && (v < 0 || v > 1) {
		l.errorf(valNode, "min_confidence must be between 0 and 1, not %v", v)
	}
	g.min = v
	if g.min == 0 {
		g.action = ""
	}
	return g
}

// schema compiles one schema's rules.
func (l *loader) schema(n *yaml.Node, sc scope, r *Rules) *schemaRules {
	s := &schemaRules{name: sc.schema}
	f, ok := l.fields(n, "schema "+sc.schema, []string{"skip_if", "min_confidence", "require_confirmed", "records"})
	if !ok {
		return s
	}
	sc = l.overrides(f, sc)
	if e, has := f["skip_if"]; has {
		s.skipIf = l.skipIf(e.val)
	}
	for _, sk := range s.skipIf {
		s.uses |= sk.when.uses | sk.reason.uses()
	}
	rec, has := f["records"]
	if !has {
		if !misspelt(l.resolve(n), "records") {
			l.errorf(n, "schema %s has no records", sc.schema)
		}
		return s
	}
	s.records = l.records(rec.val, sc)
	for _, rr := range s.records {
		s.uses |= rr.uses
	}
	for _, rr := range s.records {
		r.specs = append(r.specs, l.spec(sc.schema, rr))
	}
	slices.SortStableFunc(r.specs, func(a, b RecordSpec) int { return a.Pos.Line - b.Pos.Line })
	return s
}

// skipIf compiles the skip_if list.
func (l *loader) skipIf(n *yaml.Node) []skipRule {
	items, _ := l.list(n, "skip_if")
	var out []skipRule
	for _, it := range items {
		f, ok := l.fields(it, "a skip_if rule", []string{"when", "reason"})
		if !ok {
			continue
		}
		w, has := f["when"]
		if !has {
			l.errorf(it, "a skip_if rule needs when (a condition, e.g. document.duplicate_of != nil)")
			continue
		}
		src, ok := l.text(w.val, "skip_if.when")
		if !ok {
			continue
		}
		prog, msg := compileExpr(src, true, false)
		if msg != "" {
			l.errorf(w.val, "%s", msg)
			continue
		}
		rule := skipRule{when: prog}
		reason := "skip_if matched: " + src
		if e, has := f["reason"]; has {
			reason, _ = l.text(e.val, "skip_if.reason")
		}
		if t, msg := compileTemplate(reason, false); msg != "" {
			l.errorf(f["reason"].val, "skip_if.reason: %s", msg)
		} else {
			rule.reason = t
		}
		out = append(out, rule)
	}
	return out
}
