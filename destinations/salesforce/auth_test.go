package salesforce

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/destinations/salesforce/salesforcetest"
	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/secret"
)

func TestExpiredSessionGetsOneFreshToken(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.Insert("Account", map[string]any{"Name": "A", "Tax_Id__c": "DE123"})
	plan := invoicePlan("doc-1", "DE123", mapping.OnMissingFail, "1")
	if _, err := e.d.Deliver(bg, plan); err != nil {
		t.Fatal(err)
	}
	e.srv.ExpireSessions()
	if _, err := e.d.Deliver(bg, plan); err != nil {
		t.Fatalf("after the session expired: %v", err)
	}
	if n := e.srv.TokensIssued(); n != 2 {
		t.Errorf("%d tokens issued, want 2", n)
	}
}

func TestSessionRefusedAfterRefreshIsPermanent(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.Inject(salesforcetest.Fault{Match: "/limits", Status: 401, Code: "INVALID_SESSION_ID", Message: "Session expired or invalid", Times: 2})
	wantError(t, e.d.Check(bg), destinations.Permanent, "crm_401_invalid_session_id")
	if n := e.srv.TokensIssued(); n != 2 {
		t.Errorf("%d tokens issued, want 2 (one retry)", n)
	}
}

func TestCheckAndJWTBearer(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	tests := []struct {
		name     string
		edit     func(*Config)
		opts     []salesforcetest.Option
		wantCode string
	}{
		{"client credentials", nil, nil, ""},
		{"wrong secret", func(c *Config) { c.ClientSecret = secret.New("nope") }, nil, "crm_auth"},
		{"jwt bearer", func(c *Config) {
			c.Flow, c.Username, c.PrivateKey = FlowJWTBearer, "integration@numora.example", secret.New(pemKey)
		}, []salesforcetest.Option{salesforcetest.WithJWTKey(&key.PublicKey)}, ""},
		{"jwt signed by another key", func(c *Config) {
			c.Flow, c.Username, c.PrivateKey = FlowJWTBearer, "integration@numora.example", secret.New(pemKey)
		}, []salesforcetest.Option{salesforcetest.WithJWTKey(&other.PublicKey)}, "crm_auth"},
		{"jwt unusable key", func(c *Config) {
			c.Flow, c.Username, c.PrivateKey = FlowJWTBearer, "integration@numora.example", secret.New("not a key")
		}, nil, "crm_auth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.edit, tt.opts...)
			err := e.d.Check(bg)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatal(err)
				}
				if used, max, known := e.d.Usage(); !known || used != 1 || max != 100000 {
					t.Errorf("usage = %d/%d %v", used, max, known)
				}
				return
			}
			de := wantError(t, err, destinations.Permanent, tt.wantCode)
			if strings.Contains(de.Error(), "emulator-consumer-secret") || strings.Contains(de.Error(), "PRIVATE") {
				t.Errorf("error shows a secret: %v", de)
			}
		})
	}
}

func TestConfigValidation(t *testing.T) {
	ok := Config{MyDomainURL: "https://acme.my.salesforce.com", ClientID: "id", ClientSecret: secret.New("s")}
	tests := []struct {
		name string
		edit func(*Config)
		want string // "" = valid
	}{
		{"valid", func(*Config) {}, ""},
		{"http", func(c *Config) { c.MyDomainURL = "http://acme.my.salesforce.com" }, "https URL"},
		{"path", func(c *Config) { c.MyDomainURL = "https://acme.my.salesforce.com/x" }, "https URL"},
		{"version", func(c *Config) { c.APIVersion = "62" }, "api_version"},
		{"no client id", func(c *Config) { c.ClientID = "" }, "client_id"},
		{"no secret", func(c *Config) { c.ClientSecret = secret.String{} }, "client_secret"},
		{"jwt without key", func(c *Config) { c.Flow = FlowJWTBearer; c.Username = "u" }, "private_key"},
		{"unknown flow", func(c *Config) { c.Flow = "password" }, "flow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.edit(&c)
			_, err := New(c)
			if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("New = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestTokenEndpointOutage(t *testing.T) {
	tests := []struct {
		name  string
		times int
		want  string // "" = Check succeeds after retrying
	}{
		{"once", 1, ""},
		{"persists", 9, "crm_auth_unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.srv.Inject(salesforcetest.Fault{Match: "/oauth2/token", Status: 503, Code: "temporarily_unavailable", Times: tt.times})
			err := e.d.Check(bg)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantError(t, err, destinations.Transient, tt.want)
		})
	}
}
