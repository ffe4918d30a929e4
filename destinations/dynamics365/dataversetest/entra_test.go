package dataversetest

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// entraShape checks the fields every Entra ID error reply carries.
func entraShape(t *testing.T, m map[string]any, aadsts string) {
	t.Helper()
	desc, _ := m["error_description"].(string)
	guid := `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`
	re := regexp.MustCompile(`^AADSTS` + aadsts + `: .+\r\nTrace ID: ` + guid + `\r\nCorrelation ID: ` + guid +
		`\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$`)
	if !re.MatchString(desc) {
		t.Errorf("error_description %q does not look like Entra's", desc)
	}
	codes, _ := m["error_codes"].([]any)
	if len(codes) != 1 || codes[0] != mustFloat(aadsts) {
		t.Errorf("error_codes %v, want [%s]", m["error_codes"], aadsts)
	}
	for _, k := range []string{"trace_id", "correlation_id", "timestamp", "error_uri"} {
		if s, _ := m[k].(string); s == "" {
			t.Errorf("no %s in %v", k, m)
		}
	}
	if !strings.Contains(desc, m["trace_id"].(string)) || !strings.Contains(desc, m["correlation_id"].(string)) {
		t.Errorf("the description's ids differ from trace_id/correlation_id: %v", m)
	}
}

func mustFloat(s string) float64 {
	var f float64
	_ = json.Unmarshal([]byte(s), &f)
	return f
}

func TestSetTokenRefusalAnswersAsEntra(t *testing.T) {
	s := newTestServer(t)
	tests := []struct {
		refusal TokenRefusal
		status  int
		code    string
		quotes  string // a value of the request the message quotes
	}{
		{RefuseWrongSecret, 401, "invalid_client", s.ClientID},
		{RefuseExpiredSecret, 401, "invalid_client", "are expired"},
		{RefuseUnknownClient, 400, "unauthorized_client", s.ClientID},
		{RefuseUnknownTenant, 400, "invalid_request", s.TenantID},
		{RefuseUnknownResource, 400, "invalid_resource", s.URL},
		{RefuseDisabledApp, 401, "unauthorized_client", "is disabled"},
	}
	for _, tt := range tests {
		t.Run(tt.code+"/"+strconv.Itoa(int(tt.refusal)), func(t *testing.T) {
			s.SetTokenRefusal(tt.refusal)
			defer s.SetTokenRefusal(NoTokenRefusal)
			status, m := postToken(t, s, s.TenantID, secretForm(s))
			if status != tt.status || m["error"] != tt.code {
				t.Fatalf("got %d %v, want %d %s", status, m["error"], tt.status, tt.code)
			}
			entraShape(t, m, strconv.Itoa(int(tt.refusal)))
			if desc := m["error_description"].(string); !strings.Contains(desc, tt.quotes) || strings.Contains(desc, s.ClientSecret) {
				t.Errorf("description %q: want it to quote %q and never the secret", desc, tt.quotes)
			}
		})
	}
	if status, m := postToken(t, s, s.TenantID, secretForm(s)); status != 200 {
		t.Errorf("after NoTokenRefusal: got %d %v", status, m)
	}
}

func TestUnknownTenantFailsDiscovery(t *testing.T) {
	s := newTestServer(t)
	get := func(tenant string) (int, map[string]any) {
		resp, err := s.Client().Get(s.AuthorityHost + tenant + "/v2.0/.well-known/openid-configuration")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		return resp.StatusCode, m
	}
	if status, m := get("contoso.onmicrosoft.com"); status != http.StatusBadRequest || m["error"] != "invalid_tenant" {
		t.Errorf("unknown tenant: got %d %v", status, m)
	} else {
		entraShape(t, m, "90002")
	}
	s.SetTokenRefusal(RefuseUnknownTenant)
	if status, m := get(s.TenantID); status != http.StatusBadRequest || m["error"] != "invalid_tenant" {
		t.Errorf("with RefuseUnknownTenant: got %d %v", status, m)
	}
}
