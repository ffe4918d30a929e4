package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServeConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "webhook-secret")
	if err := os.WriteFile(file, []byte("whsec_new\nwhsec_old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		env     map[string]string
		secrets int
		queue   string
		problem string
	}{
		{"one secret", map[string]string{"NUMORA_WEBHOOK_SECRET": "whsec_a"}, 1, "numora-queue.db", ""},
		{"rotation", map[string]string{"NUMORA_WEBHOOK_SECRET": "whsec_new whsec_old"}, 2, "numora-queue.db", ""},
		{"secret file", map[string]string{"NUMORA_WEBHOOK_SECRET_FILE": file}, 2, "numora-queue.db", ""},
		{"systemd state directory", map[string]string{"NUMORA_WEBHOOK_SECRET": "s", "STATE_DIRECTORY": "/var/lib/x"}, 1, "/var/lib/x/queue.db", ""},
		{"queue from the environment", map[string]string{"NUMORA_WEBHOOK_SECRET": "s", "CONNECTOR_QUEUE": "/q.db"}, 1, "/q.db", ""},
		{"no secret", map[string]string{}, 0, "numora-queue.db", "NUMORA_WEBHOOK_SECRET"},
		{"unreadable secret file", map[string]string{"NUMORA_WEBHOOK_SECRET_FILE": filepath.Join(dir, "missing")}, 0, "numora-queue.db", "NUMORA_WEBHOOK_SECRET_FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &config{}
			c.applyEnv(func(k string) string { return tt.env[k] })
			c.applyDefaults()
			if got := len(c.webhookSecrets()); got != tt.secrets {
				t.Errorf("secrets = %d, want %d", got, tt.secrets)
			}
			if c.Serve.Queue != tt.queue {
				t.Errorf("queue = %q, want %q", c.Serve.Queue, tt.queue)
			}
			problems := strings.Join(c.validateServe(), "\n")
			if (tt.problem == "") != (problems == "") || !strings.Contains(problems, tt.problem) {
				t.Errorf("problems %q, want one mentioning %q", problems, tt.problem)
			}
			if strings.Contains(problems, "whsec") {
				t.Errorf("problems show a secret: %q", problems)
			}
		})
	}
}

func TestServeConfigFile(t *testing.T) {
	c, err := parseConfig("connector.yaml", []byte("serve:\n  listen: 127.0.0.1:9000\n  signature: {hash: sha512, signed: body, encoding: base64}\n  reconcile: 10m\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Serve.Listen != "127.0.0.1:9000" || c.Serve.Signature.Hash != "sha512" || c.Serve.Reconcile.Minutes() != 10 {
		t.Errorf("serve = %+v", c.Serve)
	}
	if _, err := parseConfig("connector.yaml", []byte("serve:\n  signature: {algorithm: sha1}\n")); err == nil {
		t.Error("an unknown signature key was accepted")
	}
}
