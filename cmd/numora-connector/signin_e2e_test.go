package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
)

// TestE2ECheckSignInFailures: the compiled binary's check names the step
// that failed, the AADSTS code and the fix for every way Entra ID sign-in
// fails against the emulator's token service; an outage is never called a
// credentials problem; nothing shows a secret.
func TestE2ECheckSignInFailures(t *testing.T) {
	e := newE2E(t, func(seeded) bool { return false })
	const wrongSecret = "wrong-client-secret-e2e-signin"
	e.secrets = append(e.secrets, wrongSecret)
	// One attempt per token request: an outage then fails fast.
	if err := os.WriteFile(filepath.Join(e.dir, "connector.yaml"), []byte("dynamics:\n  retry:\n    max_attempts: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "https://" + ln.Addr().String() + "/"
	ln.Close()
	refused, failed := "FAIL  Dataverse "+e.sb.dv.URL+": sign-in to Entra ID refused (no token; WhoAmI not tried)",
		"FAIL  Dataverse "+e.sb.dv.URL+": sign-in to Entra ID failed (no token; WhoAmI not tried)"
	tests := []struct {
		name    string
		env     []string
		refusal dataversetest.TokenRefusal
		outage  bool
		want    []string
	}{
		{"wrong secret", []string{"AZURE_CLIENT_SECRET=" + wrongSecret}, 0, false,
			[]string{refused, "(AADSTS7000215): the client secret is wrong", "set AZURE_CLIENT_SECRET"}},
		{"expired secret", nil, dataversetest.RefuseExpiredSecret, false,
			[]string{refused, "(AADSTS7000222): the client secret has expired", "AZURE_CLIENT_SECRET"}},
		{"wrong DYNAMICS_URL", []string{"DYNAMICS_URL=https://contoso.crm4.dynamics.com"}, 0, false,
			[]string{"(AADSTS500011): the tenant has no Dataverse environment https://contoso.crm4.dynamics.com", "check DYNAMICS_URL"}},
		{"unknown tenant", []string{"AZURE_TENANT_ID=contoso.onmicrosoft.com"}, 0, false,
			[]string{refused, "(AADSTS90002): tenant contoso.onmicrosoft.com does not exist", "check AZURE_TENANT_ID"}},
		{"unknown client id", []string{"AZURE_CLIENT_ID=11111111-0000-4000-8000-000000000000"}, 0, false,
			[]string{refused, "(AADSTS700016)", "check AZURE_CLIENT_ID"}},
		{"token service outage", nil, 0, true,
			[]string{failed, "unavailable (HTTP 503, AADSTS90033) — not a credentials problem"}},
		{"token service unreachable", []string{"AZURE_AUTHORITY_HOST=" + closed}, 0, false,
			[]string{failed, "is unreachable (connection refused) — not a credentials problem"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.sb.dv.SetTokenRefusal(tt.refusal)
			e.sb.dv.SetTokenOutage(tt.outage)
			defer e.sb.dv.SetTokenRefusal(dataversetest.NoTokenRefusal)
			defer e.sb.dv.SetTokenOutage(false)
			r := e.run(t, tt.env, "check")
			if r.code != exitUnavailable {
				t.Errorf("exit %d, want 3", r.code)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
				}
			}
			if tt.outage && strings.Contains(r.stdout, "refused") {
				t.Errorf("an outage reads as a refusal:\n%s", r.stdout)
			}
		})
	}
}

// TestE2ECheckDebugShowsEntrasDescription: --log-level debug logs Entra
// ID's whole error_description, in check and in run, which the FAIL line
// and the summary leave out.
func TestE2ECheckDebugShowsEntrasDescription(t *testing.T) {
	e := newE2E(t, func(seeded) bool { return false })
	e.sb.dv.SetTokenRefusal(dataversetest.RefuseExpiredSecret)
	for _, cmd := range []string{"check", "run"} {
		r := e.run(t, nil, cmd, "--log-level", "debug", "--log-format", "json")
		for _, w := range []string{`"msg":"dynamics365: sign-in failed"`, `"aadsts":7000222`,
			`consider using certificate credentials for added security: https://aka.ms/certCreds.\r\nTrace ID: `, `"correlation_id":"`} {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%s: debug log lacks %q:\n%s", cmd, w, r.stderr)
			}
		}
		if r.code != exitUnavailable || strings.Contains(r.stdout, "Trace ID") || !strings.Contains(r.stdout, "(AADSTS7000222): the client secret has expired") {
			t.Errorf("%s: want exit 3 and the one-line reason on stdout, not Entra's whole description:\n%v", cmd, r)
		}
	}
}

// TestE2ECheckMissingCredentialNamesTheVariable: a missing setting is a
// configuration FAIL (exit 2) naming the variable to set.
func TestE2ECheckMissingCredentialNamesTheVariable(t *testing.T) {
	e := newE2E(t, func(seeded) bool { return false })
	tests := []struct {
		env  []string
		want string
	}{
		{[]string{"AZURE_CLIENT_SECRET="}, "AZURE_CLIENT_SECRET is not set (or AZURE_CLIENT_CERTIFICATE_PATH"},
		{[]string{"AZURE_TENANT_ID="}, "AZURE_TENANT_ID is not set"},
		{[]string{"AZURE_CLIENT_ID="}, "AZURE_CLIENT_ID is not set"},
	}
	for _, tt := range tests {
		r := e.run(t, tt.env, "check")
		if r.code != exitUsage || !strings.Contains(r.stdout, "FAIL  Dataverse "+e.sb.dv.URL+": configuration") ||
			!strings.Contains(r.stdout, tt.want) {
			t.Errorf("%v: %v\nwant exit 2, a configuration FAIL and %q", tt.env, r, tt.want)
		}
	}
	if r := e.run(t, nil, "check"); r.code != exitOK || !strings.Contains(r.stdout, "signed in to Entra ID, WhoAmI answered") {
		t.Errorf("good check: %v", r)
	}
}

// TestE2ECheckFailLinesNameTheStep: each FAIL line names the step that
// failed (never the success wording, "WhoAmI answered"), and the line under
// it what to do; exit 3 for a service that refused or did not answer.
func TestE2ECheckFailLinesNameTheStep(t *testing.T) {
	e := newE2E(t, func(seeded) bool { return false })
	e.secrets = append(e.secrets, "sk_refused_check_e2e")
	if err := os.WriteFile(filepath.Join(e.dir, "connector.yaml"), []byte("numora:\n  retry:\n    max_attempts: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	tests := []struct {
		name  string
		fault *dataversetest.Fault
		env   []string
		want  []string
	}{
		{"WhoAmI refused", &dataversetest.Fault{Kind: dataversetest.FaultStatus, Path: "WhoAmI", Status: 403}, nil,
			[]string{"FAIL  Dataverse " + e.sb.dv.URL + ": signed in to Entra ID, but WhoAmI failed",
				"a token was issued but Dataverse refused it (HTTP 403): is client id"}},
		{"API key refused", nil, []string{"NUMORA_API_KEY=sk_refused_check_e2e"},
			[]string{"FAIL  Numora " + e.sb.numora.URL + ": API key refused (HTTP 401): set NUMORA_API_KEY (or the file NUMORA_API_KEY_FILE names)",
				"ok    Dataverse " + e.sb.dv.URL + ": signed in to Entra ID, WhoAmI answered"}},
		{"Numora unreachable", nil, []string{"NUMORA_BASE_URL=" + closed},
			[]string{"FAIL  Numora " + closed + ": unreachable", "connection refused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fault != nil {
				e.sb.dv.AddFault(*tt.fault)
				defer e.sb.dv.ClearFaults()
			}
			r := e.run(t, tt.env, "check")
			if r.code != exitUnavailable {
				t.Errorf("exit %d, want 3", r.code)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
				}
			}
			for _, line := range strings.Split(r.stdout, "\n") {
				if strings.HasPrefix(line, "FAIL") && (strings.Contains(line, "answered") || strings.Contains(line, "accepted")) {
					t.Errorf("a FAIL line in the success wording: %q", line)
				}
			}
		})
	}
}

// TestE2EVersionFromVCS: a binary built from the git checkout with VCS
// stamping prints the checkout's revision.
func TestE2EVersionFromVCS(t *testing.T) {
	head, err := exec.Command("git", "rev-parse", "--short=7", "HEAD").Output()
	if err != nil {
		t.Skipf("no git checkout: %v", err)
	}
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Fatal(err)
	}
	// The go command stamps VCS information only when .git is a directory;
	// in a git worktree (.git is a file) a build has none.
	if fi, err := os.Stat(filepath.Join(strings.TrimSpace(string(top)), ".git")); err != nil || !fi.IsDir() {
		t.Skip("a git worktree: the go command does not stamp VCS information here")
	}
	bin := filepath.Join(t.TempDir(), "numora-connector")
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -buildvcs=true: %v\n%s", err, out)
	}
	for _, arg := range []string{"version", "--version"} {
		out, err := exec.Command(bin, arg).Output()
		if err != nil {
			t.Fatal(err)
		}
		if want := "(rev " + strings.TrimSpace(string(head)); !strings.HasPrefix(string(out), "numora-connector ") || !strings.Contains(string(out), want) {
			t.Errorf("%s: %q, want the revision %q", arg, out, want)
		}
	}
}
