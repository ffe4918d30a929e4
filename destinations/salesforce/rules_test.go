package salesforce

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/numora"
)

// TestRulesToSalesforce takes a document through real rules (the plan as
// mapping makes it today) into the emulator, twice, then with a line
// item removed.
func TestRulesToSalesforce(t *testing.T) {
	data, err := os.ReadFile("testdata/mappings.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rules, err := mapping.Parse("mappings.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	var res numora.Result
	raw, err := os.ReadFile("testdata/result.json")
	if err == nil {
		err = json.Unmarshal(raw, &res)
	}
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, nil)
	probs, err := e.d.ValidateRecords(bg, rules.Records())
	if err != nil || len(probs) != 0 {
		t.Fatalf("ValidateRecords = %v, %v", probs, err)
	}
	plan, err := rules.Render(&res)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.d.Deliver(bg, plan); destinations.Classify(err) != destinations.Skip {
		t.Fatalf("without the vendor: %v, want a skip", err)
	}
	e.srv.Insert("Account", map[string]any{"Name": "ACME", "Tax_Id__c": "DE123456789"})
	e.clock.Advance(5 * time.Minute) // "no vendor" was cached for LookupTTL
	first, err := e.d.Deliver(bg, plan)
	if err != nil {
		t.Fatal(err)
	}
	inv := e.srv.Record(first.RecordID)
	if inv["Status__c"] != "Booked" || inv["Invoice_Date__c"] != "2026-03-24" || inv["Account__c"] == nil {
		t.Fatalf("invoice = %v", inv)
	}
	again, err := e.d.Deliver(bg, plan)
	if err != nil || again.Records[2].ID != first.Records[2].ID || again.Records[2].Outcome != destinations.Updated {
		t.Fatalf("re-delivery: %v %+v", err, again)
	}
	res.LineItems = res.LineItems[:1]
	plan, err = rules.Render(&res)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := e.d.Deliver(bg, plan)
	if err != nil || len(rc.Removed) != 1 || rc.Removed[0].ID != first.Records[2].ID {
		t.Fatalf("after removing a line item: %v %+v", err, rc)
	}
}
