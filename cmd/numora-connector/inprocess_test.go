package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// inProcess runs the command in this process (for coverage of what the
// end-to-end tests run as a subprocess).
func inProcess(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb strings.Builder
	a := &app{stdout: &out, stderr: &errb, getenv: func(k string) string { return env[k] }}
	code := a.main(t.Context(), args)
	return code, out.String(), errb.String()
}

func TestInProcessSandbox(t *testing.T) {
	summary := filepath.Join(t.TempDir(), "s.json")
	code, out, errs := inProcess(t, nil, "sandbox", "--summary-json", summary, "--log-format", "json")
	if code != exitOK || !strings.Contains(out, "Every document behaved as seeded.") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	if _, err := os.Stat(summary); err != nil {
		t.Errorf("no summary file: %v", err)
	}
}

func TestInProcessRender(t *testing.T) {
	dir := t.TempDir()
	docs := sandboxDocs(time.Date(2026, 3, 24, 3, 0, 0, 0, time.UTC))
	write := func(name string, v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	invoice := write("invoice.json", docs[0].fixture.Result)
	dup := write("dup.json", docs[13].fixture.Result)
	low := write("low.json", docs[14].fixture.Result)
	rules := filepath.Join("..", "..", "mappings.yaml")
	tests := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"plan", []string{"--result", invoice}, exitOK, `"entity": "new_vendorinvoices"`},
		{"http", []string{"--result", invoice, "--format", "http"}, exitOK, "$batch"},
		{"skip", []string{"--result", dup}, exitOK, "skipped: duplicate"},
		{"render error", []string{"--result", low}, exitProblems, ""},
		{"no result", nil, exitUsage, ""},
		{"bad format", []string{"--result", invoice, "--format", "xml"}, exitUsage, ""},
		{"missing file", []string{"--result", filepath.Join(dir, "nope.json")}, exitUsage, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"render", "--mappings", rules}, tt.args...)
			code, out, errs := inProcess(t, nil, args...)
			if code != tt.code || !strings.Contains(out, tt.out) {
				t.Errorf("exit %d, want %d; stdout lacks %q?\n%s\n%s", code, tt.code, tt.out, out, errs)
			}
		})
	}
}

func TestInProcessHelp(t *testing.T) {
	for _, c := range commands() {
		code, out, errs := inProcess(t, nil, "help", c.name)
		if c.name == "help" {
			continue
		}
		if code != exitOK || !strings.Contains(out, "Usage: numora-connector "+c.name) {
			t.Errorf("help %s: exit %d\n%s%s", c.name, code, out, errs)
		}
	}
	if code, out, _ := inProcess(t, nil, "--help"); code != exitOK || !strings.Contains(out, "Commands:") {
		t.Errorf("--help: exit %d\n%s", code, out)
	}
	if code, _, _ := inProcess(t, nil); code != exitUsage {
		t.Errorf("no command: exit %d, want 2", code)
	}
}
