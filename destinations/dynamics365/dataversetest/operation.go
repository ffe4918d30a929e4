package dataversetest

import (
	"net/http"
	"net/url"
	"strings"
)

// operation is one Web API operation: a top-level request or one part of
// a $batch.
type operation struct {
	method    string
	url       string // as received, for logs and messages
	path      string // decoded, relative to the service root: "accounts(name='x')"
	query     url.Values
	header    http.Header
	body      []byte
	contentID string
	inBatch   bool
	user      string // token subject
	prefer    preferences
	seeded    bool // stored with Seed, not through the Web API
}

// preferences are the parsed Prefer header values.
type preferences struct {
	representation  bool
	continueOnError bool
	annotations     bool
}

func parsePrefer(h http.Header) preferences {
	var p preferences
	for _, line := range h.Values("Prefer") {
		for _, v := range strings.Split(line, ",") {
			v = strings.TrimSpace(v)
			switch {
			case v == "return=representation":
				p.representation = true
			case v == "odata.continue-on-error":
				p.continueOnError = true
			case strings.HasPrefix(v, "odata.include-annotations="):
				p.annotations = true
			}
		}
	}
	return p
}

// apiPrefix finds the service root in an escaped path: the part after
// "/api/data/v9.x/". ok is false when path is not under a service root.
func apiPrefix(path string) (rest string, ok bool) {
	for _, v := range []string{"v9.2", "v9.1", "v9.0"} {
		p := "/api/data/" + v + "/"
		if i := strings.Index(path, p); i >= 0 {
			return path[i+len(p):], true
		}
		if strings.HasSuffix(path, "/api/data/"+v) {
			return "", true
		}
	}
	return "", false
}

// newOperation parses a request URL (absolute, absolute-path, relative to
// the service root, or a "$n" Content-ID reference).
func newOperation(method, rawURL string, header http.Header, body []byte) (*operation, *response) {
	op := &operation{method: method, url: rawURL, header: header, body: body, prefer: parsePrefer(header)}
	if strings.HasPrefix(rawURL, "$") && !strings.HasPrefix(rawURL, "$batch") && !strings.HasPrefix(rawURL, "$metadata") {
		op.path, op.query = splitQuery(rawURL)
		return op, nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "0x0", "Bad Request - Invalid URL.")
	}
	escaped := u.EscapedPath()
	if strings.HasPrefix(escaped, "/") {
		rest, ok := apiPrefix(escaped)
		if !ok {
			return nil, segmentNotFound(strings.TrimPrefix(escaped, "/"))
		}
		escaped = rest
	}
	dec, err := url.PathUnescape(escaped)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "0x0", "Bad Request - Invalid URL.")
	}
	op.path, op.query = dec, u.Query()
	return op, nil
}

// splitQuery splits "$1?$select=x" into the path and parsed query.
func splitQuery(s string) (string, url.Values) {
	p, q, _ := strings.Cut(s, "?")
	v, _ := url.ParseQuery(q)
	return p, v
}

// splitPath cuts the first path segment, ignoring '/' inside quotes.
func splitPath(p string) (first, rest string) {
	inQuote := false
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\'':
			inQuote = !inQuote
		case '/':
			if !inQuote {
				return p[:i], p[i+1:]
			}
		}
	}
	return p, ""
}

// target is what an operation addresses.
type target struct {
	segment string // first segment as written
	name    string // first segment without the key predicate
	table   *tableDef
	key     *keyRef // nil for a collection
	rest    string  // path after the first segment
}

// resolveRef replaces a leading "$n" with the URL of change-set part n.
func resolveRef(path string, refs map[string]string) (string, *response) {
	if !strings.HasPrefix(path, "$") {
		return path, nil
	}
	id, rest := splitPath(path[1:])
	u, ok := refs[id]
	if !ok {
		return "", errorf(http.StatusBadRequest, "0x0", "Content-ID reference '$%s' was not found in the change set.", id)
	}
	if u == "" {
		return "", errorf(http.StatusBadRequest, "0x0",
			"Content-ID reference '$%s' cannot be resolved: that operation asked for Prefer: return=representation and returned no OData-EntityId.", id)
	}
	if rest != "" {
		u += "/" + rest
	}
	r, _ := apiPrefix(u)
	return r, nil
}

// parseTarget resolves the first segment against the model.
func (s *Server) parseTarget(path string) (*target, *response) {
	first, rest := splitPath(path)
	name, pred, hasKey, ok := splitSegment(first)
	if !ok {
		return nil, errorf(http.StatusBadRequest, "0x0", "Bad Request - Error in query syntax.")
	}
	t := &target{segment: first, name: name, rest: rest}
	td := s.schema.bySet[name]
	if td == nil {
		return t, nil // a function or metadata segment, or unknown
	}
	t.table = td
	if hasKey {
		k, bad := parseKey(td, pred)
		if bad != nil {
			return nil, bad
		}
		t.key = k
	}
	return t, nil
}

// execute runs one operation. x is the open change-set transaction, or
// nil when the operation manages its own locking; refs are the change
// set's Content-ID URLs.
func (s *Server) execute(op *operation, x *tx, refs map[string]string) *response {
	path, bad := resolveRef(op.path, refs)
	if bad != nil {
		return bad
	}
	t, bad := s.parseTarget(path)
	if bad != nil {
		return bad
	}
	switch {
	case t.name == "WhoAmI" || t.name == "WhoAmI()":
		return s.whoAmI(op)
	case t.name == "EntityDefinitions":
		return s.metadata(op, t)
	case t.table == nil:
		return segmentNotFound(t.name)
	case t.rest != "":
		return segmentNotFound(t.rest)
	case op.method == http.MethodGet:
		if x != nil {
			return errorf(http.StatusBadRequest, "0x0", "GET requests are not allowed in a change set.")
		}
		return s.read(op, t)
	}
	return s.write(op, t, x, refs)
}

// serviceRoot is "<org>/api/data/v9.2/".
func (s *Server) serviceRoot() string { return s.URL + "/api/data/v9.2/" }

// entityURL is a row's canonical URL.
func (s *Server) entityURL(td *tableDef, id string) string {
	return s.serviceRoot() + td.EntitySet + "(" + id + ")"
}

func methodNotAllowed(method string) *response {
	return errorf(http.StatusMethodNotAllowed, "", "The requested resource does not support http method '%s'.", method)
}
