package salesforcetest

import (
	"encoding/json"
	"regexp"
	"strings"
)

// maxSubrequests is Composite's limit on subrequests per call.
const maxSubrequests = 25

var (
	refIDRE  = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	refUseRE = regexp.MustCompile(`@\{([A-Za-z0-9_]+)\.id\}`)
)

type subRequest struct {
	Method      string          `json:"method"`
	URL         string          `json:"url"`
	ReferenceID string          `json:"referenceId"`
	Body        json.RawMessage `json:"body"`
}

type subResponse struct {
	Body        any               `json:"body"`
	HTTPHeaders map[string]string `json:"httpHeaders"`
	Status      int               `json:"httpStatusCode"`
	ReferenceID string            `json:"referenceId"`
}

// rolledBack is the answer of every other subrequest when one fails under
// allOrNone (the errorCode is not documented; PROCESSING_HALTED is what
// Salesforce is commonly seen to send).
func rolledBack(ref string) subResponse {
	return subResponse{Status: 400, ReferenceID: ref, HTTPHeaders: map[string]string{}, Body: []*apiError{{
		Code: "PROCESSING_HALTED", Message: "The transaction was rolled back since another operation in the same transaction failed."}}}
}

// composite is POST /composite: subrequests in order, @{ref.id}
// substituted; with allOrNone the first failure rolls everything back and
// every other subrequest answers 400. The top level is 200 either way.
func (s *Server) composite(body []byte) answer {
	var req struct {
		AllOrNone        bool         `json:"allOrNone"`
		CompositeRequest []subRequest `json:"compositeRequest"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return fail(jsonError(err))
	}
	if e := checkSubrequests(req.CompositeRequest); e != nil {
		return fail(e)
	}
	snap := s.st.snapshot()
	refs := map[string]string{}
	out := make([]subResponse, 0, len(req.CompositeRequest))
	for i, sr := range req.CompositeRequest {
		res := s.subrequest(sr, refs)
		out = append(out, res)
		if res.Status < 300 || !req.AllOrNone {
			continue
		}
		s.st.restore(snap)
		for j := range out[:i] {
			out[j] = rolledBack(out[j].ReferenceID)
		}
		for _, rest := range req.CompositeRequest[i+1:] {
			out = append(out, rolledBack(rest.ReferenceID))
		}
		break
	}
	return answer{status: 200, body: map[string]any{"compositeResponse": out}}
}

func checkSubrequests(subs []subRequest) *apiError {
	if len(subs) == 0 || len(subs) > maxSubrequests {
		return &apiError{Status: 400, Code: "INVALID_BATCH_REQUEST",
			Message: "composite requests take 1 to 25 subrequests"}
	}
	seen := map[string]bool{}
	for _, sr := range subs {
		if !refIDRE.MatchString(sr.ReferenceID) || seen[sr.ReferenceID] {
			return &apiError{Status: 400, Code: "INVALID_INPUT",
				Message: "referenceId must be unique and alphanumeric: " + sr.ReferenceID}
		}
		seen[sr.ReferenceID] = true
		if !strings.HasPrefix(sr.URL, "/services/data/") {
			return &apiError{Status: 400, Code: "INVALID_INPUT", Message: "subrequest url must start with /services/data/"}
		}
	}
	return nil
}

func (s *Server) subrequest(sr subRequest, refs map[string]string) subResponse {
	res := subResponse{ReferenceID: sr.ReferenceID, HTTPHeaders: map[string]string{}}
	missing := ""
	sub := func(in string) string {
		return refUseRE.ReplaceAllStringFunc(in, func(m string) string {
			name := refUseRE.FindStringSubmatch(m)[1]
			id, ok := refs[name]
			if !ok {
				missing = name
			}
			return id
		})
	}
	u, body := sub(sr.URL), []byte(sub(string(sr.Body)))
	if missing != "" {
		res.Status, res.Body = 400, []*apiError{{Code: "PROCESSING_HALTED",
			Message: "Invalid reference specified. No value for " + missing + ".id found in " + missing}}
		return res
	}
	path, query, _ := strings.Cut(u, "?")
	a := s.dispatch(sr.Method, path, query, body, refs)
	res.Status, res.Body = a.status, a.body
	if m, ok := a.body.(map[string]any); ok && a.status < 300 {
		if id, ok := m["id"].(string); ok {
			refs[sr.ReferenceID] = id
			if a.status == 201 {
				res.HTTPHeaders["Location"] = strings.TrimSuffix(path, "/") + "/" + id
			}
		}
	}
	return res
}
