package dynamics365

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/numora/numora-connector/mapping"
)

// changeSet returns the change set writing every record not already known
// to exist, in plan order, then removing the rows of removed line items.
func (w *docWrite) changeSet(boundary string) (changeSet, error) {
	cs := changeSet{boundary: boundary}
	for _, r := range w.recs {
		if r.exists {
			continue
		}
		p, err := w.part(r)
		if err != nil {
			return cs, err
		}
		cs.parts = append(cs.parts, p)
	}
	for _, rm := range w.removals {
		if !rm.gone {
			cs.parts = append(cs.parts, w.removalPart(rm))
		}
	}
	return cs, nil
}

// part is the request writing r: PATCH to its key (upsert, or create-only
// with If-None-Match: *, or update-only with If-Match: *), always asking
// for the primary id back to learn the GUID and created vs updated.
func (w *docWrite) part(r *recWrite) (part, error) {
	p := part{contentID: r.contentID(), header: http.Header{}}
	p.header.Set("Content-Type", "application/json; type=entry")
	p.header.Set("Prefer", "return=representation")
	p.method, p.url = http.MethodPatch, w.d.base+r.keyPath+"?$select="+r.info.PrimaryIDAttribute
	switch {
	case r.fresh: // a GUID of our own: a plain upsert creates it, and a resend finds it
	case r == w.probe, r.rec.Mode == mapping.ModeCreate:
		p.header.Set("If-None-Match", "*")
	case r.rec.Mode == mapping.ModeUpdate:
		p.header.Set("If-Match", "*")
	}
	body, err := w.body(r)
	if err != nil {
		return p, w.recordError(r, "plan_invalid", err.Error())
	}
	p.body = body
	return p, nil
}

// body renders the record's columns (in rule order) and binds as a JSON
// object. Alternate-key columns are left out (the URL carries them) unless
// the row is POSTed.
func (w *docWrite) body(r *recWrite) ([]byte, error) {
	o := &objectWriter{}
	keyCols := map[string]bool{}
	if r.rec.Key.Kind == mapping.KeyColumns {
		for _, c := range r.rec.Key.Columns {
			keyCols[c.Name] = true
			if r.bodyKeys && !hasColumn(r.rec.Columns, c.Name) {
				o.field(c.Name, jsonValue(c.Value))
			}
		}
	}
	for _, c := range r.rec.Columns {
		if keyCols[c.Name] && !r.bodyKeys {
			continue
		}
		o.field(c.Name, r.columnValue(c))
	}
	if r.reactivate {
		o.field("statecode", int64(mapping.ActiveState))
		o.field("statuscode", int64(mapping.ActiveStatus))
	}
	for _, b := range r.binds {
		var v any
		switch {
		case b.null:
		case b.ref >= 0:
			v = w.refURL(b.ref)
		default:
			v = b.url
		}
		o.field(b.nav+"@odata.bind", v)
	}
	return o.bytes()
}

// refURL is the bind target for another record of the plan: its GUID URL
// or its alternate-key URL (a row upserted earlier in the same change set
// exists by then). Never "$<Content-ID>": every part asks for a
// representation, and Dataverse then sends no OData-EntityId for "$n" to
// stand for (dataverse.md §13); prepareKey gives every row one of the two.
func (w *docWrite) refURL(j int) string {
	t := w.recs[j]
	if t.guid != "" {
		return "/" + t.rec.Entity + "(" + t.guid + ")"
	}
	return "/" + t.bindPath
}

func hasColumn(cols []mapping.Column, name string) bool {
	for _, c := range cols {
		if c.Name == name {
			return true
		}
	}
	return false
}

// objectWriter writes a JSON object with fields in insertion order.
type objectWriter struct {
	buf bytes.Buffer
	err error
}

func (o *objectWriter) field(name string, v any) {
	if o.buf.Len() == 0 {
		o.buf.Grow(256)
		o.buf.WriteByte('{')
	} else {
		o.buf.WriteByte(',')
	}
	o.value(name)
	o.buf.WriteByte(':')
	o.value(v)
}

// value writes v as encoding/json does without HTML escaping. The plan's
// usual values (plain strings, numbers, bools, null) are written directly;
// the rest go through encoding/json.
func (o *objectWriter) value(v any) {
	switch x := v.(type) {
	case nil:
		o.buf.WriteString("null")
		return
	case string:
		if plainASCII(x) {
			o.buf.WriteByte('"')
			o.buf.WriteString(x)
			o.buf.WriteByte('"')
			return
		}
	case bool:
		o.buf.WriteString(strconv.FormatBool(x))
		return
	case int64:
		o.buf.Write(strconv.AppendInt(o.buf.AvailableBuffer(), x, 10))
		return
	case json.Number:
		if plainNumber(string(x)) {
			o.buf.WriteString(string(x))
			return
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil && o.err == nil {
		o.err = fmt.Errorf("value %v: %w", v, err)
	}
	o.buf.Write(bytes.TrimRight(b.Bytes(), "\n"))
}

// plainASCII reports whether s needs no escaping in JSON: printable ASCII
// without quotes or backslashes.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// plainNumber reports whether s is an integer or decimal JSON number
// without exponent ("-12", "1234.56"); anything else is left to
// encoding/json, which validates it.
func plainNumber(s string) bool {
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '-' && i == 0:
		case c == '.' && !dot && digits > 0 && i < len(s)-1:
			dot = true
		case c >= '0' && c <= '9':
			if c == '0' && digits == 0 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
				return false // a leading zero
			}
			digits++
		default:
			return false
		}
	}
	return digits > 0
}

func (o *objectWriter) bytes() ([]byte, error) {
	if o.buf.Len() == 0 {
		return []byte("{}"), o.err
	}
	return append(o.buf.Bytes(), '}'), o.err
}
