package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations/dynamics365"

	"github.com/numora/numora-connector/connector"
)

func TestDeployExampleConfigParses(t *testing.T) {
	c, _, err := loadConfigFile(filepath.Join("..", "..", "deploy", "connector.yaml"))
	if err != nil {
		t.Fatalf("deploy/connector.yaml: %v", err)
	}
	if c.Dynamics.OrgURL == "" || c.Run.Concurrency != 8 || c.Run.StopGrace != 30*time.Second {
		t.Errorf("parsed %+v", c)
	}
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "connector.yaml")
	yaml := "numora:\n  base_url: https://file.example\n  provider: fileprov\nrun:\n  concurrency: 3\nmappings: file.yaml\n" +
		"dynamics:\n  limits:\n    requests: 200\n    execution_time: 40s\n    window: 10s\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"NUMORA_BASE_URL": "https://env.example", "NUMORA_API_KEY": "sk_env"}
	a := &app{stdout: &strings.Builder{}, stderr: &strings.Builder{}, getenv: func(k string) string { return env[k] }}
	fs := newFlagSet("run", "", a.stderr)
	fs.configFlags()
	fs.mappingsFlag()
	fs.numoraFlags()
	fs.runFlags()
	if err := fs.Parse([]string{"--config", path, "--concurrency", "5"}); err != nil {
		t.Fatal(err)
	}
	c, _, err := a.loadConfig(fs, needs{numora: true})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, got, want string }{
		{"env over file", c.Numora.BaseURL, "https://env.example"},
		{"file when no env", c.Numora.Provider, "fileprov"},
		{"file mappings", c.Mappings, "file.yaml"},
		{"secret from env", c.Numora.APIKey.Reveal(), "sk_env"},
		{"default log format", c.Log.Format, "auto"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	if c.Run.Concurrency != 5 {
		t.Errorf("flag over file: concurrency %d, want 5", c.Run.Concurrency)
	}
	if l := c.Dynamics.Limits; l != (dynamics365.Limits{Requests: 200, ExecutionTime: 40 * time.Second, Window: 10 * time.Second}) {
		t.Errorf("dynamics.limits from the file: %+v", l)
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  config
		n    needs
		want []string
	}{
		{"missing everything", config{}, needs{numora: true, dynamics: true},
			[]string{"numora.base_url: required", "NUMORA_API_KEY", "dynamics.url: required"}},
		{"http remote", config{Numora: numoraConfig{BaseURL: "http://api.example.com"}}, needs{numora: true},
			[]string{"plain http is allowed only for loopback"}},
		{"http loopback ok", config{Dynamics: dynamicsConfig{Config: dynamics365.Config{OrgURL: "http://127.0.0.1:8080"}}}, needs{dynamics: true}, nil},
		{"user in url", config{Dynamics: dynamicsConfig{Config: dynamics365.Config{OrgURL: "https://u:p@org.example"}}}, needs{dynamics: true},
			[]string{"must not carry a user"}},
		{"numbers", config{Run: runConfig{Concurrency: 500, Interval: time.Millisecond, StopGrace: -time.Second}}, needs{},
			[]string{"concurrency 500", "interval 1ms", "stop_grace -1s"}},
		{"log", config{Log: logConfig{Format: "xml", Level: "loud"}}, needs{}, []string{"log format", "log level"}},
		{"limits window", config{Dynamics: dynamicsConfig{Config: dynamics365.Config{Limits: dynamics365.Limits{Window: -time.Second}}}}, needs{},
			[]string{"dynamics.limits.window -1s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.cfg
			c.applyDefaults()
			got := strings.Join(c.validate(tt.n), "\n")
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("problems %q lack %q", got, w)
				}
			}
			if tt.want == nil && got != "" {
				t.Errorf("problems %q, want none", got)
			}
		})
	}
}

func TestPermissionWarning(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, yaml string
		mode       os.FileMode
		warn       string
	}{
		{"secret, world readable", "numora:\n  api_key: sk_live_x\n", 0o644, "readable by other users"},
		{"secret, group readable", "dynamics:\n  client_secret: s3cr3t-x\n", 0o640, "readable by other users"},
		{"secret, private", "numora:\n  api_key: sk_live_x\n", 0o600, "secrets in plain text"},
		{"certificate password, private", "dynamics:\n  certificate_password: pw-x\n", 0o400, "secrets in plain text"},
		{"no secret, world writable", "run:\n  concurrency: 2\n", 0o666, "changed by other users"},
		{"no secret, group writable", "run:\n  concurrency: 2\n", 0o620, "changed by other users"},
		{"no secret", "run:\n  concurrency: 2\n", 0o644, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, string(rune('a'+i))+".yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), tt.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			_, warning, err := loadConfigFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(warning, tt.warn) || (tt.warn == "" && warning != "") {
				t.Errorf("got warning %q, want one containing %q", warning, tt.warn)
			}
			for _, sec := range []string{"sk_live_x", "s3cr3t-x", "pw-x"} {
				if strings.Contains(warning, sec) {
					t.Errorf("warning %q shows the secret", warning)
				}
			}
		})
	}
}

func TestRunExitCode(t *testing.T) {
	tests := []struct {
		name string
		s    connector.Summary
		want int
	}{
		{"nothing to do", connector.Summary{}, exitOK},
		{"delivered and skipped", connector.Summary{Counts: connector.Counts{Seen: 2, Delivered: 1, Skipped: 1}}, exitOK},
		{"a document refused", connector.Summary{Counts: connector.Counts{Seen: 1, Failed: 1}}, exitRefused},
		{"refused and left for retry", connector.Summary{Counts: connector.Counts{Seen: 2, Failed: 1, LeftForRetry: 1}}, exitProblems},
		{"left for retry", connector.Summary{Counts: connector.Counts{Seen: 1, LeftForRetry: 1}}, exitProblems},
		{"breaker", connector.Summary{Stop: connector.StopCircuitOpen}, exitProblems},
		{"destination down before writes", connector.Summary{Stop: connector.StopDestination}, exitUnavailable},
		{"numora down before writes", connector.Summary{Stop: connector.StopSource}, exitUnavailable},
		{"numora down after writes", connector.Summary{Stop: connector.StopSource,
			Counts: connector.Counts{Seen: 1, Delivered: 1, Written: 1}}, exitProblems},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.s
			if s.Stop == connector.StopSource || s.Stop == connector.StopDestination {
				s.Err = os.ErrDeadlineExceeded
			}
			if got := runExitCode(&s, exitRefused); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestSuggestCommand(t *testing.T) {
	tests := []struct{ in, want string }{{"runn", "run"}, {"valdate", "validate"}, {"zzzzzzzz", ""}}
	for _, tt := range tests {
		got := suggestCommand(tt.in)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("suggestCommand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
