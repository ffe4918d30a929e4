package mapping

import (
	"bytes"
	"encoding/json"
)

// JSON returns the plan's stable JSON form (render --format json): fields
// in declaration order, two-space indent, no HTML escaping, a final
// newline. Equal plans give equal bytes.
func (p *Plan) JSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
