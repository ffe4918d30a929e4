package dataversetest

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// write runs a POST, PATCH or DELETE on a table. With x == nil it decodes
// the body before taking the store's write lock and commits or rolls back
// itself; inside a change set the caller owns x.
func (s *Server) write(op *operation, t *target, x *tx, refs map[string]string) *response {
	var body *writeBody
	if op.method == http.MethodPost || op.method == http.MethodPatch {
		var bad *response
		if body, bad = decodeBody(t.table, op.body); bad != nil {
			return bad
		}
	}
	own := x == nil
	if own {
		x = s.store.begin()
	}
	resp := s.applyWrite(op, t, x, body, refs)
	if own {
		if resp.failed {
			x.rollback()
		} else {
			x.commit()
		}
	}
	return resp
}

func (s *Server) applyWrite(op *operation, t *target, x *tx, body *writeBody, refs map[string]string) *response {
	switch {
	case op.method == http.MethodPost && t.key == nil:
		return s.create(op, t.table, x, body, refs)
	case op.method == http.MethodPatch && t.key != nil:
		return s.upsert(op, t, x, body, refs)
	case op.method == http.MethodDelete && t.key != nil:
		return s.remove(t, x)
	}
	return methodNotAllowed(op.method)
}

func (s *Server) create(op *operation, td *tableDef, x *tx, body *writeBody, refs map[string]string) *response {
	data := x.st.tables[td.EntitySet]
	id := body.id
	if id == "" {
		id = s.ids.guid()
	} else if data.rows[id] != nil {
		return errorf(http.StatusPreconditionFailed, codeDuplicateRecord, "Cannot insert duplicate key.")
	}
	if bad := s.resolveBinds(x, td, body, refs); bad != nil {
		return bad
	}
	now := s.cfg.Now()
	v := x.nextVersion()
	r := newRow(id, body.values, v, v, now, now)
	if bad := settleStatus(td, r, body); bad != nil {
		return bad
	}
	if bad := keyConflict(data, r); bad != nil {
		return bad
	}
	x.put(data, s.lean(op, td, r))
	if op.prefer.representation {
		return s.representation(op, td, r, http.StatusCreated)
	}
	return s.noContent(td, r, s.entityURL(td, id))
}

// upsert is PATCH to a GUID or alternate-key URL (dataverse.md §2 table).
func (s *Server) upsert(op *operation, t *target, x *tx, body *writeBody, refs map[string]string) *response {
	td, data := t.table, x.st.tables[t.table.EntitySet]
	existing := data.find(t.key)
	ifMatch, ifNoneMatch := op.header.Get("If-Match"), op.header.Get("If-None-Match")
	if existing == nil && ifMatch != "" {
		return notFound(td, t.key)
	}
	if existing != nil && ifNoneMatch == "*" {
		return errorf(http.StatusPreconditionFailed, "", "A record with matching key values already exists.")
	}
	if existing != nil && td.OptimisticConcurrency && ifMatch != "" && ifMatch != "*" && ifMatch != etag(existing) {
		return errorf(http.StatusPreconditionFailed, "", "The version of the existing record doesn't match the RowVersion property provided.")
	}
	if bad := s.resolveBinds(x, td, body, refs); bad != nil {
		return bad
	}
	r := s.upsertRow(x, t.key, existing, body)
	if bad := settleStatus(td, r, body); bad != nil {
		return bad
	}
	if bad := keyConflict(data, r); bad != nil {
		return bad
	}
	x.put(data, s.lean(op, td, r))
	if op.prefer.representation {
		status := http.StatusOK
		if existing == nil {
			status = http.StatusCreated
		}
		return s.representation(op, td, r, status)
	}
	entityID := s.entityURL(td, r.id)
	if t.key.key != nil {
		entityID = s.serviceRoot() + td.EntitySet + "(" + escapeKey(t.key.text) + ")"
	}
	resp := s.noContent(td, r, entityID)
	resp.entityURL = s.entityURL(td, r.id)
	return resp
}

// upsertRow builds the row an upsert stores: on create the key values
// from the URL, then the body (the body wins); on update the existing
// values, then the body without the key columns (they are stripped).
func (s *Server) upsertRow(x *tx, k *keyRef, existing *row, body *writeBody) *row {
	now := s.cfg.Now()
	if existing == nil {
		id := k.id
		if id == "" {
			id = body.id
		}
		if id == "" {
			id = s.ids.guid()
		}
		values := maps.Clone(k.values)
		if values == nil {
			values = map[string]any{}
		}
		maps.Copy(values, body.values)
		v := x.nextVersion()
		return newRow(id, values, v, v, now, now)
	}
	values := existing.values.toMap()
	for name, v := range body.values {
		if k.key != nil && containsString(k.key.Attributes, name) {
			continue
		}
		values[name] = v
	}
	r := newRow(existing.id, values, x.nextVersion(), existing.born, now, now)
	r.created = existing.created
	return r
}

func (s *Server) remove(t *target, x *tx) *response {
	data := x.st.tables[t.table.EntitySet]
	r := data.find(t.key)
	if r == nil {
		return notFound(t.table, t.key)
	}
	x.remove(data, r.id)
	return &response{status: http.StatusNoContent, header: http.Header{}}
}

// lean drops every value but alternate-key columns and lookups when
// Config.LeanRows is set; the response still shows the full row. Rows
// stored with Seed stay whole: they are the reference data lookups filter.
func (s *Server) lean(op *operation, td *tableDef, r *row) *row {
	if !s.cfg.LeanRows || op.seeded {
		return r
	}
	kept := make(fields, 0, 2)
	for _, f := range r.values {
		if td.lookup[f.name] != nil || td.isKeyColumn(f.name) {
			kept = append(kept, f)
		}
	}
	c := *r
	c.values = slices.Clip(kept)
	return &c
}

// keyConflict is the 412 for a row whose alternate-key values another row
// already uses.
func keyConflict(data *tableData, r *row) *response {
	k := data.conflict(r)
	if k == nil {
		return nil
	}
	return errorf(http.StatusPreconditionFailed, codeDuplicateKey,
		"A record that has the attribute values %s already exists. The entity key %s requires that this set of attributes contains unique values. Select unique values and try again.",
		strings.Join(k.Attributes, ", "), k.Name)
}

// noContent is the 204 of a write without return=representation.
func (s *Server) noContent(td *tableDef, r *row, entityID string) *response {
	h := http.Header{}
	h.Set("OData-EntityId", entityID)
	h.Set("ETag", etag(r))
	return &response{status: http.StatusNoContent, header: h, entityURL: s.entityURL(td, r.id)}
}

// representation is the 201/200 body of a write with return=representation.
func (s *Server) representation(op *operation, td *tableDef, r *row, status int) *response {
	sel, bad := parseSelect(td, op.query.Get("$select"))
	if bad != nil {
		return bad
	}
	body := s.rowJSON(td, r, sel, op.prefer.annotations)
	body["@odata.context"] = s.serviceRoot() + "$metadata#" + td.EntitySet + selectContext(sel) + "/$entity"
	resp := jsonResponse(status, body)
	resp.header.Set("Preference-Applied", "return=representation")
	resp.header.Set("ETag", etag(r))
	resp.entityURL = s.entityURL(td, r.id)
	return resp
}

func etag(r *row) string { return fmt.Sprintf(`W/"%d"`, r.version) }

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// escapeKey percent-encodes a key predicate for a URL, keeping the OData
// punctuation (quotes, commas, equals) readable.
func escapeKey(s string) string {
	const keep = "-._~'(),=!$;@:"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
