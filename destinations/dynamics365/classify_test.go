package dynamics365

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/numora/numora-connector/destinations"
)

func apiErr(status int, code string) *APIError {
	return &APIError{StatusCode: status, Code: code, Message: "m", Method: "POST", URL: "https://x/api/data/v9.2/$batch"}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestClassifyTable(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantClass destinations.Class
		wantCode  string
	}{
		{"429 service protection", apiErr(429, "0x80072322"), destinations.Transient, "crm_429"},
		{"503", apiErr(503, ""), destinations.Transient, "crm_503"},
		{"504", apiErr(504, ""), destinations.Transient, "crm_504"},
		{"502", apiErr(502, ""), destinations.Transient, "crm_502"},
		{"500", apiErr(500, "0x80040216"), destinations.Transient, "crm_500"},
		{"408", apiErr(408, ""), destinations.Transient, "crm_408"},
		{"500 duplicate detection", apiErr(500, "0x80040333"), destinations.Permanent, "crm_500_0x80040333"},
		{"400 payload", apiErr(400, "0x80048d19"), destinations.Permanent, "crm_400_0x80048d19"},
		{"400 code 0x0", apiErr(400, "0x0"), destinations.Permanent, "crm_400"},
		{"401 after refresh", apiErr(401, "0x8005F101"), destinations.Permanent, "crm_401_0x8005f101"},
		{"403 privilege", apiErr(403, "0x80040220"), destinations.Permanent, "crm_403_0x80040220"},
		{"404", apiErr(404, ""), destinations.Permanent, "crm_404"},
		{"412 duplicate key", apiErr(412, "0x80060892"), destinations.Permanent, "crm_412_0x80060892"},
		{"501", apiErr(501, ""), destinations.Permanent, "crm_501"},
		{"wrapped api error", fmt.Errorf("x: %w", apiErr(503, "")), destinations.Transient, "crm_503"},
		{"connection refused", &url.Error{Op: "Post", URL: "u", Err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}, destinations.Transient, "crm_unavailable"},
		{"reset", &url.Error{Op: "Post", URL: "u", Err: syscall.ECONNRESET}, destinations.Transient, "crm_unavailable"},
		{"eof", &url.Error{Op: "Post", URL: "u", Err: io.ErrUnexpectedEOF}, destinations.Transient, "crm_unavailable"},
		{"net timeout", &url.Error{Op: "Post", URL: "u", Err: timeoutErr{}}, destinations.Transient, "crm_timeout"},
		{"deadline", context.DeadlineExceeded, destinations.Transient, "crm_timeout"},
		{"canceled", fmt.Errorf("x: %w", context.Canceled), destinations.Transient, "canceled"},
		{"circuit open", fmt.Errorf("y: %w", destinations.ErrCircuitOpen), destinations.Transient, "crm_circuit_open"},
		{"untrusted certificate", &url.Error{Op: "Post", URL: "u", Err: x509.UnknownAuthorityError{}}, destinations.Permanent, "crm_tls"},
		{"unknown", errors.New("weird"), destinations.Transient, "crm_error"},
		{"already classified", &destinations.Error{Class: destinations.Skip, Code: "lookup_missing"}, destinations.Skip, "lookup_missing"},
		{"token refused", &tokenError{&azidentity.AuthenticationFailedError{RawResponse: &http.Response{StatusCode: 401}}}, destinations.Permanent, "auth_failed"},
		{"token service 503", &tokenError{&azidentity.AuthenticationFailedError{RawResponse: &http.Response{StatusCode: 503}}}, destinations.Transient, "auth_unavailable"},
		{"token service unreachable", &tokenError{&url.Error{Op: "Post", URL: "u", Err: syscall.ECONNREFUSED}}, destinations.Transient, "auth_unavailable"},
		{"no credential", &tokenError{errors.New("az login first")}, destinations.Permanent, "auth_failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.err)
			if got.Class != tt.wantClass || got.Code != tt.wantCode {
				t.Errorf("got %v %s, want %v %s", got.Class, got.Code, tt.wantClass, tt.wantCode)
			}
			if !errors.Is(got, tt.err) && got != tt.err {
				t.Errorf("classified error does not wrap the original")
			}
		})
	}
	if classify(nil) != nil {
		t.Error("classify(nil) != nil")
	}
}

func TestAPIErrorDecoding(t *testing.T) {
	now := time.Date(2026, 3, 24, 3, 0, 0, 0, time.UTC)
	h := http.Header{"Retry-After": {"12"}, "Req_id": {"r-1"}}
	e := newAPIError("PATCH", "https://x/api/data/v9.2/accounts(1)?$select=accountid&$filter=secret", 429, h,
		[]byte(`{"error":{"code":"0x80072321","message":"Combined execution time of incoming requests exceeded limit"}}`), now)
	if e.Code != "0x80072321" || e.RetryAfter != 12*time.Second || e.RequestID != "r-1" {
		t.Errorf("got %+v", e)
	}
	if got, want := e.Error(), "dynamics365: PATCH https://x/api/data/v9.2/accounts(1): 429 0x80072321: Combined execution time of incoming requests exceeded limit"; got != want {
		t.Errorf("Error() =\n %q\nwant %q", got, want)
	}
	plain := newAPIError("GET", "https://x/", 502, http.Header{}, []byte("<html>Bad Gateway</html>"), now)
	if plain.Message != "<html>Bad Gateway</html>" || plain.Code != "" {
		t.Errorf("non-JSON body: %+v", plain)
	}
	empty := newAPIError("GET", "https://x/", 503, http.Header{}, nil, now)
	if empty.Message != "Service Unavailable" {
		t.Errorf("empty body message %q", empty.Message)
	}
}
