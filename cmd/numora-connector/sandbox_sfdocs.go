package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/numora/numora-connector/connector"
	"github.com/numora/numora-connector/numora/numoratest"
)

// salesforceDocs returns the documents of "sandbox --destination
// salesforce", for the rules of mappings-salesforce.yaml (invoices only):
// invoices with lines, a re-review that removed a line, a line key longer
// than Salesforce's field holds, an unknown vendor, a duplicate, an
// invoice number the rules refuse, and receipts the rules do not map.
func salesforceDocs(now time.Time) []seeded {
	var docs []seeded
	add := func(d seeded, res map[string]any) {
		res["status"] = "reviewed"
		res["updated_at"] = now.Add(-time.Duration(len(docs)) * time.Minute).Format(time.RFC3339)
		d.fixture = mustFixture(res)
		if d.check == nil {
			d.check = wantInvoice(d.fixture.ID, d.want == connector.Delivered, lineKeys(res))
		}
		docs = append(docs, d)
	}
	for i := range 8 {
		v := numoratest.Vendors[i%len(numoratest.Vendors)]
		add(seeded{note: "invoice with its lines, account " + v.Name + " bound by Tax_Id__c", want: connector.Delivered},
			invoice(i, v, nil))
	}
	long := invoice(9, numoratest.Vendors[1], nil)
	setLineID(long, 0, "li_1_"+strings.Repeat("erp-position-", 5))
	add(seeded{note: "line key of 88 characters: Salesforce refuses it (Line_Key__c holds 80); nothing written",
		want: connector.Failed, code: "crm_400_string_too_long"}, long)
	add(mirrorDoc(now))
	dup := docID("invoice", 0)
	add(seeded{note: "duplicate of " + dup + ": skipped by a skip_if rule", want: connector.Skipped, code: "skip_rule"},
		invoice(11, numoratest.Vendors[0], map[string]any{"duplicate_of": dup}))
	u := numoratest.UnknownVendors[0]
	add(seeded{note: "vendor " + u.Name + " not in Account: skipped (on_missing: skip_document)",
		want: connector.Skipped, code: "lookup"}, invoice(12, u, nil))
	longNo := "INV-2026-" + strings.Repeat("0123456789", 8)
	add(seeded{note: "invoice number of 89 characters: the rules refuse it (Name, max_length 80)",
		want: connector.Failed, code: "mapping"},
		invoice(13, numoratest.Vendors[2], map[string]any{"invoice_number": field(longNo, 0.97)}))
	for i := range 2 {
		add(seeded{note: "receipt: the Salesforce rules map no receipts, so it is skipped", want: connector.Skipped,
			code: "skip_rule"}, receipt(i))
	}
	return docs
}

// mirrorDoc is an invoice delivered earlier with three lines and reviewed
// again without the second: this run deletes that line's record.
func mirrorDoc(now time.Time) (seeded, map[string]any) {
	earlier := invoice(10, numoratest.Vendors[3], nil)
	earlier["status"], earlier["updated_at"] = "reviewed", now.Add(-time.Hour).Format(time.RFC3339)
	res := invoice(10, numoratest.Vendors[3], nil)
	res["line_items"] = slices.Delete(res["line_items"].([]any), 1, 2)
	res["review_state"] = map[string]any{"version": 2, "confirmed_general_field_names": []string{"invoice_number"}}
	id := docID("invoice", 10)
	e := mustFixture(earlier).Result
	return seeded{note: "re-reviewed: line li_2 removed; its Invoice_Line__c record is deleted (mirror)",
		want: connector.Delivered, earlier: &e, check: wantInvoice(id, true, lineKeys(res))}, res
}

// setLineID gives the n-th line item of an invoice result another id.
func setLineID(res map[string]any, n int, id string) {
	res["line_items"].([]any)[n].(map[string]any)["id"] = id
}

// lineKeys are the Line_Key__c values the rules make of res's lines.
func lineKeys(res map[string]any) []string {
	items, _ := res["line_items"].([]any)
	keys := make([]string, 0, len(items))
	for _, it := range items {
		keys = append(keys, fmt.Sprintf("%s/%s", res["id"], it.(map[string]any)["id"]))
	}
	return keys
}

// wantInvoice checks the org after the run: an Invoice__c for document id
// with exactly the lines lines when delivered, no record at all otherwise.
func wantInvoice(id string, delivered bool, lines []string) func(*sandbox) string {
	return func(sb *sandbox) string {
		n := 0
		for _, r := range sb.sf.Records("Invoice__c") {
			if r["Numora_Document_Id__c"] == id {
				n++
			}
		}
		got, want := sb.linesOf(id), slices.Sorted(slices.Values(lines))
		slices.Sort(got)
		switch {
		case !delivered && (n > 0 || len(got) > 0):
			return fmt.Sprintf("%d Invoice__c and %d lines in Salesforce, want none", n, len(got))
		case delivered && n != 1:
			return fmt.Sprintf("%d Invoice__c in Salesforce, want 1", n)
		case delivered && !slices.Equal(got, want):
			return fmt.Sprintf("lines %v in Salesforce, want %v", got, want)
		}
		return ""
	}
}
