package dynamics365

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// answered is an AuthenticationFailedError carrying status and body, as
// azidentity returns for an answer of the token service.
func answered(status int, body string) error {
	return &azidentity.AuthenticationFailedError{RawResponse: &http.Response{StatusCode: status,
		Body: io.NopCloser(strings.NewReader(body))}}
}

// TestParseSignIn covers what the emulator cannot provoke: answers that
// are not Entra's, causes only quoted as text, DNS, cancellation.
func TestParseSignIn(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		kind   SignInKind
		aadsts int
		want   string
	}{
		{"proxy page", answered(404, "<html><body>Not Found</body></html>"), SignInRefused, 0, "HTTP 404 without an Entra ID error"},
		{"gateway down", answered(502, "<html>Bad Gateway</html>"), SignInUnreachable, 0, "unavailable (HTTP 502)"},
		{"throttled", answered(429, `{"error":"temporarily_unavailable","error_codes":[50196]}`), SignInUnreachable, 50196, "unavailable (HTTP 429, AADSTS50196)"},
		{"unlisted code", answered(400, `{"error":"invalid_request","error_description":"AADSTS90014: The required field 'x' is missing.\r\nTrace ID: t\r\nCorrelation ID: c","error_codes":[90014]}`),
			SignInRefused, 90014, "The required field 'x' is missing. — check AZURE_TENANT_ID"},
		{"Azure CLI text", errors.New("AzureCLICredential: ERROR: AADSTS7000222: The provided client secret keys for app 'x' are expired."),
			SignInRefused, 7000222, "client secret has expired"},
		{"DNS", &url.Error{Op: "Post", URL: "u", Err: &net.DNSError{Err: "no such host", Name: "login.example", IsNotFound: true}},
			SignInUnreachable, 0, "host name does not resolve"},
		{"refused in the chain", &url.Error{Op: "Post", URL: "u", Err: syscall.ECONNREFUSED}, SignInUnreachable, 0, "connection refused"},
		{"canceled", fmt.Errorf("getting token: %w", context.Canceled), SignInUnreachable, 0, "the sign-in was canceled"},
		{"no credential", errors.New("AzureCLICredential: Please run 'az login' to set up an account"), SignInRefused, 0, "az login"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			se := parseSignIn(tt.err)
			if se.Kind != tt.kind || se.AADSTS != tt.aadsts || !strings.Contains(se.Error(), tt.want) {
				t.Errorf("got %q, %d: %q; want %q, %d, containing %q", se.Kind, se.AADSTS, se.Error(), tt.kind, tt.aadsts, tt.want)
			}
			if !errors.Is(se, tt.err) {
				t.Errorf("the cause is not in the chain")
			}
		})
	}
}

func TestScrubRemovesTheSecret(t *testing.T) {
	se := parseSignIn(answered(401, `{"error":"invalid_client","error_description":"AADSTS7000215: secret s3cr3t-value is wrong","error_codes":[7000215]}`))
	got := se.withFacts(signInFacts{secret: "s3cr3t-value"}, nil)
	if strings.Contains(got.Description, "s3cr3t-value") || strings.Contains(got.Error(), "s3cr3t-value") {
		t.Errorf("the secret survived: %q / %q", got.Description, got.Error())
	}
}
