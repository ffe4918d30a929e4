// Package sandboxenv is what the sandbox (numora-connector sandbox) and the
// benchmark (numora-bench) both do with the two emulators: seed the
// Dataverse emulator with the rows the default mapping rules look up, and
// name the environment that points a connector at the emulators; and the
// same for the Salesforce emulator.
package sandboxenv

import (
	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/destinations/salesforce/salesforcetest"
	"github.com/numora/numora-connector/numora/numoratest"
)

// SeedDataverse adds an account for each of numoratest.Vendors and, unless
// the emulator's model already has a team, the "Accounts Payable" owner
// team: the rows the default rules look up for generated documents.
func SeedDataverse(dv *dataversetest.Server) error {
	for _, v := range numoratest.Vendors {
		if _, err := dv.SeedErr("accounts", map[string]any{"name": v.Name, "accountnumber": v.AccountNumber()}); err != nil {
			return err
		}
	}
	if dv.Count("teams") == 0 {
		if _, err := dv.SeedErr("teams", map[string]any{"name": "Accounts Payable"}); err != nil {
			return err
		}
	}
	return nil
}

// Env is the environment, as NAME=value, that points a connector at the
// emulators: Numora's URL and API key, Dataverse's URL, the Entra ID
// client credentials of its token service, and SSL_CERT_FILE naming
// caFile, where the caller wrote the emulator's CA (dv.WriteCAFile).
func Env(numoraURL, numoraKey string, dv *dataversetest.Server, caFile string) []string {
	return []string{
		"NUMORA_BASE_URL=" + numoraURL, "NUMORA_API_KEY=" + numoraKey, "DYNAMICS_URL=" + dv.URL,
		"AZURE_TENANT_ID=" + dv.TenantID, "AZURE_CLIENT_ID=" + dv.ClientID,
		"AZURE_CLIENT_SECRET=" + dv.ClientSecret, "AZURE_AUTHORITY_HOST=" + dv.AuthorityHost,
		"SSL_CERT_FILE=" + caFile,
	}
}

// SeedSalesforce adds an Account for each of numoratest.Vendors, with the
// tax id the Salesforce rules look accounts up by (Tax_Id__c, an External
// ID field).
func SeedSalesforce(sf *salesforcetest.Server) {
	for _, v := range numoratest.Vendors {
		sf.Insert("Account", map[string]any{"Name": v.Name, "Tax_Id__c": v.AccountNumber(), "AccountNumber": v.AccountNumber()})
	}
}

// SalesforceEnv is the environment, as NAME=value, that points a connector
// at the Numora and Salesforce emulators: Numora's URL and API key, the
// destination, the My Domain URL and client credentials, and
// SSL_CERT_FILE naming certFile, where the caller wrote the emulator's
// certificate.
func SalesforceEnv(numoraURL, numoraKey string, sf *salesforcetest.Server, certFile string) []string {
	return []string{
		"NUMORA_BASE_URL=" + numoraURL, "NUMORA_API_KEY=" + numoraKey, "CONNECTOR_DESTINATION=salesforce",
		"SALESFORCE_MY_DOMAIN_URL=" + sf.URL, "SALESFORCE_CLIENT_ID=" + sf.ClientID,
		"SALESFORCE_CLIENT_SECRET=" + sf.ClientSecret, "SSL_CERT_FILE=" + certFile,
	}
}
