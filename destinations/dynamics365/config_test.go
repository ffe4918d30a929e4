package dynamics365

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/numora/numora-connector/secret"
)

func TestNewValidatesConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string // substrings of the error; nil = no error
	}{
		{"missing org", Config{Auth: AuthAzureCLI}, []string{"org URL is required"}},
		{"relative org", Config{OrgURL: "contoso.crm.dynamics.com", Auth: AuthAzureCLI}, []string{"absolute https URL"}},
		{"http org", Config{OrgURL: "http://contoso.crm.dynamics.com", Auth: AuthAzureCLI}, []string{"must use https"}},
		{"org with path", Config{OrgURL: "https://contoso.crm.dynamics.com/api/data/v9.2", Auth: AuthAzureCLI}, []string{"environment root"}},
		{"no auth", Config{OrgURL: "https://x.crm.dynamics.com"}, []string{"AZURE_CLIENT_SECRET is not set (or AZURE_CLIENT_CERTIFICATE_PATH", "managed_identity"}},
		{"unknown auth", Config{OrgURL: "https://x.crm.dynamics.com", Auth: "password"}, []string{`unknown auth mode "password"`}},
		{"secret incomplete", Config{OrgURL: "https://x.crm.dynamics.com", ClientSecret: secret.New("s3cr3t")},
			[]string{"AZURE_TENANT_ID is not set (auth client_secret needs the Directory (tenant) ID)", "AZURE_CLIENT_ID is not set"}},
		{"cert incomplete", Config{OrgURL: "https://x.crm.dynamics.com", Auth: AuthClientCertificate},
			[]string{"AZURE_CLIENT_CERTIFICATE_PATH is not set"}},
		{"http authority", Config{OrgURL: "https://x.crm.dynamics.com", Auth: AuthAzureCLI, AuthorityHost: "http://127.0.0.1:9/"},
			[]string{"authority host", "must be an https URL"}},
		{"bad version", Config{OrgURL: "https://x.crm.dynamics.com", Auth: AuthAzureCLI, APIVersion: "9.2"}, []string{`api version "9.2"`}},
		{"cli ok", Config{OrgURL: "https://x.crm.dynamics.com/", Auth: AuthAzureCLI}, nil},
		{"secret ok", Config{OrgURL: "https://x.crm.dynamics.com", TenantID: "t", ClientID: "c", ClientSecret: secret.New("s")}, nil},
		{"loopback http ok", Config{OrgURL: "http://127.0.0.1:8080", Credential: &fakeCredential{}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := New(context.Background(), tt.cfg)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("New: %v, want no error", err)
				}
				d.Close()
				return
			}
			if err == nil {
				t.Fatalf("New: no error, want one containing %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error %q shows the secret", err)
			}
		})
	}
}

func TestConfigFromEnvironment(t *testing.T) {
	env := map[string]string{
		"AZURE_TENANT_ID": "tenant-1", "AZURE_CLIENT_ID": "client-1", "AZURE_CLIENT_SECRET": "from-env",
		"AZURE_AUTHORITY_HOST": "https://login.example.test/",
	}
	cfg := Config{OrgURL: "https://x.crm.dynamics.com", TenantID: "from-file", ClientID: "explicit"}
	if cfg.withDefaults().TenantID != "from-file" {
		t.Fatal("New read the environment: only ApplyEnv may")
	}
	cfg.ApplyEnv(func(k string) string { return env[k] })
	cfg = cfg.withDefaults()
	if cfg.TenantID != "tenant-1" || cfg.ClientID != "client-1" || cfg.ClientSecret.Reveal() != "from-env" ||
		cfg.AuthorityHost != "https://login.example.test/" {
		t.Errorf("got tenant %q client %q secret %q authority %q; want each set variable to override",
			cfg.TenantID, cfg.ClientID, cfg.ClientSecret.Reveal(), cfg.AuthorityHost)
	}
	if cfg.Auth != AuthClientSecret {
		t.Errorf("got auth %q, want client_secret inferred from the secret", cfg.Auth)
	}
	if cfg.APIVersion != "v9.2" || cfg.InitialConcurrency != 4 || cfg.MaxConcurrency != 52 || cfg.Breaker.Failures != 5 {
		t.Errorf("defaults: got %q %d %d %d", cfg.APIVersion, cfg.InitialConcurrency, cfg.MaxConcurrency, cfg.Breaker.Failures)
	}
}

func TestConfigNeverPrintsSecrets(t *testing.T) {
	cfg := Config{OrgURL: "https://x.crm.dynamics.com", TenantID: "t", ClientID: "c",
		ClientSecret: secret.New("hunter2"), CertificatePassword: secret.New("pfxpass")}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", cfg)
	for _, out := range []string{fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprint(&cfg), logs.String()} {
		if strings.Contains(out, "hunter2") || strings.Contains(out, "pfxpass") {
			t.Errorf("secret printed: %s", out)
		}
		if !strings.Contains(out, "x.crm.dynamics.com") {
			t.Errorf("config output lacks the org URL: %s", out)
		}
	}
}

func TestIsPublicAuthority(t *testing.T) {
	tests := []struct {
		host string
		want bool
	}{
		{"", true},
		{"https://login.microsoftonline.com/", true},
		{"https://LOGIN.MICROSOFTONLINE.US", true},
		{"https://login.chinacloudapi.cn/", true},
		{"https://127.0.0.1:8443/", false},
		{"https://login.private.example/", false},
	}
	for _, tt := range tests {
		if got := isPublicAuthority(tt.host); got != tt.want {
			t.Errorf("isPublicAuthority(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
}

func TestNewBuildsEveryAuthMode(t *testing.T) {
	tokenFile := t.TempDir() + "/token"
	t.Setenv("AZURE_FEDERATED_TOKEN_FILE", tokenFile)
	for _, mode := range []AuthMode{AuthManagedIdentity, AuthWorkloadIdentity, AuthAzureCLI, AuthDefault} {
		t.Run(string(mode), func(t *testing.T) {
			d, err := New(context.Background(), Config{OrgURL: "https://x.crm.dynamics.com", Auth: mode,
				TenantID: "t", ClientID: "c", AuthorityHost: "https://login.example.test"})
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			d.Close()
		})
	}
	_, err := New(context.Background(), Config{OrgURL: "https://x.crm.dynamics.com", Auth: AuthClientCertificate,
		TenantID: "t", ClientID: "c", CertificatePath: "/nonexistent/cert.pem"})
	if err == nil || !strings.Contains(err.Error(), "reading certificate") {
		t.Errorf("missing certificate: %v", err)
	}
}
