package dynamics365

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
)

const (
	vendorID = "0d3f2a6e-1111-4000-8000-000000000001"
	line1ID  = "6f1c3f7e-2222-5000-8000-000000000001"
	line2ID  = "6f1c3f7e-2222-5000-8000-000000000002"
)

// invoicePlan is an invoice (alternate key) with a vendor lookup and two
// lines (GUID keys) referencing it.
func invoicePlan(mode mapping.Mode, invoiceNumber string, onMissing mapping.OnMissing) *mapping.Plan {
	money := func(name, v string) mapping.Column {
		return mapping.Column{Name: name, Value: mapping.Value{Type: mapping.TypeMoney, V: json.Number(v)}}
	}
	line := func(item, id, desc string) mapping.Record {
		return mapping.Record{Name: "line", ItemID: item, Entity: "new_vendorinvoicelines", Mode: mapping.ModeUpsert,
			Key:     mapping.Key{Kind: mapping.KeyID, ID: id},
			Columns: []mapping.Column{str("new_name", desc), money("new_amount", "10.50")},
			Binds:   []mapping.Bind{{NavProperty: "new_InvoiceId", Ref: 0}}}
	}
	return &mapping.Plan{DocumentID: "doc_1", Schema: "invoice_v2", Records: []mapping.Record{
		{Name: "invoice", Entity: "new_vendorinvoices", Mode: mode,
			Key: mapping.Key{Kind: mapping.KeyAlternate, Columns: []mapping.Column{str("new_invoicenumber", invoiceNumber)}},
			Columns: []mapping.Column{str("new_name", "Invoice "+invoiceNumber), str("new_invoicenumber", invoiceNumber),
				money("new_totalamount", "1234.56"), {Name: "new_ponumber", Value: mapping.Value{Type: mapping.TypeString}}},
			Binds: []mapping.Bind{{NavProperty: "new_VendorId", Ref: -1, Lookup: &mapping.Lookup{Entity: "accounts",
				Match: []mapping.Column{str("accountnumber", "DE123456789")}, OnMissing: onMissing, Label: "vendor"}}}},
		line("li_1", line1ID, "Widgets <small>"),
		line("li_2", line2ID, "Gadgets & co"),
	}}
}

func TestDeliverWritesOneChangeSet(t *testing.T) {
	f := newFakeDataverse(t)
	f.rows["accounts"] = []string{vendorID}
	d, _, _ := setup(t, f)
	rc, err := d.Deliver(context.Background(), invoicePlan(mapping.ModeUpsert, "INV-2026-00042", mapping.OnMissingFail))
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if len(f.batches) != 1 || len(f.batches[0]) != 3 {
		t.Fatalf("got %d batches, want 1 with 3 operations", len(f.batches))
	}
	inv := f.batches[0][0]
	wantURL := d.base + "new_vendorinvoices(new_invoicenumber='INV-2026-00042')?$select=new_vendorinvoiceid"
	if inv.method != "PATCH" || inv.url != wantURL || inv.contentID != "1" {
		t.Errorf("invoice: got %s %s (Content-ID %s), want PATCH %s (1)", inv.method, inv.url, inv.contentID, wantURL)
	}
	wantBody := `{"new_name":"Invoice INV-2026-00042","new_totalamount":1234.56,"new_ponumber":null,"new_VendorId@odata.bind":"/accounts(` + vendorID + `)"}`
	if inv.body != wantBody {
		t.Errorf("invoice body:\n got %s\nwant %s", inv.body, wantBody)
	}
	if got := inv.header.Get("Prefer"); got != "return=representation" {
		t.Errorf("Prefer = %q", got)
	}
	if inv.header.Get("If-Match") != "" || inv.header.Get("If-None-Match") != "" {
		t.Errorf("upsert must not send conditional headers: %v", inv.header)
	}
	l1 := f.batches[0][1]
	if l1.url != d.base+"new_vendorinvoicelines("+line1ID+")?$select=new_vendorinvoicelineid" {
		t.Errorf("line url %s", l1.url)
	}
	wantLine := `{"new_name":"Widgets <small>","new_amount":10.50,"new_InvoiceId@odata.bind":"/new_vendorinvoices(new_invoicenumber='INV-2026-00042')"}`
	if l1.body != wantLine {
		t.Errorf("line body:\n got %s\nwant %s", l1.body, wantLine)
	}
	if rc.Records[0].Outcome != destinations.Created || rc.Records[1].Outcome != destinations.Updated || rc.Records[1].ID != line1ID {
		t.Errorf("receipt records %+v", rc.Records)
	}
	if rc.RecordID != rc.Records[0].ID || !strings.HasPrefix(rc.URL, d.cfg.OrgURL+"/main.aspx?etn=new_vendorinvoice&id="+rc.RecordID+"&pagetype=entityrecord") {
		t.Errorf("receipt %s %s", rc.RecordID, rc.URL)
	}
}

func TestDeliverCachesMetadataAndLookups(t *testing.T) {
	f := newFakeDataverse(t)
	f.rows["accounts"] = []string{vendorID}
	d, _, _ := setup(t, f)
	for i := 0; i < 3; i++ {
		if _, err := d.Deliver(context.Background(), invoicePlan(mapping.ModeUpsert, "INV-1", mapping.OnMissingFail)); err != nil {
			t.Fatal(err)
		}
	}
	var meta, lookups int
	for _, r := range f.log() {
		switch {
		case strings.HasPrefix(r, "GET EntityDefinitions"):
			meta++
		case strings.HasPrefix(r, "GET accounts?"):
			lookups++
		}
	}
	if meta != 3 || lookups != 1 {
		t.Errorf("got %d metadata reads and %d lookups for 3 deliveries, want 3 (one per table) and 1", meta, lookups)
	}
}

func TestDeliverLookupOutcomes(t *testing.T) {
	tests := []struct {
		name      string
		rows      []string
		onMissing mapping.OnMissing
		wantClass destinations.Class
		wantCode  string
		wantBind  string // for success
	}{
		{"one match", []string{vendorID}, mapping.OnMissingFail, 0, "", `"new_VendorId@odata.bind":"/accounts(` + vendorID + `)"`},
		{"missing skip", nil, mapping.OnMissingSkip, destinations.Skip, "lookup_missing", ""},
		{"missing fail", nil, mapping.OnMissingFail, destinations.Permanent, "lookup_missing", ""},
		{"missing null", nil, mapping.OnMissingNull, 0, "", `"new_VendorId@odata.bind":null`},
		{"two matches", []string{vendorID, line1ID}, mapping.OnMissingNull, destinations.Permanent, "lookup_ambiguous", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeDataverse(t)
			f.rows["accounts"] = tt.rows
			d, _, _ := setup(t, f)
			_, err := d.Deliver(context.Background(), invoicePlan(mapping.ModeUpsert, "INV-1", tt.onMissing))
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("Deliver: %v", err)
				}
				if !strings.Contains(f.batches[0][0].body, tt.wantBind) {
					t.Errorf("body %s lacks %s", f.batches[0][0].body, tt.wantBind)
				}
				return
			}
			var de *destinations.Error
			if !errors.As(err, &de) || de.Class != tt.wantClass || de.Code != tt.wantCode {
				t.Fatalf("got %v, want %v %s", err, tt.wantClass, tt.wantCode)
			}
			if len(f.batches) != 0 {
				t.Errorf("a failed lookup must write nothing; got %d batches", len(f.batches))
			}
			query := requestIDOf(f, "GET accounts?")
			if want := "vendor with accountnumber 'DE123456789' not found in accounts (request id " + query + ")"; tt.wantCode == "lookup_missing" && de.Message != want {
				t.Errorf("message %q, want %q", de.Message, want)
			}
			if tt.wantCode == "lookup_ambiguous" && (!strings.Contains(de.Message, vendorID) || !strings.HasSuffix(de.Message, "(request id "+query+")")) {
				t.Errorf("message %q does not name the matches and the query's request id %s", de.Message, query)
			}
		})
	}
}

func TestDeliverCreateOnlyConflictIsUnchanged(t *testing.T) {
	const existing = "aaaaaaaa-0000-4000-8000-000000000042"
	f := newFakeDataverse(t)
	f.rows["accounts"] = []string{vendorID}
	f.before = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == "GET" && strings.Contains(r.URL.Path, "new_vendorinvoices(new_invoicenumber=") {
			writeJSON(w, 200, `{"new_vendorinvoiceid":"`+existing+`"}`)
			return true
		}
		return false
	}
	f.batch = func(w http.ResponseWriter, parts []fakePart) {
		if parts[0].header.Get("If-None-Match") == "*" {
			writeBatch(w, 200, false, []fakeAnswer{{contentID: "1", status: 412,
				body: `{"error":{"code":"","message":"A record with matching key values already exists."}}`}})
			return
		}
		var a []fakeAnswer
		for _, p := range parts {
			a = append(a, f.success(p))
		}
		writeBatch(w, 200, true, a)
	}
	d, _, _ := setup(t, f)
	rc, err := d.Deliver(context.Background(), invoicePlan(mapping.ModeCreate, "INV-1", mapping.OnMissingFail))
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if len(f.batches) != 2 || len(f.batches[1]) != 2 {
		t.Fatalf("got batches %v, want the change set resent without the invoice", f.batches)
	}
	if got := f.batches[1][0].body; !strings.Contains(got, `"/new_vendorinvoices(`+existing+`)"`) {
		t.Errorf("line binds %s, want the existing invoice's GUID", got)
	}
	if rc.RecordID != existing || rc.Records[0].Outcome != destinations.Unchanged {
		t.Errorf("receipt %+v, want invoice %s unchanged", rc, existing)
	}
}

func TestDeliverFailedOperationNamesRecord(t *testing.T) {
	tests := []struct {
		name   string
		partID string // the failed part's REQ_ID, "" for none
	}{
		{"part's own request id", "part-9"},
		{"the $batch request id", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeDataverse(t)
			f.rows["accounts"] = []string{vendorID}
			f.batch = func(w http.ResponseWriter, parts []fakePart) {
				h := map[string]string{}
				if tt.partID != "" {
					h["REQ_ID"] = tt.partID
				}
				writeBatch(w, 400, false, []fakeAnswer{{contentID: "3", status: 400, header: h,
					body: `{"error":{"code":"0x80044331","message":"A validation error occurred. The length of the 'new_name' attribute of the 'new_vendorinvoiceline' entity exceeded the maximum allowed length of '200'."}}`}})
			}
			d, _, _ := setup(t, f)
			_, err := d.Deliver(context.Background(), invoicePlan(mapping.ModeUpsert, "INV-1", mapping.OnMissingFail))
			var de *destinations.Error
			if !errors.As(err, &de) || de.Class != destinations.Permanent || de.Code != "crm_400_0x80044331" {
				t.Fatalf("got %v, want permanent crm_400_0x80044331", err)
			}
			wantID := tt.partID
			if wantID == "" {
				wantID = requestIDOf(f, "POST $batch")
			}
			if !strings.HasPrefix(de.Message, "line li_2 (new_vendorinvoicelines): A validation error") ||
				!strings.HasSuffix(de.Message, "'200'. (request id "+wantID+")") {
				t.Errorf("message %q, want it to name the line and end with request id %s", de.Message, wantID)
			}
			var api *APIError
			if !errors.As(err, &api) || api.RequestID != wantID || api.Method != "PATCH" || !strings.Contains(api.URL, line2ID) {
				t.Errorf("APIError %+v", api)
			}
			if len(f.batches) != 1 {
				t.Errorf("a permanent failure must not be retried: %d batches", len(f.batches))
			}
		})
	}
}

// requestIDOf returns the request id the fake server gave the first request
// starting with prefix ("GET accounts?").
func requestIDOf(f *fakeDataverse, prefix string) string {
	for i, r := range f.log() {
		if strings.HasPrefix(r, prefix) {
			return fmt.Sprintf("req-%d", i+1)
		}
	}
	return "(no " + prefix + " request)"
}

func TestDeliverForbiddenKeyCharacters(t *testing.T) {
	const found = "bbbbbbbb-0000-4000-8000-000000000001"
	const ownID = "cccccccc-0000-4000-8000-000000000001"
	tests := []struct {
		name       string
		rows       []string
		mode       mapping.Mode
		wantMethod string
		wantURL    string
		wantBody   string
		wantCode   string
	}{
		{"found upsert", []string{found}, mapping.ModeUpsert, "PATCH", "new_vendorinvoices(" + found + ")?$select=new_vendorinvoiceid", `{"new_name":"Invoice A/B&C",`, ""},
		{"missing upsert creates under its own GUID", nil, mapping.ModeUpsert, "PATCH", "new_vendorinvoices(" + ownID + ")?$select=new_vendorinvoiceid", `{"new_name":"Invoice A/B&C","new_invoicenumber":"A/B&C",`, ""},
		{"missing update", nil, mapping.ModeUpdate, "", "", "", "crm_404"},
		{"duplicate", []string{found, vendorID}, mapping.ModeUpsert, "", "", "", "crm_duplicate_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeDataverse(t)
			f.rows["new_vendorinvoices"] = tt.rows
			f.rows["accounts"] = []string{vendorID}
			d, _, _ := setup(t, f)
			d.newRowID = func() string { return ownID }
			_, err := d.Deliver(context.Background(), invoicePlan(tt.mode, "A/B&C", mapping.OnMissingFail))
			var q string
			for _, r := range f.log() {
				if strings.HasPrefix(r, "GET new_vendorinvoices?") {
					q = r
				}
			}
			if want := "GET new_vendorinvoices?$select=new_vendorinvoiceid&$filter=new_invoicenumber%20eq%20'A%2FB%26C'&$top=2"; q != want {
				t.Errorf("query %q, want %q", q, want)
			}
			if tt.wantCode != "" {
				if codeOf(err) != tt.wantCode {
					t.Fatalf("got %v, want %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("Deliver: %v", err)
			}
			p := f.batches[0][0]
			if p.method != tt.wantMethod || p.url != d.base+tt.wantURL || !strings.HasPrefix(p.body, tt.wantBody) {
				t.Errorf("got %s %s %s", p.method, p.url, p.body)
			}
			if tt.rows == nil && !strings.Contains(f.batches[0][1].body, `"new_InvoiceId@odata.bind":"/new_vendorinvoices(`+ownID+`)"`) {
				t.Errorf("line must bind the new invoice by its GUID, never $n: %s", f.batches[0][1].body)
			}
		})
	}
}

func TestDeliverRejectsBadPlans(t *testing.T) {
	f := newFakeDataverse(t)
	d, _, _ := setup(t, f)
	bad := invoicePlan(mapping.ModeUpsert, "INV-1", mapping.OnMissingFail)
	bad.Records[1].Binds[0].Ref = 2
	noKey := invoicePlan(mapping.ModeUpsert, "INV-1", mapping.OnMissingFail)
	noKey.Records[1].Key = mapping.Key{Kind: mapping.KeyNone}
	noKey.Records[1].Mode = mapping.ModeUpdate
	badID := invoicePlan(mapping.ModeUpsert, "INV-1", mapping.OnMissingFail)
	badID.Records[1].Key.ID = "not-a-guid"
	for name, p := range map[string]*mapping.Plan{"empty": {}, "forward ref": bad, "update without key": noKey, "bad guid": badID} {
		_, err := d.Deliver(context.Background(), p)
		if c := destinations.Classify(err); err == nil || c != destinations.Permanent {
			t.Errorf("%s: got %v (%v), want a permanent error", name, err, c)
		}
	}
}
