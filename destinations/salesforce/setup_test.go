package salesforce

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/destinations/salesforce/salesforcetest"
	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/retry"
	"github.com/numora/numora-connector/secret"
)

// env is a destination wired to a fresh emulator with a fake clock.
type env struct {
	srv   *salesforcetest.Server
	d     *Destination
	clock *retry.FakeClock
}

// specs are the rules' record specs the tests' plans come from: they give
// the labels of Status__c's option values.
var specs = []mapping.RecordSpec{{Name: "invoice", Entity: "Invoice__c", Mode: mapping.ModeUpsert,
	KeyColumns: []string{"Numora_Document_Id__c"},
	Columns: []mapping.ColumnSpec{{Name: "Status__c", Type: mapping.TypeChoice, Choices: map[string]int64{"Draft": 1, "Booked": 2}},
		{Name: "Tags__c", Type: mapping.TypeMultiChoice, Choices: map[string]int64{"Urgent": 1, "Reviewed": 9}}}}}

func newEnv(t *testing.T, edit func(*Config), opts ...salesforcetest.Option) *env {
	t.Helper()
	srv := salesforcetest.NewServer(opts...)
	t.Cleanup(srv.Close)
	clock := retry.NewFakeClock(time.Date(2026, 3, 24, 9, 0, 0, 0, time.UTC))
	cfg := Config{MyDomainURL: srv.URL, ClientID: srv.ClientID, ClientSecret: secret.New(srv.ClientSecret),
		HTTPClient: srv.Client(), Clock: clock, Specs: specs, Retry: retry.Policy{MaxAttempts: 3}}
	if edit != nil {
		edit(&cfg)
	}
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	d.rand = func() float64 { return 0.5 }
	t.Cleanup(func() { _ = d.Close() })
	return &env{srv: srv, d: d, clock: clock}
}

func str(name, v string) mapping.Column {
	return mapping.Column{Name: name, Value: mapping.Value{Type: mapping.TypeString, V: v}}
}

func typed(name string, t mapping.Type, v any) mapping.Column {
	return mapping.Column{Name: name, Value: mapping.Value{Type: t, V: v}}
}

// invoicePlan is a document's plan: an Invoice__c keyed by the document
// id, bound to the Account with taxID (lookup on_missing as given), and
// one Invoice_Line__c per item, mirrored.
func invoicePlan(doc, taxID string, onMissing mapping.OnMissing, items ...string) *mapping.Plan {
	p := &mapping.Plan{DocumentID: doc, Schema: "invoice"}
	p.Records = append(p.Records, mapping.Record{Name: "invoice", Entity: "Invoice__c", Mode: mapping.ModeUpsert,
		Key: mapping.Key{Kind: mapping.KeyAlternate, Columns: []mapping.Column{str("Numora_Document_Id__c", doc)}},
		Columns: []mapping.Column{str("Numora_Document_Id__c", doc), str("Name", "INV "+doc),
			typed("Invoice_Date__c", mapping.TypeDate, "2026-03-24"), typed("Total__c", mapping.TypeMoney, json.Number("119.00")),
			typed("Status__c", mapping.TypeChoice, int64(2)), typed("Tags__c", mapping.TypeMultiChoice, "1,9"),
			typed("Issued_At__c", mapping.TypeDateTime, "2026-03-24T02:36:37Z"), typed("Paid__c", mapping.TypeBool, false)},
		Binds: []mapping.Bind{{NavProperty: "Account__c", Ref: -1, Lookup: &mapping.Lookup{Entity: "Account",
			Match: []mapping.Column{str("Tax_Id__c", taxID)}, OnMissing: onMissing, Label: "vendor"}}}})
	for i, it := range items {
		key := doc + "-" + it
		p.Records = append(p.Records, mapping.Record{Name: "line", ItemID: it, Entity: "Invoice_Line__c", Mode: mapping.ModeUpsert,
			Key: mapping.Key{Kind: mapping.KeyAlternate, Columns: []mapping.Column{str("Line_Key__c", key)}},
			Columns: []mapping.Column{str("Line_Key__c", key), str("Numora_Document_Id__c", doc), str("Description__c", "item "+it),
				typed("Quantity__c", mapping.TypeDecimal, json.Number("2.5")), typed("Line_No__c", mapping.TypeInt, int64(i+1))},
			Binds: []mapping.Bind{{NavProperty: "Invoice__c", Ref: 0}}})
	}
	p.Mirror = []mapping.Mirror{{Record: "line", Entity: "Invoice_Line__c", OnRemoved: mapping.RemoveDelete,
		Owner: str("Numora_Document_Id__c", doc), KeyColumns: []string{"Line_Key__c"}}}
	return p
}

// wantError checks err is a *destinations.Error of class and code.
func wantError(t *testing.T, err error, class destinations.Class, code string) *destinations.Error {
	t.Helper()
	var de *destinations.Error
	if !errors.As(err, &de) {
		t.Fatalf("err = %v, want a *destinations.Error %s", err, code)
	}
	if de.Class != class || de.Code != code {
		t.Fatalf("err = %v (%s %s), want %s %s", err, de.Class, de.Code, class, code)
	}
	return de
}

func outcomes(rc *destinations.Receipt) []destinations.Outcome {
	var out []destinations.Outcome
	for _, r := range rc.Records {
		out = append(out, r.Outcome)
	}
	return out
}

func countComposites(srv *salesforcetest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == "POST" && len(r.Path) > 9 && r.Path[len(r.Path)-9:] == "composite" {
			n++
		}
	}
	return n
}

var bg = context.Background()

func jsonNumber(s string) json.Number { return json.Number(s) }

func secretOf(s string) secret.String { return secret.New(s) }
