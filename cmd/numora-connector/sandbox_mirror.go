package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/numora/numora-connector/connector"
	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/numora/numoratest"
)

// deliverEarlier writes, through the real rules and destination (either
// CRM), the earlier reviewed version of the documents that have one: what
// a run before this one delivered, which this run's delivery must mirror.
// It keeps each delivery's receipt in sb.earlier for the checks.
func (sb *sandbox) deliverEarlier(ctx context.Context, cfg *config, log *slog.Logger, x extras) error {
	for _, d := range sb.docs {
		if d.earlier == nil {
			continue
		}
		if x.rules == nil {
			rules, err := loadRules(cfg, log, x)
			if err != nil {
				return err
			}
			x.rules = rules
		}
		plan, err := x.rules.Render(d.earlier)
		if err != nil {
			return fmt.Errorf("the earlier version of %s: %w", d.fixture.ID, err)
		}
		dst, err := newDestination(ctx, cfg, log, x)
		if err != nil {
			return err
		}
		rc, err := dst.Deliver(ctx, plan)
		closeDestination(dst)
		if err != nil {
			return fmt.Errorf("delivering the earlier version of %s: %w", d.fixture.ID, err)
		}
		if sb.earlier == nil {
			sb.earlier = map[string]*destinations.Receipt{}
		}
		sb.earlier[d.fixture.ID] = rc
	}
	return nil
}

// lineSet is the entity set of the invoice lines the default rules write.
const lineSet = "new_vendorinvoicelines"

// dataverseMirrorDoc is an invoice delivered earlier with three lines and
// reviewed again: the reviewer corrected the first line's quantity (3 → 2)
// and removed the second. This run updates the first line's row and
// deletes the second's in the same change set.
func dataverseMirrorDoc(now time.Time) (seeded, map[string]any) {
	const i = 16
	v := numoratest.Vendors[i%len(numoratest.Vendors)]
	first := func(qty float64) map[string]any { return invoiceLine(1, "Consulting hours", qty, 95) }
	removed := invoiceLine(2, "Travel expenses", 1, 240)
	kept := invoiceLine(3, "Steel bolts M8x40", 40, 0.25)
	earlier := withLines(invoice(i, v, nil), first(3), removed, kept)
	earlier["status"], earlier["updated_at"] = "reviewed", now.Add(-time.Hour).Format(time.RFC3339)
	res := withLines(invoice(i, v, nil), first(2), kept)
	res["review_state"] = map[string]any{"version": 2, "confirmed_general_field_names": []string{"invoice_number"}}
	e := mustFixture(earlier).Result
	return seeded{note: "re-reviewed: li_2 removed, li_1's quantity corrected 3 → 2; the li_2 row is deleted " +
		"and li_1's updated (mirror)", want: connector.Delivered, earlier: &e,
		check: wantMirrored(docID("invoice", i), res["line_items"].([]any))}, res
}

// withLines gives an invoice result these line items, and the total and
// tax they add up to.
func withLines(res map[string]any, lines ...map[string]any) map[string]any {
	total := 0.0
	items := make([]any, len(lines))
	for n, l := range lines {
		total += l["amount"].(map[string]any)["value"].(float64)
		items[n] = l
	}
	res["line_items"] = items
	fields := res["fields"].(map[string]any)
	fields["total_amount"], fields["tax_amount"] = field(total, 0.97), field(total*0.19, 0.9)
	return res
}

// wantMirrored checks Dataverse after the run: document id has exactly one
// line row per line item of lines, each the row the earlier delivery wrote
// for that item (updated in place) holding the item's quantity and amount,
// and the rows the earlier delivery wrote for items lines lacks are gone.
func wantMirrored(id string, lines []any) func(*sandbox) string {
	return func(sb *sandbox) string {
		rc := sb.earlier[id]
		if rc == nil {
			return "its earlier version was never delivered"
		}
		before := map[string]string{} // line item id → row GUID written earlier
		for _, r := range rc.Records {
			if r.Entity == lineSet {
				before[r.ItemID] = strings.ToLower(r.ID)
			}
		}
		rows := map[string]map[string]any{} // row GUID → row
		for _, r := range sb.dv.Rows(lineSet) {
			if r["new_numoradocumentid"] == id {
				rows[strings.ToLower(fmt.Sprint(r["new_vendorinvoicelineid"]))] = r
			}
		}
		if len(rows) != len(lines) {
			return fmt.Sprintf("%d line rows in Dataverse, want %d", len(rows), len(lines))
		}
		current := map[string]bool{}
		for _, l := range lines {
			item := l.(map[string]any)
			current[item["id"].(string)] = true
			if wrong := lineRowHolds(rows[before[item["id"].(string)]], item); wrong != "" {
				return item["id"].(string) + ": " + wrong
			}
		}
		for item, guid := range before {
			if _, ok := sb.dv.Row(lineSet, guid); ok && !current[item] {
				return "the row of removed line " + item + " is still there"
			}
		}
		return ""
	}
}

// lineRowHolds says what is wrong with row, the line row written earlier
// for a line item of the result (nil when there is none): "" when it holds
// the item's quantity and amount.
func lineRowHolds(row map[string]any, item map[string]any) string {
	if row == nil {
		return "not in the row the earlier delivery wrote for it"
	}
	for _, c := range [][2]string{{"new_quantity", "quantity"}, {"new_amount", "amount"}} {
		want := item[c[1]].(map[string]any)["value"].(float64)
		if got, err := strconv.ParseFloat(fmt.Sprint(row[c[0]]), 64); err != nil || got != want {
			return fmt.Sprintf("%s %v in Dataverse, want %v", c[0], row[c[0]], want)
		}
	}
	return ""
}
