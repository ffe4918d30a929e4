package numora

import (
	"bytes"
	"encoding/json"
)

// UnmarshalJSON reads a field either in its documented form
// {"value": ..., "confidence": ...} or as a bare JSON value. An object is
// read as the documented form when it has a "value" key; any other JSON
// (including objects without "value") becomes Value as is, with no
// confidence.
func (f *Field) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '{' {
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(data, &keys); err != nil {
			return err
		}
		if v, ok := keys["value"]; ok {
			*f = Field{Value: v, Confidence: confidence(keys["confidence"])}
			return nil
		}
	}
	*f = Field{Value: append(json.RawMessage(nil), data...)}
	return nil
}

// confidence reads a confidence value; anything but a JSON number is
// treated as absent, since confidence is advisory.
func confidence(raw json.RawMessage) *float64 {
	var c float64
	if len(raw) == 0 || json.Unmarshal(raw, &c) != nil {
		return nil
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
