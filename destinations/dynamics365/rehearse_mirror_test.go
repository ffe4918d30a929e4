package dynamics365

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
)

// run --dry-run (Rehearse) of a re-delivered document reads the rows
// written for it and shows the DELETE of each row whose line item is gone,
// by its GUID, in the change set; it writes nothing. A first delivery's
// rehearsal reads the same query, finds nothing and shows no DELETE.
func TestEmulatorMirrorRehearsalShowsTheRowsItWouldRemove(t *testing.T) {
	for _, altKey := range []bool{false, true} {
		t.Run(map[bool]string{false: "GUID keys", true: "alternate keys"}[altKey], func(t *testing.T) {
			d, s, _ := emu(t, nil)
			rules := mirrorRules(t, "delete", altKey)
			ctx := context.Background()
			var first bytes.Buffer
			if err := d.Rehearse(ctx, invoiceWith(t, rules, "li_1=Widgets", "li_2=Gadgets"), &first); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(first.String(), "\nDELETE ") {
				t.Errorf("a first delivery's rehearsal removes nothing:\n%s", first.String())
			}
			deliverOK(t, d, invoiceWith(t, rules, "li_1=Widgets", "li_2=Gadgets"))
			stale := ""
			for _, r := range s.Rows("new_vendorinvoicelines") {
				if r["new_name"] == "Gadgets" {
					stale, _ = r["new_vendorinvoicelineid"].(string)
				}
			}
			writes := len(s.Requests())
			var out bytes.Buffer
			if err := d.Rehearse(ctx, invoiceWith(t, rules, "li_1=Widgets corrected"), &out); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{
				"GET " + d.base + "new_vendorinvoicelines?$select=new_vendorinvoicelineid",
				"new_numoradocumentid%20eq%20'doc_m'",
				"DELETE " + d.base + "new_vendorinvoicelines(" + stale + ") HTTP/1.1",
			} {
				if stale == "" || !strings.Contains(out.String(), want) {
					t.Errorf("rehearsal lacks %q:\n%s", want, out.String())
				}
			}
			if n := strings.Count(out.String(), "\nDELETE "); n != 1 {
				t.Errorf("%d DELETEs in the rehearsal, want 1 (li_2's row)", n)
			}
			for _, r := range s.Requests()[writes:] {
				if r.Method != http.MethodGet {
					t.Errorf("the rehearsal sent %s %s", r.Method, r.URL)
				}
			}
			if got := lineNames(s); len(got) != 2 {
				t.Errorf("lines %v after a rehearsal, want both still there", got)
			}
		})
	}
}
