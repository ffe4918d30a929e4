package mapping

import (
	yaml "go.yaml.in/yaml/v3"
)

var (
	bindKeys      = []string{"ref", "lookup", "match", "on_missing", "label", "omit_empty"}
	onMissingKeys = []string{string(OnMissingFail), string(OnMissingSkip), string(OnMissingNull)}
)

// isBind reports whether a column value is a ref or a lookup.
func isBind(n *yaml.Node) bool {
	if n == nil || n.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i].Value; k == "ref" || k == "lookup" {
			return true
		}
	}
	return false
}

// bind compiles {ref: record} or {lookup: entity, match: {…}, on_missing, label}.
func (l *loader) bind(nav string, n *yaml.Node, sc scope) *bindRule {
	b := &bindRule{nav: nav, pos: l.pos(l.resolve(n)), refIdx: -1}
	f, ok := l.fields(n, "binding "+nav, bindKeys)
	if !ok {
		return nil
	}
	ref, hasRef := f["ref"]
	if _, hasLookup := f["lookup"]; hasRef && hasLookup {
		l.errorf(n, "binding %s: use either ref or lookup, not both", nav)
		return nil
	}
	if hasRef {
		b.ref, _ = l.ident(ref.val, "ref")
		for _, k := range []string{"match", "on_missing", "label", "omit_empty"} {
			if e, has := f[k]; has {
				l.errorf(e.key, "%s only applies to lookup, not ref", k)
			}
		}
		return b
	}
	b.lookup = l.lookup(nav, n, f, sc)
	return b
}

// lookup compiles the lookup part of a binding.
func (l *loader) lookup(nav string, n *yaml.Node, f map[string]entry, sc scope) *lookupRule {
	lk := &lookupRule{onMissing: OnMissingFail, label: nav}
	lk.entity, _ = l.ident(f["lookup"].val, "lookup")
	if e, has := f["on_missing"]; has {
		v, _ := l.oneOf(e.val, "on_missing", onMissingKeys)
		lk.onMissing = OnMissing(v)
	}
	if e, has := f["label"]; has {
		lk.label, _ = l.text(e.val, "label")
	}
	if e, has := f["omit_empty"]; has {
		lk.keepEmpty, _ = l.boolean(e.val, "omit_empty")
		if lk.onMissing != OnMissingNull {
			l.errorf(e.key, "omit_empty applies to lookups with on_missing: null (keep the reference when there is nothing to look up)")
		}
	}
	m, has := f["match"]
	if !has {
		l.errorf(n, "lookup %s needs match: the columns to find the row by, e.g. {accountnumber: fields.vendor_tax_id}", lk.entity)
		return lk
	}
	es, _ := l.entries(m.val, "match")
	for _, e := range es {
		if !identRE.MatchString(e.key.Value) {
			l.errorf(e.key, "match column %q must contain only letters, digits and underscores", e.key.Value)
			continue
		}
		if v := l.value(e.key.Value, e.val, sc); v != nil {
			v.display = nav + "." + v.name
			lk.match = append(lk.match, v)
		}
	}
	if len(es) == 0 && l.resolve(m.val).Kind == yaml.MappingNode {
		l.errorf(m.val, "lookup %s: match has no columns", lk.entity)
	}
	return lk
}

// uses reports the environment parts the binding's expressions read.
func (b *bindRule) uses() envParts {
	var u envParts
	if b.lookup != nil {
		for _, m := range b.lookup.match {
			u |= m.uses()
		}
	}
	return u
}
