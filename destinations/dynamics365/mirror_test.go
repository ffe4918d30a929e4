package dynamics365

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/numora"
)

// mirrorRules are invoice rules whose lines are mirrored as onRemoved
// says, keyed by document (GUID) or, with altKey, by the alternate key
// new_lineref = "<document id>-<line item id>".
func mirrorRules(t *testing.T, onRemoved string, altKey bool) *mapping.Rules {
	t.Helper()
	key := "document"
	if altKey {
		key = "[new_lineref]"
	}
	rules, err := mapping.Parse("mirror.yaml", []byte(mirrorRulesYAML(onRemoved, key)))
	if err != nil {
		t.Fatal(err)
	}
	return rules
}

// mirrorRulesYAML is the text of mirrorRules with the lines' key as given.
func mirrorRulesYAML(onRemoved, key string) string {
	return fmt.Sprintf(`version: 1
schemas:
  invoice_v2:
    records:
      - name: invoice
        entity: new_vendorinvoices
        columns:
          new_name: fields.invoice_number
      - name: line
        entity: new_vendorinvoicelines
        for_each: line_items
        key: %s
        on_removed: %s
        columns:
          new_name: item.description
          new_amount: {from: item.amount, type: money}
          new_lineref: {expr: 'document.id + "-" + item.id'}
          new_numoradocumentid: document.id
          new_InvoiceId: {ref: invoice}
`, key, onRemoved)
}

// headerKeyedRules are mirrorRules(delete, GUID lines) with the invoice
// keyed by its number instead of the document.
func headerKeyedRules(t *testing.T) *mapping.Rules {
	t.Helper()
	rules, err := mapping.Parse("mirror.yaml", []byte(`version: 1
schemas:
  invoice_v2:
    records:
      - name: invoice
        entity: new_vendorinvoices
        key: [new_invoicenumber]
        columns:
          new_invoicenumber: fields.invoice_number
      - name: line
        entity: new_vendorinvoicelines
        for_each: line_items
        columns:
          new_name: item.description
          new_numoradocumentid: document.id
          new_InvoiceId: {ref: invoice}
`))
	if err != nil {
		t.Fatal(err)
	}
	return rules
}

// invoiceWith renders document doc_m with the given line items ("li_1=Widgets"
// gives item li_1 described "Widgets").
func invoiceWith(t *testing.T, rules *mapping.Rules, items ...string) *mapping.Plan {
	t.Helper()
	return documentWith(t, rules, "doc_m", items...)
}

// documentWith renders document id with the given line items.
func documentWith(t *testing.T, rules *mapping.Rules, id string, items ...string) *mapping.Plan {
	t.Helper()
	res := &numora.Result{ID: id, Schema: "invoice_v2", Status: "reviewed",
		Fields: map[string]numora.Field{"invoice_number": {Value: json.RawMessage(`"INV-M"`)}}}
	for _, it := range items {
		id, desc, _ := strings.Cut(it, "=")
		res.LineItems = append(res.LineItems, numora.LineItem{ID: id, Names: []string{"description", "amount"},
			Fields: map[string]numora.Field{"description": {Value: json.RawMessage(`"` + desc + `"`)}, "amount": {Value: json.RawMessage(`10`)}}})
	}
	plan, err := rules.Render(res)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// lineNames returns the names of the line rows, keyed by name, with their
// statecode ("" when never set).
func lineNames(s *dataversetest.Server) map[string]string {
	out := map[string]string{}
	for _, r := range s.Rows("new_vendorinvoicelines") {
		out[fmt.Sprint(r["new_name"])] = fmt.Sprint(r["statecode"])
	}
	return out
}

func deliverOK(t *testing.T, d *Destination, plan *mapping.Plan) *destinations.Receipt {
	t.Helper()
	rc, err := d.Deliver(context.Background(), plan)
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	return rc
}

// A reviewer removes a line and corrects another; the re-delivery makes
// the CRM's lines equal the document's: the removed line's row is deleted
// in the same change set as the writes, keyed by GUID or by alternate key,
// and a line a person added under the same invoice survives.
func TestEmulatorMirrorDeletesRemovedLines(t *testing.T) {
	for _, altKey := range []bool{false, true} {
		t.Run(map[bool]string{false: "GUID keys", true: "alternate keys"}[altKey], func(t *testing.T) {
			d, s, _ := emu(t, nil)
			rules := mirrorRules(t, "delete", altKey)
			first := deliverOK(t, d, invoiceWith(t, rules, "li_1=Widgets", "li_2=Gadgets", "li_3=Bolts"))
			for _, r := range s.Requests() {
				if r.Method == "GET" && strings.HasPrefix(r.Path, "new_vendorinvoicelines") {
					t.Errorf("the first delivery read the lines (%s): a new document has none to remove", r.URL)
				}
			}
			s.Seed("new_vendorinvoicelines", map[string]any{"new_name": "Added by a person",
				"new_InvoiceId@odata.bind": "/new_vendorinvoices(" + first.RecordID + ")"})
			seq := lastSeq(s)
			rc := deliverOK(t, d, invoiceWith(t, rules, "li_1=Widgets", "li_3=Bolts corrected"))
			got := lineNames(s)
			if len(got) != 3 || !has(got, "Widgets") || !has(got, "Bolts corrected") || !has(got, "Added by a person") {
				t.Errorf("lines %v, want Widgets, Bolts corrected and the person's line", got)
			}
			if len(rc.Removed) != 1 || rc.Removed[0].Outcome != destinations.Deleted || rc.Removed[0].Name != "line" {
				t.Errorf("receipt removed %+v, want one deleted line", rc.Removed)
			}
			if c, u, r := rc.Counts(); c != 0 || u != 3 || r != 1 {
				t.Errorf("counts %d created, %d updated, %d removed; want 0, 3, 1", c, u, r)
			}
			// The re-delivery: the first attempt finds the invoice (412, nothing
			// applied), the rows are read, and one change set writes and deletes.
			batches, changeSets := batchesAfter(s, seq)
			if len(batches) != 2 || batches[0].Status != 412 || len(changeSets[batches[1].Seq]) != 4 {
				t.Fatalf("got %d $batch requests %v, want the refused probe, then one with 4 operations", len(batches), changeSets)
			}
			for _, cs := range changeSets[batches[1].Seq] {
				if cs != 1 {
					t.Errorf("operations in change sets %v, want all in change set 1: the delete is atomic with the writes", changeSets)
				}
			}
		})
	}
}

func has(m map[string]string, k string) bool { _, ok := m[k]; return ok }

// Removing every line item removes every line the connector wrote.
func TestEmulatorMirrorAllLinesRemoved(t *testing.T) {
	d, s, _ := emu(t, nil)
	rules := mirrorRules(t, "delete", false)
	deliverOK(t, d, invoiceWith(t, rules, "li_1=Widgets", "li_2=Gadgets"))
	rc := deliverOK(t, d, invoiceWith(t, rules))
	if n := s.Count("new_vendorinvoicelines"); n != 0 || len(rc.Removed) != 2 {
		t.Errorf("%d lines left, %d removed; want 0 and 2", n, len(rc.Removed))
	}
}

// on_removed: deactivate sets the inactive state instead of deleting, once;
// a line item that comes back is reactivated.
func TestEmulatorMirrorDeactivates(t *testing.T) {
	d, s, _ := emu(t, nil)
	rules := mirrorRules(t, "deactivate", false)
	deliverOK(t, d, invoiceWith(t, rules, "li_1=Widgets", "li_2=Gadgets"))
	rc := deliverOK(t, d, invoiceWith(t, rules, "li_1=Widgets"))
	if got := lineNames(s); len(got) != 2 || got["Gadgets"] != "1" || got["Widgets"] == "1" {
		t.Errorf("lines %v, want Gadgets kept with statecode 1, Widgets active", got)
	}
	if len(rc.Removed) != 1 || rc.Removed[0].Outcome != destinations.Deactivated {
		t.Errorf("removed %+v, want one deactivated", rc.Removed)
	}
	row, _ := s.Row("new_vendorinvoicelines", rc.Removed[0].ID)
	if row["statuscode"] != int64(2) {
		t.Errorf("deactivated row %v, want statuscode 2", row)
	}
	if again := deliverOK(t, d, invoiceWith(t, rules, "li_1=Widgets")); len(again.Removed) != 0 {
		t.Errorf("second re-delivery removed %+v again, want nothing (already inactive)", again.Removed)
	}
	deliverOK(t, d, invoiceWith(t, rules, "li_1=Widgets", "li_2=Gadgets"))
	if got := lineNames(s); got["Gadgets"] != "0" {
		t.Errorf("lines %v, want Gadgets reactivated (statecode 0)", got)
	}
}

// Dataverse refuses a statuscode that does not belong to the statecode
// (400 0x80048408), and so does the emulator: deactivating with
// {statecode: 1, statuscode: 1} fails the re-delivery with that code and
// writes nothing of it (validate --online reports the pair beforehand).
func TestEmulatorMirrorDeactivateWithAWrongStatusFails(t *testing.T) {
	d, s, _ := emu(t, nil)
	yml := strings.Replace(mirrorRulesYAML("deactivate", "document"), "        on_removed: deactivate\n",
		"        on_removed: deactivate\n        deactivate: {statecode: 1, statuscode: 1}\n", 1)
	rules, err := mapping.Parse("mirror.yaml", []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	deliverOK(t, d, invoiceWith(t, rules, "li_1=Widgets", "li_2=Gadgets"))
	_, err = d.Deliver(context.Background(), invoiceWith(t, rules, "li_1=Widgets corrected"))
	if ce := classify(err); ce == nil || ce.Class != destinations.Permanent || ce.Code != "crm_400_0x80048408" {
		t.Fatalf("Deliver: %v, want a permanent crm_400_0x80048408", err)
	}
	if got := lineNames(s); len(got) != 2 || !has(got, "Widgets") || got["Gadgets"] == "1" {
		t.Errorf("lines %v, want both as the first delivery wrote them (the change set rolled back)", got)
	}
}

// on_removed: keep leaves the rows of removed items alone and reads nothing.
func TestEmulatorMirrorKeeps(t *testing.T) {
	d, s, _ := emu(t, nil)
	rules := mirrorRules(t, "keep", false)
	deliverOK(t, d, invoiceWith(t, rules, "li_1=Widgets", "li_2=Gadgets"))
	rc := deliverOK(t, d, invoiceWith(t, rules, "li_1=Widgets"))
	if n := s.Count("new_vendorinvoicelines"); n != 2 || len(rc.Removed) != 0 {
		t.Errorf("%d lines, %d removed; want 2 and 0", n, len(rc.Removed))
	}
	for _, r := range s.Requests() {
		if r.Method == "GET" && strings.HasPrefix(r.Path, "new_vendorinvoicelines") {
			t.Errorf("keep read the lines: %s", r.URL)
		}
	}
}

// The dry run (Preview) shows the query for the document's rows and the
// DELETE of every row the plan does not write, in the change set.
func TestEmulatorMirrorDryRunShowsRemovals(t *testing.T) {
	d, _, _ := emu(t, nil)
	var out bytes.Buffer
	if err := d.Preview(context.Background(), invoiceWith(t, mirrorRules(t, "delete", false), "li_1=Widgets"), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# Query 1: line (new_vendorinvoicelines): rows written for this document, to delete those whose line items are gone",
		"new_vendorinvoicelines?$select=new_vendorinvoicelineid&$filter=new_numoradocumentid%20eq%20'doc_m'&$top=5000",
		"DELETE " + d.base + "new_vendorinvoicelines(<each GUID from query 1 that this plan does not write>) HTTP/1.1",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("preview lacks %q:\n%s", want, out.String())
		}
	}
}

// A row removed by someone else between the read and the change set makes
// its DELETE answer 404, which rolls the change set back; the delivery
// drops that removal (the row is gone, as wanted) and sends the rest again.
func TestEmulatorMirrorRowVanishedMeanwhile(t *testing.T) {
	for _, odata := range []bool{false, true} {
		t.Run(map[bool]string{false: "error part with Content-ID", true: "OData 4.0 error part"}[odata], func(t *testing.T) {
			var opts []dataversetest.Option
			if odata {
				opts = append(opts, dataversetest.WithODataBatchErrors())
			}
			d, s, _ := emu(t, opts)
			// An invoice keyed by its number: no probe, the rows are read first.
			rules := headerKeyedRules(t)
			deliverOK(t, d, invoiceWith(t, rules, "li_1=Widgets", "li_2=Gadgets"))
			stale := lineGUID("doc_m", "li_2")
			gate := s.HoldPath("$batch")
			done := deliverAsync(context.Background(), d, invoiceWith(t, rules, "li_1=Widgets corrected"))
			<-gate.Arrived()
			req, _ := http.NewRequest(http.MethodDelete, s.URL+"/api/data/v9.2/new_vendorinvoicelines("+stale+")", nil)
			req.Header.Set("Authorization", "Bearer "+s.IssueToken())
			resp, err := s.Client().Do(req)
			if err != nil || resp.StatusCode != http.StatusNoContent {
				t.Fatalf("deleting the row meanwhile: %v %v", resp, err)
			}
			resp.Body.Close()
			s.Unhold()
			r := <-done
			if r.err != nil {
				t.Fatalf("Deliver: %v", r.err)
			}
			if got := lineNames(s); len(got) != 1 || !has(got, "Widgets corrected") {
				t.Errorf("lines %v, want only Widgets corrected", got)
			}
			refused := 0
			for _, r := range s.Requests() {
				if r.InBatch && r.Method == http.MethodDelete && r.Status == http.StatusNotFound {
					refused++
				}
			}
			if refused != 1 {
				t.Errorf("%d DELETEs answered 404, want 1 (the vanished row, then dropped)", refused)
			}
		})
	}
}

// A header lookup whose source became empty is cleared on re-delivery
// (on_missing: null), so a counterparty bound earlier does not stay bound.
func TestEmulatorEmptyLookupSourceClearsTheReference(t *testing.T) {
	rules, err := mapping.Load("../../mappings.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d, s, _ := emu(t, nil)
	acct := seedVendor(s)
	contract := func(taxID string) *mapping.Plan {
		plan, err := rules.Render(&numora.Result{ID: "doc_c1", Schema: "contract_v1", Status: "reviewed",
			Fields: map[string]numora.Field{"contract_number": {Value: json.RawMessage(`"C-1"`)},
				"counterparty_tax_id": {Value: json.RawMessage(`"` + taxID + `"`)}}})
		if err != nil {
			t.Fatal(err)
		}
		return plan
	}
	rc := deliverOK(t, d, contract("DE123456789"))
	if row, _ := s.Row("new_contracts", rc.RecordID); row["new_counterpartyid"] != acct {
		t.Fatalf("contract %v, want bound to %s", row, acct)
	}
	deliverOK(t, d, contract(""))
	if row, _ := s.Row("new_contracts", rc.RecordID); row["new_counterpartyid"] != nil {
		t.Errorf("contract %v after the reviewer removed the counterparty, want the reference cleared", row)
	}
}

// Another document's lines hold another document id: mirroring one
// document never removes them.
func TestEmulatorMirrorLeavesOtherDocumentsAlone(t *testing.T) {
	d, s, _ := emu(t, nil)
	rules := mirrorRules(t, "delete", false)
	deliverOK(t, d, documentWith(t, rules, "doc_a", "li_1=A1", "li_2=A2"))
	deliverOK(t, d, documentWith(t, rules, "doc_b", "li_1=B1", "li_2=B2"))
	rc := deliverOK(t, d, documentWith(t, rules, "doc_a", "li_1=A1"))
	if got := lineNames(s); len(got) != 3 || !has(got, "B1") || !has(got, "B2") || has(got, "A2") || len(rc.Removed) != 1 {
		t.Errorf("lines %v, removed %+v; want A1, B1, B2 and one removal", got, rc.Removed)
	}
}

// Re-deliveries that wait share a $batch: each document's probe answers 412
// in its own change set (with the OData 4.0 error shape, matched by
// position), each reads its rows and is written again with its removals.
func TestEmulatorMirrorInASharedBatch(t *testing.T) {
	d, s, _ := emu(t, []dataversetest.Option{dataversetest.WithODataBatchErrors()},
		func(c *Config) { c.MaxConcurrency, c.InitialConcurrency = 1, 1 })
	rules := mirrorRules(t, "delete", false)
	ctx := context.Background()
	for _, id := range []string{"doc_a", "doc_b", "doc_c"} {
		deliverOK(t, d, documentWith(t, rules, id, "li_1="+id+"-1", "li_2="+id+"-2"))
	}
	gate := s.HoldPath("$batch")
	first := deliverAsync(ctx, d, documentWith(t, rules, "doc_a", "li_1=doc_a-1"))
	<-gate.Arrived()
	waiting := []<-chan delivery{
		deliverAsync(ctx, d, documentWith(t, rules, "doc_b", "li_2=doc_b-2")),
		deliverAsync(ctx, d, documentWith(t, rules, "doc_c", "li_1=doc_c-1")),
	}
	queued(d, len(waiting))
	s.Unhold()
	for _, ch := range append([]<-chan delivery{first}, waiting...) {
		if r := <-ch; r.err != nil || len(r.rc.Removed) != 1 {
			t.Errorf("re-delivery: %+v, %v; want one row removed", r.rc, r.err)
		}
	}
	got := lineNames(s)
	for _, want := range []string{"doc_a-1", "doc_b-2", "doc_c-1"} {
		if !has(got, want) {
			t.Errorf("lines %v lack %s", got, want)
		}
	}
	if len(got) != 3 {
		t.Errorf("lines %v, want 3", got)
	}
	shared := false
	for _, r := range s.Requests() {
		shared = shared || (r.Ops > 1 && r.Header.Get("Prefer") == "odata.continue-on-error")
	}
	if !shared {
		t.Error("no shared $batch was sent: the test did not exercise one")
	}
}
