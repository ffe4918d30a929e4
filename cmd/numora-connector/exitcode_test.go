package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestMissingFilesExitUsage: a config or rules file that is missing or
// unreadable is a usage error (exit 2) in every command that reads it,
// and the message names the file.
func TestMissingFilesExitUsage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.yaml")
	unreadable := filepath.Join(dir, "dir.yaml")
	if err := os.Mkdir(unreadable, 0o700); err != nil { // reading a directory fails for root too
		t.Fatal(err)
	}
	env := map[string]string{"NUMORA_BASE_URL": "http://127.0.0.1:1", "NUMORA_API_KEY": "sk_test_x",
		"DYNAMICS_URL": "http://127.0.0.1:2"}
	result := filepath.Join(dir, "result.json")
	if err := os.WriteFile(result, []byte(`{}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var tests []struct {
		name string
		args []string
	}
	for _, file := range []string{missing, unreadable} {
		for _, cmd := range [][]string{{"run"}, {"run", "--dry-run"}, {"validate"}, {"render", "--result", result},
			{"check"}, {"dispatch"}, {"serve"}, {"sandbox"}} {
			if cmd[0] != "sandbox" { // the sandbox configures itself: no --config
				tests = append(tests, struct {
					name string
					args []string
				}{cmd[0] + " --config " + filepath.Base(file), append(append([]string(nil), cmd...), "--config", file)})
			}
			switch cmd[0] {
			case "dispatch", "serve": // they read no rules file of their own (serve's come from --config)
			default:
				tests = append(tests, struct {
					name string
					args []string
				}{cmd[0] + " --mappings " + filepath.Base(file), append(append([]string(nil), cmd...), "--mappings", file)})
			}
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errs := inProcess(t, env, tt.args...)
			if code != exitUsage || !strings.Contains(out+errs, filepath.Base(tt.args[len(tt.args)-1])) {
				t.Errorf("exit %d, want 2 naming the file:\n%s", code, errs)
			}
		})
	}
}

func TestSignalExitCode(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	if got := signalExitCode(ctx, exitRefused); got != exitRefused {
		t.Errorf("no signal: got %d, want the command's code", got)
	}
	cancel(stoppedBy{syscall.SIGTERM})
	for code, want := range map[int]int{exitOK: 143, exitRefused: 143, exitProblems: 143, exitUsage: exitUsage} {
		if got := signalExitCode(ctx, code); got != want {
			t.Errorf("SIGTERM after exit %d: got %d, want %d", code, got, want)
		}
	}
	ctx, cancel = context.WithCancelCause(context.Background())
	cancel(stoppedBy{syscall.SIGINT})
	if got := signalExitCode(ctx, exitOK); got != 130 {
		t.Errorf("SIGINT: got %d, want 130", got)
	}
}

// TestRefusedExitCodeSetting: a pass whose only problems are refused
// documents exits with run.refused_exit_code (0 for Kubernetes). The
// refused documents stay in the outbox, so the second pass meets them again.
func TestRefusedExitCodeSetting(t *testing.T) {
	e := newE2E(t, only("delivered", "failed"))
	for _, tt := range []struct {
		args []string
		want int
	}{{nil, exitRefused}, {[]string{"--refused-exit-code", "0"}, exitOK}} {
		r := e.run(t, nil, append([]string{"run"}, tt.args...)...)
		if r.code != tt.want || !strings.Contains(r.stdout, "crm_400") {
			t.Errorf("run %v: exit %d, want %d with the refusals in the summary:\n%s", tt.args, r.code, tt.want, r.stdout)
		}
	}
}
