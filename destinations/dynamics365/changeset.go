package dynamics365

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/numora/numora-connector/mapping"
)

// changeSet returns the change set writing every record not already known
// to exist, in plan order.
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
	return cs, nil
}

// part is the request writing r: PATCH to its key (upsert, or create-only
// with If-None-Match: *, or update-only with If-Match: *) or POST, always
// asking for the primary id back to learn the GUID and created vs updated.
func (w *docWrite) part(r *recWrite) (part, error) {
	p := part{contentID: r.contentID(), header: http.Header{}}
	p.header.Set("Content-Type", "application/json; type=entry")
	p.header.Set("Prefer", "return=representation")
	sel := "?$select=" + r.info.PrimaryIDAttribute
	if r.keyPath == "" {
		p.method, p.url = http.MethodPost, w.d.base+r.rec.Entity+sel
	} else {
		p.method, p.url = http.MethodPatch, w.d.base+r.keyPath+sel
		switch r.rec.Mode {
		case mapping.ModeCreate:
			p.header.Set("If-None-Match", "*")
		case mapping.ModeUpdate:
			p.header.Set("If-Match", "*")
		}
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
	if r.rec.Key.Kind == mapping.KeyAlternate {
		for _, c := range r.rec.Key.Columns {
			keyCols[c.Name] = true
			if r.bodyKeys && !hasColumn(r.rec.Columns, c.Name) {
				o.field(c.Name, c.Value.V)
			}
		}
	}
	for _, c := range r.rec.Columns {
		if keyCols[c.Name] && !r.bodyKeys {
			continue
		}
		o.field(c.Name, c.Value.V)
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

// refURL is the bind target for another record of the plan: its URL when
// its GUID or alternate key gives one (a row upserted earlier in the same
// change set exists by then), else "$<Content-ID>" (a row POSTed in this
// change set, or a key a URI parser could misread).
func (w *docWrite) refURL(j int) string {
	t := w.recs[j]
	switch {
	case t.guid != "":
		return "/" + t.rec.Entity + "(" + t.guid + ")"
	case t.bindPath != "":
		return "/" + t.bindPath
	}
	return "$" + t.contentID()
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
		o.buf.WriteByte('{')
	} else {
		o.buf.WriteByte(',')
	}
	o.value(name)
	o.buf.WriteByte(':')
	o.value(v)
}

func (o *objectWriter) value(v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil && o.err == nil {
		o.err = fmt.Errorf("value %v: %w", v, err)
	}
	o.buf.Write(bytes.TrimRight(b.Bytes(), "\n"))
}

func (o *objectWriter) bytes() ([]byte, error) {
	if o.buf.Len() == 0 {
		return []byte("{}"), o.err
	}
	return append(o.buf.Bytes(), '}'), o.err
}
