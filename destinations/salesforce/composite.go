package salesforce

import (
	"encoding/json"
	"errors"
	"fmt"
)

// maxSubrequests is Composite's limit on subrequests per request.
const maxSubrequests = 25

// subrequest is one entry of compositeRequest.
type subrequest struct {
	Method      string         `json:"method"`
	URL         string         `json:"url"`
	ReferenceID string         `json:"referenceId"`
	Body        map[string]any `json:"body,omitempty"`
}

// compositeRequest is the body of POST /composite.
type compositeRequest struct {
	AllOrNone        bool         `json:"allOrNone"`
	CompositeRequest []subrequest `json:"compositeRequest"`
}

// subresult is one entry of compositeResponse.
type subresult struct {
	Body        json.RawMessage `json:"body"`
	Status      int             `json:"httpStatusCode"`
	ReferenceID string          `json:"referenceId"`
}

// saveResult is a successful write's body.
type saveResult struct {
	ID      string `json:"id"`
	Success bool   `json:"success"`
	Created *bool  `json:"created"`
}

// haltedCode is what the subrequests rolled back because another failed
// answer (Salesforce does not document it; it is not the cause).
const haltedCode = "PROCESSING_HALTED"

// parseComposite reads a composite answer into results by referenceId.
func parseComposite(body []byte) (map[string]subresult, error) {
	var resp struct {
		CompositeResponse []subresult `json:"compositeResponse"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("salesforce: the composite answer is not JSON: %w", err)
	}
	if resp.CompositeResponse == nil {
		return nil, errors.New("salesforce: the composite answer has no compositeResponse")
	}
	out := make(map[string]subresult, len(resp.CompositeResponse))
	for _, r := range resp.CompositeResponse {
		if r.ReferenceID == "" || r.Status < 100 || r.Status > 599 {
			return nil, fmt.Errorf("salesforce: a composite result has no referenceId or status")
		}
		out[r.ReferenceID] = r
	}
	return out, nil
}

// subFailure is a failed subrequest: the cause of a rolled-back
// composite request.
type subFailure struct {
	ref string
	api *APIError
}

func (e *subFailure) Error() string { return e.api.Error() }
func (e *subFailure) Unwrap() error { return e.api }

// firstFailure returns the failed subrequest that caused the rollback:
// the first failure in request order that is not PROCESSING_HALTED (or
// the first failure if all are), or nil if every subrequest succeeded.
func firstFailure(req *compositeRequest, res map[string]subresult) *subFailure {
	var halted *subFailure
	for _, sr := range req.CompositeRequest {
		r, ok := res[sr.ReferenceID]
		if !ok {
			return &subFailure{ref: sr.ReferenceID, api: &APIError{Method: sr.Method, URL: sr.URL, Status: 502,
				Errors: []ErrorItem{{Message: "the composite answer has no result for " + sr.ReferenceID}}}}
		}
		if r.Status < 300 {
			continue
		}
		f := &subFailure{ref: sr.ReferenceID, api: parseAPIError(sr.Method, sr.URL, r.Status, r.Body)}
		if f.api.Code() != haltedCode {
			return f
		}
		if halted == nil {
			halted = f
		}
	}
	return halted
}
