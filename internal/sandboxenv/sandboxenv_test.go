package sandboxenv

import (
	"strings"
	"testing"

	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/destinations/salesforce/salesforcetest"
	"github.com/numora/numora-connector/numora/numoratest"
)

func TestSeedDataverse(t *testing.T) {
	dv := dataversetest.NewServer(dataversetest.WithCleanup(t))
	if err := SeedDataverse(dv); err != nil {
		t.Fatal(err)
	}
	if got, want := dv.Count("accounts"), len(numoratest.Vendors); got != want {
		t.Errorf("%d accounts, want one per vendor (%d)", got, want)
	}
	if got := dv.Count("teams"); got < 1 {
		t.Errorf("%d teams, want the owner team", got)
	}
}

func TestEnv(t *testing.T) {
	dv := dataversetest.NewServer(dataversetest.WithCleanup(t))
	env := Env("http://127.0.0.1:1", "key-1", dv, "/tmp/ca.pem")
	want := []string{"NUMORA_BASE_URL=http://127.0.0.1:1", "NUMORA_API_KEY=key-1", "DYNAMICS_URL=" + dv.URL,
		"AZURE_TENANT_ID=" + dv.TenantID, "AZURE_CLIENT_ID=" + dv.ClientID, "AZURE_CLIENT_SECRET=" + dv.ClientSecret,
		"AZURE_AUTHORITY_HOST=" + dv.AuthorityHost, "SSL_CERT_FILE=/tmp/ca.pem"}
	if strings.Join(env, "\n") != strings.Join(want, "\n") {
		t.Errorf("Env =\n%s\nwant\n%s", strings.Join(env, "\n"), strings.Join(want, "\n"))
	}
}

func TestSeedSalesforceAndEnv(t *testing.T) {
	sf := salesforcetest.NewServer()
	t.Cleanup(sf.Close)
	SeedSalesforce(sf)
	accounts := sf.Records("Account")
	if len(accounts) != len(numoratest.Vendors) || accounts[0]["Tax_Id__c"] != numoratest.Vendors[0].AccountNumber() {
		t.Errorf("accounts %v, want one per vendor keyed by its tax id", accounts)
	}
	env := SalesforceEnv("http://127.0.0.1:1", "key-1", sf, "/tmp/sf.pem")
	want := []string{"NUMORA_BASE_URL=http://127.0.0.1:1", "NUMORA_API_KEY=key-1", "CONNECTOR_DESTINATION=salesforce",
		"SALESFORCE_MY_DOMAIN_URL=" + sf.URL, "SALESFORCE_CLIENT_ID=" + sf.ClientID,
		"SALESFORCE_CLIENT_SECRET=" + sf.ClientSecret, "SSL_CERT_FILE=/tmp/sf.pem"}
	if strings.Join(env, "\n") != strings.Join(want, "\n") {
		t.Errorf("SalesforceEnv =\n%s\nwant\n%s", strings.Join(env, "\n"), strings.Join(want, "\n"))
	}
}
