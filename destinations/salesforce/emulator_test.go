package salesforce

import (
	"slices"
	"testing"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
)

func TestDeliverCreatesThenUpdatesTheSameRecords(t *testing.T) {
	e := newEnv(t, nil)
	acct := e.srv.Insert("Account", map[string]any{"Name": "ACME", "Tax_Id__c": "DE123"})
	plan := invoicePlan("doc-1", "DE123", mapping.OnMissingFail, "1", "2")
	rc, err := e.d.Deliver(bg, plan)
	if err != nil {
		t.Fatal(err)
	}
	c := destinations.Created
	if got := outcomes(rc); !slices.Equal(got, []destinations.Outcome{c, c, c}) {
		t.Fatalf("outcomes = %v", got)
	}
	inv := e.srv.Record(rc.RecordID)
	if inv["Account__c"] != acct || inv["Status__c"] != "Booked" || inv["Tags__c"] != "Urgent;Reviewed" ||
		inv["Numora_Document_Id__c"] != "doc-1" || inv["Issued_At__c"] != "2026-03-24T02:36:37.000+0000" {
		t.Fatalf("invoice = %v", inv)
	}
	if rc.URL != e.srv.URL+"/lightning/r/Invoice__c/"+rc.RecordID+"/view" {
		t.Errorf("URL = %q", rc.URL)
	}
	for _, l := range e.srv.Records("Invoice_Line__c") {
		if l["Invoice__c"] != rc.RecordID {
			t.Errorf("line %v not under the invoice", l)
		}
	}
	again, err := e.d.Deliver(bg, plan)
	if err != nil {
		t.Fatalf("re-delivery: %v", err)
	}
	u := destinations.Updated
	if got := outcomes(again); !slices.Equal(got, []destinations.Outcome{u, u, u}) {
		t.Fatalf("re-delivery outcomes = %v", got)
	}
	for i := range rc.Records {
		if again.Records[i].ID != rc.Records[i].ID {
			t.Errorf("record %d: id %s, then %s", i, rc.Records[i].ID, again.Records[i].ID)
		}
	}
	if n := len(e.srv.Records("Invoice_Line__c")); n != 2 {
		t.Errorf("%d lines after re-delivery, want 2", n)
	}
}

func TestRedeliveryMirrorsTheDocument(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.Insert("Account", map[string]any{"Name": "ACME", "Tax_Id__c": "DE123"})
	first, err := e.d.Deliver(bg, invoicePlan("doc-1", "DE123", mapping.OnMissingFail, "1", "2", "3"))
	if err != nil {
		t.Fatal(err)
	}
	manual := e.srv.Insert("Invoice_Line__c", map[string]any{"Line_Key__c": "by-hand", "Invoice__c": first.RecordID})
	other, err := e.d.Deliver(bg, invoicePlan("doc-2", "DE123", mapping.OnMissingFail, "1"))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := e.d.Deliver(bg, invoicePlan("doc-1", "DE123", mapping.OnMissingFail, "1", "3"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rc.Removed) != 1 || rc.Removed[0].ID != first.Records[2].ID || rc.Removed[0].Outcome != destinations.Deleted {
		t.Fatalf("removed = %+v, want line 2 (%s) deleted", rc.Removed, first.Records[2].ID)
	}
	if _, _, removed := rc.Counts(); removed != 1 {
		t.Errorf("removed count = %d", removed)
	}
	for _, id := range []string{manual, other.Records[1].ID, first.Records[1].ID, first.Records[3].ID} {
		if e.srv.Record(id) == nil {
			t.Errorf("record %s was removed", id)
		}
	}
	if e.srv.Record(first.Records[2].ID) != nil {
		t.Error("the stale line survived")
	}
}

func TestRemovedRowVanishingMeanwhileIsDropped(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.Insert("Account", map[string]any{"Name": "ACME", "Tax_Id__c": "DE123"})
	first, err := e.d.Deliver(bg, invoicePlan("doc-1", "DE123", mapping.OnMissingFail, "1", "2"))
	if err != nil {
		t.Fatal(err)
	}
	gate := e.srv.Hold("POST /composite")
	done := make(chan error, 1)
	var rc *destinations.Receipt
	go func() {
		var err error
		rc, err = e.d.Deliver(bg, invoicePlan("doc-1", "DE123", mapping.OnMissingFail, "1"))
		done <- err
	}()
	<-gate.Arrived()
	e.srv.Delete(first.Records[2].ID) // a person deletes the line first
	gate.Release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(rc.Removed) != 0 || countComposites(e.srv) != 3 {
		t.Fatalf("removed = %+v after %d composites; want none after 3", rc.Removed, countComposites(e.srv))
	}
}

func TestModes(t *testing.T) {
	e := newEnv(t, nil)
	acct := func(mode mapping.Mode, tax string) *mapping.Plan {
		return &mapping.Plan{DocumentID: "d", Records: []mapping.Record{{Name: "vendor", Entity: "Account", Mode: mode,
			Key:     mapping.Key{Kind: mapping.KeyAlternate, Columns: []mapping.Column{str("Tax_Id__c", tax)}},
			Columns: []mapping.Column{str("Name", "Vendor "+tax)}}}}
	}
	if _, err := e.d.Deliver(bg, acct(mapping.ModeUpdate, "X1")); err == nil {
		t.Fatal("update-only of a missing record succeeded")
	} else {
		wantError(t, err, destinations.Permanent, "crm_404_not_found")
	}
	rc, err := e.d.Deliver(bg, acct(mapping.ModeCreate, "X1"))
	if err != nil || rc.Records[0].Outcome != destinations.Created {
		t.Fatalf("create: %v %+v", err, rc)
	}
	again, err := e.d.Deliver(bg, acct(mapping.ModeCreate, "X1"))
	if err != nil || again.Records[0].Outcome != destinations.Unchanged || again.Records[0].ID != rc.RecordID {
		t.Fatalf("create again: %v %+v", err, again)
	}
	upd, err := e.d.Deliver(bg, acct(mapping.ModeUpdate, "X1"))
	if err != nil || upd.Records[0].Outcome != destinations.Updated {
		t.Fatalf("update: %v %+v", err, upd)
	}
}

func TestKeyByIdentityAndPlainCreate(t *testing.T) {
	e := newEnv(t, nil)
	inv := e.srv.Insert("Invoice__c", map[string]any{"Numora_Document_Id__c": "doc-9"})
	plan := &mapping.Plan{DocumentID: "doc-9", Records: []mapping.Record{
		{Name: "line", Entity: "Invoice_Line__c", Mode: mapping.ModeUpsert, Key: mapping.Key{Kind: mapping.KeyID, ID: "6f1c0a52-0000-5000-8000-000000000001"},
			Columns: []mapping.Column{str("Line_Key__c", "k9"), str("Description__c", "by GUID")},
			Binds:   []mapping.Bind{{NavProperty: "Invoice__r", Ref: -1, Lookup: &mapping.Lookup{Entity: "Invoice__c", Match: []mapping.Column{str("Numora_Document_Id__c", "doc-9")}, OnMissing: mapping.OnMissingFail}}}},
		{Name: "vendor", Entity: "Account", Mode: mapping.ModeCreate, Key: mapping.Key{Kind: mapping.KeyNone},
			Columns: []mapping.Column{str("Name", "Walk-in")}},
	}}
	rc, err := e.d.Deliver(bg, plan)
	if err != nil {
		t.Fatal(err)
	}
	line := e.srv.Record(rc.Records[0].ID)
	if line["Numora_Id__c"] != "6f1c0a52-0000-5000-8000-000000000001" || line["Invoice__c"] != inv {
		t.Fatalf("line = %v", line)
	}
	if e.srv.Record(rc.Records[1].ID)["Name"] != "Walk-in" {
		t.Fatal("the plain create did not happen")
	}
}
