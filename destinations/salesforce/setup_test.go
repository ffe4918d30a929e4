package salesforce

import (
	"context"
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

func newEnv(t *testing.T, edit func(*Config), opts ...salesforcetest.Option) *env {
	t.Helper()
	srv := salesforcetest.NewServer(opts...)
	t.Cleanup(srv.Close)
	clock := retry.NewFakeClock(time.Date(2026, 3, 24, 9, 0, 0, 0, time.UTC))
	cfg := Config{MyDomainURL: srv.URL, ClientID: srv.ClientID, ClientSecret: secret.New(srv.ClientSecret),
		HTTPClient: srv.Client(), Clock: clock, Retry: retry.Policy{MaxAttempts: 3}}
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
	return mapping.Column{Name: name, Value: mapping.StringValue(v)}
}

func typed(name string, v mapping.Value) mapping.Column { return mapping.Column{Name: name, Value: v} }

// invoicePlan is a document's plan: an Invoice__c keyed by the document
// id, bound to the Account with taxID (lookup on_missing as given), and
// one Invoice_Line__c per item, mirrored.
func invoicePlan(doc, taxID string, onMissing mapping.OnMissing, items ...string) *mapping.Plan {
	p := &mapping.Plan{DocumentID: doc, Schema: "invoice"}
	p.Records = append(p.Records, mapping.Record{Name: "invoice", Entity: "Invoice__c", Mode: mapping.ModeUpsert,
		Key: mapping.Key{Kind: mapping.KeyColumns, Columns: []mapping.Column{str("Numora_Document_Id__c", doc)}},
		Columns: []mapping.Column{str("Numora_Document_Id__c", doc), str("Name", "INV "+doc),
			typed("Invoice_Date__c", mapping.DateValue("2026-03-24")), typed("Total__c", mapping.DecimalValue(mapping.TypeMoney, "119.00")),
			typed("Status__c", mapping.ChoiceValue(mapping.Option{Label: "Booked", Value: 2})),
			typed("Tags__c", mapping.MultiChoiceValue([]mapping.Option{{Label: "Urgent", Value: 1}, {Label: "Reviewed", Value: 9}})),
			typed("Issued_At__c", mapping.DateTimeValue(time.Date(2026, 3, 24, 3, 36, 37, 0, time.FixedZone("CET", 3600)))),
			typed("Paid__c", mapping.BoolValue(false))},
		Binds: []mapping.Bind{{NavProperty: "Account__c", Ref: -1, Lookup: &mapping.Lookup{Entity: "Account",
			Match: []mapping.Column{str("Tax_Id__c", taxID)}, OnMissing: onMissing, Label: "vendor"}}}})
	for i, it := range items {
		key := doc + "-" + it
		p.Records = append(p.Records, mapping.Record{Name: "line", ItemID: it, Entity: "Invoice_Line__c", Mode: mapping.ModeUpsert,
			Key: mapping.Key{Kind: mapping.KeyColumns, Columns: []mapping.Column{str("Line_Key__c", key)}},
			Columns: []mapping.Column{str("Line_Key__c", key), str("Numora_Document_Id__c", doc), str("Description__c", "item "+it),
				typed("Quantity__c", mapping.DecimalValue(mapping.TypeDecimal, "2.5")), typed("Line_No__c", mapping.IntValue(int64(i+1)))},
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

func secretOf(s string) secret.String { return secret.New(s) }
