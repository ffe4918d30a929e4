package dynamics365

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
)

// removal is a row the document no longer has an item for: deleted, or
// deactivated, in the same change set as the document's writes.
type removal struct {
	idx    int // position among the removals, for the Content-ID
	idBase int
	m      *mapping.Mirror
	info   entityInfo
	guid   string
	// gone marks a row that disappeared since it was read (its part got
	// 404): it is not sent again.
	gone    bool
	outcome destinations.Outcome
}

// contentID numbers removals after every record of the change set.
func (rm *removal) contentID(records int) string {
	return strconv.Itoa(rm.idBase + records + rm.idx + 1)
}

// label names the removed row in messages.
func (rm *removal) label() string {
	return rm.m.Record + " " + rm.guid + " (" + rm.m.Entity + ", " + string(rm.m.OnRemoved) + ")"
}

// prepareMirror finds, for each mirror entry of the plan, the rows written
// for this document (its owner column holds the document id) that the
// plan's rows of that record do not name, and plans their removal. Rows
// without the document id — a line a person added — are never read, so
// never touched. A current row found inactive is reactivated (on_removed:
// deactivate).
func (w *docWrite) prepareMirror(ctx context.Context, preview bool) error {
	w.removals = nil
	for i := range w.plan.Mirror {
		m := &w.plan.Mirror[i]
		if err := w.mirrorOne(ctx, m, preview); err != nil {
			return err
		}
	}
	if n := len(w.recs) + len(w.removals); n > maxChangeSetOps {
		return permanent("plan_too_large", fmt.Sprintf("%d writes and %d removals exceed Dataverse's %d operations per change set",
			len(w.recs), len(w.removals), maxChangeSetOps))
	}
	return nil
}

func (w *docWrite) mirrorOne(ctx context.Context, m *mapping.Mirror, preview bool) error {
	if m.Owner.Name == "" || m.Owner.Value.IsNull() {
		return permanent("plan_invalid", "mirror "+m.Record+": no owner column")
	}
	sel := mirrorSelect(m)
	if preview {
		info := w.d.cachedEntity(m.Entity)
		ph, err := w.addSelectQuery(fmt.Sprintf("%s (%s): rows written for this document, to %s those whose line items are gone",
			m.Record, m.Entity, m.OnRemoved), m.Entity, info.PrimaryIDAttribute+sel, []mapping.Column{m.Owner})
		w.removals = append(w.removals, &removal{idx: len(w.removals), m: m, info: info,
			guid: "<each " + strings.TrimSuffix(strings.TrimPrefix(ph, "<"), ">") + " that this plan does not write>"})
		return err
	}
	info, err := w.d.entity(ctx, m.Entity)
	if err != nil {
		return err
	}
	rows, err := w.d.queryRows(ctx, info, info.PrimaryIDAttribute+sel, []mapping.Column{m.Owner})
	if err != nil {
		return err
	}
	if w.rehearsing {
		defer w.noteMirrorRead(m, info, sel, len(rows), len(w.removals))
	}
	for _, row := range rows {
		id, _ := row[info.PrimaryIDAttribute].(string)
		if id == "" {
			continue
		}
		if r := w.current(m, id, row); r != nil {
			r.reactivate = m.OnRemoved == mapping.RemoveDeactivate && !isState(row, mapping.ActiveState, -1)
			continue
		}
		if m.Inactive != nil && isState(row, m.Inactive.StateCode, m.Inactive.StatusCode) {
			continue // already deactivated
		}
		w.removals = append(w.removals, &removal{idx: len(w.removals), m: m, info: info, guid: id})
	}
	return nil
}

// noteMirrorRead records the mirror query that was run and what it found,
// for a rehearsal's output; before is the number of removals until then.
func (w *docWrite) noteMirrorRead(m *mapping.Mirror, info entityInfo, sel string, rows, before int) {
	filter, err := filterExpr([]mapping.Column{m.Owner})
	if err != nil {
		return
	}
	w.queries = append(w.queries, previewQuery{read: true, url: queryURL(w.d.base, info.EntitySetName, info.PrimaryIDAttribute+sel, filter, 5000),
		label: fmt.Sprintf("%s (%s): rows written for this document: %d found, %d to %s", m.Record, m.Entity, rows, len(w.removals)-before, m.OnRemoved)})
}

// mirrorSelect is what the mirror query selects besides the primary id:
// the alternate-key columns (to match rows to the plan's) and, to
// deactivate, the state.
func mirrorSelect(m *mapping.Mirror) string {
	var b strings.Builder
	for _, k := range m.KeyColumns {
		b.WriteString("," + k)
	}
	if m.OnRemoved == mapping.RemoveDeactivate {
		b.WriteString(",statecode,statuscode")
	}
	return b.String()
}

// current returns the plan's record of m's record that is the row found
// (by GUID, or by alternate-key values), or nil.
func (w *docWrite) current(m *mapping.Mirror, id string, row map[string]any) *recWrite {
	for _, r := range w.recs {
		if r.rec.Name != m.Record || r.rec.Entity != m.Entity {
			continue
		}
		if strings.EqualFold(r.guid, id) {
			return r
		}
		if r.rec.Key.Kind == mapping.KeyColumns && !r.fresh && sameKey(r.rec.Key.Columns, row) {
			return r
		}
	}
	return nil
}

// sameKey reports whether a row read back holds the key values cols, as
// Dataverse compares them (strings case-insensitively, numbers by value).
func sameKey(cols []mapping.Column, row map[string]any) bool {
	for _, c := range cols {
		if !sameValue(c.Value, row[c.Name]) {
			return false
		}
	}
	return len(cols) > 0
}

func sameValue(v mapping.Value, got any) bool {
	switch g := got.(type) {
	case string:
		s, ok := jsonValue(v).(string)
		return ok && strings.EqualFold(s, g)
	case json.Number:
		want, err := literal(v)
		a, okA := new(big.Rat).SetString(want)
		b, okB := new(big.Rat).SetString(string(g))
		return isNumeric(v) && err == nil && okA && okB && a.Cmp(b) == 0
	case bool:
		b, ok := jsonValue(v).(bool)
		return ok && b == g
	}
	return false
}

// isState reports whether a row read back has statecode state and (unless
// status is negative) statuscode status.
func isState(row map[string]any, state, status int64) bool {
	num := func(k string) (int64, bool) {
		n, ok := row[k].(json.Number)
		if !ok {
			return 0, false
		}
		i, err := n.Int64()
		return i, err == nil
	}
	sc, ok := num("statecode")
	if !ok || sc != state {
		return false
	}
	st, ok := num("statuscode")
	return status < 0 || (ok && st == status)
}

// removalPart is the request removing rm: DELETE, or a PATCH of the
// inactive state that never creates (If-Match: *).
func (w *docWrite) removalPart(rm *removal) part {
	p := part{contentID: rm.contentID(len(w.recs)), header: http.Header{}, url: w.d.base + rm.m.Entity + "(" + rm.guid + ")"}
	if rm.m.OnRemoved != mapping.RemoveDeactivate || rm.m.Inactive == nil {
		p.method = http.MethodDelete
		return p
	}
	p.method = http.MethodPatch
	p.header.Set("Content-Type", "application/json; type=entry")
	p.header.Set("If-Match", "*")
	p.body = []byte(fmt.Sprintf(`{"statecode":%d,"statuscode":%d}`, rm.m.Inactive.StateCode, rm.m.Inactive.StatusCode))
	return p
}

// removalOutcome is what a removal did.
func removalOutcome(m *mapping.Mirror) destinations.Outcome {
	if m.OnRemoved == mapping.RemoveDeactivate {
		return destinations.Deactivated
	}
	return destinations.Deleted
}

// resolveGone handles a 404 on a removal: the row disappeared since it was
// read (someone deleted it), which rolled back the change set; the removal
// is done, so the change set goes again without it. Without a Content-ID
// to tell which part failed, the rows are read again. found is false when
// err is not such a 404.
func (w *docWrite) resolveGone(ctx context.Context, err error) (found bool, _ error) {
	api, ok := asAPIError(err)
	if !ok || api.StatusCode != http.StatusNotFound || len(w.removals) == 0 {
		return false, nil
	}
	if api.ContentID != "" {
		for _, rm := range w.removals {
			if rm.contentID(len(w.recs)) == api.ContentID {
				rm.gone = true
				return true, nil
			}
		}
		return false, nil
	}
	before := map[string]bool{}
	for _, rm := range w.removals {
		if !rm.gone {
			before[rm.guid] = true
		}
	}
	if err := w.prepareMirror(ctx, false); err != nil {
		return false, err
	}
	for _, rm := range w.removals {
		if !before[rm.guid] {
			return false, nil // a new row appeared: not the 404 of a vanished one
		}
	}
	return len(w.removals) < len(before), nil
}

// queryRows returns the rows of info's table matching cols (at most 5,000,
// Dataverse's page size; a change set holds at most 1,000 operations),
// with the columns sel, numbers kept exact.
func (d *Destination) queryRows(ctx context.Context, info entityInfo, sel string, cols []mapping.Column) ([]map[string]any, error) {
	filter, err := filterExpr(cols)
	if err != nil {
		return nil, permanent("plan_invalid", err.Error())
	}
	resp, err := d.call(ctx, &request{method: http.MethodGet, idempotent: true,
		url: queryURL(d.base, info.EntitySetName, sel, filter, 5000)})
	if err != nil {
		return nil, err
	}
	var page struct {
		Value []map[string]any `json:"value"`
	}
	dec := json.NewDecoder(bytes.NewReader(resp.body))
	dec.UseNumber()
	if err := dec.Decode(&page); err != nil {
		return nil, fmt.Errorf("dynamics365: decoding %s query%s: %w", info.EntitySetName, requestIDSuffix(resp.requestID()), err)
	}
	return page.Value, nil
}

// asAPIError returns err's *APIError, if it has one.
func asAPIError(err error) (*APIError, bool) {
	var api *APIError
	ok := errors.As(err, &api)
	return api, ok
}

// isNumeric reports whether v is a non-null number or choice.
func isNumeric(v mapping.Value) bool {
	switch v.Type {
	case mapping.TypeInt, mapping.TypeDecimal, mapping.TypeMoney, mapping.TypeChoice:
		return !v.IsNull()
	}
	return false
}
