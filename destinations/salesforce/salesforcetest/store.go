package salesforcetest

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
)

// row is one record: field name (as the model spells it) to value.
type row map[string]any

// store holds the org's records. It is guarded by the Server's mutex.
type store struct {
	objects map[string]*Object // by lowercase name
	rows    map[string]map[string]row
	order   map[string][]string // ids in creation order, per object
	seq     int
}

func newStore(model []Object) *store {
	st := &store{objects: map[string]*Object{}, rows: map[string]map[string]row{}, order: map[string][]string{}}
	for i := range model {
		o := model[i]
		st.objects[strings.ToLower(o.Name)] = &o
		st.rows[o.Name] = map[string]row{}
	}
	return st
}

func (st *store) object(name string) *Object { return st.objects[strings.ToLower(name)] }

// snapshot copies the records, for an all-or-none rollback.
func (st *store) snapshot() *store {
	c := &store{objects: st.objects, rows: map[string]map[string]row{}, order: map[string][]string{}, seq: st.seq}
	for o, rs := range st.rows {
		c.rows[o] = map[string]row{}
		for id, r := range rs {
			c.rows[o][id] = maps.Clone(r)
		}
		c.order[o] = append([]string(nil), st.order[o]...)
	}
	return c
}

// restore puts a snapshot back (ids are not reused, as in Salesforce).
func (st *store) restore(s *store) {
	st.rows, st.order = s.rows, s.order
}

func (st *store) newID(o *Object) string {
	st.seq++
	return fmt.Sprintf("%s%s%09dAAA", o.KeyPrefix, "000", st.seq)
}

// find returns the ids of o's records whose field equals v (strings
// compare case-insensitively, as external IDs do).
func (st *store) find(o *Object, field string, v any) []string {
	var ids []string
	for _, id := range st.order[o.Name] {
		r, ok := st.rows[o.Name][id]
		if ok && sameValue(r[field], v) {
			ids = append(ids, id)
		}
	}
	return ids
}

func sameValue(a, b any) bool {
	as, aok := a.(string)
	bs, bok := b.(string)
	if aok && bok {
		return strings.EqualFold(as, bs)
	}
	return fmt.Sprint(a) == fmt.Sprint(b) && a != nil
}

// byID returns the object and record with id (15 or 18 characters).
func (st *store) byID(id string) (*Object, string, row) {
	for o, rs := range st.rows {
		for rid, r := range rs {
			if rid == id || (len(id) == 15 && rid[:15] == id) {
				return st.object(o), rid, r
			}
		}
	}
	return nil, "", nil
}

func (st *store) insert(o *Object, r row) string {
	id := st.newID(o)
	r["Id"] = id
	st.rows[o.Name][id] = r
	st.order[o.Name] = append(st.order[o.Name], id)
	return id
}

func (st *store) delete(o *Object, id string) {
	delete(st.rows[o.Name], id)
	ids := st.order[o.Name]
	for i, x := range ids {
		if x == id {
			st.order[o.Name] = append(ids[:i:i], ids[i+1:]...)
			break
		}
	}
}

// write validates body for a create (existing nil) or an update of
// existing, and applies it. keyField is the external ID the upsert named,
// which the body must not hold.
func (st *store) write(o *Object, existing row, keyField string, body map[string]json.RawMessage) (row, *apiError) {
	vals := row{}
	for name, raw := range body {
		if name == "attributes" {
			continue
		}
		if err := st.setValue(o, existing == nil, keyField, name, raw, vals); err != nil {
			return nil, err
		}
	}
	if existing == nil {
		if err := requiredMissing(o, vals); err != nil {
			return nil, err
		}
	}
	if err := st.checkUnique(o, existing, vals); err != nil {
		return nil, err
	}
	if existing == nil {
		return vals, nil
	}
	maps.Copy(existing, vals)
	return existing, nil
}

func (st *store) setValue(o *Object, create bool, keyField, name string, raw json.RawMessage, vals row) *apiError {
	if rel := o.relationship(name); rel != nil {
		if err := checkAccess(rel, create); err != nil {
			return err
		}
		id, err := st.foreignKey(o, rel, raw)
		if err != nil {
			return err
		}
		vals[rel.Name] = id
		return nil
	}
	f := o.field(name)
	if f == nil {
		return badField(fmt.Sprintf("No such column '%s' on sobject of type %s", name, o.Name), name)
	}
	if f.Type == TypeID || strings.EqualFold(f.Name, keyField) {
		return badField(fmt.Sprintf("%s: the upsert's record id or external ID field may not be in the body", f.Name), f.Name)
	}
	if err := checkAccess(f, create); err != nil {
		return err
	}
	v, err := st.convert(o, f, raw)
	if err != nil {
		return err
	}
	vals[f.Name] = v
	return nil
}

func checkAccess(f *Field, create bool) *apiError {
	if (create && !f.Createable) || (!create && !f.Updateable) {
		return &apiError{Status: 400, Code: "INVALID_FIELD_FOR_INSERT_UPDATE", Fields: []string{f.Name},
			Message: fmt.Sprintf("Unable to create/update fields: %s. Please check the security settings of this field and verify that it is read/write for your profile or permission set.", f.Name)}
	}
	return nil
}

// foreignKey resolves {"Tax_Id__c": "DE123"} on relationship rel to the
// id of the one parent holding that external ID.
func (st *store) foreignKey(o *Object, rel *Field, raw json.RawMessage) (any, *apiError) {
	if string(raw) == "null" {
		return nil, nil
	}
	var ref map[string]json.RawMessage
	if err := json.Unmarshal(raw, &ref); err != nil {
		return nil, jsonError(err)
	}
	parent := st.object(rel.ReferenceTo)
	if len(ref) != 1 {
		return nil, badField("More than 1 field provided in an external foreign key reference in entity: "+parent.Name, rel.RelationshipName)
	}
	for name, rv := range ref {
		pf := parent.field(name)
		if pf == nil || !pf.ExternalID {
			return nil, badField(fmt.Sprintf("Field %s on %s is not an external ID field", name, parent.Name), rel.RelationshipName)
		}
		var v any
		if err := json.Unmarshal(rv, &v); err != nil {
			return nil, jsonError(err)
		}
		ids := st.find(parent, pf.Name, v)
		switch {
		case len(ids) == 0:
			return nil, &apiError{Status: 400, Code: "INVALID_FIELD", Fields: []string{rel.RelationshipName},
				Message: fmt.Sprintf("Foreign key external ID: %v not found for field %s in entity %s", v, pf.Name, parent.Name)}
		case len(ids) > 1:
			return nil, &apiError{Status: 400, Code: "DUPLICATE_EXTERNAL_ID", Fields: []string{rel.RelationshipName},
				Message: fmt.Sprintf("Foreign key external ID: %v: more than one record found for external id field: [%s]", v, strings.Join(ids, ", "))}
		}
		return ids[0], nil
	}
	return nil, nil
}

func requiredMissing(o *Object, vals row) *apiError {
	for _, f := range o.Fields {
		if !f.Nillable && f.Createable && vals[f.Name] == nil {
			return &apiError{Status: 400, Code: "REQUIRED_FIELD_MISSING", Fields: []string{f.Name},
				Message: "Required fields are missing: [" + f.Name + "]"}
		}
	}
	return nil
}

func (st *store) checkUnique(o *Object, existing row, vals row) *apiError {
	for _, f := range o.Fields {
		v, set := vals[f.Name]
		if !f.Unique || f.Type == TypeID || !set || v == nil {
			continue
		}
		for _, id := range st.find(o, f.Name, v) {
			if existing == nil || existing["Id"] != id {
				return &apiError{Status: 400, Code: "DUPLICATE_VALUE", Fields: []string{f.Name},
					Message: fmt.Sprintf("duplicate value found: %s duplicates value on record with id: %s", f.Name, id)}
			}
		}
	}
	return nil
}
