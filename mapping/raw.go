package mapping

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// rawKind classifies a source value before conversion.
type rawKind uint8

const (
	rawMissing rawKind = iota // no such field
	rawNull                   // JSON null
	rawString                 // s is the text
	rawNumber                 // s is the JSON number text
	rawBool                   // s is "true" or "false"
	rawOther                  // an object, list or time: v holds it
)

// raw is a source value as read from the result, before conversion.
type raw struct {
	kind rawKind
	s    string
	v    any
	// conf is the value's confidence, when Numora sent one.
	conf *float64
}

// empty reports whether the value counts as absent: missing, null, or
// blank text.
func (r raw) empty() bool {
	switch r.kind {
	case rawMissing, rawNull:
		return true
	case rawString:
		return strings.TrimSpace(r.s) == ""
	case rawOther:
		switch v := r.v.(type) {
		case []any:
			return len(v) == 0
		case map[string]any:
			return len(v) == 0
		}
	}
	return false
}

// rawFromJSON classifies a JSON value without reflection for scalars.
func rawFromJSON(b json.RawMessage) raw {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return raw{kind: rawMissing}
	}
	switch b[0] {
	case '"':
		if len(b) >= 2 && b[len(b)-1] == '"' && bytes.IndexByte(b, '\\') < 0 {
			return raw{kind: rawString, s: string(b[1 : len(b)-1])}
		}
		var s string
		if json.Unmarshal(b, &s) != nil {
			return raw{kind: rawOther, v: string(b)}
		}
		return raw{kind: rawString, s: s}
	case 'n':
		return raw{kind: rawNull}
	case 't', 'f':
		return raw{kind: rawBool, s: string(b)}
	case '{', '[':
		return rawFromAny(decodeJSON(b))
	default:
		return raw{kind: rawNumber, s: string(b)}
	}
}

// decodeJSON decodes b keeping numbers exact; invalid JSON yields nil.
func decodeJSON(b []byte) any {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return nil
	}
	return v
}

// rawFromAny classifies a decoded JSON value or an expression result.
func rawFromAny(v any) raw {
	switch v := v.(type) {
	case nil:
		return raw{kind: rawNull}
	case string:
		return raw{kind: rawString, s: v}
	case json.Number:
		return raw{kind: rawNumber, s: string(v)}
	case float64:
		return raw{kind: rawNumber, s: strconv.FormatFloat(v, 'f', -1, 64)}
	case float32:
		return raw{kind: rawNumber, s: strconv.FormatFloat(float64(v), 'f', -1, 32)}
	case int:
		return raw{kind: rawNumber, s: strconv.Itoa(v)}
	case int64:
		return raw{kind: rawNumber, s: strconv.FormatInt(v, 10)}
	case bool:
		return raw{kind: rawBool, s: strconv.FormatBool(v)}
	case time.Time:
		return raw{kind: rawOther, v: v}
	default:
		return raw{kind: rawOther, v: v}
	}
}

// descend walks path into a decoded JSON value (objects by key, lists by
// index); nil when absent.
func descend(v any, path []string) any {
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// describeRaw names a value in messages, shortened.
func describeRaw(r raw) string {
	switch r.kind {
	case rawMissing:
		return "nothing"
	case rawNull:
		return "null"
	case rawString:
		return strconv.Quote(shorten(r.s))
	case rawNumber, rawBool:
		return r.s
	}
	switch r.v.(type) {
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	case time.Time:
		return "a time"
	}
	return "a value"
}

// shorten cuts s to at most 60 runes for messages.
func shorten(s string) string {
	const limit = 60
	n := 0
	for i := range s {
		if n == limit {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
