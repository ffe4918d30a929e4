package numora

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// UnmarshalJSON reads a field either in its documented form
// {"value": ..., "confidence": ...} or as a bare JSON value. An object is
// read as the documented form when it has a "value" key; any other JSON
// (including objects without "value") becomes Value as is, with no
// confidence.
func (f *Field) UnmarshalJSON(data []byte) error {
	if err := checkJSON(data); err != nil {
		return err
	}
	*f = decodeField(bytes.Clone(bytes.TrimSpace(data)))
	return nil
}

// checkJSON returns encoding/json's syntax error for data, or nil: the
// walk over an object's members trusts that it is valid.
func checkJSON(data []byte) error {
	if json.Valid(data) {
		return nil
	}
	var v any
	return fmt.Errorf("numora: %w", json.Unmarshal(data, &v))
}

// decodeField reads a field from valid JSON that it may keep: Value is a
// slice of data.
func decodeField(data []byte) Field {
	o, isObject := newObject(data)
	if !isObject {
		return Field{Value: data}
	}
	var value, conf []byte
	for key, raw, ok := o.next(); ok; key, raw, ok = o.next() {
		switch {
		case keyIs(key, "value"):
			value = raw
		case keyIs(key, "confidence"):
			conf = raw
		}
	}
	if value == nil {
		return Field{Value: data}
	}
	return Field{Value: value, Confidence: confidence(conf)}
}

// confidence reads a confidence value; anything but a JSON number is
// treated as absent, since confidence is advisory.
func confidence(raw []byte) *float64 {
	if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return nil
	}
	c, err := strconv.ParseFloat(string(raw), 64) // a JSON number: ParseFloat's syntax
	if err != nil {
		return nil // out of range, as encoding/json refuses it
	}
	return &c
}

// wrapped reports whether f must be written as {"value": ..., ...} to
// round-trip: it has a confidence, or its bare value is an object that
// would otherwise be mistaken for the wrapped form.
func (f Field) wrapped() bool {
	v := bytes.TrimSpace(f.Value)
	return f.Confidence != nil || (len(v) > 0 && v[0] == '{')
}

// value returns f.Value, or JSON null when it is empty.
func (f Field) value() json.RawMessage {
	if len(bytes.TrimSpace(f.Value)) == 0 {
		return json.RawMessage("null")
	}
	return f.Value
}
