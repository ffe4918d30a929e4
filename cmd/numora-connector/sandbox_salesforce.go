package main

import (
	"fmt"
	"log/slog"
	"text/tabwriter"

	"github.com/numora/numora-connector/destinations/salesforce"
	"github.com/numora/numora-connector/destinations/salesforce/salesforcetest"
	"github.com/numora/numora-connector/internal/sandboxenv"
	"github.com/numora/numora-connector/numora/numoratest"
	"github.com/numora/numora-connector/secret"
)

// startSalesforceSandbox starts the Numora and Salesforce emulators and
// seeds the documents and the vendors' accounts; dir is the sandbox's.
func startSalesforceSandbox(log *slog.Logger, dir string) (*sandbox, error) {
	sb := &sandbox{numora: numoratest.NewServer(), dest: destSalesforce, sf: salesforcetest.NewServer(), dir: dir}
	sb.docs = salesforceDocs(sb.now())
	for _, d := range sb.docs {
		if err := sb.numora.AddDocument(d.fixture); err != nil {
			sb.close()
			return nil, err
		}
	}
	sandboxenv.SeedSalesforce(sb.sf)
	log.Info("sandbox started", "numora", sb.numora.URL, "salesforce", sb.sf.URL)
	return sb, nil
}

// salesforceConfig points c (Numora already set) at the Salesforce
// emulator.
func (sb *sandbox) salesforceConfig(c *config) *config {
	c.Destination = destSalesforce
	c.Salesforce = salesforceConfig{Config: salesforce.Config{MyDomainURL: sb.sf.URL, ClientID: sb.sf.ClientID,
		ClientSecret: secret.New(sb.sf.ClientSecret)}}
	return c
}

// printSalesforceRows prints the records now in the emulated org.
func (a *app) printSalesforceRows(sb *sandbox) {
	accounts := map[string]string{}
	for _, r := range sb.sf.Records("Account") {
		accounts[str(r["Id"])] = str(r["Name"])
	}
	lines := map[string]int{}
	for _, r := range sb.sf.Records("Invoice_Line__c") {
		lines[str(r["Invoice__c"])]++
	}
	invoices := sortedBy(sb.sf.Records("Invoice__c"), "Name")
	fmt.Fprintf(a.stdout, "\nSalesforce Invoice__c (%d records, %d Invoice_Line__c):\n", len(invoices),
		len(sb.sf.Records("Invoice_Line__c")))
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  Name\tAccount__c\tTotal__c\tInvoice_Date__c\tStatus__c\tlines\tNumora_Document_Id__c")
	for _, r := range invoices {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%d\t%s\n", str(r["Name"]), accounts[str(r["Account__c"])],
			str(r["Total__c"]), str(r["Invoice_Date__c"]), str(r["Status__c"]), lines[str(r["Id"])],
			str(r["Numora_Document_Id__c"]))
	}
	_ = tw.Flush()
}

// linesOf returns the Line_Key__c of the Invoice_Line__c records written
// for document id.
func (sb *sandbox) linesOf(id string) []string {
	var keys []string
	for _, r := range sb.sf.Records("Invoice_Line__c") {
		if r["Numora_Document_Id__c"] == id {
			keys = append(keys, fmt.Sprint(r["Line_Key__c"]))
		}
	}
	return keys
}
