package dynamics365

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/numora/numora-connector/mapping"
)

// Values that attack URLs and OData, delivered through the destination to
// the emulator: alternate-key values (in a key URL, or through the $filter
// workaround for characters Dataverse refuses in keys) and $filter lookups
// must reach exactly the row with that value, never a different one.

// hostileValues are text values built to break escaping: quotes (doubled
// or not), percent-encodings, URL delimiters, OData syntax and operators,
// control characters, and Unicode.
var hostileValues = []string{
	"O'Brien", "''", "'", "it''s", "%27", "a%2Fb", "a/b", "50% off", "100%", "what?x=1", "#fragment", "a#b?c&d=e",
	"x' or new_invoicenumber ne '", "') or (1 eq 1", "a)b(c", "$filter=x", "a+b c", "tab\there", "line1\nline2",
	"cr\rlf", "Ünïcødé € 42", "日本語の請求書", "עברית‏", "zero\u200bwidth", "emoji 🧾", `back\slash`, "semi;colon,comma",
	"@p1", "null", "true", "  spaced  ", "q?+*<>:&",
}

// decoysOf are the values a broken escaping would turn v into.
func decoysOf(v string) []string {
	unesc, _ := url.PathUnescape(v)
	return []string{strings.ReplaceAll(v, "''", "'"), strings.ReplaceAll(v, "'", "''"), unesc, url.PathEscape(v),
		url.QueryEscape(v), strings.TrimSpace(v), strings.SplitN(v, "#", 2)[0], strings.SplitN(v, "?", 2)[0]}
}

// hostilePlan is an invoice upserted by alternate key (new_invoicenumber)
// whose vendor is looked up by account name.
func hostilePlan(key, vendorName, total string, onMissing mapping.OnMissing) *mapping.Plan {
	return &mapping.Plan{DocumentID: "doc_hostile", Schema: "invoice_v2", Records: []mapping.Record{{
		Name: "invoice", Entity: "new_vendorinvoices", Mode: mapping.ModeUpsert,
		Key: mapping.Key{Kind: mapping.KeyColumns, Columns: []mapping.Column{str("new_invoicenumber", key)}},
		Columns: []mapping.Column{str("new_name", "hostile"), str("new_invoicenumber", key),
			{Name: "new_totalamount", Value: mapping.DecimalValue(mapping.TypeMoney, total)}},
		Binds: []mapping.Bind{{NavProperty: "new_VendorId", Ref: -1, Lookup: &mapping.Lookup{Entity: "accounts",
			Match: []mapping.Column{str("name", vendorName)}, OnMissing: onMissing, Label: "vendor"}}},
	}}}
}

func TestHostileAlternateKeyValuesReachTheirOwnRow(t *testing.T) {
	d, s, _ := emu(t, nil)
	vendor := s.Seed("accounts", map[string]any{"name": "Plain Vendor"})
	decoys := map[string]bool{}
	for _, v := range hostileValues {
		for _, dv := range decoysOf(v) {
			if dv != v && dv != "" && len(dv) <= 100 && !contains(hostileValues, dv) && !decoys[dv] {
				decoys[dv] = true
				s.Seed("new_vendorinvoices", map[string]any{"new_name": "decoy", "new_invoicenumber": dv, "new_totalamount": 7})
			}
		}
	}
	ctx := context.Background()
	for _, v := range hostileValues {
		for _, total := range []string{"1", "2"} {
			if _, err := d.Deliver(ctx, hostilePlan(v, "Plain Vendor", total, mapping.OnMissingFail)); err != nil {
				t.Fatalf("key %q, delivery with total %s: %v", v, total, err)
			}
		}
	}
	got := map[string][]map[string]any{}
	for _, row := range s.Rows("new_vendorinvoices") {
		k := row["new_invoicenumber"].(string)
		got[k] = append(got[k], row)
	}
	for _, v := range hostileValues {
		rows := got[v]
		if len(rows) != 1 || rows[0]["new_totalamount"] != json.Number("2.00") || rows[0]["new_vendorid"] != vendor {
			t.Errorf("key %q: rows %v, want one with the second delivery's total and the vendor", v, rows)
		}
	}
	for dv := range decoys {
		if rows := got[dv]; len(rows) != 1 || rows[0]["new_name"] != "decoy" || rows[0]["new_totalamount"] != json.Number("7.00") {
			t.Errorf("decoy %q was touched: %v", dv, rows)
		}
	}
	if n := len(s.Rows("new_vendorinvoices")); n != len(hostileValues)+len(decoys) {
		t.Errorf("%d invoices, want %d hostile + %d decoys", n, len(hostileValues), len(decoys))
	}
}

func TestHostileLookupValuesFindTheirOwnRow(t *testing.T) {
	d, s, _ := emu(t, nil)
	ids := map[string]string{}
	for _, v := range hostileValues {
		ids[v] = s.Seed("accounts", map[string]any{"name": v})
	}
	for _, v := range hostileValues {
		for _, dv := range decoysOf(v) {
			if _, taken := ids[dv]; !taken && dv != "" {
				ids[dv] = s.Seed("accounts", map[string]any{"name": dv})
			}
		}
	}
	ctx := context.Background()
	for i, v := range hostileValues {
		key := "INV-H-" + string(rune('A'+i))
		rc, err := d.Deliver(ctx, hostilePlan(key, v, "1", mapping.OnMissingFail))
		if err != nil {
			t.Errorf("lookup %q: %v", v, err)
			continue
		}
		row, _ := s.Row("new_vendorinvoices", rc.RecordID)
		if row["new_vendorid"] != ids[v] {
			t.Errorf("lookup %q bound %v, want its own account %s", v, row["new_vendorid"], ids[v])
		}
	}
}

func TestHostileTenKilobyteValues(t *testing.T) {
	d, s, _ := emu(t, nil)
	long := strings.Repeat("O'Brien & Sons / 50% ?#\n", 430)[:10240]
	near := s.Seed("accounts", map[string]any{"name": long[:160]}) // the longest name an account can have
	s.Seed("new_vendorinvoices", map[string]any{"new_name": "decoy", "new_invoicenumber": long[:100], "new_totalamount": 7})
	ctx := context.Background()
	t.Run("lookup", func(t *testing.T) {
		rc, err := d.Deliver(ctx, hostilePlan("INV-LONG-LOOKUP", long, "1", mapping.OnMissingNull))
		if err != nil {
			t.Fatalf("a 10 KB lookup value: %v", err)
		}
		if row, _ := s.Row("new_vendorinvoices", rc.RecordID); row["new_vendorid"] != nil {
			t.Errorf("a 10 KB lookup value bound %v (the 160-character account is %s), want nothing", row["new_vendorid"], near)
		}
	})
	t.Run("alternate key", func(t *testing.T) {
		_, err := d.Deliver(ctx, hostilePlan(long, "nobody", "1", mapping.OnMissingNull))
		if ce := classify(err); ce == nil || ce.Code == "" {
			t.Fatalf("a 10 KB key value: got %v, want a clear error (the column holds 100 characters)", err)
		}
		t.Logf("a 10 KB key value: %s: %.200s", classify(err).Code, classify(err).Message)
		for _, row := range s.Rows("new_vendorinvoices") {
			if row["new_name"] == "decoy" && row["new_totalamount"] != json.Number("7.00") {
				t.Errorf("the decoy with the key's first 100 characters was changed: %v", row)
			}
		}
	})
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
