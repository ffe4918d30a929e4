package mapping

import (
	"regexp"

	yaml "go.yaml.in/yaml/v3"
)

var (
	recordKeys = []string{"name", "entity", "mode", "key", "for_each", "columns", "on_removed", "deactivate"}
	modeNames  = []string{string(ModeUpsert), string(ModeCreate), string(ModeUpdate)}
	identRE    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// records compiles a schema's record list, resolves refs and returns the
// records in dependency order.
func (l *loader) records(n *yaml.Node, sc scope) []*recordRule {
	items, ok := l.list(n, "records")
	if ok && len(items) == 0 {
		l.errorf(n, "records is empty: add at least one record")
	}
	var recs []*recordRule
	seen := map[string]*recordRule{}
	for _, it := range items {
		rr := l.record(it, sc)
		if rr == nil {
			continue
		}
		if prev, dup := seen[rr.name]; dup && rr.name != "" {
			l.errorf(l.resolve(it), "record name %q is already used at line %d", rr.name, prev.pos.Line)
			continue
		}
		seen[rr.name] = rr
		recs = append(recs, rr)
	}
	l.checkKeyCollisions(recs)
	return l.order(recs)
}

// ident reads a name made of letters, digits and underscores.
func (l *loader) ident(n *yaml.Node, what string) (string, bool) {
	s, ok := l.str(n, what)
	if ok && !identRE.MatchString(s) {
		l.errorf(n, "%s %q must contain only letters, digits and underscores", what, s)
		return s, false
	}
	return s, ok
}

// record compiles one record rule.
func (l *loader) record(n *yaml.Node, sc scope) *recordRule {
	f, ok := l.fields(n, "a record", recordKeys)
	if !ok {
		return nil
	}
	rr := &recordRule{pos: l.pos(l.resolve(n)), mode: ModeUpsert, keyKind: KeyIdentity}
	l.require(n, f, "record", "name", "entity", "columns")
	if e, has := f["name"]; has {
		rr.name, _ = l.ident(e.val, "record name")
	}
	if e, has := f["entity"]; has {
		rr.entity, _ = l.ident(e.val, "entity")
	}
	if e, has := f["for_each"]; has {
		_, rr.forEach = l.oneOf(e.val, "for_each", []string{"line_items"})
	}
	sc.record, sc.inItem = rr.name, rr.forEach
	if e, has := f["columns"]; has {
		l.columns(rr, e.val, sc)
	}
	l.key(rr, f, sc)
	l.mode(rr, f)
	l.removal(rr, f)
	return rr
}

// columns compiles a record's columns and binds, in order.
func (l *loader) columns(rr *recordRule, n *yaml.Node, sc scope) {
	es, ok := l.entries(n, "columns of record "+rr.name)
	if ok && len(es) == 0 {
		l.errorf(n, "record %s has no columns", rr.name)
	}
	for _, e := range es {
		name := e.key.Value
		if !identRE.MatchString(name) {
			l.errorf(e.key, "column name %q must contain only letters, digits and underscores", name)
			continue
		}
		if isBind(l.resolve(e.val)) {
			if b := l.bind(name, e.val, sc); b != nil {
				rr.binds = append(rr.binds, b)
				rr.uses |= b.uses()
			}
			continue
		}
		if v := l.value(name, e.val, sc); v != nil {
			rr.columns = append(rr.columns, v)
			rr.uses |= v.uses()
		}
	}
}

// key compiles key: document | none | [columns] | {column: source}.
func (l *loader) key(rr *recordRule, f map[string]entry, sc scope) {
	e, has := f["key"]
	if !has {
		return
	}
	n := l.resolve(e.val)
	switch {
	case n != nil && n.Kind == yaml.ScalarNode:
		v, _ := l.oneOf(n, "key", []string{"document", "none"})
		if v == "none" {
			rr.keyKind = KeyNone
			l.warnf(n, "record %s has key: none: every delivery creates new rows, so a re-delivered document "+
				"is written twice; prefer key: document or an alternate key", rr.name)
		}
	case n != nil && n.Kind == yaml.SequenceNode:
		rr.keyKind = KeyColumns
		l.keyColumns(rr, n)
	case n != nil && n.Kind == yaml.MappingNode:
		rr.keyKind = KeyColumns
		l.keyValues(rr, n, sc)
	default:
		l.errorf(n, `key must be "document", "none", a list of columns or a mapping of columns to sources, not %s`, describe(n))
	}
}

// keyColumns compiles key: [col, …], naming columns of the record.
func (l *loader) keyColumns(rr *recordRule, n *yaml.Node) {
	if len(n.Content) == 0 {
		l.errorf(n, "key lists no columns")
	}
	names := make([]string, len(rr.columns))
	for i, c := range rr.columns {
		names[i] = c.name
	}
	for _, it := range n.Content {
		name, ok := l.str(it, "key column")
		if !ok {
			continue
		}
		idx := indexOf(names, name)
		if idx < 0 {
			l.errorf(it, "key column %q is not a column of record %s%s", name, rr.name, didYouMean(name, names))
			continue
		}
		rr.keyCols = append(rr.keyCols, idx)
	}
}

// keyValues compiles key: {col: source, …}.
func (l *loader) keyValues(rr *recordRule, n *yaml.Node, sc scope) {
	es, _ := l.entries(n, "key")
	if len(es) == 0 {
		l.errorf(n, "key maps no columns")
	}
	for _, e := range es {
		for _, c := range rr.columns {
			if c.name == e.key.Value {
				l.errorf(e.key, "key column %q is also in columns: write key: [%s] to use the column's value", c.name, c.name)
			}
		}
		if v := l.value(e.key.Value, e.val, sc); v != nil {
			rr.keyVals = append(rr.keyVals, v)
			rr.uses |= v.uses()
		}
	}
}

// mode compiles mode and checks it fits the key.
func (l *loader) mode(rr *recordRule, f map[string]entry) {
	e, has := f["mode"]
	if !has {
		if rr.keyKind == KeyNone {
			rr.mode = ModeCreate
		}
		return
	}
	m, ok := l.oneOf(e.val, "mode", modeNames)
	if !ok {
		return
	}
	rr.mode = Mode(m)
	if rr.keyKind == KeyNone && rr.mode != ModeCreate {
		l.errorf(e.val, "mode %s needs a key: use key: document or an alternate key, or mode: create", m)
	}
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// checkKeyCollisions reports records whose key: document identities would
// collide (same entity, both per document or both per line item).
func (l *loader) checkKeyCollisions(recs []*recordRule) {
	for i, a := range recs {
		for _, b := range recs[:i] {
			if a.keyKind == KeyIdentity && b.keyKind == KeyIdentity && a.entity == b.entity && a.forEach == b.forEach {
				l.errorAt(a.pos, "records %s and %s both write %s with key: document, so they would get "+
					"the same row identity; give one of them an alternate key", b.name, a.name, a.entity)
			}
		}
	}
}
