package salesforce

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/destinations/salesforce/salesforcetest"
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
			Key:     mapping.Key{Kind: mapping.KeyColumns, Columns: []mapping.Column{str("Tax_Id__c", tax)}},
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
	lineIdentity := mapping.Key{Kind: mapping.KeyIdentity, Document: "doc-9", Item: "li_1"}
	inv := e.srv.Insert("Invoice__c", map[string]any{"Numora_Document_Id__c": "doc-9"})
	plan := &mapping.Plan{DocumentID: "doc-9", Records: []mapping.Record{
		{Name: "line", Entity: "Invoice_Line__c", Mode: mapping.ModeUpsert, Key: lineIdentity,
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
	if line["Numora_Id__c"] != destinations.IdentityGUID(lineIdentity, "Invoice_Line__c") || line["Invoice__c"] != inv {
		t.Fatalf("line = %v", line)
	}
	if e.srv.Record(rc.Records[1].ID)["Name"] != "Walk-in" {
		t.Fatal("the plain create did not happen")
	}
}

func TestPlanRefusals(t *testing.T) {
	items := make([]string, 25)
	for i := range items {
		items[i] = string(rune('a' + i))
	}
	tests := []struct {
		name string
		plan func() *mapping.Plan
		code string
	}{
		{"too many subrequests", func() *mapping.Plan { return invoicePlan("d", "X", mapping.OnMissingNull, items...) }, "plan_too_large"},
		{"empty", func() *mapping.Plan { return &mapping.Plan{} }, "plan_invalid"},
		{"two key columns", func() *mapping.Plan {
			p := invoicePlan("d", "X", mapping.OnMissingNull)
			p.Records[0].Key.Columns = append(p.Records[0].Key.Columns, str("Name", "x"))
			return p
		}, "plan_key"},
		{"empty key", func() *mapping.Plan {
			p := invoicePlan("d", "X", mapping.OnMissingNull)
			p.Records[0].Key.Columns[0] = str("Numora_Document_Id__c", "")
			return p
		}, "plan_key"},
		{"upsert without key", func() *mapping.Plan {
			p := invoicePlan("d", "X", mapping.OnMissingNull)
			p.Records[0].Key = mapping.Key{Kind: mapping.KeyNone}
			return p
		}, "plan_key"},
		{"identity without document", func() *mapping.Plan {
			p := invoicePlan("d", "X", mapping.OnMissingNull)
			p.Records[0].Key = mapping.Key{Kind: mapping.KeyIdentity}
			return p
		}, "plan_key"},
		{"not a reference", func() *mapping.Plan {
			p := invoicePlan("d", "X", mapping.OnMissingNull, "1")
			p.Records[1].Binds[0].NavProperty = "Description__c"
			return p
		}, "plan_invalid"},
		{"forward ref", func() *mapping.Plan {
			p := invoicePlan("d", "X", mapping.OnMissingNull, "1")
			p.Records[1].Binds[0].Ref = 1
			return p
		}, "plan_invalid"},
		{"bad entity", func() *mapping.Plan {
			p := invoicePlan("d", "X", mapping.OnMissingNull)
			p.Records[0].Entity = "Invoice__c WHERE"
			return p
		}, "plan_invalid"},
		{"deactivate", func() *mapping.Plan {
			p := invoicePlan("d", "X", mapping.OnMissingNull)
			p.Mirror[0].OnRemoved = mapping.RemoveDeactivate
			return p
		}, "plan_unsupported"},
		{"mirror by two columns", func() *mapping.Plan {
			p := invoicePlan("d", "X", mapping.OnMissingNull)
			p.Mirror[0].KeyColumns = []string{"a", "b"}
			return p
		}, "plan_key"},
		{"lookup on a bad object", func() *mapping.Plan {
			p := invoicePlan("d", "X", mapping.OnMissingNull)
			p.Records[0].Binds[0].Lookup.Entity = "Account;"
			return p
		}, "lookup_invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			_, err := e.d.Deliver(bg, tt.plan())
			wantError(t, err, destinations.Permanent, tt.code)
			if countComposites(e.srv) != 0 {
				t.Error("a refused plan was sent")
			}
		})
	}
}

func TestConcurrentDeliveriesShareOneSession(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.Insert("Account", map[string]any{"Name": "A", "Tax_Id__c": "DE123"})
	docs := []string{"d1", "d2", "d3", "d4"}
	errs := make(chan error, len(docs))
	for _, doc := range docs {
		go func() {
			_, err := e.d.Deliver(bg, invoicePlan(doc, "DE123", mapping.OnMissingFail, "1", "2"))
			errs <- err
		}()
	}
	for range docs {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := len(e.srv.Records("Invoice_Line__c")); n != 8 || e.srv.TokensIssued() != 1 {
		t.Fatalf("%d lines, %d tokens; want 8 lines, 1 token", n, e.srv.TokensIssued())
	}
}

func TestMirrorReadsEveryPage(t *testing.T) {
	e := newEnv(t, nil, salesforcetest.WithPageSize(2))
	e.srv.Insert("Account", map[string]any{"Name": "A", "Tax_Id__c": "DE123"})
	if _, err := e.d.Deliver(bg, invoicePlan("doc-1", "DE123", mapping.OnMissingFail, "1", "2", "3", "4", "5")); err != nil {
		t.Fatal(err)
	}
	rc, err := e.d.Deliver(bg, invoicePlan("doc-1", "DE123", mapping.OnMissingFail, "3"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rc.Removed) != 4 || len(e.srv.Records("Invoice_Line__c")) != 1 {
		t.Fatalf("removed %d, %d lines left; want 4 and 1", len(rc.Removed), len(e.srv.Records("Invoice_Line__c")))
	}
}

func TestKeyValuesArePathEscaped(t *testing.T) {
	e := newEnv(t, nil)
	for _, key := range []string{"DE/12 3", "Müller&Söhne?x=1", "50%#frag"} {
		plan := &mapping.Plan{DocumentID: "d", Records: []mapping.Record{{Name: "vendor", Entity: "Account", Mode: mapping.ModeUpsert,
			Key:     mapping.Key{Kind: mapping.KeyColumns, Columns: []mapping.Column{str("Tax_Id__c", key)}},
			Columns: []mapping.Column{str("Name", "V")}}}}
		for range 2 {
			if _, err := e.d.Deliver(bg, plan); err != nil {
				t.Fatalf("%q: %v", key, err)
			}
		}
		if got := e.srv.Record(func() string { rc, _ := e.d.Deliver(bg, plan); return rc.RecordID }())["Tax_Id__c"]; got != key {
			t.Errorf("stored key %q, want %q", got, key)
		}
	}
	if n := len(e.srv.Records("Account")); n != 3 {
		t.Errorf("%d accounts, want 3", n)
	}
}

// TestExistingLinesComeFromTheMirrorQuery: re-delivery learns which lines
// exist from the mirror query (3 calls per document: lookup, mirror,
// composite), and a line written before the rules had an owner column,
// which that query cannot see, costs one retry that asks for it.
func TestExistingLinesComeFromTheMirrorQuery(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.Insert("Account", map[string]any{"Name": "A", "Tax_Id__c": "DE123"})
	plan := invoicePlan("doc-1", "DE123", mapping.OnMissingNull, "1", "2")
	first, err := e.d.Deliver(bg, plan)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour) // the lookup is asked again
	before := len(e.srv.Requests())
	if _, err := e.d.Deliver(bg, plan); err != nil {
		t.Fatal(err)
	}
	if n := len(e.srv.Requests()) - before; n != 3 {
		t.Errorf("re-delivery made %d requests, want 3", n)
	}
	// A line of this invoice from before the owner column existed.
	legacy := e.srv.Insert("Invoice_Line__c", map[string]any{"Line_Key__c": "doc-1-3", "Invoice__c": first.RecordID})
	rc, err := e.d.Deliver(bg, invoicePlan("doc-1", "DE123", mapping.OnMissingNull, "1", "2", "3"))
	if err != nil {
		t.Fatal(err)
	}
	if rc.Records[3].ID != legacy || rc.Records[3].Outcome != destinations.Updated {
		t.Fatalf("legacy line: %+v, want %s updated", rc.Records[3], legacy)
	}
	if n := countComposites(e.srv); n != 4 {
		t.Errorf("%d composite requests, want 4 (the legacy line's costs one retry)", n)
	}
	if e.srv.Record(legacy)["Numora_Document_Id__c"] != "doc-1" {
		t.Error("the legacy line did not get its owner column")
	}
}

// Documents delivered at once share one describe per object: each describe
// is a call against the org's daily API allocation.
func TestConcurrentDocumentsShareDescribe(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.Insert("Account", map[string]any{"Name": "ACME", "Tax_Id__c": "DE123"})
	gate := e.srv.Hold("GET /sobjects/Invoice__c/describe")
	const docs = 6
	errs := make(chan error, docs)
	deliver := func(id string) {
		_, err := e.d.Deliver(bg, invoicePlan(id, "DE123", mapping.OnMissingFail, "1"))
		errs <- err
	}
	go deliver("doc-0")
	<-gate.Arrived() // doc-0's describe is in flight
	for i := 1; i < docs; i++ {
		go deliver(fmt.Sprintf("doc-%d", i))
	}
	gate.Release()
	for range docs {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	perObject := map[string]int{}
	for _, r := range e.srv.Requests() {
		if strings.HasSuffix(r.Path, "/describe") {
			perObject[r.Path]++
		}
	}
	for path, n := range perObject {
		if n != 1 {
			t.Errorf("%s requested %d times; want once", path, n)
		}
	}
	if len(perObject) == 0 {
		t.Fatal("no describe request seen")
	}
}
