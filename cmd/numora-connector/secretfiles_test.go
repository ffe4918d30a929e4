package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/numora/numora-connector/secret"
)

func TestReadSecretFiles(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		cfg     config
		want    string // the API key after the read
		wantErr string // a part of the error
	}{
		{"trailing newline dropped", config{Numora: numoraConfig{APIKeyFile: file("k1", "sk_test_one\n")}}, "sk_test_one", ""},
		{"no file, key kept", config{Numora: numoraConfig{APIKey: secret.New("sk_env")}}, "sk_env", ""},
		{"missing file", config{Numora: numoraConfig{APIKeyFile: filepath.Join(dir, "nope")}}, "",
			"NUMORA_API_KEY_FILE: open " + filepath.Join(dir, "nope")},
		{"empty file", config{Numora: numoraConfig{APIKeyFile: file("k2", " \n")}}, "", "NUMORA_API_KEY_FILE: " + dir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.cfg
			_, err := c.readSecretFiles()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || errorExitCode(err) != exitUsage {
					t.Fatalf("got %v (exit %d), want a usage error containing %q", err, errorExitCode(err), tt.wantErr)
				}
				return
			}
			if err != nil || c.Numora.APIKey.Reveal() != tt.want {
				t.Fatalf("got key %q, %v; want %q", c.Numora.APIKey.Reveal(), err, tt.want)
			}
		})
	}
}

func TestReadSecretFilesReportsChanges(t *testing.T) {
	p := filepath.Join(t.TempDir(), "secret")
	write := func(v string) {
		if err := os.WriteFile(p, []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c := config{Dynamics: dynamicsConfig{ClientSecretFile: p}}
	for _, step := range []struct {
		content string
		changed bool
	}{{"one", true}, {"one\n", false}, {"two", true}, {"two", false}} {
		write(step.content)
		changed, err := c.readSecretFiles()
		if err != nil || changed != step.changed || c.Dynamics.ClientSecret.Reveal() != strings.TrimSpace(step.content) {
			t.Errorf("after writing %q: changed %v, %v, secret %q; want changed %v", step.content, changed, err,
				c.Dynamics.ClientSecret.Reveal(), step.changed)
		}
	}
}

// TestReadSecretFilesAllOrNone: when one file cannot be read (a rotation
// half done), no secret is replaced, so the change of another file is still
// reported by the next read that succeeds and the pipeline is rebuilt with
// it (a replaced secret reported "unchanged" would keep the old key in use).
func TestReadSecretFilesAllOrNone(t *testing.T) {
	dir := t.TempDir()
	key, sec := filepath.Join(dir, "key"), filepath.Join(dir, "secret")
	writeSecret(t, key, "sk_old")
	writeSecret(t, sec, "client-old")
	c := config{Numora: numoraConfig{APIKeyFile: key}, Dynamics: dynamicsConfig{ClientSecretFile: sec}}
	if _, err := c.readSecretFiles(); err != nil {
		t.Fatal(err)
	}
	writeSecret(t, key, "sk_new")
	if err := os.Remove(sec); err != nil {
		t.Fatal(err)
	}
	if changed, err := c.readSecretFiles(); err == nil || changed {
		t.Fatalf("changed %v, %v; want an error naming AZURE_CLIENT_SECRET_FILE", changed, err)
	}
	if got := c.Numora.APIKey.Reveal(); got != "sk_old" {
		t.Errorf("after a failed read the key is %q, want the old one kept", got)
	}
	writeSecret(t, sec, "client-new")
	changed, err := c.readSecretFiles()
	if err != nil || !changed || c.Numora.APIKey.Reveal() != "sk_new" || c.Dynamics.ClientSecret.Reveal() != "client-new" {
		t.Errorf("changed %v, %v, key %q, secret %q; want both new and a change reported", changed, err,
			c.Numora.APIKey.Reveal(), c.Dynamics.ClientSecret.Reveal())
	}
}

func TestSecretGivenTwiceIsRefused(t *testing.T) {
	c := config{Numora: numoraConfig{APIKey: secret.New("sk_env"), APIKeyFile: "/run/secrets/numora"}}
	err := c.checkSecretFiles()
	if err == nil || errorExitCode(err) != exitUsage || !strings.Contains(err.Error(), "NUMORA_API_KEY and NUMORA_API_KEY_FILE") {
		t.Fatalf("got %v, want a usage error naming both variables", err)
	}
	if strings.Contains(err.Error(), "sk_env") {
		t.Errorf("the error shows the secret: %v", err)
	}
}

// TestE2ESecretsFromFiles runs with both secrets read from files, and
// rotates the Numora key while the connector loops: the pass after the
// rotation reads the new key from the file and delivers what arrived since,
// although the server refuses the old key from then on.
func TestE2ESecretsFromFiles(t *testing.T) {
	e := newE2E(t, only("delivered"))
	keyFile, secretFile := filepath.Join(e.dir, "numora-key"), filepath.Join(e.dir, "client-secret")
	writeSecret(t, keyFile, e.sb.numora.APIKey+"\n")
	writeSecret(t, secretFile, e.sb.dv.ClientSecret)
	env := slices.DeleteFunc(slices.Clone(e.env), func(v string) bool {
		return strings.HasPrefix(v, "NUMORA_API_KEY=") || strings.HasPrefix(v, "AZURE_CLIENT_SECRET=")
	})
	env = append(env, "NUMORA_API_KEY_FILE="+keyFile, "AZURE_CLIENT_SECRET_FILE="+secretFile)
	newKey := "sk_test_rotated_9f8e7d6c5b4a"
	e.secrets = append(e.secrets, newKey)

	passes, rotated, reloaded := 0, false, false
	r := e.runWatching(t, env, func(line string) bool {
		reloaded = reloaded || strings.Contains(line, "a secret file changed")
		if !strings.Contains(line, `"msg":"run finished"`) {
			return false
		}
		passes++
		if !rotated {
			writeSecret(t, keyFile, newKey)
			e.sb.numora.RotateAPIKey(newKey)
			e.sb.numora.Generate(3, 4242)
			rotated = true
			return false
		}
		return reloaded && strings.Contains(line, `"delivered":3`)
	}, "run", "--interval", "1s", "--log-format", "json")
	e.noSecrets(t, r.stdout+r.stderr)
	if r.code != exitSIGTERM || !reloaded {
		t.Fatalf("want the 3 documents added after the rotation delivered with the new key, then exit 143 "+
			"(reloaded %v, %d passes): %v", reloaded, passes, r)
	}
	for _, id := range e.sb.numora.OutboxIDs() {
		t.Errorf("%s is still in the outbox", id)
	}
}

// TestE2EClientSecretReplacedWhileLooping: the client secret in
// AZURE_CLIENT_SECRET_FILE is refused (it expired); once the file holds the
// new one, the next pass of the same process signs in with it and delivers,
// with no restart.
func TestE2EClientSecretReplacedWhileLooping(t *testing.T) {
	e := newE2E(t, only("delivered"))
	secretFile := filepath.Join(e.dir, "client-secret")
	const expired = "expired-client-secret-e2e-rotation"
	writeSecret(t, secretFile, expired+"\n")
	e.secrets = append(e.secrets, expired)
	env := slices.DeleteFunc(slices.Clone(e.env), func(v string) bool { return strings.HasPrefix(v, "AZURE_CLIENT_SECRET=") })
	env = append(env, "AZURE_CLIENT_SECRET_FILE="+secretFile)

	refused, reloaded := false, false
	r := e.runWatching(t, env, func(line string) bool {
		reloaded = reloaded || strings.Contains(line, "a secret file changed")
		if !strings.Contains(line, `"msg":"run finished"`) {
			return false
		}
		if !refused {
			refused = strings.Contains(line, "AADSTS7000215") && strings.Contains(line, `"delivered":0`)
			writeSecret(t, secretFile, e.sb.dv.ClientSecret)
			return false
		}
		return true
	}, "run", "--interval", "1s", "--log-format", "json")
	e.noSecrets(t, r.stdout+r.stderr)
	if !refused || !reloaded || r.code != exitSIGTERM || !strings.Contains(r.stdout, "delivered 22") {
		t.Fatalf("want a first pass refused (AADSTS7000215), then the new secret read and 22 documents delivered "+
			"by the same process (refused %v, reloaded %v): %v", refused, reloaded, r)
	}
	if n := len(e.sb.numora.OutboxIDs()); n != 0 {
		t.Errorf("%d documents still in the outbox", n)
	}
}

// writeSecret replaces a secret file at once, as Kubernetes and systemd do.
func writeSecret(t *testing.T, path, v string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(v), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}
