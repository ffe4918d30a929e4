package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// TestUsageSlips: a mistake on the command line gets one message saying
// what is wrong (and what was probably meant), exit 2, and not the whole
// usage text.
func TestUsageSlips(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"render", "--resutl", "x.json"}, `flag provided but not defined: --resutl (did you mean --result?)`},
		{[]string{"render", "--res", "x.json"}, `flag provided but not defined: --res (did you mean --result?)`},
		{[]string{"validate", "--onlin"}, `flag provided but not defined: --onlin (did you mean --online?)`},
		{[]string{"run", "--zzzzzzzz"}, `flag provided but not defined: --zzzzzzzz`},
		{[]string{"render", "--result"}, `--result needs a value`},
		{[]string{"run", "--interval", "5"}, `--interval "5": want a duration such as 30s, 5m or 1h`},
		{[]string{"run", "--concurrency", "many"}, `--concurrency "many": want a whole number`},
		{[]string{"run", "--dry-run=maybe"}, `--dry-run "maybe": want true or false`},
		{[]string{"run", "now"}, `unexpected argument "now": run takes flags only; flags after it were not read`},
		{[]string{"run", "dry-run"}, `unexpected argument "dry-run": run takes flags only (did you mean --dry-run?)`},
		{[]string{"render", "result.json"}, `(did you mean --result result.json?)`},
		{[]string{"help", "rnu"}, `unknown command "rnu" (did you mean "run"?)`},
		{[]string{"rnu"}, `unknown command "rnu" (did you mean "run"?)`},
		{[]string{"version", "--short"}, `flag provided but not defined: --short`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errs := inProcess(t, nil, tt.args...)
			if code != exitUsage || !strings.Contains(errs, tt.want) || out != "" {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errs, tt.want)
			}
			if tt.args[0] != "rnu" && strings.Contains(errs, "Flags:") {
				t.Errorf("a slip printed the whole usage:\n%s", errs)
			}
		})
	}
}

func TestHelpFlagStillPrintsUsage(t *testing.T) {
	code, _, errs := inProcess(t, nil, "render", "--help")
	if code != exitOK || !strings.Contains(errs, "Usage: numora-connector render") || !strings.Contains(errs, "-result") {
		t.Errorf("exit %d\n%s", code, errs)
	}
}

// TestRenderInputProblems: render says what is wrong with its flags and
// its --result file.
func TestRenderInputProblems(t *testing.T) {
	dir := t.TempDir()
	file := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	docs := sandboxDocs(time.Date(2026, 3, 24, 3, 0, 0, 0, time.UTC))
	invoice, _ := json.Marshal(docs[0].fixture.Result)
	valid := file("invoice.json", string(invoice))
	unreadable := file("secret.json", "{}")
	if err := os.Chmod(unreadable, 0); err != nil {
		t.Fatal(err)
	}
	otherSchema := strings.Replace(string(invoice), `"invoice_v2"`, `"purchase_order_v1"`, 1)
	tests := []struct {
		name string
		args []string
		code int
		want string // in stderr, or stdout for exit 0
	}{
		{"no result", nil, exitUsage, "--result is required: a Numora result JSON file (the body of Numora's GET /v1/documents/{id}/result)"},
		{"xml", []string{"--result", valid, "--format", "xml"}, exitUsage, `--format "xml": want json (the plan) or http (the Dataverse requests)`},
		{"both", []string{"--format", "xml"}, exitUsage, `--result is required`},
		{"missing file", []string{"--result", filepath.Join(dir, "nope.json")}, exitUsage, "nope.json: no such file"},
		{"directory", []string{"--result", dir}, exitUsage, "is a directory; want a result JSON file"},
		{"empty", []string{"--result", file("empty.json", " \n")}, exitUsage, "empty.json is empty"},
		{"yaml", []string{"--result", file("r.yaml", "schema: invoice_v2\n")}, exitUsage, "not JSON (line 1, column 1:"},
		{"syntax", []string{"--result", file("cut.json", "{\n  \"schema\": \"invoice_v2\",\n  \"fields\": {\n")}, exitUsage, "not JSON: it ends early"},
		{"bad token", []string{"--result", file("bad.json", "{\n  \"schema\": invoice_v2\n}")}, exitUsage, "not JSON (line 2, column 13: invalid character 'i'"},
		{"array", []string{"--result", file("list.json", `[{"schema":"invoice_v2"}]`)}, exitUsage, "not a Numora result (a JSON array, want an object)"},
		{"wrong type", []string{"--result", file("t.json", `{"schema":"invoice_v2","line_items":{}}`)}, exitUsage, "not a Numora result"},
		{"no schema", []string{"--result", file("outbox-item.json", `{"document_id":"doc_1","status":"reviewed"}`)}, exitUsage,
			`has no "schema": it is not a Numora result`},
		{"unmapped schema", []string{"--result", file("po.json", otherSchema)}, exitOK,
			`skipped: ` + filepath.Join("..", "..", "mappings.yaml") + ` maps no schema "purchase_order_v1" (it maps contract_v1, invoice_v2, receipt_v1)`},
		{"rules without schemas", []string{"--result", valid, "--mappings", file("rules.yaml", "version: 1\nschemas: {}\n")}, exitUsage, "schemas is empty"},
	}
	if os.Geteuid() != 0 { // root reads anything
		tests = append(tests, struct {
			name string
			args []string
			code int
			want string
		}{"unreadable", []string{"--result", unreadable}, exitUsage, "secret.json: permission denied"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"render", "--mappings", filepath.Join("..", "..", "mappings.yaml")}, tt.args...)
			code, out, errs := inProcess(t, nil, args...)
			got := errs
			if tt.code == exitOK {
				got = out
			}
			if code != tt.code || !strings.Contains(got, tt.want) {
				t.Errorf("exit %d, want %d and %q in\n%s%s", code, tt.code, tt.want, out, errs)
			}
		})
	}
}

func TestFormatVersion(t *testing.T) {
	settings := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	rev := "9578e29c0ffee0123456789abcdef0123456789a"
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"release", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"},
			Settings: settings("vcs.revision", rev, "vcs.time", "2026-12-05T05:30:00Z", "vcs.modified", "false")},
			"numora-connector v1.2.3 (rev 9578e29, 2026-12-05) go1.26.8"},
		{"modified", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"},
			Settings: settings("vcs.revision", rev, "vcs.time", "2026-12-05T05:30:00Z", "vcs.modified", "true")},
			"numora-connector v1.2.3 (rev 9578e29, 2026-12-05, modified) go1.26.8"},
		{"devel with VCS", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: settings("vcs.revision", rev)},
			"numora-connector devel (rev 9578e29) go1.26.8"},
		{"pseudo-version", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261205053000-9578e29c0ffe+dirty"},
			Settings: settings("vcs.revision", rev, "vcs.time", "2026-12-05T05:30:00Z", "vcs.modified", "true")},
			"numora-connector v0.0.0-20261205053000-9578e29c0ffe+dirty (rev 9578e29, 2026-12-05, modified) go1.26.8"},
		{"no VCS", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "numora-connector devel (revision unknown) go1.26.8"},
		{"no build info", nil, "numora-connector devel (revision unknown) go1.26.8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatVersion(tt.bi, "go1.26.8"); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestVersionFlag(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		code, out, errs := inProcess(t, nil, args...)
		if code != exitOK || out != versionString()+"\n" || errs != "" {
			t.Errorf("%v: exit %d, %q %q", args, code, out, errs)
		}
	}
}
