package dynamics365

import (
	"context"
	"testing"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
)

// A 412 means "the row exists" only with the error If-None-Match gives. A
// create-only row keyed by GUID whose alternate-key value another row
// already holds gets 412 0x80060892 (duplicate key): that is a permanent
// failure with its code, never "unchanged" (dataverse.md §13, "Upsert and
// preconditions").
func TestEmulatorDuplicateKey412IsNotExists(t *testing.T) {
	d, s, _ := emu(t, nil)
	s.Seed("new_vendorinvoices", map[string]any{"new_name": "someone else's", "new_invoicenumber": "INV-DUP"})
	plan := &mapping.Plan{DocumentID: "doc_dup", Schema: "invoice_v2", Records: []mapping.Record{
		{Name: "invoice", Entity: "new_vendorinvoices", Mode: mapping.ModeCreate,
			Key:     identity("doc_dup", ""),
			Columns: []mapping.Column{str("new_name", "mine"), str("new_invoicenumber", "INV-DUP")}},
	}}
	rc, err := d.Deliver(context.Background(), plan)
	ce := classify(err)
	if ce == nil || ce.Class != destinations.Permanent || ce.Code != "crm_412_0x80060892" {
		t.Fatalf("Deliver: %+v, %v; want a permanent crm_412_0x80060892", rc, err)
	}
	if n := s.Count("new_vendorinvoices"); n != 1 {
		t.Errorf("%d invoices, want only the seeded one", n)
	}
}

// The documented If-None-Match 412 on an existing row still counts as
// delivered (unchanged).
func TestEmulatorCreateOnly412ExistsIsUnchanged(t *testing.T) {
	d, _, _ := emu(t, nil)
	plan := &mapping.Plan{DocumentID: "doc_c", Schema: "invoice_v2", Records: []mapping.Record{
		{Name: "invoice", Entity: "new_vendorinvoices", Mode: mapping.ModeCreate,
			Key:     identity("doc_c", ""),
			Columns: []mapping.Column{str("new_name", "mine")}},
	}}
	for i, want := range []destinations.Outcome{destinations.Created, destinations.Unchanged} {
		rc, err := d.Deliver(context.Background(), plan)
		if err != nil || rc.Records[0].Outcome != want {
			t.Fatalf("delivery %d: %+v, %v; want %s", i+1, rc, err, want)
		}
	}
}
