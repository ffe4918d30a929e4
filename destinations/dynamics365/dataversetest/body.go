package dataversetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// writeBody is a decoded, type-checked request body.
type writeBody struct {
	id     string         // primary id given in the body, or ""
	values map[string]any // attribute → stored value
	binds  []bindValue
}

// bindValue is one "<nav>@odata.bind"; url is nil to clear the lookup.
type bindValue struct {
	nav *NavProperty
	url *string
}

// systemColumns are read-only columns a body may carry; they are ignored.
var systemColumns = map[string]bool{"createdon": true, "modifiedon": true, "versionnumber": true}

// decodeBody parses and checks a create/update body against td.
func decodeBody(td *tableDef, raw []byte) (*writeBody, *response) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, payloadError(td.EntitySet, "The request body is not a valid JSON object.")
	}
	b := &writeBody{values: make(map[string]any, len(m))}
	for k, v := range m {
		if bad := b.add(td, k, v); bad != nil {
			return nil, bad
		}
	}
	return b, nil
}

func (b *writeBody) add(td *tableDef, k string, v any) *response {
	if prop, anno, ok := strings.Cut(k, "@"); ok {
		return b.addAnnotation(td, prop, anno, v)
	}
	if k == td.PrimaryID {
		s, _ := v.(string)
		id, ok := parseGUID(s)
		if !ok {
			return payloadError(td.EntitySet, fmt.Sprintf("Cannot convert the literal '%v' to the expected type 'Edm.Guid'.", v))
		}
		b.id = id
		return nil
	}
	a := td.attrs[k]
	if a == nil {
		if systemColumns[k] {
			return nil
		}
		if td.navs[k] != nil {
			return payloadError(td.EntitySet, fmt.Sprintf("Deep insert through navigation property '%s' is not supported by the emulator; use '%s@odata.bind'.", k, k))
		}
		return propertyNotFound(k, td)
	}
	val, bad := convertValue(td, a, v)
	if bad != nil {
		return bad
	}
	b.values[k] = val
	return nil
}

func (b *writeBody) addAnnotation(td *tableDef, prop, anno string, v any) *response {
	if prop == "" {
		return nil // an instance annotation such as "@odata.type"
	}
	nav := td.navs[prop]
	if anno != "odata.bind" || nav == nil {
		if anno != "odata.bind" && td.attrs[prop] != nil {
			return nil // an annotation on a declared column
		}
		return payloadError(td.EntitySet, fmt.Sprintf("An undeclared property '%s' which only has property annotations in the payload but no property value was found in the payload. In OData, only declared navigation properties and declared named streams can be represented as properties without values.", prop))
	}
	if v == nil {
		b.binds = append(b.binds, bindValue{nav: nav})
		return nil
	}
	s, ok := v.(string)
	if !ok {
		return payloadError(td.EntitySet, fmt.Sprintf("The value of the '%s@odata.bind' annotation must be a URL string.", prop))
	}
	b.binds = append(b.binds, bindValue{nav: nav, url: &s})
	return nil
}

// resolveBinds turns each bind into the lookup attribute's value: the
// referenced row's GUID, or nil.
func (s *Server) resolveBinds(x *tx, td *tableDef, b *writeBody, refs map[string]string) *response {
	for _, bv := range b.binds {
		if bv.url == nil {
			b.values[bv.nav.Attribute] = nil
			continue
		}
		id, bad := s.resolveBind(x, td, bv.nav, *bv.url, refs)
		if bad != nil {
			return bad
		}
		b.values[bv.nav.Attribute] = id
	}
	return nil
}

// resolveBind finds the row a bind URL names: "$n", "/set(key)",
// "set(key)" or an absolute service URL.
func (s *Server) resolveBind(x *tx, td *tableDef, nav *NavProperty, raw string, refs map[string]string) (string, *response) {
	path := raw
	if strings.HasPrefix(raw, "$") {
		p, bad := resolveRef(raw, refs)
		if bad != nil {
			return "", bad
		}
		path = p
	} else if rest, ok := apiPrefix(raw); ok {
		path = rest
	}
	path = strings.TrimPrefix(path, "/")
	t, bad := s.parseTarget(path)
	if bad != nil {
		return "", bad
	}
	if t.table == nil || t.key == nil || t.rest != "" {
		return "", payloadError(td.EntitySet, fmt.Sprintf("The URL '%s' in the '%s@odata.bind' annotation does not address a single record.", raw, nav.Name))
	}
	if !nav.accepts(t.table.EntitySet) {
		return "", payloadError(td.EntitySet, fmt.Sprintf("The navigation property '%s' expects a record of entity set '%s', got '%s'.",
			nav.Name, strings.Join(nav.Targets, "' or '"), t.table.EntitySet))
	}
	r := x.st.tables[t.table.EntitySet].find(t.key)
	if r == nil {
		return "", notFound(t.table, t.key)
	}
	return r.id, nil
}

// find returns the row a key addresses, or nil.
func (t *tableData) find(k *keyRef) *row {
	if k.key != nil {
		return t.byKey(k.key, k.values)
	}
	return t.rows[k.id]
}

// notFound is the 404 for a missing row.
func notFound(td *tableDef, k *keyRef) *response {
	if k.key != nil {
		return errorf(http.StatusNotFound, codeKeyNotFound, "A record with the specified key values does not exist in %s entity", td.LogicalName)
	}
	return errorf(http.StatusNotFound, "", "%s With Id = %s Does Not Exist", td.LogicalName, k.id)
}
