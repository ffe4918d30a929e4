package mapping

import (
	"errors"
	"strconv"
	"strings"

	"github.com/numora/numora-connector/numora"
)

// state is the rendering of one document.
type state struct {
	res      *numora.Result
	schema   *schemaRules
	plan     *Plan
	planIdx  []int // plan index of each record rule without for_each
	item     *numora.LineItem
	itemID   string // the item's id, or "#n" when it has none
	problems []RenderProblem
	skips    []string

	ev        exprEnv
	envReady  bool
	envItem   *numora.LineItem
	metadata  any
	metaReady bool
}

// Render maps one result to a Plan. It returns a *SkipError when the
// document is deliberately not written (a skip_if rule, a gate with action
// skip, an empty lookup with on_missing: skip_document, or a schema the
// rules do not map), or a *RenderError listing every problem found. Render
// is safe for concurrent use and does no parsing of rules.
func (r *Rules) Render(res *numora.Result) (*Plan, error) {
	if res == nil {
		return nil, errors.New("mapping: no result to render")
	}
	s, ok := r.schemas[res.Schema]
	if !ok {
		return nil, &SkipError{Reason: "no mapping rules for schema " + strconv.Quote(res.Schema)}
	}
	st := &state{res: res, schema: s}
	if err := st.skipIf(); err != nil {
		return nil, err
	}
	st.plan = &Plan{DocumentID: res.ID, Schema: res.Schema, Records: make([]Record, 0, st.count())}
	st.checkDocument()
	st.planIdx = make([]int, len(s.records))
	for i, rr := range s.records {
		if !rr.forEach {
			st.planIdx[i] = len(st.plan.Records)
			st.record(rr)
			continue
		}
		for j := range res.LineItems {
			st.setItem(j)
			st.record(rr)
		}
		st.item, st.itemID = nil, ""
		if m := st.mirror(rr); m != nil {
			st.plan.Mirror = append(st.plan.Mirror, *m)
		}
	}
	return st.result()
}

// result returns the plan, or the problems, or the skip reasons.
func (st *state) result() (*Plan, error) {
	if len(st.problems) > 0 {
		return nil, &RenderError{DocumentID: st.res.ID, Problems: st.problems}
	}
	if len(st.skips) > 0 {
		return nil, &SkipError{Reason: strings.Join(st.skips, "; ")}
	}
	return st.plan, nil
}

// count is the number of records the plan will hold.
func (st *state) count() int {
	n := 0
	for _, rr := range st.schema.records {
		if rr.forEach {
			n += len(st.res.LineItems)
		} else {
			n++
		}
	}
	return n
}

// skipIf evaluates the skip_if rules in order.
func (st *state) skipIf() error {
	for _, sk := range st.schema.skipIf {
		out, err := sk.when.run(st.env())
		if err != nil {
			return &RenderError{DocumentID: st.res.ID, Problems: []RenderProblem{{
				Code: CodeExpressionFailed, Source: "skip_if " + quote(sk.when.text), Message: err.Error()}}}
		}
		if b, _ := out.(bool); b {
			return &SkipError{Reason: sk.reason.render(st.env())}
		}
	}
	return nil
}

// checkDocument reports results that key: document cannot identify
// safely: no document id, or line items sharing an id.
func (st *state) checkDocument() {
	header, items := false, false
	for _, rr := range st.schema.records {
		if rr.keyKind == KeyIdentity {
			header, items = header || !rr.forEach, items || rr.forEach
		}
	}
	if (header || items) && st.res.ID == "" {
		st.problems = append(st.problems, RenderProblem{Code: CodeInvalidDocument, Message: "the result has no document id"})
	}
	if !items {
		return
	}
	li := st.res.LineItems
	for i := range li {
		if li[i].ID == "" {
			st.plan.Warnings = append(st.plan.Warnings, "line item "+strconv.Itoa(i+1)+
				" has no id: its rows are keyed by position (#"+strconv.Itoa(i+1)+")")
		}
		for j := range i {
			if li[i].ID != "" && li[i].ID == li[j].ID {
				st.problems = append(st.problems, RenderProblem{Code: CodeInvalidDocument,
					Message: "line item id " + strconv.Quote(li[i].ID) + " is used twice, so its rows cannot be told apart"})
			}
		}
	}
}

// setItem selects line item j for a for_each record.
func (st *state) setItem(j int) {
	st.item = &st.res.LineItems[j]
	st.itemID = st.item.ID
	if st.itemID == "" {
		st.itemID = "#" + strconv.Itoa(j+1)
	}
}

// record renders one record and appends it to the plan.
func (st *state) record(rr *recordRule) {
	rec := Record{Name: rr.name, ItemID: st.itemID, Entity: rr.entity, Mode: rr.mode,
		Columns: make([]Column, 0, len(rr.columns))}
	for _, v := range rr.columns {
		if val, ok := st.column(rr, v); ok {
			rec.Columns = append(rec.Columns, Column{Name: v.name, Value: val})
		}
	}
	rec.Key = st.key(rr, &rec)
	if len(rr.binds) > 0 {
		rec.Binds = make([]Bind, 0, len(rr.binds))
	}
	for _, b := range rr.binds {
		if b.lookup == nil {
			rec.Binds = append(rec.Binds, Bind{NavProperty: b.nav, Ref: st.planIdx[b.refIdx]})
		} else if lk, clear := st.lookup(rr, b); lk != nil || clear {
			rec.Binds = append(rec.Binds, Bind{NavProperty: b.nav, Ref: -1, Lookup: lk, Clear: clear})
		}
	}
	st.plan.Records = append(st.plan.Records, rec)
}

// column renders one column; ok is false when it is left out (a problem,
// or an empty value with omit_empty).
func (st *state) column(rr *recordRule, v *valueRule) (Value, bool) {
	out, ok := st.eval(rr, v)
	if !ok {
		return Value{}, false
	}
	if out == nil {
		if v.required {
			st.problem(CodeRequiredMissing, rr, v, "required value is missing")
			return Value{}, false
		}
		if v.omitEmpty {
			return Value{}, false
		}
	}
	return newValue(v.typ, out), true
}

// eval computes a value: nil when empty (after default); ok is false when
// a problem or skip was recorded.
func (st *state) eval(rr *recordRule, v *valueRule) (any, bool) {
	if v.src.kind == srcConst {
		return v.def, true
	}
	r, ok := st.read(rr, v)
	if !ok {
		return nil, false
	}
	if !r.empty() && v.src.gated() && !st.gate(rr, v, r) {
		return nil, false
	}
	out, f, warn := v.produce(r)
	if f != nil {
		st.problem(f.code, rr, v, f.msg)
		return nil, false
	}
	if warn != "" {
		st.warn(rr, v, warn)
	}
	if out == nil && v.hasDefault {
		out = v.def
	}
	return out, true
}

// problem records a problem about value v of record rr.
func (st *state) problem(code string, rr *recordRule, v *valueRule, msg string) {
	st.problems = append(st.problems, RenderProblem{Code: code, Record: rr.name, ItemID: st.itemOf(rr),
		Column: v.label(), Source: v.src.text, Message: msg})
}

// warn adds a note to the plan.
func (st *state) warn(rr *recordRule, v *valueRule, msg string) {
	p := RenderProblem{Record: rr.name, ItemID: st.itemOf(rr), Column: v.label(), Source: v.src.text, Message: msg}
	st.plan.Warnings = append(st.plan.Warnings, p.String())
}

func (st *state) itemOf(rr *recordRule) string {
	if rr.forEach {
		return st.itemID
	}
	return ""
}
