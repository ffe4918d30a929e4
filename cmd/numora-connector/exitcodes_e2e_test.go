package main

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
)

// TestE2EExitCodesPerCommand runs the compiled binary once for each exit
// code each command documents (README "Exit codes", docs/cli.md), each
// against emulators of its own: run 0, 1, 2, 3, 4, 130, 143; check 0, 2, 3;
// validate 0, 2, 3; render 0, 1, 2; dispatch 2, 3; sandbox 0; version
// and help 0, 2.
func TestE2EExitCodesPerCommand(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "https://" + ln.Addr().String() + "/"
	ln.Close()
	docs := sandboxDocs(time.Date(2026, 3, 24, 3, 0, 0, 0, time.UTC))
	tests := []struct {
		name  string
		keep  []string                   // the seeded outcomes left in the outbox
		setup func(t *testing.T, e *e2e) // faults, files
		env   []string
		args  []string
		sig   syscall.Signal // sent after the first pass, when set
		want  int
	}{
		{name: "run: all delivered", keep: []string{"delivered"}, args: []string{"run"}, want: exitOK},
		{name: "run: breaker open", keep: []string{"delivered"}, setup: func(t *testing.T, e *e2e) {
			e.sb.dv.AddFault(dataversetest.Fault{Kind: dataversetest.FaultStatus, Path: "$batch", Status: 503})
			writeFile(t, e.dir, "connector.yaml", "dynamics:\n  retry: {max_attempts: 2, base_delay: 10ms, max_delay: 20ms}\n  breaker: {failures: 2}\n")
		}, args: []string{"run", "--concurrency", "2"}, want: exitProblems},
		{name: "run: rules file missing", args: []string{"run", "--mappings", "missing.yaml"}, want: exitUsage},
		{name: "run: API key refused", env: []string{"NUMORA_API_KEY=sk_refused_exitcodes"}, args: []string{"run"}, want: exitUnavailable},
		{name: "run: data refused", keep: []string{"delivered", "failed"}, args: []string{"run"}, want: exitRefused},
		{name: "run: SIGINT", keep: []string{"delivered"}, args: []string{"run", "--interval", "1h", "--log-format", "json"}, sig: syscall.SIGINT, want: 130},
		{name: "run: SIGTERM", keep: []string{"delivered"}, args: []string{"run", "--interval", "1h", "--log-format", "json"}, sig: syscall.SIGTERM, want: 143},
		{name: "check: ok", args: []string{"check"}, want: exitOK},
		{name: "check: tenant id unset", env: []string{"AZURE_TENANT_ID="}, args: []string{"check"}, want: exitUsage},
		{name: "check: secret refused", env: []string{"AZURE_CLIENT_SECRET=wrong-secret-exitcodes"}, args: []string{"check"}, want: exitUnavailable},
		{name: "validate: ok", args: []string{"validate"}, want: exitOK},
		{name: "validate: config file missing", args: []string{"validate", "--config", "missing.yaml"}, want: exitUsage},
		{name: "validate --online: token service unreachable", setup: func(t *testing.T, e *e2e) {
			writeFile(t, e.dir, "connector.yaml", "dynamics:\n  retry: {max_attempts: 1}\n")
		}, env: []string{"AZURE_AUTHORITY_HOST=" + closed}, args: []string{"validate", "--online"}, want: exitUnavailable},
		{name: "render: a plan", setup: func(t *testing.T, e *e2e) { writeResult(t, e.dir, "r.json", docs[0].fixture.Result) },
			args: []string{"render", "--result", "r.json"}, want: exitOK},
		{name: "render: cannot be mapped", setup: func(t *testing.T, e *e2e) { writeResult(t, e.dir, "r.json", docs[14].fixture.Result) },
			args: []string{"render", "--result", "r.json"}, want: exitProblems},
		{name: "render: --format xml", setup: func(t *testing.T, e *e2e) { writeResult(t, e.dir, "r.json", docs[0].fixture.Result) },
			args: []string{"render", "--result", "r.json", "--format", "xml"}, want: exitUsage},
		{name: "dispatch: config file missing", args: []string{"dispatch", "--config", "missing.yaml"}, want: exitUsage},
		{name: "dispatch: API key refused", env: []string{"NUMORA_API_KEY=sk_refused_exitcodes"}, args: []string{"dispatch"}, want: exitUnavailable},
		{name: "sandbox", args: []string{"sandbox"}, want: exitOK},
		{name: "version", args: []string{"version"}, want: exitOK},
		{name: "version: unknown flag", args: []string{"version", "--short"}, want: exitUsage},
		{name: "help", args: []string{"help", "check"}, want: exitOK},
		{name: "help: unknown command", args: []string{"help", "chek"}, want: exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newE2E(t, only(tt.keep...))
			e.secrets = append(e.secrets, "sk_refused_exitcodes", "wrong-secret-exitcodes")
			if tt.setup != nil {
				tt.setup(t, e)
			}
			var r result
			if tt.sig != 0 {
				r = e.runSignalled(t, append(e.env, tt.env...), tt.sig, func(line string) bool {
					return strings.Contains(line, `"msg":"run finished"`)
				}, tt.args...)
			} else {
				r = e.run(t, tt.env, tt.args...)
			}
			if r.code != tt.want {
				t.Errorf("exit %d, want %d\n%v", r.code, tt.want, r)
			}
		})
	}
}

// writeFile writes body to dir/name.
func writeFile(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// writeResult writes v as JSON to dir/name.
func writeResult(t *testing.T, dir, name string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, name, string(b))
}
