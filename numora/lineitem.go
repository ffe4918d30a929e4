package numora

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// UnmarshalJSON reads {"id": "li_1", "<name>": <value or {value, confidence}>, ...},
// keeping the names in document order. A numeric id is kept as its literal
// text; a repeated name keeps its last value and its first position.
func (li *LineItem) UnmarshalJSON(data []byte) error {
	if err := checkJSON(data); err != nil {
		return err
	}
	return li.decode(bytes.Clone(data))
}

// decode reads a line item from valid JSON that it may keep: the values are
// slices of data.
func (li *LineItem) decode(data []byte) error {
	o, isObject := newObject(data)
	if !isObject {
		return fmt.Errorf("numora: line item is not a JSON object")
	}
	out := LineItem{Fields: map[string]Field{}}
	for key, raw, ok := o.next(); ok; key, raw, ok = o.next() {
		if keyIs(key, "id") {
			id, err := lineItemID(raw)
			if err != nil {
				return err
			}
			out.ID = id
			continue
		}
		name := unquote(key)
		if _, seen := out.Fields[name]; !seen {
			out.Names = append(out.Names, name)
		}
		out.Fields[name] = decodeField(raw)
	}
	*li = out
	return nil
}

// lineItemID reads a line item's id from valid JSON: a string, a number
// (kept as its literal text) or null.
func lineItemID(raw []byte) (string, error) {
	switch c := raw[0]; {
	case c == '"':
		return unquote(raw), nil
	case c == '-' || (c >= '0' && c <= '9'):
		return string(raw), nil
	case c == 'n':
		return "", nil
	}
	return "", fmt.Errorf("numora: line item id %s is not a string or number", raw)
}

// MarshalJSON writes the id first, then the fields in Names order: a field
// without confidence as its bare value (unless that value is an object),
// others as {"value": ..., "confidence": ...}. Fields missing from Names are
// not written.
func (li LineItem) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	id, _ := json.Marshal(li.ID)
	b.WriteString(`{"id":`)
	b.Write(id)
	for _, name := range li.Names {
		f, ok := li.Fields[name]
		if !ok || name == "id" {
			continue
		}
		key, _ := json.Marshal(name)
		b.WriteByte(',')
		b.Write(key)
		b.WriteByte(':')
		v, err := fieldJSON(f)
		if err != nil {
			return nil, fmt.Errorf("numora: line item %q: %w", name, err)
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// fieldJSON writes f bare when that round-trips, else wrapped.
func fieldJSON(f Field) ([]byte, error) {
	if !f.wrapped() {
		return compact(f.value())
	}
	return json.Marshal(struct {
		Value      json.RawMessage `json:"value"`
		Confidence *float64        `json:"confidence,omitempty"`
	}{f.value(), f.Confidence})
}

// compact validates raw JSON and removes insignificant space.
func compact(raw json.RawMessage) ([]byte, error) {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
