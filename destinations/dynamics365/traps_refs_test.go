package dynamics365

import (
	"context"
	"testing"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/mapping"
)

// keylessPlan is a header written without a key (a plain create) and a
// line bound to it.
func keylessPlan() *mapping.Plan {
	return &mapping.Plan{DocumentID: "doc_k", Schema: "invoice_v2", Records: []mapping.Record{
		{Name: "invoice", Entity: "new_vendorinvoices", Mode: mapping.ModeCreate, Key: mapping.Key{Kind: mapping.KeyNone},
			Columns: []mapping.Column{str("new_name", "keyless")}},
		{Name: "line", ItemID: "li_1", Entity: "new_vendorinvoicelines", Mode: mapping.ModeUpsert,
			Key: identity("doc_1", "li_1"), Columns: []mapping.Column{str("new_name", "l1")},
			Binds: []mapping.Bind{{NavProperty: "new_InvoiceId", Ref: 0}}},
	}}
}

// A row created without a key gets a GUID chosen by the connector and is
// bound as /set(guid): every part asks for a representation, after which
// Dataverse sends no OData-EntityId for "$n" to stand for (dataverse.md
// §13). The emulator refuses such a "$n", so binding by Content-ID fails
// here.
func TestEmulatorKeylessRowIsBoundByItsGUID(t *testing.T) {
	d, s, _ := emu(t, nil)
	const own = "dddddddd-0000-4000-8000-000000000001"
	d.newRowID = func() string { return own }
	rc, err := d.Deliver(context.Background(), keylessPlan())
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if rc.RecordID != own || rc.Records[0].Outcome != destinations.Created {
		t.Errorf("receipt %+v, want the invoice created as %s", rc, own)
	}
	if line, _ := s.Row("new_vendorinvoicelines", line1ID); line == nil || line["new_invoiceid"] != own {
		t.Errorf("line %v, want bound to %s", line, own)
	}
	for _, r := range s.Requests() {
		if r.InBatch && r.Method != "PATCH" {
			t.Errorf("%s %s: every write is an upsert by GUID or key, so a resend is safe", r.Method, r.URL)
		}
	}
}

// Because the keyless row is upserted by its own GUID, a write whose
// answer was lost can be resent without creating the row twice.
func TestEmulatorKeylessRowResentAfterLostAnswer(t *testing.T) {
	d, s, _ := emu(t, nil)
	s.AddFault(dataversetest.Fault{Kind: dataversetest.FaultDrop, Path: "$batch", AfterWrite: true, Count: 1})
	if _, err := d.Deliver(context.Background(), keylessPlan()); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if n := s.Count("new_vendorinvoices"); n != 1 {
		t.Errorf("%d invoices after a resend, want 1", n)
	}
}
