package dataversetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Seed stores a row in entitySet without going through HTTP (no token,
// limits, latency or faults) and returns its GUID. row uses the Web API's
// JSON shapes: column values, the primary id (optional: an existing row
// with that id is updated), "<nav>@odata.bind" references; a lookup may
// also be given by its attribute name or "_<attribute>_value" with a GUID.
// Seed panics on a row the Web API would refuse; use SeedErr to get the
// error instead.
func (s *Server) Seed(entitySet string, row map[string]any) string {
	id, err := s.SeedErr(entitySet, row)
	if err != nil {
		panic(err)
	}
	return id
}

// SeedErr is Seed returning the refusal as an error.
func (s *Server) SeedErr(entitySet string, row map[string]any) (string, error) {
	td := s.schema.bySet[entitySet]
	if td == nil {
		return "", fmt.Errorf("dataversetest: seed: unknown entity set %q", entitySet)
	}
	raw, err := json.Marshal(seedBody(td, row))
	if err != nil {
		return "", fmt.Errorf("dataversetest: seed %s: %w", entitySet, err)
	}
	body, bad := decodeBody(td, raw)
	if bad != nil {
		return "", fmt.Errorf("dataversetest: seed %s: %s", entitySet, bad.body)
	}
	op := &operation{method: http.MethodPost, header: http.Header{}, seeded: true}
	t := &target{table: td}
	if body.id != "" {
		op.method, t.key = http.MethodPatch, &keyRef{id: body.id, text: body.id}
	}
	x := s.store.begin()
	resp := s.applyWrite(op, t, x, body, nil)
	if resp.failed {
		x.rollback()
		return "", fmt.Errorf("dataversetest: seed %s: %s", entitySet, resp.body)
	}
	x.commit()
	_, id, _ := strings.Cut(strings.TrimSuffix(resp.entityURL, ")"), "(")
	return id, nil
}

// seedBody rewrites lookups given as attribute or _x_value into binds.
func seedBody(td *tableDef, row map[string]any) map[string]any {
	out := make(map[string]any, len(row))
	for k, v := range row {
		if nav := td.lookup[lookupKeyName(k)]; nav != nil && td.attrs[k] == nil {
			if v == nil {
				out[nav.Name+"@odata.bind"] = nil
			} else {
				out[nav.Name+"@odata.bind"] = fmt.Sprintf("/%s(%v)", nav.Target, v)
			}
			continue
		}
		out[k] = v
	}
	return out
}

// Rows returns copies of entitySet's rows in creation order. Each map has
// the primary id, the stored column values (string, int64, json.Number,
// bool or nil) and lookups under their attribute name (a GUID string).
// It returns nil for an unknown entity set.
func (s *Server) Rows(entitySet string) []map[string]any {
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	data := s.store.tables[entitySet]
	if data == nil {
		return nil
	}
	rows := make([]*row, 0, len(data.rows))
	for _, r := range data.rows {
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b *row) int { return compareInt(a.born, b.born) })
	out := make([]map[string]any, len(rows))
	for i, r := range rows {
		out[i] = copyRow(data.def, r)
	}
	return out
}

// Row returns a copy of one row by GUID (any case).
func (s *Server) Row(entitySet, id string) (map[string]any, bool) {
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	data := s.store.tables[entitySet]
	if data == nil {
		return nil, false
	}
	r := data.rows[strings.ToLower(id)]
	if r == nil {
		return nil, false
	}
	return copyRow(data.def, r), true
}

// Count returns the number of rows in entitySet.
func (s *Server) Count(entitySet string) int {
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	if data := s.store.tables[entitySet]; data != nil {
		return len(data.rows)
	}
	return 0
}

// Requests returns the logged requests, oldest first (at most
// Config.RequestLog of the most recent).
func (s *Server) Requests() []Request { return s.log.list() }

// Stats returns the counters.
func (s *Server) Stats() Stats {
	st := s.log.snapshot()
	st.TokenRequests = s.tokens.requests.Load()
	return st
}

// TokenRequests returns how many token requests the token service got.
func (s *Server) TokenRequests() int { return int(s.tokens.requests.Load()) }

// ResetCounters clears the request log and every counter.
func (s *Server) ResetCounters() {
	s.log.reset()
	s.tokens.requests.Store(0)
}

// Reset clears the counters, the request log, the limit windows, the
// fault rules, the down switch, and all rows, then reseeds the model's
// rows. Issued tokens stay valid.
func (s *Server) Reset() {
	s.ResetCounters()
	s.limits.reset()
	s.faults.clear()
	s.down.Store(false)
	s.store.mu.Lock()
	fresh := newStore(s.schema)
	s.store.tables, s.store.version = fresh.tables, 0
	s.store.mu.Unlock()
	_ = s.seedModel()
}
