package dynamics365

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestObjectWriterMatchesEncodingJSON checks the direct paths of
// objectWriter.value against encoding/json without HTML escaping.
func TestObjectWriterMatchesEncodingJSON(t *testing.T) {
	values := []any{
		nil, true, false, int64(0), int64(-42), int64(9007199254740993), 3.5,
		"", "plain", "Widgets <small> & co", `quote " and \ backslash`, "line\nbreak\ttab", "ctrl \x01",
		"Café Central", "sep\u2028arator", "bad \xff utf-8", "del \x7f",
		json.Number("1234.56"), json.Number("-0.5"), json.Number("0"), json.Number("10"), json.Number("1e5"),
		json.Number("-12.3400"), json.Number(""), map[string]any{"a": 1},
	}
	for _, v := range values {
		var o objectWriter
		o.value(v)
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatalf("%#v: %v", v, err)
		}
		if got, want := o.buf.String(), string(bytes.TrimRight(b.Bytes(), "\n")); got != want || o.err != nil {
			t.Errorf("%#v: got %s (err %v), want %s", v, got, o.err, want)
		}
	}
}

func TestObjectWriterRefusesBadNumbers(t *testing.T) {
	for _, n := range []string{"01", "1.", ".5", "abc", "1-2", "--1"} {
		var o objectWriter
		o.value(json.Number(n))
		if o.err == nil {
			t.Errorf("json.Number(%q): got %s and no error, want an error", n, o.buf.String())
		}
	}
}
