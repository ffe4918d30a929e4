package main

import (
	"strings"
	"testing"
)

// TestParseConfigProblems: every problem of a settings file is reported
// at once, with its position and the setting probably meant.
func TestParseConfigProblems(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown setting", "run:\n  concurrancy: 8\n",
			[]string{`connector.yaml:2:3: unknown setting "run.concurrancy" (did you mean "concurrency"?)`}},
		{"several at once", "numora:\n  page_size: many\nrun:\n  stop_grace: soon\nlogs: {}\n", []string{
			`connector.yaml:2:14: numora.page_size "many": want a whole number`,
			`connector.yaml:4:15: run.stop_grace "soon": want a duration such as 30s, 5m or 1h`,
			`connector.yaml:5:1: unknown setting "logs" (did you mean "log"?)`}},
		{"a section that is no mapping", "dynamics: contoso\n", []string{`connector.yaml:1:11: dynamics: want a mapping of settings`}},
		{"a list where one value goes", "mappings: [a, b]\n", []string{`connector.yaml:1:11: mappings: want a single value`}},
		{"syntax", "run:\n  concurrency: 8\n bad: [\n", []string{`connector.yaml: not valid YAML`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConfig("connector.yaml", []byte(tt.yaml))
			if err == nil || errorExitCode(err) != exitUsage {
				t.Fatalf("got %v, want a usage error", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got\n%s\nwant a line containing\n%s", err, w)
				}
			}
		})
	}
}

func TestParseConfigValues(t *testing.T) {
	c, err := parseConfig("connector.yaml", []byte("run:\n  concurrency: 8\n  stop_grace: 45s\n  refused_exit_code: 0\n"+
		"numora:\n  api_key_file: /run/secrets/numora\nlog: {level: debug}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Run.Concurrency != 8 || c.Run.StopGrace.Seconds() != 45 || c.Run.RefusedExitCode == nil ||
		*c.Run.RefusedExitCode != 0 || c.Numora.APIKeyFile != "/run/secrets/numora" || c.Log.Level != "debug" {
		t.Errorf("decoded %+v", c)
	}
	if c, err := parseConfig("empty.yaml", []byte("# nothing\n")); err != nil || c.Run.Concurrency != 0 {
		t.Errorf("empty file: %+v, %v", c, err)
	}
}

// TestUnknownDestination: the destination setting names one of those the
// CLI can build, or the command stops with a usage error listing them.
func TestUnknownDestination(t *testing.T) {
	cfg := &config{Destination: "hubspot"}
	_, err := newDestination(t.Context(), cfg, nil, extras{})
	if err == nil || errorExitCode(err) != exitUsage || !strings.Contains(err.Error(), `destination "hubspot": want one of dynamics365`) {
		t.Fatalf("got %v, want a usage error naming the destinations", err)
	}
}
