package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/numora/numora-connector/internal/logctx"
)

// binary is the numora-connector built once for the end-to-end tests.
var binary string

// e2eParallel is how many parallel tests run at once unless -parallel says
// otherwise. The end-to-end cases spend most of their time waiting (on
// emulated latency, Retry-After pauses, backoff), not computing, so running
// more of them than there are cores shortens the suite without loading the
// machine; each asserts only what holds on a slow, loaded machine.
const e2eParallel = 8

func TestMain(m *testing.M) {
	flag.Parse()
	if !flagGiven("test.parallel") {
		_ = flag.Set("test.parallel", strconv.Itoa(max(e2eParallel, runtime.GOMAXPROCS(0))))
	}
	dir, err := os.MkdirTemp("", "numora-connector-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "numora-connector")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building the binary: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// flagGiven reports whether the command line set the flag name.
func flagGiven(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// e2e is a pair of seeded emulators and the environment that points the
// binary at them.
type e2e struct {
	sb      *sandbox
	env     []string
	secrets []string
	dir     string
}

// newE2E starts the emulators seeded with the sandbox documents keep
// selects (all when nil).
func newE2E(t *testing.T, keep func(seeded) bool) *e2e {
	t.Helper()
	sb, err := startSandbox(logctx.Discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.close)
	if keep != nil {
		var kept []seeded
		for _, d := range sb.docs {
			if keep(d) {
				kept = append(kept, d)
			} else if err := sb.numora.SetStatus(d.fixture.ID, "push_succeeded"); err != nil {
				t.Fatal(err)
			}
		}
		sb.docs = kept
	}
	mappings, err := filepath.Abs(filepath.Join("..", "..", "mappings.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	e := &e2e{sb: sb, dir: t.TempDir(), secrets: []string{sb.numora.APIKey, sb.dv.ClientSecret}}
	e.env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + e.dir,
		"NUMORA_BASE_URL=" + sb.numora.URL, "NUMORA_API_KEY=" + sb.numora.APIKey,
		"DYNAMICS_URL=" + sb.dv.URL, "AZURE_TENANT_ID=" + sb.dv.TenantID, "AZURE_CLIENT_ID=" + sb.dv.ClientID,
		"AZURE_CLIENT_SECRET=" + sb.dv.ClientSecret, "AZURE_AUTHORITY_HOST=" + sb.dv.AuthorityHost,
		"SSL_CERT_FILE=" + filepath.Join(sb.dir, "ca.pem"), "CONNECTOR_MAPPINGS=" + mappings,
	}
	return e
}

// only keeps the documents seeded for the given outcomes.
func only(outcomes ...string) func(seeded) bool {
	return func(d seeded) bool {
		for _, o := range outcomes {
			if string(d.want) == o {
				return true
			}
		}
		return false
	}
}

// result is one finished run of the binary.
type result struct {
	code           int
	stdout, stderr string
}

// run runs the binary with e's environment (plus extra entries) and checks
// that no known secret shows in its output.
func (e *e2e) run(t *testing.T, extra []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = e.dir
	cmd.Env = append(append([]string(nil), e.env...), extra...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{code: cmd.ProcessState.ExitCode(), stdout: out.String(), stderr: errb.String()}
	if err != nil && r.code < 0 {
		t.Fatalf("running %v: %v", args, err)
	}
	e.noSecrets(t, r.stdout+r.stderr)
	return r
}

// noSecrets fails when a known secret, or anything like a bearer token,
// appears in s.
func (e *e2e) noSecrets(t *testing.T, s string) {
	t.Helper()
	for _, sec := range e.secrets {
		if sec != "" && strings.Contains(s, sec) {
			t.Errorf("output contains the secret %.6s…", sec)
		}
	}
	for _, marker := range []string{"Bearer ", "eyJ"} {
		if strings.Contains(s, marker) {
			t.Errorf("output contains %q (a token?)", marker)
		}
	}
}

func (e *e2e) summaryPath() string { return filepath.Join(e.dir, "summary.json") }

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s\n--- stderr\n%s", r.code, r.stdout, r.stderr)
}
