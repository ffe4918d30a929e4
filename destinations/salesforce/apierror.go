package salesforce

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/numora/numora-connector/destinations"
)

// APIError is a Salesforce error answer: the HTTP status and the body's
// errors, [{"message","errorCode","fields"}] (collections say statusCode
// instead of errorCode; both are read).
type APIError struct {
	Method, URL string
	Status      int
	Errors      []ErrorItem
	// Matches are the record URLs of a 300 (several records hold the
	// external ID).
	Matches []string
}

// ErrorItem is one error of an error body.
type ErrorItem struct {
	Message    string   `json:"message"`
	ErrorCode  string   `json:"errorCode"`
	StatusCode string   `json:"statusCode"`
	Fields     []string `json:"fields"`
}

// Code returns ErrorCode, or StatusCode when only that is set.
func (e ErrorItem) Code() string {
	if e.ErrorCode != "" {
		return e.ErrorCode
	}
	return e.StatusCode
}

// Error returns "salesforce: PATCH …: 400 CODE: message".
func (e *APIError) Error() string {
	return fmt.Sprintf("salesforce: %s %s: %d %s: %s", e.Method, e.URL, e.Status, e.Code(), e.Message())
}

// Code is the first error's code, "" if none.
func (e *APIError) Code() string {
	for _, it := range e.Errors {
		if it.Code() != "" {
			return it.Code()
		}
	}
	return ""
}

// Message joins the errors' messages (and fields).
func (e *APIError) Message() string {
	if e.Status == 300 {
		return fmt.Sprintf("%d records hold this external ID: %s", len(e.Matches), strings.Join(e.Matches, ", "))
	}
	parts := make([]string, 0, len(e.Errors))
	for _, it := range e.Errors {
		m := it.Message
		if len(it.Fields) > 0 {
			m += " (fields: " + strings.Join(it.Fields, ", ") + ")"
		}
		parts = append(parts, m)
	}
	if len(parts) == 0 {
		return "no error body"
	}
	return strings.Join(parts, "; ")
}

// parseAPIError reads an error answer's body: an error array, a single
// error object, or (300) the matching records' URLs. A body of any other
// shape is kept as the message, cut short.
func parseAPIError(method, url string, status int, body []byte) *APIError {
	e := &APIError{Method: method, URL: url, Status: status}
	if status == 300 && json.Unmarshal(body, &e.Matches) == nil {
		return e
	}
	if json.Unmarshal(body, &e.Errors) == nil {
		return e
	}
	var one ErrorItem
	if json.Unmarshal(body, &one) == nil && one.Code() != "" {
		e.Errors = []ErrorItem{one}
		return e
	}
	text := strings.TrimSpace(string(body))
	if text == "" {
		return e
	}
	if len(text) > 200 {
		text = text[:200] + "…"
	}
	e.Errors = []ErrorItem{{Message: text}}
	return e
}

// transientCodes are error codes worth retrying: the same request can
// succeed later.
var transientCodes = map[string]bool{
	"UNABLE_TO_LOCK_ROW": true, "SERVER_UNAVAILABLE": true, "REQUEST_LIMIT_EXCEEDED": true,
	"REQUEST_RUNNING_TOO_LONG": true, "QUERY_TIMEOUT": true,
}

// classify turns an *APIError into a destinations.Error once: the code is
// crm_<status> or crm_<status>_<errorCode>; 5xx and the transientCodes
// are transient, everything else (validation, permissions, 300 several
// matches, API_DISABLED_FOR_ORG) permanent.
func (e *APIError) classify() *destinations.Error {
	code := fmt.Sprintf("crm_%d", e.Status)
	if c := e.Code(); c != "" {
		code += "_" + strings.ToLower(c)
	}
	class := destinations.Permanent
	if e.Status >= 500 || transientCodes[e.Code()] {
		class = destinations.Transient
	}
	return &destinations.Error{Class: class, Code: code, Message: e.Message(), Err: e}
}

// dailyLimit says whether e is the daily allocation being exhausted (not
// the concurrency limit, which passes within seconds).
func (e *APIError) dailyLimit() bool {
	return e.Code() == "REQUEST_LIMIT_EXCEEDED" && strings.Contains(e.Message(), "TotalRequests")
}

func permanent(code, msg string) *destinations.Error {
	return &destinations.Error{Class: destinations.Permanent, Code: code, Message: msg}
}

func transient(code, msg string) *destinations.Error {
	return &destinations.Error{Class: destinations.Transient, Code: code, Message: msg}
}
