package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/numora"
	"github.com/numora/numora-connector/numora/numoratest"
)

// TestSecretsNeverPrinted runs every command, and the run under faults,
// with known secret values (the Numora API key, the client secret, wrong
// ones of each, one in a config file) at debug level in both log formats,
// and scans every stdout, stderr and summary file for them and for every
// bearer token the Dataverse emulator issued: zero hits.
func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	f := newFaultEnv(t, defaultCorpus, "")
	wrongKey, wrongSecret := "sk_live_wrong_9f8e7d6c5b4a", "wrong-client-secret-0a1b2c3d"
	secrets := []string{f.sb.numora.APIKey, f.sb.dv.ClientSecret, wrongKey, wrongSecret, dataversetest.DefaultClientSecret}
	f.secrets = append(f.secrets, wrongKey, wrongSecret)
	withSecrets := filepath.Join(f.dir, "with-secrets.yaml")
	if err := os.WriteFile(withSecrets, []byte("numora:\n  api_key: "+f.sb.numora.APIKey+"\ndynamics:\n  client_secret: "+
		f.sb.dv.ClientSecret+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	result := filepath.Join(f.dir, "result.json")
	if r, ok := f.sb.numora.Result(f.ids[0]); !ok || writeJSON(result, r) != nil {
		t.Fatal("cannot write a result file")
	}
	debug := []string{"--log-level", "debug", "--log-format", "json"}
	text := []string{"--log-level", "debug", "--log-format", "text"}
	outputs := map[string]string{}
	runs := 0
	do := func(name string, env []string, args ...string) {
		r := f.run(t, env, args...)
		outputs[name] = r.stdout + r.stderr
		runs++
	}
	for _, c := range commands() {
		do("help "+c.name, nil, "help", c.name)
		do(c.name+" --help", nil, c.name, "--help")
	}
	do("version", nil, "version")
	do("validate", nil, append([]string{"validate"}, text...)...)
	do("validate --online", nil, append([]string{"validate", "--online"}, debug...)...)
	do("render", nil, "render", "--result", result, "--format", "http")
	do("check", nil, append([]string{"check"}, debug...)...)
	do("check, wrong key", []string{"NUMORA_API_KEY=" + wrongKey}, append([]string{"check"}, text...)...)
	do("check, wrong secret", []string{"AZURE_CLIENT_SECRET=" + wrongSecret}, append([]string{"check"}, debug...)...)
	do("run --dry-run", nil, append([]string{"run", "--dry-run"}, debug...)...)
	do("run, wrong key", []string{"NUMORA_API_KEY=" + wrongKey}, append([]string{"run"}, debug...)...)
	do("run, wrong secret", []string{"AZURE_CLIENT_SECRET=" + wrongSecret}, append([]string{"run"}, text...)...)
	do("run, secrets in a config file", []string{"NUMORA_API_KEY=", "AZURE_CLIENT_SECRET="},
		append([]string{"run", "--config", withSecrets, "--dry-run"}, debug...)...)
	do("sandbox", nil, append([]string{"sandbox", "--summary-json", filepath.Join(f.dir, "sandbox.json")}, debug...)...)

	// The real run, under faults that make it log: 429s, 503s, a refused
	// callback, tokens expired mid-run, a token-service blip.
	f.sb.dv.AddFault(dataversetest.Fault{Kind: dataversetest.FaultStatus, Status: 429, Code: dataversetest.CodeRequests,
		RetryAfter: time.Second, Count: 2})
	f.sb.dv.AddFault(dataversetest.Fault{Kind: dataversetest.FaultStatus, Status: 503, Fraction: 0.2, Count: 5})
	g := f.sb.dv.HoldPath("$batch")
	s := f.start(t, debug...)
	s.await(t, g.Arrived(), 1, "a write in flight")
	// Refused once a write is in flight: a 401 stops the pass from starting
	// more writes, so refused earlier it could leave none to hold.
	f.sb.numora.Fail(numoratest.EndpointDelivery, numoratest.Fault{Status: 401, Times: 1})
	f.sb.dv.ExpireTokens()
	f.sb.dv.FailNextTokens(1)
	f.sb.dv.Unhold()
	s.wait(t)
	f.sb.numora.ClearFaults()
	f.sb.dv.ClearFaults()
	f.drain(t, 3, text...)
	f.sb.numora.SetDispatch(numora.StatusPushSucceeded, 0)
	for _, id := range f.ids[:5] {
		_ = f.sb.numora.SetStatus(id, numora.StatusReviewed)
	}
	do("dispatch", nil, append([]string{"dispatch", "--summary-json", filepath.Join(f.dir, "dispatch.json")}, debug...)...)
	for i, p := range f.passes {
		outputs[fmt.Sprintf("run pass %d", i+1)] = p.stdout + p.stderr
		runs++
	}
	files, _ := filepath.Glob(filepath.Join(f.dir, "*.json"))
	for _, file := range files {
		outputs[filepath.Base(file)] = summaryOf(t, file)
	}
	tokens := f.sb.dv.IssuedTokens()
	if len(tokens) < 2 {
		t.Errorf("%d tokens issued: the runs did not authenticate as expected", len(tokens))
	}
	hits := scanSecrets(t, outputs, append(secrets, tokens...))
	t.Logf("reliability secrets: %d runs, %d outputs and files scanned for %d secrets and %d bearer tokens: %d hits",
		runs, len(outputs), len(secrets), len(tokens), hits)
}

// scanSecrets reports every secret (or token-like marker) found in the
// outputs and returns the number of hits.
func scanSecrets(t *testing.T, outputs map[string]string, secrets []string) int {
	t.Helper()
	found := findSecrets(outputs, secrets)
	for _, f := range found {
		t.Error(f)
	}
	return len(found)
}

// findSecrets lists where secrets or token-like markers show.
func findSecrets(outputs map[string]string, secrets []string) []string {
	var found []string
	for name, out := range outputs {
		for _, sec := range secrets {
			if sec != "" && strings.Contains(out, sec) {
				found = append(found, fmt.Sprintf("%s shows the secret %.6s…", name, sec))
			}
		}
		for _, marker := range []string{"Bearer ", "eyJ", "client_secret=", "api_key="} {
			if strings.Contains(out, marker) {
				found = append(found, fmt.Sprintf("%s contains %q", name, marker))
			}
		}
	}
	return found
}

func TestFindSecretsFindsLeaks(t *testing.T) {
	outputs := map[string]string{
		"clean":  "run finished, 3 delivered",
		"leaky":  `{"msg":"retrying","auth":"Bearer eyJhbGciOi.x.y","key":"sk_test_123"}`,
		"form":   "POST /token client_secret=abc",
		"nested": "config: numora.api_key=sk_test_123",
	}
	if got := findSecrets(outputs, []string{"sk_test_123"}); len(got) != 6 {
		t.Errorf("got %d findings, want 6: %v", len(got), got)
	}
}

// writeJSON writes v to path as JSON.
func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}
