package salesforcetest

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// soql is a parsed query of the subset the emulator serves:
//
//	SELECT f, … FROM Object [WHERE cond AND …] [LIMIT n]
//
// where cond is `field = literal` or `field IN (literal, …)` and field may
// be a parent relationship path (Invoice__r.Numora_Document_Id__c).
type soql struct {
	fields []string
	object string
	conds  []cond
	limit  int
}

type cond struct {
	path []string
	vals []any
}

// parseSOQL parses q; the error is a MALFORMED_QUERY message.
func parseSOQL(q string) (*soql, error) {
	toks, err := lexSOQL(q)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	out := &soql{limit: -1}
	if !p.keyword("SELECT") {
		return nil, p.errorf("expecting SELECT")
	}
	for {
		f, ok := p.ident()
		if !ok {
			return nil, p.errorf("expecting a field")
		}
		out.fields = append(out.fields, f)
		if !p.punct(",") {
			break
		}
	}
	if !p.keyword("FROM") {
		return nil, p.errorf("expecting FROM")
	}
	var ok bool
	if out.object, ok = p.ident(); !ok {
		return nil, p.errorf("expecting an object")
	}
	return out, p.clauses(out)
}

func (p *parser) clauses(out *soql) error {
	if p.keyword("WHERE") {
		for {
			c, err := p.cond()
			if err != nil {
				return err
			}
			out.conds = append(out.conds, c)
			if !p.keyword("AND") {
				break
			}
		}
	}
	if p.keyword("LIMIT") {
		t := p.next()
		n, err := strconv.Atoi(t.text)
		if t.kind != tokNumber || err != nil || n < 0 {
			return p.errorf("expecting a LIMIT number")
		}
		out.limit = n
	}
	if p.pos < len(p.toks) {
		return p.errorf("unexpected token: '%s'", p.toks[p.pos].text)
	}
	return nil
}

func (p *parser) cond() (cond, error) {
	f, ok := p.ident()
	if !ok {
		return cond{}, p.errorf("expecting a field")
	}
	c := cond{path: strings.Split(f, ".")}
	switch {
	case p.punct("="):
		v, err := p.literal()
		c.vals = []any{v}
		return c, err
	case p.keyword("IN"):
		if !p.punct("(") {
			return c, p.errorf("expecting (")
		}
		for {
			v, err := p.literal()
			if err != nil {
				return c, err
			}
			c.vals = append(c.vals, v)
			if p.punct(")") {
				return c, nil
			}
			if !p.punct(",") {
				return c, p.errorf("expecting , or )")
			}
		}
	}
	return c, p.errorf("expecting = or IN")
}

func (p *parser) literal() (any, error) {
	t := p.next()
	switch t.kind {
	case tokString:
		return t.text, nil
	case tokNumber:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, p.errorf("bad number %s", t.text)
		}
		return f, nil
	case tokIdent:
		switch strings.ToLower(t.text) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		}
	}
	return nil, p.errorf("expecting a literal, got '%s'", t.text)
}

// query is GET /query?q=…: the first page of at most PageSize records;
// the rest wait behind nextRecordsUrl.
func (s *Server) query(rawQuery, version string) answer {
	v, _ := url.ParseQuery(rawQuery)
	q, err := parseSOQL(v.Get("q"))
	if err != nil {
		return fail(&apiError{Status: 400, Code: "MALFORMED_QUERY", Message: err.Error()})
	}
	o := s.st.object(q.object)
	if o == nil {
		return fail(&apiError{Status: 400, Code: "INVALID_TYPE", Message: fmt.Sprintf("sObject type '%s' is not supported.", q.object)})
	}
	if e := checkFields(s.st, o, q); e != nil {
		return fail(e)
	}
	recs := []map[string]any{}
	for _, id := range s.st.order[o.Name] {
		r := s.st.rows[o.Name][id]
		if len(recs) == q.limit {
			break
		}
		if s.st.matches(o, r, q.conds) {
			recs = append(recs, project(o, r, q.fields))
		}
	}
	return s.page(recs, len(recs), version)
}

// page answers one page of recs (total in all) and keeps the rest under
// a cursor.
func (s *Server) page(recs []map[string]any, total int, version string) answer {
	body := map[string]any{"totalSize": total, "done": true}
	if len(recs) > s.pageSize {
		s.cursorSeq++
		cursor := fmt.Sprintf("01gEMU%09d-%d", s.cursorSeq, s.pageSize)
		s.cursors[cursor] = cursorState{rest: recs[s.pageSize:], total: total}
		body["done"], body["nextRecordsUrl"] = false, "/services/data/"+version+"/query/"+cursor
		recs = recs[:s.pageSize]
	}
	body["records"] = recs
	return answer{status: 200, body: body}
}

// nextPage is GET /query/{cursor}.
func (s *Server) nextPage(cursor, version string) answer {
	c, ok := s.cursors[cursor]
	if !ok {
		return fail(&apiError{Status: 400, Code: "INVALID_QUERY_LOCATOR", Message: "invalid query locator"})
	}
	delete(s.cursors, cursor)
	return s.page(c.rest, c.total, version)
}

// cursorState is what a query locator still holds.
type cursorState struct {
	rest  []map[string]any
	total int
}

func project(o *Object, r row, fields []string) map[string]any {
	out := map[string]any{"attributes": map[string]any{"type": o.Name,
		"url": "/services/data/" + APIVersion + "/sobjects/" + o.Name + "/" + fmt.Sprint(r["Id"])}}
	for _, f := range fields {
		out[o.field(f).Name] = r[o.field(f).Name]
	}
	return out
}

func checkFields(st *store, o *Object, q *soql) *apiError {
	for _, f := range q.fields {
		if o.field(f) == nil {
			return &apiError{Status: 400, Code: "INVALID_FIELD", Message: fmt.Sprintf("No such column '%s' on entity '%s'", f, o.Name)}
		}
	}
	for _, c := range q.conds {
		if _, _, ok := st.resolvePath(o, c.path); !ok {
			return &apiError{Status: 400, Code: "INVALID_FIELD",
				Message: fmt.Sprintf("No such column '%s' on entity '%s'", strings.Join(c.path, "."), o.Name)}
		}
	}
	return nil
}

// resolvePath follows a relationship path to its last object and field.
func (st *store) resolvePath(o *Object, path []string) (*Object, *Field, bool) {
	for len(path) > 1 {
		rel := o.relationship(path[0])
		if rel == nil {
			return nil, nil, false
		}
		o, path = st.object(rel.ReferenceTo), path[1:]
	}
	f := o.field(path[0])
	return o, f, f != nil
}

func (st *store) matches(o *Object, r row, conds []cond) bool {
	for _, c := range conds {
		v, ok := st.valueAt(o, r, c.path)
		if !ok || !anyEqual(v, c.vals) {
			return false
		}
	}
	return true
}

func (st *store) valueAt(o *Object, r row, path []string) (any, bool) {
	for len(path) > 1 {
		rel := o.relationship(path[0])
		id, _ := r[rel.Name].(string)
		o = st.object(rel.ReferenceTo)
		if r = st.rows[o.Name][id]; r == nil {
			return nil, false
		}
		path = path[1:]
	}
	return r[o.field(path[0]).Name], true
}

func anyEqual(v any, vals []any) bool {
	for _, x := range vals {
		if (x == nil && v == nil) || sameValue(v, x) {
			return true
		}
	}
	return false
}
