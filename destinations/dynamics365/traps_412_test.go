package dynamics365

import (
	"context"
	"net/http"
	"testing"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
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
	plan := createOnlyInvoice("doc_c")
	for i, want := range []destinations.Outcome{destinations.Created, destinations.Unchanged} {
		rc, err := d.Deliver(context.Background(), plan)
		if err != nil || rc.Records[0].Outcome != want {
			t.Fatalf("delivery %d: %+v, %v; want %s", i+1, rc, err, want)
		}
	}
}

// A 412 DuplicateRecord (0x80040237) is what third-party code reports for
// If-None-Match on an existing row, and also Dataverse's code for a
// duplicate found by a unique constraint or duplicate detection
// (dataverse.md §8, §13): with that code the writer reads the row before
// calling it "exists". Here the row does not exist, so the create-only
// record fails with the code instead of being reported unchanged.
func TestEmulatorDuplicateRecord412OnAMissingRowFails(t *testing.T) {
	d, s, _ := emu(t, nil)
	s.AddFault(duplicateRecord412("Cannot insert duplicate key."))
	plan := createOnlyInvoice("doc_dr")
	rc, err := d.Deliver(context.Background(), plan)
	if ce := classify(err); ce == nil || ce.Class != destinations.Permanent || ce.Code != "crm_412_0x80040237" {
		t.Fatalf("Deliver: %+v, %v; want a permanent crm_412_0x80040237, not unchanged", rc, err)
	}
	if n := s.Count("new_vendorinvoices"); n != 0 {
		t.Errorf("%d invoices, want none", n)
	}
}

// The same code on a row that does exist is read, found, and counts as
// delivered (unchanged).
func TestEmulatorDuplicateRecord412OnAnExistingRowIsUnchanged(t *testing.T) {
	d, s, _ := emu(t, nil)
	plan := createOnlyInvoice("doc_de")
	deliverOK(t, d, plan)
	s.AddFault(duplicateRecord412("A record with matching key values already exists."))
	rc, err := d.Deliver(context.Background(), plan)
	if err != nil || rc.Records[0].Outcome != destinations.Unchanged {
		t.Fatalf("Deliver: %+v, %v; want unchanged", rc, err)
	}
}

// createOnlyInvoice is a plan with one create-only invoice for document id.
func createOnlyInvoice(id string) *mapping.Plan {
	return &mapping.Plan{DocumentID: id, Schema: "invoice_v2", Records: []mapping.Record{
		{Name: "invoice", Entity: "new_vendorinvoices", Mode: mapping.ModeCreate,
			Key: identity(id, ""), Columns: []mapping.Column{str("new_name", "mine")}},
	}}
}

// duplicateRecord412 answers the next $batch with a change set refused
// 412 DuplicateRecord (0x80040237) with message, in Dataverse's response
// shape.
func duplicateRecord412(message string) dataversetest.Fault {
	const boundary = "batchresponse_dup"
	return dataversetest.Fault{Kind: dataversetest.FaultResponse, Method: http.MethodPost, Path: "$batch", Count: 1,
		Status: http.StatusBadRequest, Header: http.Header{"Content-Type": {"multipart/mixed; boundary=" + boundary}},
		Body: []byte("--" + boundary + "\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 1\r\n\r\n" +
			"HTTP/1.1 412 Precondition Failed\r\nContent-Type: application/json; odata.metadata=minimal\r\nOData-Version: 4.0\r\n\r\n" +
			`{"error":{"code":"0x80040237","message":"` + message + `"}}` + "\r\n--" + boundary + "--\r\n")}
}
