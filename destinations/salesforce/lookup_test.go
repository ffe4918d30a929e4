package salesforce

import (
	"strings"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
)

func TestLookups(t *testing.T) {
	tests := []struct {
		name      string
		accounts  []string // Tax_Id__c of existing accounts
		match     string   // the field matched on
		onMissing mapping.OnMissing
		wantClass destinations.Class
		wantCode  string // "" = delivered
		wantBound bool
	}{
		{"inline by external id", []string{"DE123"}, "Tax_Id__c", mapping.OnMissingFail, 0, "", true},
		{"inline missing fails", nil, "Tax_Id__c", mapping.OnMissingFail, destinations.Permanent, "lookup_missing", false},
		{"inline ambiguous", []string{"DE123", "de123"}, "Tax_Id__c", mapping.OnMissingFail, destinations.Permanent, "lookup_ambiguous", false},
		{"soql found", []string{"DE123"}, "Tax_Id__c", mapping.OnMissingNull, 0, "", true},
		{"soql missing null", nil, "Tax_Id__c", mapping.OnMissingNull, 0, "", false},
		{"soql missing skip", nil, "Tax_Id__c", mapping.OnMissingSkip, destinations.Skip, "lookup_missing", false},
		{"soql not external id, ambiguous", []string{"DE123", "DE123x"}, "AccountNumber", mapping.OnMissingFail, destinations.Permanent, "lookup_ambiguous", false},
		{"soql not external id, missing", nil, "AccountNumber", mapping.OnMissingFail, destinations.Permanent, "lookup_missing", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			for i, tax := range tt.accounts {
				e.srv.Insert("Account", map[string]any{"Name": "A", "Tax_Id__c": tax, "AccountNumber": []string{"DE123", "DE123"}[i%2]})
			}
			plan := invoicePlan("doc-1", "DE123", tt.onMissing, "1")
			plan.Records[0].Binds[0].Lookup.Match[0].Name = tt.match
			rc, err := e.d.Deliver(bg, plan)
			if tt.wantCode != "" {
				de := wantError(t, err, tt.wantClass, tt.wantCode)
				if !strings.Contains(de.Message, "vendor") {
					t.Errorf("message %q does not name the lookup", de.Message)
				}
				if n := len(e.srv.Records("Invoice__c")); n != 0 {
					t.Errorf("%d invoices written", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			bound := e.srv.Record(rc.RecordID)["Account__c"] != nil
			if bound != tt.wantBound {
				t.Errorf("bound = %v, want %v", bound, tt.wantBound)
			}
		})
	}
}

func TestLookupAnswersAreCached(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.Insert("Account", map[string]any{"Name": "A", "Tax_Id__c": "DE123"})
	for range 2 {
		if _, err := e.d.Deliver(bg, invoicePlan("doc-1", "DE123", mapping.OnMissingNull)); err != nil {
			t.Fatal(err)
		}
	}
	queries := 0
	for _, r := range e.srv.Requests() {
		if strings.Contains(r.Query, "FROM+Account") {
			queries++
		}
	}
	if queries != 1 {
		t.Errorf("%d lookup queries, want 1 (cached)", queries)
	}
}

func TestSOQLLiterals(t *testing.T) {
	tests := []struct {
		v    mapping.Value
		want string
	}{
		{mapping.StringValue(`O'Brien \ "x"` + "\n\t"), `'O\'Brien \\ \"x\"\n\t'`},
		{mapping.StringValue("50%_off"), `'50%_off'`},
		{mapping.IntValue(42), "42"},
		{mapping.BoolValue(true), "true"},
		{mapping.DateValue("2026-03-24"), "2026-03-24"},
		{mapping.DecimalValue(mapping.TypeDecimal, "1.50"), "1.50"},
		{mapping.Value{Type: mapping.TypeString}, "null"},
		{mapping.ChoiceValue(mapping.Option{Label: "Booked", Value: 2}), `'Booked'`},
		{mapping.DateTimeValue(time.Date(2026, 3, 24, 3, 36, 37, 0, time.FixedZone("CET", 3600))), "2026-03-24T02:36:37Z"},
	}
	for _, tt := range tests {
		got, err := soqlLiteral(tt.v)
		if err != nil || got != tt.want {
			t.Errorf("soqlLiteral(%#v) = %q, %v; want %q", tt.v.Text(), got, err, tt.want)
		}
	}
	if _, err := soqlLiteral(mapping.DecimalValue("blob", "1.5")); err == nil {
		t.Error("an unknown type got a literal")
	}
	if _, err := soqlWhere([]mapping.Column{str("Name' OR Id != null", "x")}); err == nil {
		t.Error("a field name with a quote went into SOQL")
	}
}

// TestEscapedLookupRoundTrips proves the escaping against the emulator's
// strict parser: a value with every special character finds its record.
func TestEscapedLookupRoundTrips(t *testing.T) {
	e := newEnv(t, nil)
	tax := `O'Br\ien "x"` + "\n\r\t\b\f"
	id := e.srv.Insert("Account", map[string]any{"Name": "A", "Tax_Id__c": tax})
	got, err := e.d.lookup(bg, &mapping.Lookup{Entity: "Account", Match: []mapping.Column{str("Tax_Id__c", tax)}})
	if err != nil || got != id {
		t.Fatalf("lookup = %q, %v; want %s", got, err, id)
	}
}
