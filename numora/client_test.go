package numora_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/numora/numora-connector/internal/logctx"
	"github.com/numora/numora-connector/numora"
	"github.com/numora/numora-connector/numora/numoratest"
	"github.com/numora/numora-connector/secret"
)

func TestNew(t *testing.T) {
	key := secret.New(apiKey)
	tests := []struct {
		name string
		cfg  numora.Config
		want string
	}{
		{"ok https", numora.Config{BaseURL: "https://api.numora.example", APIKey: key}, ""},
		{"ok loopback http", numora.Config{BaseURL: "http://127.0.0.1:8080/numora", APIKey: key}, ""},
		{"ok localhost", numora.Config{BaseURL: "http://localhost:1", APIKey: key}, ""},
		{"empty", numora.Config{APIKey: key}, "absolute http(s) URL"},
		{"relative", numora.Config{BaseURL: "/v1", APIKey: key}, "absolute http(s) URL"},
		{"ftp", numora.Config{BaseURL: "ftp://api.numora.example", APIKey: key}, "absolute http(s) URL"},
		{"bad URL", numora.Config{BaseURL: "https://api numora", APIKey: key}, "absolute http(s) URL"},
		{"plain http", numora.Config{BaseURL: "http://api.numora.example", APIKey: key}, "must use https"},
		{"user info", numora.Config{BaseURL: "https://u:p@api.numora.example", APIKey: key}, "user info"},
		{"query", numora.Config{BaseURL: "https://api.numora.example?x=1", APIKey: key}, "query"},
		{"no key", numora.Config{BaseURL: "https://api.numora.example"}, "API key is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := numora.New(tt.cfg)
			if tt.want == "" && err != nil {
				t.Errorf("got %v, want nil", err)
			}
			if tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
			if err != nil {
				noSecret(t, "error", err.Error())
			}
		})
	}
}

func TestHeaders(t *testing.T) {
	e := setup(t)
	c := e.client(t, func(cfg *numora.Config) { cfg.UserAgent = "numora-connector/1.2.3" })
	for _, client := range []*numora.Client{e.c, c} {
		if _, err := client.Document(context.Background(), invoiceID); err != nil {
			t.Fatal(err)
		}
	}
	reqs := e.srv.Requests()
	if !strings.HasPrefix(reqs[0].UserAgent, "numora-connector/") || reqs[1].UserAgent != "numora-connector/1.2.3" {
		t.Errorf("got user agents %q, %q", reqs[0].UserAgent, reqs[1].UserAgent)
	}
	if !reqs[0].AuthOK || !strings.HasPrefix(reqs[0].RequestID, "nc-") || reqs[0].RequestID == reqs[1].RequestID {
		t.Errorf("got %+v, want authorised requests with distinct nc- ids", reqs)
	}
}

func TestBasePath(t *testing.T) {
	emu := numoratest.New(numoratest.WithAPIKey(apiKey))
	if err := emu.LoadFixtures(fixtures); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.StripPrefix("/numora", emu))
	defer srv.Close()
	c, err := numora.New(numora.Config{BaseURL: srv.URL + "/numora", APIKey: secret.New(apiKey)})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.Document(context.Background(), invoiceID)
	if err != nil || d.ID != invoiceID {
		t.Errorf("got %+v, %v", d, err)
	}
}

func TestSecretRedaction(t *testing.T) {
	e := setup(t)
	cfg := e.config()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		noSecret(t, "Config "+verb, fmt.Sprintf(verb, cfg))
		noSecret(t, "*Config "+verb, fmt.Sprintf(verb, &cfg))
		noSecret(t, "Client "+verb, fmt.Sprintf(verb, e.c))
	}
	var logged strings.Builder
	l := slog.New(slog.NewJSONHandler(&logged, nil))
	l.Info("config", "cfg", cfg, "client", e.c)
	noSecret(t, "slog", logged.String())
	if !strings.Contains(logged.String(), "[REDACTED]") || !strings.Contains(fmt.Sprint(e.c), e.srv.URL) {
		t.Errorf("want the redaction marker and the URL: %s / %v", logged.String(), e.c)
	}
	// Errors and logs of failing calls.
	e.srv.Fail(numoratest.EndpointDocument, numoratest.Fault{Status: 503, Times: 1})
	bad := e.client(t, func(c *numora.Config) { c.APIKey = secret.New(apiKey + "-wrong") })
	_, err := bad.Document(context.Background(), invoiceID)
	if err == nil {
		t.Fatal("wrong key: want an error")
	}
	noSecret(t, "error", err.Error())
	noSecret(t, "error %+v", fmt.Sprintf("%+v", err))
	noSecret(t, "error %#v", fmt.Sprintf("%#v", err))
	noSecret(t, "logs", e.logs.String())
}

func TestLogging(t *testing.T) {
	e := setup(t)
	e.srv.Fail(numoratest.EndpointDocument, numoratest.Fault{Status: 429, RetryAfter: "1", Times: 1})
	ctx := logctx.With(context.Background(), slog.String("run_id", "run-7"))
	if _, err := e.c.Document(ctx, invoiceID); err != nil {
		t.Fatal(err)
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	want := []struct{ level, msg string }{{"INFO", "numora: response"}, {"INFO", "numora: retrying"}, {"DEBUG", "numora: response"}}
	if len(lines) != len(want) {
		t.Fatalf("got %d log lines, want %d: %s", len(lines), len(want), e.logs.String())
	}
	reqs := e.srv.Requests()
	for i, w := range want {
		l := lines[i]
		if l["level"] != w.level || l["msg"] != w.msg || l["run_id"] != "run-7" {
			t.Errorf("line %d: got %v, want %s %q with run_id", i, l, w.level, w.msg)
		}
	}
	for i, l := range []map[string]any{lines[0], lines[2]} {
		if l["request_id"] != reqs[i].RequestID || l["response_request_id"] != reqs[i].RequestID ||
			l["duration"] == nil || l["status"] == nil {
			t.Errorf("response line %d: got %v, want request ids %q, status and duration", i, l, reqs[i].RequestID)
		}
	}
}
