package mapping

import (
	"bytes"
	"encoding/json"
)

// valueJSON is a Value's JSON form (render --format json): the type, the
// value (numbers exact, a datetime in UTC, a choice's label, a
// multi-choice's labels), a datetime's wall-clock time, and the values the
// rules declared for the chosen options.
type valueJSON struct {
	Type    Type    `json:"type"`
	Value   any     `json:"value"`
	Local   string  `json:"local,omitempty"`
	Option  *int64  `json:"option,omitempty"`
	Options []int64 `json:"options,omitempty"`
}

// MarshalJSON writes the value's JSON form.
func (v Value) MarshalJSON() ([]byte, error) {
	out := valueJSON{Type: v.Type}
	if v.set {
		out.Value = v.jsonValue(&out)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func (v Value) jsonValue(out *valueJSON) any {
	switch v.Type {
	case TypeInt:
		return v.num
	case TypeBool:
		return v.flag
	case TypeDecimal, TypeMoney:
		return json.Number(v.text)
	case TypeDateTime:
		out.Local = v.WallClock()
		return v.Text()
	case TypeChoice:
		out.Option = &v.opts[0].Value
		return v.opts[0].Label
	case TypeMultiChoice:
		labels := make([]string, len(v.opts))
		for i, o := range v.opts {
			labels[i] = o.Label
			out.Options = append(out.Options, o.Value)
		}
		return labels
	}
	return v.text
}
