package numora

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// resultWire decodes a Result with one validation pass: encoding/json
// checks the whole body once and decodes the small members, and the fields
// and line items, the bulk of a result, are then walked without being
// checked again. json.Unmarshal into a Result gives the same value, more
// slowly.
type resultWire struct {
	*resultPlain
	Fields    fieldsInto `json:"fields"`
	LineItems linesInto  `json:"line_items"`
}

// resultPlain is Result without methods; resultWire's own fields shadow
// its Fields and LineItems.
type resultPlain Result

// wireFor decodes into r.
func wireFor(r *Result) *resultWire {
	return &resultWire{(*resultPlain)(r), fieldsInto{&r.Fields}, linesInto{&r.LineItems}}
}

// fieldsInto decodes a result's "fields" object into *m. Only encoding/json
// calls its UnmarshalJSON, with valid JSON.
type fieldsInto struct{ m *map[string]Field }

// UnmarshalJSON reads {"<name>": <value or {value, confidence}>, ...} as
// encoding/json reads a map: null sets it to nil, members are added to what
// is there, and a repeated name keeps its last value.
func (f fieldsInto) UnmarshalJSON(data []byte) error {
	if isNull(data) {
		*f.m = nil
		return nil
	}
	data = bytes.Clone(data) // one copy that the values share
	o, ok := newObject(data)
	if !ok {
		return typeError(data, reflect.TypeFor[map[string]Field]())
	}
	if *f.m == nil {
		*f.m = make(map[string]Field)
	}
	for key, raw, ok := o.next(); ok; key, raw, ok = o.next() {
		(*f.m)[unquote(key)] = decodeField(raw)
	}
	return nil
}

// linesInto decodes a result's "line_items" array into *s. Only
// encoding/json calls its UnmarshalJSON, with valid JSON.
type linesInto struct{ s *[]LineItem }

// UnmarshalJSON reads [{line item}, ...]; null sets it to nil.
func (l linesInto) UnmarshalJSON(data []byte) error {
	if isNull(data) {
		*l.s = nil
		return nil
	}
	data = bytes.Clone(data)
	a, ok := newArray(data)
	if !ok {
		return typeError(data, reflect.TypeFor[[]LineItem]())
	}
	out := []LineItem{}
	for raw, ok := a.element(); ok; raw, ok = a.element() {
		var li LineItem
		if err := li.decode(raw); err != nil {
			return err
		}
		out = append(out, li)
	}
	*l.s = out
	return nil
}

func isNull(data []byte) bool { return string(bytes.TrimSpace(data)) == "null" }

// typeError is encoding/json's error for a value of the wrong kind.
func typeError(data []byte, t reflect.Type) error {
	kind := "number"
	switch data[0] {
	case '{':
		kind = "object"
	case '[':
		kind = "array"
	case '"':
		kind = "string"
	case 't', 'f':
		kind = "bool"
	}
	return &json.UnmarshalTypeError{Value: kind, Type: t}
}
