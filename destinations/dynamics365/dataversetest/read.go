package dataversetest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxPageSize is the most rows one collection GET returns.
const maxPageSize = 5000

// selection is a parsed $select: attribute names (lookups as
// "_x_value"), or nil for all columns.
type selection []string

// parseSelect checks $select names against td.
func parseSelect(td *tableDef, raw string) (selection, *response) {
	if raw == "" {
		return nil, nil
	}
	var sel selection
	for _, name := range strings.Split(raw, ",") {
		name = strings.TrimSpace(name)
		switch {
		case name == td.PrimaryID || td.attrs[name] != nil || systemColumns[name]:
		case td.lookup[lookupKeyName(name)] != nil:
			name = "_" + lookupKeyName(name) + "_value"
		default:
			return nil, propertyNotFound(name, td)
		}
		sel = append(sel, name)
	}
	return sel, nil
}

func selectContext(sel selection) string {
	if sel == nil {
		return ""
	}
	return "(" + strings.Join(sel, ",") + ")"
}

// rowJSON renders a row as Dataverse returns it: @odata.etag, the primary
// id, columns (null when unset), lookups as _x_value.
func (s *Server) rowJSON(td *tableDef, r *row, sel selection, annotations bool) map[string]any {
	m := map[string]any{"@odata.etag": etag(r), td.PrimaryID: r.id}
	put := func(name string) {
		switch {
		case name == "createdon":
			m[name] = time.Unix(0, r.created).UTC().Format(time.RFC3339)
		case name == "modifiedon":
			m[name] = time.Unix(0, r.modified).UTC().Format(time.RFC3339)
		case name == "versionnumber":
			m[name] = r.version
		case strings.HasPrefix(name, "_") && td.lookup[lookupKeyName(name)] != nil:
			m[name] = r.values.get(lookupKeyName(name))
		case td.attrs[name] != nil:
			a := td.attrs[name]
			v := r.values.get(name)
			m[name] = outputValue(a, v)
			if annotations {
				addFormatted(m, td, a, v)
			}
		}
	}
	if sel != nil {
		for _, name := range sel {
			put(name)
		}
		return m
	}
	for _, a := range td.Attributes {
		put(a.Name)
	}
	for _, n := range td.Navigation {
		put("_" + n.Attribute + "_value")
	}
	put("createdon")
	put("modifiedon")
	put("versionnumber")
	return m
}

// addFormatted adds the FormattedValue annotation of choices and booleans.
func addFormatted(m map[string]any, td *tableDef, a *Attribute, v any) {
	const anno = "@OData.Community.Display.V1.FormattedValue"
	switch x := v.(type) {
	case int64:
		if label, ok := td.opts[a.Name][x]; ok {
			m[a.Name+anno] = label
		}
	case bool:
		m[a.Name+anno] = map[bool]string{true: "Yes", false: "No"}[x]
	}
}

// read serves GET on a table: one row by key, or a filtered collection.
func (s *Server) read(op *operation, t *target) *response {
	td := t.table
	sel, bad := parseSelect(td, op.query.Get("$select"))
	if bad != nil {
		return bad
	}
	if bad := checkQueryOptions(op, td); bad != nil {
		return bad
	}
	if t.key != nil {
		return s.readOne(op, t, sel)
	}
	f, bad := parseFilter(op.query.Get("$filter"), tableFields(td))
	if bad != nil {
		return bad
	}
	top := maxPageSize
	if v := op.query.Get("$top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errorf(http.StatusBadRequest, "0x0", "Invalid value '%s' for $top query option found.", v)
		}
		top = min(n, maxPageSize)
	}
	rows := s.query(td, f, top)
	value := make([]map[string]any, len(rows))
	for i, r := range rows {
		value[i] = s.rowJSON(td, r, sel, op.prefer.annotations)
	}
	return jsonResponse(http.StatusOK, map[string]any{
		"@odata.context": s.serviceRoot() + "$metadata#" + td.EntitySet + selectContext(sel),
		"value":          value,
	})
}

func (s *Server) readOne(op *operation, t *target, sel selection) *response {
	s.store.mu.RLock()
	r := s.store.tables[t.table.EntitySet].find(t.key)
	s.store.mu.RUnlock()
	if r == nil {
		return notFound(t.table, t.key)
	}
	body := s.rowJSON(t.table, r, sel, op.prefer.annotations)
	body["@odata.context"] = s.serviceRoot() + "$metadata#" + t.table.EntitySet + selectContext(sel) + "/$entity"
	resp := jsonResponse(http.StatusOK, body)
	resp.header.Set("ETag", etag(r))
	return resp
}

// query returns up to top rows matching f, oldest first.
func (s *Server) query(td *tableDef, f filterExpr, top int) []*row {
	s.store.mu.RLock()
	data := s.store.tables[td.EntitySet]
	var out []*row
	for _, r := range data.rows {
		if f == nil || f.match(rowGetter(td, r)) {
			out = append(out, r)
		}
	}
	s.store.mu.RUnlock()
	slices.SortFunc(out, func(a, b *row) int { return compareInt(a.born, b.born) })
	if len(out) > top {
		out = out[:top]
	}
	return out
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// rowGetter reads a row's values by filter field name.
func rowGetter(td *tableDef, r *row) func(string) any {
	return func(name string) any {
		if name == td.PrimaryID {
			return r.id
		}
		return r.values.get(lookupKeyName(name))
	}
}

// checkQueryOptions refuses system query options the emulator does not
// implement, so a client never silently gets unfiltered data.
func checkQueryOptions(op *operation, td *tableDef) *response {
	for name := range op.query {
		switch name {
		case "$select", "$filter", "$top":
		default:
			if strings.HasPrefix(name, "$") {
				return errorf(http.StatusBadRequest, "0x0", "The query option '%s' is not supported by the Dataverse emulator for '%s'.", name, td.EntitySet)
			}
		}
	}
	return nil
}
