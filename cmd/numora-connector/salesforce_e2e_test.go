package main

import (
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/numora/numora-connector/destinations/salesforce/salesforcetest"
)

// TestE2ESalesforce runs the binary with destination: salesforce against
// the Numora and Salesforce emulators: the sandbox's invoices land in
// Invoice__c with their lines, a second run writes nothing twice, and the
// documents the Salesforce rules do not map are reported skipped.
func TestE2ESalesforce(t *testing.T) {
	t.Parallel()
	e := newE2E(t, only("delivered"))
	sf := salesforcetest.NewServer()
	t.Cleanup(sf.Close)
	for _, a := range e.sb.dv.Rows("accounts") {
		sf.Insert("Account", map[string]any{"Name": a["name"], "Tax_Id__c": a["accountnumber"]})
	}
	env := []string{"CONNECTOR_DESTINATION=salesforce",
		"SALESFORCE_MY_DOMAIN_URL=" + sf.URL, "SALESFORCE_CLIENT_ID=" + sf.ClientID,
		"SALESFORCE_CLIENT_SECRET=" + sf.ClientSecret, "SSL_CERT_FILE=" + trustBoth(t, e, sf),
		"CONNECTOR_MAPPINGS=" + absPath(t, filepath.Join("..", "..", "mappings-salesforce.yaml"))}
	e.secrets = append(e.secrets, sf.ClientSecret)
	invoices := 0
	for _, d := range e.sb.docs {
		if d.fixture.Result.Schema == "invoice_v2" {
			invoices++
		}
	}
	for pass := 1; pass <= 2; pass++ {
		for _, d := range e.sb.docs {
			if err := e.sb.numora.SetStatus(d.fixture.ID, "reviewed"); err != nil {
				t.Fatal(err)
			}
		}
		r := e.run(t, env, "run") // later variables override the sandbox's
		if r.code != exitOK || !strings.Contains(r.stdout, fmt.Sprintf("delivered %d", invoices)) {
			t.Fatalf("pass %d: want exit 0 with the %d invoices delivered: %v", pass, invoices, r)
		}
		if n := len(sf.Records("Invoice__c")); n != invoices {
			t.Errorf("pass %d: %d Invoice__c records, want %d (one per invoice, whatever the passes)", pass, n, invoices)
		}
		if n := len(sf.Records("Invoice_Line__c")); n == 0 {
			t.Errorf("pass %d: no Invoice_Line__c record", pass)
		}
	}
}

// trustBoth writes a CA bundle with the Dataverse emulator's CA and the
// Salesforce emulator's certificate, for SSL_CERT_FILE.
func trustBoth(t *testing.T, e *e2e, sf *salesforcetest.Server) string {
	t.Helper()
	ca, err := os.ReadFile(filepath.Join(e.sb.dir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	ca = append(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: sf.Certificate().Raw})...)
	path := filepath.Join(e.dir, "trust.pem")
	if err := os.WriteFile(path, ca, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func absPath(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestSalesforceRulesValidate: the shipped example rules for Salesforce
// load without a problem.
func TestSalesforceRulesValidate(t *testing.T) {
	code, out, errs := inProcess(t, nil, "validate", "--mappings", filepath.Join("..", "..", "mappings-salesforce.yaml"))
	if code != exitOK || !strings.Contains(out, "valid") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
}
