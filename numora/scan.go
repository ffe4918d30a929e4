package numora

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// walker walks the members of a JSON object or the elements of an array
// that is already known to be valid (json.Valid, or encoding/json's own
// check before it calls an Unmarshaler), without decoding the values:
// results carry dozens of {value, confidence} pairs, and decoding each
// through encoding/json again costs a validation pass and a map per field.
type walker struct {
	data []byte
	pos  int
}

// newObject starts walking an object's members; ok is false when data is
// not an object.
func newObject(data []byte) (w walker, ok bool) { return open(data, '{') }

// newArray starts walking an array's elements; ok is false when data is
// not an array.
func newArray(data []byte) (w walker, ok bool) { return open(data, '[') }

func open(data []byte, delim byte) (walker, bool) {
	w := walker{data: data}
	w.space()
	if w.pos >= len(w.data) || w.data[w.pos] != delim {
		return w, false
	}
	w.pos++
	return w, true
}

// next returns the next member's key (still quoted and escaped) and its raw
// value, or ok false after the last member.
func (o *walker) next() (key, value []byte, ok bool) {
	if !o.more() || o.data[o.pos] != '"' {
		return nil, nil, false
	}
	start := o.pos
	o.skipString()
	key = o.data[start:o.pos]
	o.space()
	o.pos++ // the colon
	return key, o.value(), true
}

// element returns the next element of an array, or ok false after the
// last.
func (o *walker) element() (value []byte, ok bool) {
	if !o.more() || o.data[o.pos] == ']' {
		return nil, false
	}
	return o.value(), true
}

// more moves past a separating comma and reports whether anything is left.
func (o *walker) more() bool {
	o.space()
	if o.pos < len(o.data) && o.data[o.pos] == ',' {
		o.pos++
		o.space()
	}
	return o.pos < len(o.data)
}

// value returns the value that starts after any space at o.pos.
func (o *walker) value() []byte {
	o.space()
	start := o.pos
	o.skipValue()
	return o.data[start:o.pos]
}

func (o *walker) space() {
	for o.pos < len(o.data) {
		switch o.data[o.pos] {
		case ' ', '\t', '\n', '\r':
			o.pos++
		default:
			return
		}
	}
}

// skipString moves past the string that starts at o.pos.
func (o *walker) skipString() {
	for o.pos++; o.pos < len(o.data); o.pos++ {
		switch o.data[o.pos] {
		case '\\':
			o.pos++
		case '"':
			o.pos++
			return
		}
	}
}

// skipValue moves past the value that starts at o.pos.
func (o *walker) skipValue() {
	depth := 0
	for o.pos < len(o.data) {
		switch c := o.data[o.pos]; c {
		case '"':
			o.skipString()
			if depth == 0 {
				return
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return
			}
			depth--
			if depth == 0 {
				o.pos++
				return
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return
			}
		}
		o.pos++
	}
}

// keyIs reports whether the quoted key is name, unescaping it only when it
// holds an escape.
func keyIs(key []byte, name string) bool {
	if bytes.IndexByte(key, '\\') < 0 {
		return len(key) == len(name)+2 && string(key[1:len(key)-1]) == name
	}
	return unquote(key) == name
}

// unquote returns the text of a valid quoted JSON string as encoding/json
// reads it (escapes decoded, invalid UTF-8 replaced).
func unquote(quoted []byte) string {
	if bytes.IndexByte(quoted, '\\') < 0 && utf8.Valid(quoted) {
		return string(quoted[1 : len(quoted)-1])
	}
	var s string
	_ = json.Unmarshal(quoted, &s) // valid JSON: cannot fail
	return s
}
