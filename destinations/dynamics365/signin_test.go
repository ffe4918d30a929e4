package dynamics365

import (
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/secret"
)

// closedAuthority returns an https authority on a loopback port nothing
// listens on.
func closedAuthority(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "https://" + addr + "/"
}

// silentAuthority returns an https authority whose server accepts
// connections and never answers.
func silentAuthority(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return "https://" + ln.Addr().String() + "/"
}

// unregisteredCertificate switches c to a client certificate the emulator
// does not trust.
func unregisteredCertificate(t *testing.T, c *Config) {
	pemBytes, _, err := dataversetest.GenerateClientCertificate("not registered")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "client.pem")
	if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	c.Auth, c.CertificatePath, c.ClientSecret = AuthClientCertificate, path, secret.String{}
}

// TestSignInFailuresClassified: every way Entra ID sign-in fails against
// the emulator's token service reads as what it is, with the AADSTS code
// and a fix; an outage is never called a credentials problem; the message
// is one line without the secret; Entra's whole description is logged at
// debug level.
func TestSignInFailuresClassified(t *testing.T) {
	const wrongSecret = "wrong-secret-value"
	tests := []struct {
		name    string
		refusal dataversetest.TokenRefusal
		outage  bool
		mod     func(t *testing.T, c *Config)
		kind    SignInKind
		aadsts  int
		class   destinations.Class
		want    []string // in the message
	}{
		{"wrong secret", 0, false, func(t *testing.T, c *Config) { c.ClientSecret = secret.New(wrongSecret) },
			SignInRefused, 7000215, destinations.Permanent, []string{"client secret is wrong", "AZURE_CLIENT_SECRET", "Secret ID"}},
		{"expired secret", dataversetest.RefuseExpiredSecret, false, nil,
			SignInRefused, 7000222, destinations.Permanent, []string{"expired", "AZURE_CLIENT_SECRET"}},
		{"wrong environment URL", 0, false, func(t *testing.T, c *Config) { c.OrgURL = "https://contoso.crm4.dynamics.com" },
			SignInRefused, 500011, destinations.Permanent, []string{"https://contoso.crm4.dynamics.com", "check DYNAMICS_URL"}},
		{"unknown tenant", 0, false, func(t *testing.T, c *Config) { c.TenantID = "22222222-0000-4000-8000-000000000000" },
			SignInRefused, 90002, destinations.Permanent, []string{"tenant 22222222-0000-4000-8000-000000000000 does not exist", "AZURE_TENANT_ID"}},
		{"unknown client id", 0, false, func(t *testing.T, c *Config) { c.ClientID = "11111111-0000-4000-8000-000000000000" },
			SignInRefused, 700016, destinations.Permanent, []string{"client id 11111111-0000-4000-8000-000000000000", "AZURE_CLIENT_ID"}},
		{"disabled application", dataversetest.RefuseDisabledApp, false, nil,
			SignInRefused, 7000112, destinations.Permanent, []string{"disabled", "administrator"}},
		{"unregistered certificate", 0, false, unregisteredCertificate,
			SignInRefused, 700027, destinations.Permanent, []string{"certificate is not registered", "AZURE_CLIENT_CERTIFICATE_PATH"}},
		{"token service outage", 0, true, nil,
			SignInUnreachable, 90033, destinations.Transient, []string{"unavailable (HTTP 503", "not a credentials problem"}},
		{"connection refused", 0, false, func(t *testing.T, c *Config) { c.AuthorityHost = closedAuthority(t) },
			SignInUnreachable, 0, destinations.Transient, []string{"unreachable (connection refused)", "not a credentials problem"}},
		{"no answer", 0, false, func(t *testing.T, c *Config) {
			c.AuthorityHost, c.TokenTimeout = silentAuthority(t), 100*time.Millisecond
		}, SignInUnreachable, 0, destinations.Transient, []string{"unreachable (no answer in time)", "not a credentials problem"}},
		{"untrusted certificate", 0, false, func(t *testing.T, c *Config) { c.RootCAs = x509.NewCertPool() },
			SignInUntrusted, 0, destinations.Permanent, []string{"TLS certificate is not trusted", "SSL_CERT_FILE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &syncBuffer{}
			d, s, _ := emu(t, nil, func(c *Config) {
				c.Retry.MaxAttempts = 2
				c.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
				if tt.mod != nil {
					tt.mod(t, c)
				}
			})
			s.SetTokenRefusal(tt.refusal)
			s.SetTokenOutage(tt.outage)
			err := d.Check(context.Background())
			checkSignInError(t, err, tt.kind, tt.aadsts, tt.class, tt.want)
			for _, sec := range []string{s.ClientSecret, wrongSecret} {
				if strings.Contains(err.Error(), sec) || strings.Contains(logs.b.String(), sec) {
					t.Errorf("the secret shows in the error or the log")
				}
			}
			if tt.aadsts != 0 {
				checkDebugLog(t, logs, tt.aadsts)
			}
		})
	}
}

func checkSignInError(t *testing.T, err error, kind SignInKind, aadsts int, class destinations.Class, want []string) {
	t.Helper()
	var ce *CheckError
	var se *SignInError
	if !errors.As(err, &ce) || ce.Step != StepSignIn || !errors.As(err, &se) {
		t.Fatalf("Check: %v (%T), want a *CheckError at the sign-in step wrapping a *SignInError", err, err)
	}
	if se.Kind != kind || se.AADSTS != aadsts {
		t.Errorf("kind %q, AADSTS %d; want %q, %d", se.Kind, se.AADSTS, kind, aadsts)
	}
	if c := destinations.Classify(err); c != class {
		t.Errorf("class %v, want %v", c, class)
	}
	msg := err.Error()
	t.Logf("%s", msg)
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q lacks %q", msg, w)
		}
	}
	if strings.ContainsAny(msg, "\r\n") || len(msg) > 400 || strings.Contains(msg, "RESPONSE") {
		t.Errorf("message is not one short line: %q", msg)
	}
	if kind == SignInUnreachable && strings.Contains(msg, "refused the sign-in") {
		t.Errorf("an outage reads as a refusal: %q", msg)
	}
}

// checkDebugLog finds Entra's whole error_description, trace lines
// included, in the debug log.
func checkDebugLog(t *testing.T, logs *syncBuffer, aadsts int) {
	t.Helper()
	for _, r := range logs.records(t) {
		if r["msg"] != "dynamics365: sign-in failed" {
			continue
		}
		desc, _ := r["error_description"].(string)
		if r["aadsts"] != float64(aadsts) || !strings.Contains(desc, "Correlation ID: ") || r["trace_id"] == "" {
			t.Errorf("debug record %v lacks Entra's whole answer", r)
		}
		return
	}
	t.Errorf("no debug record of the failed sign-in")
}

// TestSignInFailureMidRun: a token failure after the preflight (the
// secret expires mid-run) is classified the same way, worded without the
// settings the destination would quote.
func TestSignInFailureMidRun(t *testing.T) {
	d, s, _ := emu(t, nil, func(c *Config) { c.Retry.MaxAttempts = 1 })
	if err := d.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.SetTokenRefusal(dataversetest.RefuseExpiredSecret)
	d.tokens.invalidate("")
	_, err := d.tokens.Token()
	de := classify(err)
	var se *SignInError
	if de.Code != "auth_failed" || de.Class != destinations.Permanent || !errors.As(de, &se) || se.AADSTS != 7000222 {
		t.Fatalf("got %v (%+v), want auth_failed wrapping AADSTS7000222", de, se)
	}
	if !strings.Contains(de.Message, "client secret has expired") {
		t.Errorf("message %q", de.Message)
	}
}
