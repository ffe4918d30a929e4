package dynamics365

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/retry"
)

var (
	line1ID = lineGUID("doc_1", "li_1")
	line2ID = lineGUID("doc_1", "li_2")
)

// identity is the key of a record keyed by identity.
func identity(doc, item string) mapping.Key {
	return mapping.Key{Kind: mapping.KeyIdentity, Document: doc, Item: item}
}

// lineGUID is the row GUID of an invoice line keyed by identity.
func lineGUID(doc, item string) string {
	return destinations.IdentityGUID(identity(doc, item), "new_vendorinvoicelines")
}

// invoicePlan is an invoice (alternate key) with a vendor lookup and two
// lines (GUID keys) referencing it.
func invoicePlan(mode mapping.Mode, invoiceNumber string, onMissing mapping.OnMissing) *mapping.Plan {
	money := func(name, v string) mapping.Column {
		return mapping.Column{Name: name, Value: mapping.DecimalValue(mapping.TypeMoney, v)}
	}
	line := func(item, desc string) mapping.Record {
		return mapping.Record{Name: "line", ItemID: item, Entity: "new_vendorinvoicelines", Mode: mapping.ModeUpsert,
			Key:     identity("doc_1", item),
			Columns: []mapping.Column{str("new_name", desc), money("new_amount", "10.50")},
			Binds:   []mapping.Bind{{NavProperty: "new_InvoiceId", Ref: 0}}}
	}
	return &mapping.Plan{DocumentID: "doc_1", Schema: "invoice_v2", Records: []mapping.Record{
		{Name: "invoice", Entity: "new_vendorinvoices", Mode: mode,
			Key: mapping.Key{Kind: mapping.KeyColumns, Columns: []mapping.Column{str("new_invoicenumber", invoiceNumber)}},
			Columns: []mapping.Column{str("new_name", "Invoice "+invoiceNumber), str("new_invoicenumber", invoiceNumber),
				money("new_totalamount", "1234.56"), {Name: "new_ponumber", Value: mapping.Value{Type: mapping.TypeString}}},
			Binds: []mapping.Bind{{NavProperty: "new_VendorId", Ref: -1, Lookup: &mapping.Lookup{Entity: "accounts",
				Match: []mapping.Column{str("accountnumber", "DE123456789")}, OnMissing: onMissing, Label: "vendor"}}}},
		line("li_1", "Widgets <small>"),
		line("li_2", "Gadgets & co"),
	}}
}

// batchOps returns the operations of each $batch request the emulator
// logged, in arrival order.
func batchOps(s *dataversetest.Server) [][]dataversetest.Request {
	var order []int64
	ops := map[int64][]dataversetest.Request{}
	for _, r := range s.Requests() {
		switch {
		case r.InBatch:
			r.Body = strings.TrimRight(r.Body, "\r\n")
			ops[r.Batch] = append(ops[r.Batch], r)
		case r.Path == "$batch":
			order = append(order, r.Seq)
		}
	}
	out := make([][]dataversetest.Request, len(order))
	for i, seq := range order {
		out[i] = ops[seq]
	}
	return out
}

// requestIDOf returns the request id the emulator answered the first
// request with method whose path starts with prefix.
func requestIDOf(s *dataversetest.Server, method, prefix string) string {
	for _, r := range s.Requests() {
		if !r.InBatch && r.Method == method && strings.HasPrefix(r.Path, prefix) {
			return r.RequestID
		}
	}
	return "(no " + method + " " + prefix + " request)"
}

func TestDeliverWritesOneChangeSet(t *testing.T) {
	d, s, _ := emu(t, nil)
	vendorID := seedVendor(s)
	s.Seed("new_vendorinvoicelines", map[string]any{"new_vendorinvoicelineid": line1ID, "new_name": "before"})
	rc, err := d.Deliver(context.Background(), invoicePlan(mapping.ModeUpsert, "INV-2026-00042", mapping.OnMissingFail))
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	batches := batchOps(s)
	if len(batches) != 1 || len(batches[0]) != 3 {
		t.Fatalf("got %d batches, want 1 with 3 operations", len(batches))
	}
	inv := batches[0][0]
	wantURL := d.base + "new_vendorinvoices(new_invoicenumber='INV-2026-00042')?$select=new_vendorinvoiceid"
	if inv.Method != "PATCH" || inv.URL != wantURL || inv.ContentID != "1" {
		t.Errorf("invoice: got %s %s (Content-ID %s), want PATCH %s (1)", inv.Method, inv.URL, inv.ContentID, wantURL)
	}
	wantBody := `{"new_name":"Invoice INV-2026-00042","new_totalamount":1234.56,"new_ponumber":null,"new_VendorId@odata.bind":"/accounts(` + vendorID + `)"}`
	if inv.Body != wantBody {
		t.Errorf("invoice body:\n got %s\nwant %s", inv.Body, wantBody)
	}
	if got := inv.Header.Get("Prefer"); got != "return=representation" {
		t.Errorf("Prefer = %q", got)
	}
	if inv.Header.Get("If-Match") != "" || inv.Header.Get("If-None-Match") != "" {
		t.Errorf("upsert must not send conditional headers: %v", inv.Header)
	}
	l1 := batches[0][1]
	if l1.URL != d.base+"new_vendorinvoicelines("+line1ID+")?$select=new_vendorinvoicelineid" {
		t.Errorf("line url %s", l1.URL)
	}
	wantLine := `{"new_name":"Widgets <small>","new_amount":10.50,"new_InvoiceId@odata.bind":"/new_vendorinvoices(new_invoicenumber='INV-2026-00042')"}`
	if l1.Body != wantLine {
		t.Errorf("line body:\n got %s\nwant %s", l1.Body, wantLine)
	}
	if rc.Records[0].Outcome != destinations.Created || rc.Records[1].Outcome != destinations.Updated || rc.Records[1].ID != line1ID ||
		rc.Records[2].Outcome != destinations.Created {
		t.Errorf("receipt records %+v, want the invoice and the new line created, the seeded line updated", rc.Records)
	}
	if rc.RecordID != rc.Records[0].ID || !strings.HasPrefix(rc.URL, d.cfg.OrgURL+"/main.aspx?etn=new_vendorinvoice&id="+rc.RecordID+"&pagetype=entityrecord") {
		t.Errorf("receipt %s %s", rc.RecordID, rc.URL)
	}
}

func TestDeliverCachesMetadataAndLookups(t *testing.T) {
	d, s, _ := emu(t, nil)
	seedVendor(s)
	for range 3 {
		if _, err := d.Deliver(context.Background(), invoicePlan(mapping.ModeUpsert, "INV-1", mapping.OnMissingFail)); err != nil {
			t.Fatal(err)
		}
	}
	var meta, lookups int
	for _, r := range s.Requests() {
		switch {
		case r.InBatch || r.Method != "GET":
		case r.Path == "EntityDefinitions":
			meta++
		case r.Path == "accounts":
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
		vendors   int // accounts with the vendor's number
		onMissing mapping.OnMissing
		wantClass destinations.Class
		wantCode  string
	}{
		{"one match", 1, mapping.OnMissingFail, 0, ""},
		{"missing skip", 0, mapping.OnMissingSkip, destinations.Skip, "lookup_missing"},
		{"missing fail", 0, mapping.OnMissingFail, destinations.Permanent, "lookup_missing"},
		{"missing null", 0, mapping.OnMissingNull, 0, ""},
		{"two matches", 2, mapping.OnMissingNull, destinations.Permanent, "lookup_ambiguous"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, s, _ := emu(t, nil)
			var vendors []string
			for range tt.vendors {
				vendors = append(vendors, seedVendor(s))
			}
			_, err := d.Deliver(context.Background(), invoicePlan(mapping.ModeUpsert, "INV-1", tt.onMissing))
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("Deliver: %v", err)
				}
				wantBind := `"new_VendorId@odata.bind":null`
				if len(vendors) == 1 {
					wantBind = `"new_VendorId@odata.bind":"/accounts(` + vendors[0] + `)"`
				}
				if body := batchOps(s)[0][0].Body; !strings.Contains(body, wantBind) {
					t.Errorf("body %s lacks %s", body, wantBind)
				}
				return
			}
			var de *destinations.Error
			if !errors.As(err, &de) || de.Class != tt.wantClass || de.Code != tt.wantCode {
				t.Fatalf("got %v, want %v %s", err, tt.wantClass, tt.wantCode)
			}
			if n := len(batchOps(s)); n != 0 {
				t.Errorf("a failed lookup must write nothing; got %d batches", n)
			}
			query := requestIDOf(s, "GET", "accounts")
			if want := "vendor with accountnumber 'DE123456789' not found in accounts (request id " + query + ")"; tt.wantCode == "lookup_missing" && de.Message != want {
				t.Errorf("message %q, want %q", de.Message, want)
			}
			if tt.wantCode == "lookup_ambiguous" && (!strings.Contains(de.Message, vendors[0]) || !strings.HasSuffix(de.Message, "(request id "+query+")")) {
				t.Errorf("message %q does not name the matches and the query's request id %s", de.Message, query)
			}
		})
	}
}

func TestDeliverCreateOnlyConflictIsUnchanged(t *testing.T) {
	d, s, _ := emu(t, nil)
	seedVendor(s)
	existing := s.Seed("new_vendorinvoices", map[string]any{"new_name": "Invoice INV-1", "new_invoicenumber": "INV-1"})
	rc, err := d.Deliver(context.Background(), invoicePlan(mapping.ModeCreate, "INV-1", mapping.OnMissingFail))
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	batches := batchOps(s)
	if len(batches) != 2 || batches[0][0].Status != http.StatusPreconditionFailed || len(batches[1]) != 2 {
		t.Fatalf("got batches %v, want a 412 and then the change set resent without the invoice", batches)
	}
	if got := batches[1][0].Body; !strings.Contains(got, `"/new_vendorinvoices(`+existing+`)"`) {
		t.Errorf("line binds %s, want the existing invoice's GUID", got)
	}
	if rc.RecordID != existing || rc.Records[0].Outcome != destinations.Unchanged {
		t.Errorf("receipt %+v, want invoice %s unchanged", rc, existing)
	}
}

// TestDeliverFailedOperationNamesRecord: a failed operation is reported
// with its record and the request id of its own part of the $batch
// response (TestFirstFailureFallsBackToTheBatchRequestID covers a part
// without one).
func TestDeliverFailedOperationNamesRecord(t *testing.T) {
	d, s, _ := emu(t, nil)
	seedVendor(s)
	plan := invoicePlan(mapping.ModeUpsert, "INV-1", mapping.OnMissingFail)
	plan.Records[2].Columns[0] = str("new_name", strings.Repeat("x", 201)) // new_name holds 200
	_, err := d.Deliver(context.Background(), plan)
	var de *destinations.Error
	if !errors.As(err, &de) || de.Class != destinations.Permanent || de.Code != "crm_400_0x80044331" {
		t.Fatalf("got %v, want permanent crm_400_0x80044331", err)
	}
	var api *APIError
	if !errors.As(err, &api) || api.Method != "PATCH" || !strings.Contains(api.URL, line2ID) || api.ContentID != "3" {
		t.Fatalf("APIError %+v, want the PATCH of line 2 (Content-ID 3)", api)
	}
	if batch := requestIDOf(s, "POST", "$batch"); api.RequestID == "" || api.RequestID == batch {
		t.Errorf("request id %q, want the failed part's own (the $batch's is %s)", api.RequestID, batch)
	}
	if !strings.HasPrefix(de.Message, "line li_2 (new_vendorinvoicelines): ") ||
		!strings.HasSuffix(de.Message, "(request id "+api.RequestID+")") {
		t.Errorf("message %q, want it to name the line and end with request id %s", de.Message, api.RequestID)
	}
	if n := len(batchOps(s)); n != 1 {
		t.Errorf("a permanent failure must not be retried: %d batches", n)
	}
}

func TestFirstFailureFallsBackToTheBatchRequestID(t *testing.T) {
	d := &Destination{clock: retry.NewFakeClock(testStart)}
	b := &batch{changeSets: []changeSet{{parts: []part{{contentID: "1", method: "PATCH", url: "u1"}, {contentID: "2", method: "PATCH", url: "u2"}}}}}
	body := []byte(`{"error":{"code":"0x80044331","message":"A validation error occurred."}}`)
	for _, tt := range []struct {
		name   string
		header http.Header
		want   string
	}{
		{"part's own request id", http.Header{"Req_id": {"part-9"}}, "part-9"},
		{"the $batch request id", http.Header{}, "batch-1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := d.firstFailure(b, []partResponse{{contentID: "1", status: 200}, {contentID: "2", status: 400, header: tt.header, body: body}}, "batch-1")
			var api *APIError
			if !errors.As(err, &api) || api.RequestID != tt.want || api.ContentID != "2" || api.URL != "u2" {
				t.Errorf("got %+v, want part 2 with request id %s", api, tt.want)
			}
		})
	}
}

func TestDeliverForbiddenKeyCharacters(t *testing.T) {
	const ownID = "cccccccc-0000-4000-8000-000000000001"
	tests := []struct {
		name       string
		rows       int // invoices numbered A/B&C
		mode       mapping.Mode
		wantMethod string
		wantURL    string // "" = the found row's GUID
		wantBody   string
		wantCode   string
	}{
		{"found upsert", 1, mapping.ModeUpsert, "PATCH", "", `{"new_name":"Invoice A/B&C",`, ""},
		{"missing upsert creates under its own GUID", 0, mapping.ModeUpsert, "PATCH", "new_vendorinvoices(" + ownID + ")?$select=new_vendorinvoiceid", `{"new_name":"Invoice A/B&C","new_invoicenumber":"A/B&C",`, ""},
		{"missing update", 0, mapping.ModeUpdate, "", "", "", "crm_404"},
		{"duplicate", 2, mapping.ModeUpsert, "", "", "", "crm_duplicate_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Two rows with one key value exist only while the key is not
			// Active (Dataverse enforces an active key): the key is Pending.
			model := dataversetest.DefaultModel()
			for i := range model.Tables {
				if model.Tables[i].EntitySet == "new_vendorinvoices" {
					model.Tables[i].Keys[0].Status = "Pending"
				}
			}
			d, s, _ := emu(t, []dataversetest.Option{dataversetest.WithModel(model)})
			d.newRowID = func() string { return ownID }
			seedVendor(s)
			var found string
			for range tt.rows {
				found = s.Seed("new_vendorinvoices", map[string]any{"new_name": "old", "new_invoicenumber": "A/B&C"})
			}
			_, err := d.Deliver(context.Background(), invoicePlan(tt.mode, "A/B&C", mapping.OnMissingFail))
			var q string
			for _, r := range s.Requests() {
				if r.Method == "GET" && r.Path == "new_vendorinvoices" {
					q = r.URL[strings.Index(r.URL, "new_vendorinvoices?"):]
				}
			}
			if want := "new_vendorinvoices?$select=new_vendorinvoiceid&$filter=new_invoicenumber%20eq%20'A%2FB%26C'&$top=2"; q != want {
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
			wantURL := tt.wantURL
			if wantURL == "" {
				wantURL = "new_vendorinvoices(" + found + ")?$select=new_vendorinvoiceid"
			}
			ops := batchOps(s)[0]
			if p := ops[0]; p.Method != tt.wantMethod || p.URL != d.base+wantURL || !strings.HasPrefix(p.Body, tt.wantBody) {
				t.Errorf("got %s %s %s", p.Method, p.URL, p.Body)
			}
			if tt.rows == 0 && !strings.Contains(ops[1].Body, `"new_InvoiceId@odata.bind":"/new_vendorinvoices(`+ownID+`)"`) {
				t.Errorf("line must bind the new invoice by its GUID, never $n: %s", ops[1].Body)
			}
		})
	}
}

func TestDeliverRejectsBadPlans(t *testing.T) {
	d, s, _ := emu(t, nil)
	bad := invoicePlan(mapping.ModeUpsert, "INV-1", mapping.OnMissingFail)
	bad.Records[1].Binds[0].Ref = 2
	noKey := invoicePlan(mapping.ModeUpsert, "INV-1", mapping.OnMissingFail)
	noKey.Records[1].Key = mapping.Key{Kind: mapping.KeyNone}
	noKey.Records[1].Mode = mapping.ModeUpdate
	badID := invoicePlan(mapping.ModeUpsert, "INV-1", mapping.OnMissingFail)
	badID.Records[1].Key.Document = ""
	for name, p := range map[string]*mapping.Plan{"empty": {}, "forward ref": bad, "update without key": noKey, "identity without document": badID} {
		_, err := d.Deliver(context.Background(), p)
		if c := destinations.Classify(err); err == nil || c != destinations.Permanent {
			t.Errorf("%s: got %v (%v), want a permanent error", name, err, c)
		}
	}
	if n := len(batchOps(s)); n != 0 {
		t.Errorf("%d $batch requests for plans refused before sending, want none", n)
	}
}
