package dataversetest

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// response is the outcome of one operation: a whole request, or one part
// of a $batch.
type response struct {
	status int
	header http.Header
	body   []byte
	// entityURL is the written row's URL, what "$<Content-ID>" refers to.
	entityURL string
	// errCode is the Dataverse error code of an error response.
	errCode string
	failed  bool
}

// Well-known Dataverse error codes the emulator returns.
const (
	codePayload           = "0x80048d19"
	codeValidation        = "0x80044331"
	codeSegmentNotFound   = "0x8006088a"
	codeObjectNotFound    = "0x80040217"
	codeKeyNotFound       = "0x80060891"
	codeKeyNotDefined     = "0x80060890"
	codeDuplicateKey      = "0x80060892"
	codeDuplicateRecord   = "0x80040237"
	codeRequestsLimit     = "0x80072322"
	codeExecTimeLimit     = "0x80072321"
	codeConcurrencyLimit  = "0x80072326"
	codeTokenExpired      = "0x8005F101"
	codeUnexpected        = "0x80040216"
	codePropertyNotFound  = "0x0"
	codeChangeSetTooLarge = "0x80048d19"
)

// errorResponse builds the {"error":{"code","message"}} envelope.
func errorResponse(status int, code, message string) *response {
	body, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": message}})
	h := http.Header{}
	h.Set("Content-Type", "application/json; odata.metadata=minimal")
	return &response{status: status, header: h, body: body, errCode: code, failed: true}
}

func errorf(status int, code, format string, args ...any) *response {
	return errorResponse(status, code, fmt.Sprintf(format, args...))
}

// payloadError is the 0x80048d19 shape for a bad request body.
func payloadError(set, inner string) *response {
	return errorf(http.StatusBadRequest, codePayload,
		"Error identified in Payload provided by the user for Entity :'%s' ----> InnerException : Microsoft.OData.ODataException: %s", set, inner)
}

// propertyNotFound is the 400 0x0 "Could not find a property named" error.
func propertyNotFound(name string, td *tableDef) *response {
	return errorf(http.StatusBadRequest, codePropertyNotFound,
		"Could not find a property named '%s' on type '%s'.", name, td.typeName())
}

// segmentNotFound is the 404 0x8006088a error for an unknown resource.
func segmentNotFound(segment string) *response {
	return errorf(http.StatusNotFound, codeSegmentNotFound, "Resource not found for the segment '%s'.", segment)
}

// jsonResponse is a 200-style response with a JSON body.
func jsonResponse(status int, v any) *response {
	body, err := json.Marshal(v)
	if err != nil {
		return errorf(http.StatusInternalServerError, codeUnexpected, "dataversetest: encoding response: %v", err)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json; odata.metadata=minimal")
	return &response{status: status, header: h, body: body}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
