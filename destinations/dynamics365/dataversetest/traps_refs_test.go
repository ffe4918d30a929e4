package dataversetest

import (
	"net/http"
	"strings"
	"testing"
)

// "$n" stands for the OData-EntityId of part n; a write with
// Prefer: return=representation answers 201/200 with the row and no
// OData-EntityId, so a later "$n" to it is refused (dataverse.md §13,
// "$n after return=representation"), both as a bind and as a URL. A part
// without the preference can still be referenced.
func TestBatchRefusesRefToRepresentationPart(t *testing.T) {
	tests := []struct {
		name   string
		prefer bool
		ref    batchPart
	}{
		{"bind to a representation part", true,
			batchPart{method: "POST", url: "new_vendorinvoicelines", body: `{"new_name":"l1","new_InvoiceId@odata.bind":"$1"}`, contentID: "2"}},
		{"PATCH $1 of a representation part", true,
			batchPart{method: "PATCH", url: "$1", body: `{"new_ponumber":"PO-1"}`, contentID: "2"}},
		{"bind to a plain part works", false,
			batchPart{method: "POST", url: "new_vendorinvoicelines", body: `{"new_name":"l1","new_InvoiceId@odata.bind":"$1"}`, contentID: "2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			c := newAPIClient(t, s)
			first := batchPart{method: "POST", url: "new_vendorinvoices?$select=new_vendorinvoiceid", body: `{"new_name":"inv"}`, contentID: "1"}
			if tt.prefer {
				first.headers = []string{"Prefer", "return=representation"}
			}
			r := postBatch(c, batchBody("batch_AAA", batchGroup{changeSet: true, parts: []batchPart{first, tt.ref}}))
			parts := parseBatchReply(t, r)
			if !tt.prefer {
				wantStatus(t, r, http.StatusOK)
				if s.Count("new_vendorinvoicelines") != 1 {
					t.Errorf("the line was not written")
				}
				return
			}
			if r.status != http.StatusBadRequest || len(parts) != 1 || parts[0].status != http.StatusBadRequest ||
				!strings.Contains(string(parts[0].body), "return=representation") {
				t.Fatalf("got %d %+v, want one 400 part naming return=representation", r.status, parts)
			}
			if s.Count("new_vendorinvoices") != 0 {
				t.Errorf("the change set was not rolled back")
			}
		})
	}
}

// The batch-error knobs: without a Content-ID on the failed change set's
// part (the OData 4.0 shape), and stopping at the first failed change set
// despite continue-on-error (dataverse.md §13).
func TestBatchErrorShapes(t *testing.T) {
	tests := []struct {
		name      string
		opts      []Option
		wantParts int
		wantID    string
		wantCode  int
	}{
		{"default: error part echoes its Content-ID, later change sets run", nil, 2, "2", http.StatusOK},
		{"OData 4.0 shape: no Content-ID", []Option{WithODataBatchErrors()}, 2, "", http.StatusOK},
		{"stops at the failed change set", []Option{WithStopAtFailedChangeSet()}, 1, "2", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, tt.opts...)
			c := newAPIClient(t, s)
			long := strings.Repeat("x", 201)
			body := batchBody("batch_AAA",
				batchGroup{changeSet: true, parts: []batchPart{
					{method: "PATCH", url: "new_vendorinvoices(11111111-0000-4000-8000-000000000001)", body: `{"new_name":"doc1"}`, contentID: "1"},
					{method: "PATCH", url: "new_vendorinvoicelines(11111111-0000-4000-8000-000000000002)", body: `{"new_name":"` + long + `"}`, contentID: "2"},
				}},
				batchGroup{changeSet: true, parts: []batchPart{
					{method: "PATCH", url: "new_vendorinvoices(11111111-0000-4000-8000-000000000003)", body: `{"new_name":"doc2"}`, contentID: "3"},
				}})
			r := postBatch(c, body, "Prefer", "odata.continue-on-error")
			parts := parseBatchReply(t, r)
			if r.status != tt.wantCode || len(parts) != tt.wantParts || parts[0].status != http.StatusBadRequest ||
				parts[0].changeSet || parts[0].contentID != tt.wantID {
				t.Fatalf("got %d %+v; want %d with %d parts, the first a 400 with Content-ID %q", r.status, parts, tt.wantCode, tt.wantParts, tt.wantID)
			}
			if want := tt.wantParts - 1; s.Count("new_vendorinvoices") != want {
				t.Errorf("%d invoices, want %d (the failed change set rolled back)", s.Count("new_vendorinvoices"), want)
			}
		})
	}
}
