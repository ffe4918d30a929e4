package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/numora/numora-connector/connector"
	"github.com/numora/numora-connector/numora"
	"github.com/numora/numora-connector/numora/numoratest"
)

// seeded is one sandbox document and the outcome it is seeded for.
type seeded struct {
	fixture numoratest.Fixture
	note    string            // what the document demonstrates
	want    connector.Outcome // expected outcome
	code    string            // expected error_code prefix, "" for any
	// earlier is a version of the result delivered before the run (the
	// sandbox writes it first), nil if none.
	earlier *numora.Result
	// check, if set, inspects the destination after the run: "" when it
	// holds what the document should have left there, else what is wrong.
	check func(sb *sandbox) string
}

// sandboxDocs returns the sandbox's 26 documents: ordinary invoices,
// receipts and contracts, plus one each of the cases users meet first,
// the last a re-reviewed invoice whose earlier version the sandbox
// delivers before the run (mirror).
func sandboxDocs(now time.Time) []seeded {
	var docs []seeded
	addDoc := func(d seeded, res map[string]any) {
		res["status"] = "reviewed"
		res["updated_at"] = now.Add(-time.Duration(len(docs)) * time.Minute).Format(time.RFC3339)
		d.fixture = mustFixture(res)
		docs = append(docs, d)
	}
	add := func(note string, want connector.Outcome, code string, res map[string]any) {
		addDoc(seeded{note: note, want: want, code: code}, res)
	}
	for i := range 12 {
		v := numoratest.Vendors[i%len(numoratest.Vendors)]
		add("invoice, vendor "+v.Name+" looked up and found", connector.Delivered, "", invoice(i, v, nil))
	}
	long := "INV-2026-" + strings.Repeat("0123456789", 12)
	add("invoice number of 129 characters: Dataverse refuses it (max 100)", connector.Failed, "crm_400",
		invoice(12, numoratest.Vendors[0], map[string]any{"invoice_number": field(long, 0.97)}))
	dup := docID("invoice", 0)
	add("duplicate of "+dup+": skipped by a skip_if rule", connector.Skipped, "skip_rule",
		invoice(13, numoratest.Vendors[0], map[string]any{"duplicate_of": dup}))
	add("total amount read with confidence 0.31: below min_confidence", connector.Failed, "mapping_low_confidence",
		invoice(14, numoratest.Vendors[2], map[string]any{"total_amount": field(812.4, 0.31)}))
	u := numoratest.UnknownVendors[0]
	add("vendor "+u.Name+" not in accounts: skipped", connector.Skipped, "lookup",
		invoice(15, u, nil))
	for i := range 5 {
		add("receipt", connector.Delivered, "", receipt(i))
	}
	for i := range 4 {
		note := "contract, upserted by its contract number"
		if i == 3 {
			note = "contract, counterparty not in accounts: written without it"
		}
		add(note, connector.Delivered, "", contract(i))
	}
	addDoc(dataverseMirrorDoc(now))
	return docs
}

func mustFixture(res map[string]any) numoratest.Fixture {
	var f numoratest.Fixture
	b, err := json.Marshal(res)
	if err == nil {
		err = json.Unmarshal(b, &f)
	}
	if err != nil {
		panic(fmt.Sprintf("sandbox fixture %v: %v", res["id"], err))
	}
	return f
}

func docID(kind string, i int) string { return fmt.Sprintf("doc_sandbox_%s_%02d", kind, i+1) }

func field(v any, conf float64) map[string]any { return map[string]any{"value": v, "confidence": conf} }

var (
	sandboxDateLayouts = []string{"2006-01-02", "02.01.2006", "01/02/2006"}
	sandboxCurrencies  = []string{"EUR", "eur", "USD", "GBP", "EUR", "CHF"}
	sandboxProducts    = []string{"A4 copy paper, 500 sheets", "Toner cartridge black", "Consulting hours",
		"Pallet transport Hamburg–Munich", "Steel bolts M8x40", "Printer maintenance"}
)

// invoice builds an invoice_v2 result; over replaces fields (and
// duplicate_of).
func invoice(i int, v numoratest.Vendor, over map[string]any) map[string]any {
	date := time.Date(2026, 3, 1+i, 0, 0, 0, 0, time.UTC)
	layout := sandboxDateLayouts[i%len(sandboxDateLayouts)]
	var lines []any
	total := 0.0
	for n := range 1 + i%4 {
		qty, price := float64(1+(i+n)%5), 12.5*float64(1+(i*3+n)%9)
		total += qty * price
		lines = append(lines, invoiceLine(n+1, sandboxProducts[(i+n)%len(sandboxProducts)], qty, price))
	}
	var amount any = total
	if i%3 == 1 { // OCR text in the German style
		amount = strings.Replace(fmt.Sprintf("%.2f", total), ".", ",", 1)
	}
	var po any
	if i%2 == 0 {
		po = fmt.Sprintf("PO-%05d", 4100+i)
	}
	fields := map[string]any{
		"vendor_name": field(v.Name, 0.98), "vendor_tax_id": field(v.TaxID, 0.96),
		"invoice_number": field(fmt.Sprintf("INV-2026-%05d", 40+i), 0.99),
		"invoice_date":   field(date.Format(layout), 0.94), "due_date": field(date.AddDate(0, 0, 30).Format(layout), 0.9),
		"total_amount": field(amount, 0.97), "tax_amount": field(total*0.19, 0.9),
		"currency": field(sandboxCurrencies[i%len(sandboxCurrencies)], 0.99), "po_number": field(po, 0.8),
	}
	res := map[string]any{"id": docID("invoice", i), "schema": "invoice_v2", "confidence": 0.95,
		"review_state": map[string]any{"version": 1, "confirmed_general_field_names": []string{"invoice_number"}},
		"line_items":   lines}
	for k, val := range over {
		if k == "duplicate_of" {
			res[k] = val
		} else {
			fields[k] = val
		}
	}
	res["fields"] = fields
	return res
}

// invoiceLine is line item li_n of an invoice result.
func invoiceLine(n int, description string, qty, price float64) map[string]any {
	return map[string]any{"id": fmt.Sprintf("li_%d", n), "description": description,
		"quantity": field(qty, 0.95), "unit_price": price, "amount": field(qty*price, 0.93)}
}

func receipt(i int) map[string]any {
	merchants := []string{"Café Central", "Deutsche Bahn", "Hotel Adler", "Office World", "Taxi Berlin 24"}
	methods := []string{"card", "cash", "card", "other", "Card"}
	return map[string]any{"id": docID("receipt", i), "schema": "receipt_v1", "confidence": 0.92,
		"fields": map[string]any{
			"merchant_name": field(merchants[i], 0.97),
			"receipt_date":  field(time.Date(2026, 2, 10+i, 0, 0, 0, 0, time.UTC).Format("02.01.2006"), 0.95),
			"total_amount":  field([]any{18.9, "42,50", 129.0, "7.80", 23.4}[i], 0.96),
			"currency":      field("EUR", 0.99), "payment_method": field(methods[i], 0.9),
		}}
}

func contract(i int) map[string]any {
	v := numoratest.Vendors[(i*3)%len(numoratest.Vendors)]
	if i == 3 {
		v = numoratest.UnknownVendors[1] // written without a counterparty (on_missing: null)
	}
	start := time.Date(2026, time.Month(1+i), 1, 0, 0, 0, 0, time.UTC)
	return map[string]any{"id": docID("contract", i), "schema": "contract_v1", "confidence": 0.9,
		"fields": map[string]any{
			"contract_number":     field(fmt.Sprintf("CTR-2026-%04d", 7+i), 0.98),
			"counterparty_name":   field(v.Name, 0.95),
			"counterparty_tax_id": field(v.TaxID, 0.93),
			"start_date":          field(start.Format("2006-01-02"), 0.95),
			"end_date":            field(start.AddDate(2, 0, -1).Format("2006-01-02"), 0.95),
			"contract_value":      field(12000+2500*i, 0.9), "currency": field("EUR", 0.99),
			"auto_renew": field(i%2 == 0, 0.88), "signed_at": field(start.AddDate(0, 0, -10).Format("2006-01-02T15:04:05"), 0.9),
		}}
}
