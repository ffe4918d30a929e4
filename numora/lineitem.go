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
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("numora: line item is not a JSON object")
	}
	out := LineItem{Fields: map[string]Field{}}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("numora: line item: %w", err)
		}
		name, _ := tok.(string) // object keys are always strings
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("numora: line item %q: %w", name, err)
		}
		if name == "id" {
			if out.ID, err = lineItemID(raw); err != nil {
				return err
			}
			continue
		}
		var f Field
		if err := f.UnmarshalJSON(raw); err != nil {
			return fmt.Errorf("numora: line item %q: %w", name, err)
		}
		if _, seen := out.Fields[name]; !seen {
			out.Names = append(out.Names, name)
		}
		out.Fields[name] = f
	}
	*li = out
	return nil
}

// lineItemID reads a line item's id: a string, a number (kept as its
// literal text) or null.
func lineItemID(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), nil
	}
	if string(bytes.TrimSpace(raw)) == "null" {
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
