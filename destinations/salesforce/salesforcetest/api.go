package salesforcetest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

var versionRE = regexp.MustCompile(`^/services/data/v(\d+)\.(\d)(/.*)$`)

// answer is a handler's result: a status and a JSON body (nil for none).
type answer struct {
	status int
	body   any
	header http.Header
}

func fail(e *apiError) answer { return answer{status: e.Status, body: []*apiError{e}} }

func notFound() answer {
	return fail(&apiError{Status: 404, Code: "NOT_FOUND", Message: "The requested resource does not exist"})
}

func (s *Server) serveData(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.URL.Path == "/services/data/" || r.URL.Path == "/services/data" {
		writeJSON(w, 200, []map[string]string{{"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"}})
		return
	}
	if !s.authorized(r) {
		writeJSON(w, 401, []*apiError{{Message: "Session expired or invalid", Code: "INVALID_SESSION_ID"}})
		return
	}
	s.wait(r.Method, r.URL.EscapedPath())
	a := s.handle(r.Method, r.URL.EscapedPath(), r.URL.RawQuery, body)
	for k, v := range a.header {
		w.Header()[k] = v
	}
	if a.body == nil {
		w.WriteHeader(a.status)
		return
	}
	writeJSON(w, a.status, a.body)
}

// handle serves one authenticated API request under the lock.
func (s *Server) handle(method, path, query string, body []byte) answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Method: method, Path: path, Query: query, Body: string(body)})
	hdr := http.Header{}
	if s.used >= s.max {
		a := fail(&apiError{Status: 403, Code: "REQUEST_LIMIT_EXCEEDED", Message: "TotalRequests Limit exceeded."})
		a.header = hdr
		return a
	}
	s.used++
	hdr.Set("Sforce-Limit-Info", fmt.Sprintf("api-usage=%d/%d", s.used, s.max))
	a := s.dispatch(method, path, query, body, nil)
	a.header = hdr
	return a
}

// dispatch routes one request (top level or a composite subrequest); refs
// resolves @{ref.id} in composite subrequests, else nil.
func (s *Server) dispatch(method, path, query string, body []byte, refs map[string]string) answer {
	m := versionRE.FindStringSubmatch(path)
	if m == nil {
		return notFound()
	}
	if major, _ := strconv.Atoi(m[1]); major < 46 {
		return notFound()
	}
	if f := s.fault(method, m[3]); f != nil {
		return fail(f)
	}
	segs := strings.Split(strings.TrimPrefix(m[3], "/"), "/")
	for i, sg := range segs {
		segs[i], _ = url.PathUnescape(sg)
	}
	switch {
	case method == "GET" && m[3] == "/limits":
		return s.limits()
	case method == "GET" && m[3] == "/query":
		return s.query(query, "v"+m[1]+"."+m[2])
	case method == "GET" && len(segs) == 2 && segs[0] == "query":
		return s.nextPage(segs[1], "v"+m[1]+"."+m[2])
	case method == "POST" && m[3] == "/composite" && refs == nil:
		return s.composite(body)
	case segs[0] == "sobjects" && len(segs) >= 2:
		return s.sobject(method, segs[1:], body)
	}
	return notFound()
}

func (s *Server) sobject(method string, segs []string, body []byte) answer {
	o := s.st.object(segs[0])
	if o == nil {
		return fail(&apiError{Status: 404, Code: "NOT_FOUND", Message: "The requested resource does not exist"})
	}
	switch {
	case method == "GET" && len(segs) == 2 && segs[1] == "describe":
		return answer{status: 200, body: describe(o)}
	case method == "POST" && len(segs) == 1:
		return s.create(o, body)
	case method == "PATCH" && len(segs) == 3:
		return s.upsert(o, segs[1], segs[2], body)
	case method == "DELETE" && len(segs) == 2:
		return s.remove(o, segs[1])
	}
	return notFound()
}

func decodeBody(body []byte) (map[string]json.RawMessage, *apiError) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		if err == nil {
			err = fmt.Errorf("not an object")
		}
		return nil, jsonError(err)
	}
	return m, nil
}

func saved(id string, created bool) answer {
	st := 200
	if created {
		st = 201
	}
	return answer{status: st, body: map[string]any{"id": id, "success": true, "errors": []any{}, "created": created}}
}

func (s *Server) create(o *Object, body []byte) answer {
	m, e := decodeBody(body)
	if e != nil {
		return fail(e)
	}
	r, e := s.st.write(o, nil, "", m)
	if e != nil {
		return fail(e)
	}
	return saved(s.st.insert(o, r), true)
}

// upsert is PATCH /sobjects/{Object}/{field}/{value}: 201 created, 200
// updated, 300 with the matching records' URLs when several match.
func (s *Server) upsert(o *Object, field, value string, body []byte) answer {
	f := o.field(field)
	if f == nil || !(f.ExternalID || f.Type == TypeID) {
		return fail(&apiError{Status: 404, Code: "NOT_FOUND",
			Message: "Provided external ID field does not exist or is not accessible: " + field})
	}
	m, e := decodeBody(body)
	if e != nil {
		return fail(e)
	}
	ids := s.st.find(o, f.Name, value)
	switch len(ids) {
	case 0:
		r, e := s.st.write(o, nil, f.Name, m)
		if e != nil {
			return fail(e)
		}
		r[f.Name] = value
		if e := s.st.checkUnique(o, nil, r); e != nil {
			return fail(e)
		}
		return saved(s.st.insert(o, r), true)
	case 1:
		if _, e := s.st.write(o, s.st.rows[o.Name][ids[0]], f.Name, m); e != nil {
			return fail(e)
		}
		return saved(ids[0], false)
	}
	urls := make([]string, len(ids))
	for i, id := range ids {
		urls[i] = "/services/data/" + APIVersion + "/sobjects/" + o.Name + "/" + id
	}
	return answer{status: 300, body: urls}
}

func (s *Server) remove(o *Object, id string) answer {
	obj, rid, _ := s.st.byID(id)
	if obj != o {
		return fail(&apiError{Status: 404, Code: "ENTITY_IS_DELETED", Message: "entity is deleted"})
	}
	s.st.delete(o, rid)
	return answer{status: 204}
}

func (s *Server) limits() answer {
	return answer{status: 200, body: map[string]any{
		"DailyApiRequests": map[string]any{"Max": s.max, "Remaining": s.max - s.used},
	}}
}
