package main

import (
	"strings"
	"testing"

	"github.com/numora/numora-connector/mapping"
)

// The rules' warnings include the configured destination's notes: the
// upper-case column names Dataverse cannot have are noted for Dataverse,
// not for Salesforce, whose field names have upper case.
func TestRulesWarningsComeFromTheDestination(t *testing.T) {
	rules, err := mapping.Parse("mappings.yaml", []byte(`version: 1
schemas:
  invoice_v2:
    records:
      - name: invoice
        entity: Invoice__c
        columns:
          Name: fields.invoice_number
`))
	if err != nil {
		t.Fatal(err)
	}
	for dest, want := range map[string]int{"": 1, "dynamics365": 1, "salesforce": 0} {
		ws := rulesWarnings(&config{Destination: dest}, rules)
		if len(ws) != want || (want == 1 && !strings.Contains(ws[0].String(), `mappings.yaml:8:17: column "Name" has upper-case letters`)) {
			t.Errorf("destination %q: got %v, want %d warning(s)", dest, ws, want)
		}
	}
}
