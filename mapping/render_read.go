package mapping

import (
	"slices"
	"strconv"

	"github.com/numora/numora-connector/numora"
)

// label names a value in messages.
func (v *valueRule) label() string {
	if v.display != "" {
		return v.display
	}
	return v.name
}

// read fetches a value's source from the result.
func (st *state) read(rr *recordRule, v *valueRule) (raw, bool) {
	src := &v.src
	switch src.kind {
	case srcField:
		f, ok := st.res.Fields[src.name]
		return fieldRaw(f, ok, src), true
	case srcItem:
		if src.itemID {
			return raw{kind: rawString, s: st.item.ID}, true
		}
		f, ok := st.item.Fields[src.name]
		return fieldRaw(f, ok, src), true
	case srcDocument:
		return st.docRaw(src.name), true
	case srcMetadata:
		return rawFromAny(descend(st.meta(), src.path)), true
	}
	out, err := src.prog.run(st.env())
	if err != nil {
		st.problem(CodeExpressionFailed, rr, v, err.Error())
		return raw{}, false
	}
	return rawFromAny(out), true
}

// fieldRaw reads a field or line item value, its confidence, or a path
// inside it.
func fieldRaw(f numora.Field, ok bool, src *source) raw {
	switch {
	case !ok:
		return raw{kind: rawMissing}
	case src.confidence:
		if f.Confidence == nil {
			return raw{kind: rawNull}
		}
		return raw{kind: rawNumber, s: strconv.FormatFloat(*f.Confidence, 'f', -1, 64)}
	case src.path != nil:
		r := rawFromAny(descend(decodeJSON(f.Value), src.path))
		r.conf = f.Confidence
		return r
	}
	r := rawFromJSON(f.Value)
	r.conf = f.Confidence
	return r
}

// docRaw reads a document attribute.
func (st *state) docRaw(name string) raw {
	res := st.res
	switch name {
	case "id":
		return raw{kind: rawString, s: res.ID}
	case "schema":
		return raw{kind: rawString, s: res.Schema}
	case "status":
		return raw{kind: rawString, s: string(res.Status)}
	case "external_id":
		return rawFromAny(strPtr(res.ExternalID))
	case "duplicate_of":
		return rawFromAny(strPtr(res.DuplicateOf))
	case "confidence":
		return rawFromAny(floatPtr(res.Confidence))
	}
	if res.UpdatedAt.IsZero() {
		return raw{kind: rawNull}
	}
	return raw{kind: rawOther, v: res.UpdatedAt}
}

// gate applies require_confirmed and min_confidence to an extracted value;
// false means the value must not be written (a problem or skip was noted).
func (st *state) gate(rr *recordRule, v *valueRule, r raw) bool {
	if v.confirmed && !st.confirmed(&v.src) {
		st.problem(CodeUnconfirmed, rr, v, "not confirmed by a reviewer (require_confirmed)")
		return false
	}
	g := v.gate
	if g.action == "" || r.conf == nil || *r.conf >= g.min || st.confirmed(&v.src) {
		return true
	}
	msg := "confidence " + strconv.FormatFloat(*r.conf, 'f', -1, 64) + " is below min_confidence " +
		strconv.FormatFloat(g.min, 'f', -1, 64)
	switch g.action {
	case "fail":
		st.problem(CodeLowConfidence, rr, v, msg)
		return false
	case "skip":
		p := RenderProblem{Record: rr.name, ItemID: st.itemOf(rr), Column: v.label(), Source: v.src.text, Message: msg}
		st.skips = append(st.skips, "low confidence: "+p.String())
		return false
	}
	st.warn(rr, v, msg)
	return true
}

// confirmed reports whether a reviewer confirmed the field (or line item)
// a source reads.
func (st *state) confirmed(src *source) bool {
	rs := &st.res.ReviewState
	if src.kind == srcItem {
		return st.item != nil && slices.Contains(rs.ConfirmedLineItemIDs, st.item.ID)
	}
	return slices.Contains(rs.ConfirmedGeneralFieldNames, src.name)
}

// key renders a record's key.
func (st *state) key(rr *recordRule, rec *Record) Key {
	switch rr.keyKind {
	case KeyNone:
		return Key{Kind: KeyNone}
	case KeyIdentity:
		return Key{Kind: KeyIdentity, Document: st.res.ID, Item: st.itemOf(rr)}
	}
	cols := make([]Column, 0, len(rr.keyCols)+len(rr.keyVals))
	for _, i := range rr.keyCols {
		v := rr.columns[i]
		idx := slices.IndexFunc(rec.Columns, func(c Column) bool { return c.Name == v.name })
		if idx >= 0 && !rec.Columns[idx].Value.IsNull() {
			cols = append(cols, rec.Columns[idx])
		} else if !st.hasProblem(rr, v) {
			st.problem(CodeRequiredMissing, rr, v, "key column is empty")
		}
	}
	for _, v := range rr.keyVals {
		out, ok := st.eval(rr, v)
		if ok && out == nil {
			st.problem(CodeRequiredMissing, rr, v, "key column is empty")
		} else if ok {
			cols = append(cols, Column{Name: v.name, Value: newValue(v.typ, out)})
		}
	}
	return Key{Kind: KeyColumns, Columns: cols}
}

// hasProblem reports whether value v of the current record already has a
// problem.
func (st *state) hasProblem(rr *recordRule, v *valueRule) bool {
	id := st.itemOf(rr)
	for _, p := range st.problems {
		if p.Record == rr.name && p.ItemID == id && p.Column == v.label() {
			return true
		}
	}
	return false
}

// lookup renders a lookup, or applies on_missing when a match value is
// empty in the document; clear is true when the reference is to be set to
// null (on_missing: null without omit_empty).
func (st *state) lookup(rr *recordRule, b *bindRule) (_ *Lookup, clear bool) {
	lr := b.lookup
	lk := &Lookup{Entity: lr.entity, OnMissing: lr.onMissing, Label: lr.label, Match: make([]Column, 0, len(lr.match))}
	for _, m := range lr.match {
		out, ok := st.eval(rr, m)
		if !ok {
			return nil, false
		}
		if out == nil {
			return nil, st.missingMatch(rr, b, m)
		}
		lk.Match = append(lk.Match, Column{Name: m.name, Value: newValue(m.typ, out)})
	}
	return lk, false
}

// missingMatch applies on_missing when there is nothing to look up; it
// reports whether the reference is to be cleared.
func (st *state) missingMatch(rr *recordRule, b *bindRule, m *valueRule) bool {
	lr := b.lookup
	what := "nothing to look up in " + lr.entity + ": " + m.name + " is empty"
	from := ""
	if m.src.kind != srcConst {
		from = " (" + m.src.text + ")"
	}
	switch lr.onMissing {
	case OnMissingSkip:
		st.skips = append(st.skips, lr.label+": "+what+from)
	case OnMissingNull:
		if !lr.keepEmpty {
			return true
		}
		st.plan.Warnings = append(st.plan.Warnings, rr.name+st.bracket(rr)+"."+b.nav+": not bound (on_missing: null, omit_empty): "+what+from)
	default:
		st.problem(CodeRequiredMissing, rr, m, what)
	}
	return false
}

// bracket returns "[li_1]" for for_each records, else "".
func (st *state) bracket(rr *recordRule) string {
	if id := st.itemOf(rr); id != "" {
		return "[" + id + "]"
	}
	return ""
}
