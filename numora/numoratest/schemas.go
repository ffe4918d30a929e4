package numoratest

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/numora/numora-connector/numora"
)

// invoice draws an invoice_v2: vendor, dates in several layouts, 0-20 line
// items, totals, currency and an optional po_number.
func (b *builder) invoice(i int) {
	v := b.vendor()
	b.set("vendor_name", v.Name)
	b.set("vendor_tax_id", b.taxID(v.TaxID))
	number := fmt.Sprintf("INV-2026-%05d", i+1)
	if b.uniform {
		number = fmt.Sprintf("INV-2026-%06d", i+1)
	}
	b.set("invoice_number", number)
	date, layout := b.date(), b.layout()
	b.set("invoice_date", date.Format(layout))
	due := date.AddDate(0, 0, []int{14, 30, 45, 60}[b.r.IntN(4)])
	if b.r.IntN(5) == 0 {
		layout = b.layout()
	}
	b.set("due_date", due.Format(layout))
	code, printed := b.currency()
	net := b.lineItems(code)
	if net == 0 {
		net = 5000 + b.r.Int64N(2000000)
	}
	tax := (net*[]int64{19, 7, 20, 0}[b.r.IntN(4)] + 50) / 100
	b.setRaw("total_amount", b.amount(net+tax, code))
	b.setRaw("tax_amount", b.amount(tax, code))
	b.set("currency", printed)
	switch p := b.r.IntN(10); {
	case p < 5:
		b.set("po_number", fmt.Sprintf("PO-%06d", b.r.IntN(1000000)))
	case p < 8:
		b.setRaw("po_number", json.RawMessage("null"))
	}
}

// lineItems draws 0-20 line items (none in about 15% of invoices; exactly
// b.lines when uniform) and returns their net sum in cents.
func (b *builder) lineItems(code string) int64 {
	n := 0
	if b.r.IntN(100) >= 15 {
		n = 1 + b.r.IntN(20)
	}
	if b.uniform {
		n = b.lines
	}
	var net int64
	for k := 1; k <= n; k++ {
		qty := int64(1+b.r.IntN(24)) * 100
		if b.r.IntN(5) == 0 {
			qty = int64(1+b.r.IntN(40)) * 25
		}
		price := 100 + b.r.Int64N(99900)
		amount := (qty*price + 50) / 100
		net += amount
		amountJSON := decimal(amount)
		if b.r.IntN(20) == 0 {
			amountJSON = b.amount(amount, code)
		}
		raw, _ := json.Marshal(products[b.r.IntN(len(products))])
		li := numora.LineItem{ID: fmt.Sprintf("li_%d", k), Fields: map[string]numora.Field{}}
		for _, kv := range []struct {
			name string
			raw  json.RawMessage
		}{{"description", raw}, {"quantity", decimal(qty)}, {"unit_price", decimal(price)}, {"amount", amountJSON}} {
			li.Names = append(li.Names, kv.name)
			li.Fields[kv.name] = b.lineField(kv.raw)
		}
		b.items = append(b.items, li)
		if b.r.IntN(10) < 7 {
			b.confirmedItems = append(b.confirmedItems, li.ID)
		}
	}
	return net
}

// lineField draws a line item value bare or with a confidence.
func (b *builder) lineField(raw json.RawMessage) numora.Field {
	if b.r.IntN(2) == 0 {
		return numora.Field{Value: raw}
	}
	c := b.conf()
	return numora.Field{Value: raw, Confidence: &c}
}

// receipt draws a receipt_v1.
func (b *builder) receipt() {
	b.set("merchant_name", merchants[b.r.IntN(len(merchants))])
	b.set("receipt_date", b.date().Format(b.layout()))
	code, printed := b.currency()
	b.setRaw("total_amount", b.amount(100+b.r.Int64N(50000), code))
	b.set("currency", printed)
	b.set("payment_method", []string{"card", "card", "cash", "other"}[b.r.IntN(4)])
}

// contract draws a contract_v1; signed_at is sometimes without an offset.
func (b *builder) contract(i int) {
	v := b.vendor()
	b.set("contract_number", fmt.Sprintf("CTR-2026-%04d", i+1))
	b.set("counterparty_name", v.Name)
	b.set("counterparty_tax_id", b.taxID(v.TaxID))
	start, layout := b.date(), b.layout()
	b.set("start_date", start.Format(layout))
	b.set("end_date", start.AddDate(1+b.r.IntN(3), 0, -1).Format(layout))
	code, printed := b.currency()
	b.setRaw("contract_value", b.amount(100000+b.r.Int64N(50000000), code))
	b.set("currency", printed)
	b.set("auto_renew", b.r.IntN(2) == 0)
	signed := start.AddDate(0, 0, -b.r.IntN(30)).Add(9*time.Hour + 30*time.Minute)
	b.set("signed_at", signed.Format("2006-01-02T15:04:05")+[]string{"Z", "+01:00", ""}[b.r.IntN(3)])
}
