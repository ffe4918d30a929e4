package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/numora/numora-connector/numora/webhook"
)

// TestE2EServeSignatureConfig: serve.signature in connector.yaml switches
// the scheme, and NUMORA_WEBHOOK_SECRET holding two secrets accepts both
// (rotation); a wrong secret, the default scheme, a stale timestamp and a
// tampered body are refused with 401 and a log line naming the failed
// check, never a secret.
func TestE2EServeSignatureConfig(t *testing.T) {
	e := newE2E(t, only("none"))
	const current, previous = "whsec_current_e2e", "whsec_previous_e2e"
	e.env = append(e.env, "NUMORA_WEBHOOK_SECRET="+current+" "+previous)
	e.secrets = append(e.secrets, current, previous)
	config := filepath.Join(e.dir, "connector.yaml")
	if err := os.WriteFile(config, []byte("serve:\n  signature: {hash: sha512, signed: body, encoding: base64}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := e.startServe(t, filepath.Join(e.dir, "queue.db"), "--config", config)
	scheme := webhook.Scheme{Hash: webhook.HashSHA512, Signed: webhook.SignedBody, Encoding: webhook.EncodingBase64}
	now := strconv.FormatInt(time.Now().Unix(), 10)
	stale := strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10)
	body := executorBody("doc_signed")
	tests := []struct {
		name, body, signature string
		want                  int
		check                 string // in the refusal's log line
	}{
		{"configured scheme, current secret", body, webhook.Sign(scheme, []byte(current), now, []byte(body)), 202, ""},
		{"configured scheme, previous secret (rotation)", body, webhook.Sign(scheme, []byte(previous), now, []byte(body)), 202, ""},
		{"wrong secret", body, webhook.Sign(scheme, []byte("whsec_wrong"), now, []byte(body)), 401, "mismatch"},
		{"default scheme", body, webhook.Sign(webhook.Scheme{}, []byte(current), now, []byte(body)), 401, "mismatch"},
		{"stale timestamp", body, webhook.Sign(scheme, []byte(current), stale, []byte(body)), 401, "stale"},
		{"tampered body", executorBody("doc_other"), webhook.Sign(scheme, []byte(current), now, []byte(body)), 401, "mismatch"},
	}
	for _, tt := range tests {
		if got := s.notifySigned(t, "/numora/executor", tt.body, tt.signature); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
	s.stop(t)
	log := s.stderr.String()
	for _, check := range []string{"mismatch", "stale"} {
		if !strings.Contains(log, `"msg":"notification refused: bad signature"`) || !strings.Contains(log, `"check":"`+check+`"`) {
			t.Errorf("no refusal logged with check %s:\n%s", check, log)
		}
	}
	if !strings.Contains(log, `"signature":"hmac-sha512 over \"body\", base64"`) {
		t.Errorf("the start line does not name the configured scheme:\n%s", log)
	}
	e.noSecrets(t, log)
}
