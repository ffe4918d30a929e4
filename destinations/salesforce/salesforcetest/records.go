package salesforcetest

import (
	"encoding/json"
	"maps"
	"net/http"
)

// Insert creates a record of object with fields (values as JSON would
// decode them: strings, float64, bool) and returns its id; it panics on an
// unknown object. Validation is skipped: tests seed what they need.
func (s *Server) Insert(object string, fields map[string]any) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.object(object)
	if o == nil {
		panic("salesforcetest: no object " + object)
	}
	return s.st.insert(o, maps.Clone(fields))
}

// Records returns copies of object's records in creation order.
func (s *Server) Records(object string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.object(object)
	if o == nil {
		return nil
	}
	var out []map[string]any
	for _, id := range s.st.order[o.Name] {
		out = append(out, maps.Clone(s.st.rows[o.Name][id]))
	}
	return out
}

// Record returns a copy of the record with id, or nil.
func (s *Server) Record(id string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _, r := s.st.byID(id)
	return maps.Clone(r)
}

// Delete removes the record with id (a person deleting it in the UI).
func (s *Server) Delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, rid, _ := s.st.byID(id); o != nil {
		s.st.delete(o, rid)
	}
}

// describe is the sObject describe answer.
func describe(o *Object) map[string]any {
	fields := make([]map[string]any, 0, len(o.Fields))
	for _, f := range o.Fields {
		pv := []map[string]any{}
		for _, v := range f.Picklist {
			pv = append(pv, map[string]any{"value": v, "label": v, "active": true, "defaultValue": false})
		}
		refTo := []string{}
		if f.ReferenceTo != "" {
			refTo = append(refTo, f.ReferenceTo)
		}
		var rel any
		if f.RelationshipName != "" {
			rel = f.RelationshipName
		}
		fields = append(fields, map[string]any{"name": f.Name, "type": f.Type, "length": f.Length,
			"nillable": f.Nillable, "createable": f.Createable, "updateable": f.Updateable,
			"externalId": f.ExternalID, "unique": f.Unique, "idLookup": f.ExternalID || f.Type == TypeID,
			"picklistValues": pv, "restrictedPicklist": f.Restricted, "referenceTo": refTo, "relationshipName": rel})
	}
	return map[string]any{"name": o.Name, "keyPrefix": o.KeyPrefix, "custom": len(o.Name) > 3 && o.Name[len(o.Name)-3:] == "__c",
		"createable": true, "updateable": true, "deletable": true, "fields": fields, "childRelationships": []any{}}
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
