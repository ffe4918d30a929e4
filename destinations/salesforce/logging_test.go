package salesforce

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/numora/numora-connector/destinations/salesforce/salesforcetest"
	"github.com/numora/numora-connector/mapping"
)

func TestLogsNameRetriesButNoSecrets(t *testing.T) {
	var buf bytes.Buffer
	e := newEnv(t, func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(&buf, nil)) })
	e.srv.Inject(withMatch(salesforcetest.Unavailable, "/composite"))
	if _, err := e.d.Deliver(bg, invoicePlan("doc-1", "X", mapping.OnMissingNull, "1")); err != nil {
		t.Fatal(err)
	}
	logs := buf.String()
	if !strings.Contains(logs, "retrying after a transient failure") || !strings.Contains(logs, "code=crm_503_server_unavailable") {
		t.Errorf("logs = %s", logs)
	}
	if strings.Contains(logs, e.srv.ClientSecret) || strings.Contains(logs, "00DEMU") {
		t.Errorf("logs show a secret or token: %s", logs)
	}
}
