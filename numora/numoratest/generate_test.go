package numoratest

import (
	"encoding/json"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/numora/numora-connector/numora"
)

func TestGenerateDeterministic(t *testing.T) {
	a, _ := start(t)
	b, _ := start(t)
	a.Generate(50, 42)
	b.Generate(50, 42)
	b.Generate(50, 42) // adds nothing
	if a.Len() != 50 || b.Len() != 50 {
		t.Fatalf("got %d and %d documents, want 50 each", a.Len(), b.Len())
	}
	ids := a.OutboxIDs()
	if !slices.Equal(ids, b.OutboxIDs()) {
		t.Fatal("same seed, different ids")
	}
	for _, id := range ids[:10] {
		ra, _ := a.Result(id)
		rb, _ := b.Result(id)
		ja, _ := json.Marshal(ra)
		jb, _ := json.Marshal(rb)
		if string(ja) != string(jb) {
			t.Errorf("%s: results differ:\n%s\n%s", id, ja, jb)
		}
	}
	c, _ := start(t)
	c.Generate(50, 43)
	if slices.Equal(ids, c.OutboxIDs()) {
		t.Error("seeds 42 and 43 gave the same ids")
	}
}

// tally counts what a generated corpus contains.
type tally struct {
	schemas, statuses                       map[string]int
	known, unknown, dups, lowConf, strAmts  int
	lineCounts                              map[int]int
	layouts                                 map[string]int
	invoiceFields, receiptFields, ctrFields map[string]bool
}

var layoutRE = map[string]*regexp.Regexp{
	"iso": regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`), "dotted": regexp.MustCompile(`^\d{2}\.\d{2}\.\d{4}$`),
	"slashed": regexp.MustCompile(`^\d{2}/\d{2}/\d{4}$`)}

func count(t *testing.T, s *Server) tally {
	t.Helper()
	tl := tally{schemas: map[string]int{}, statuses: map[string]int{}, lineCounts: map[int]int{}, layouts: map[string]int{},
		invoiceFields: map[string]bool{}, receiptFields: map[string]bool{}, ctrFields: map[string]bool{}}
	known := map[string]bool{}
	for _, v := range Vendors {
		known[v.Name] = true
	}
	for _, id := range s.OutboxIDs() {
		d, _ := s.Document(id)
		r, ok := s.Result(id)
		if !ok || r.ID != id || r.Schema != d.Schema || r.ReviewState.Version != 1 || r.Confidence == nil {
			t.Fatalf("%s: bad result %+v", id, r)
		}
		tl.schemas[d.Schema]++
		tl.statuses[string(d.Status)]++
		tl.lineCounts[len(r.LineItems)]++
		if d.DuplicateOf != nil {
			tl.dups++
			orig, _ := s.Result(*d.DuplicateOf)
			if string(orig.Fields["invoice_number"].Value) != string(r.Fields["invoice_number"].Value) {
				t.Errorf("%s duplicates %s but has another invoice number", id, *d.DuplicateOf)
			}
		}
		tl.record(r, known)
	}
	return tl
}

func (tl *tally) record(r *numora.Result, known map[string]bool) {
	seen := map[string]map[string]bool{"invoice_v2": tl.invoiceFields, "receipt_v1": tl.receiptFields,
		"contract_v1": tl.ctrFields}[r.Schema]
	for name, f := range r.Fields {
		seen[name] = true
		if *f.Confidence < 0.7 {
			tl.lowConf++
		}
		if strings.HasSuffix(name, "amount") && f.Value[0] == '"' {
			tl.strAmts++
		}
		if strings.HasSuffix(name, "_date") {
			var s string
			_ = json.Unmarshal(f.Value, &s)
			for k, re := range layoutRE {
				if re.MatchString(s) {
					tl.layouts[k]++
				}
			}
		}
	}
	var vendor string
	_ = json.Unmarshal(r.Fields["vendor_name"].Value, &vendor)
	if vendor != "" && known[vendor] {
		tl.known++
	} else if vendor != "" {
		tl.unknown++
	}
}

func TestGenerateCorpus(t *testing.T) {
	s, _ := start(t)
	s.Generate(600, 1)
	tl := count(t, s)
	checks := []struct {
		name string
		ok   bool
	}{
		{"mostly invoices", tl.schemas["invoice_v2"] > 400 && tl.schemas["receipt_v1"] > 20 && tl.schemas["contract_v1"] > 10},
		{"reviewed and push_failed", tl.statuses["reviewed"] > 500 && tl.statuses["push_failed"] > 5},
		{"known and unknown vendors", tl.known > 300 && tl.unknown > 10},
		{"duplicates", tl.dups > 3},
		{"low confidence", tl.lowConf > 100},
		{"string amounts", tl.strAmts > 50},
		{"no and many line items", tl.lineCounts[0] > 50 && tl.lineCounts[20] > 0 && tl.lineCounts[21] == 0},
		{"three date layouts", tl.layouts["iso"] > 50 && tl.layouts["dotted"] > 50 && tl.layouts["slashed"] > 50},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: got %+v", c.name, tl)
		}
	}
	wantFields := map[string][]string{
		"invoice": {"vendor_name", "vendor_tax_id", "invoice_number", "invoice_date", "due_date", "total_amount",
			"tax_amount", "currency", "po_number"},
		"receipt":  {"merchant_name", "receipt_date", "total_amount", "currency", "payment_method"},
		"contract": {"contract_number", "counterparty_name", "counterparty_tax_id", "start_date", "end_date", "contract_value", "currency", "auto_renew", "signed_at"},
	}
	for schema, seen := range map[string]map[string]bool{"invoice": tl.invoiceFields, "receipt": tl.receiptFields, "contract": tl.ctrFields} {
		for _, f := range wantFields[schema] {
			if !seen[f] {
				t.Errorf("%s: field %s never generated", schema, f)
			}
		}
		if len(seen) != len(wantFields[schema]) {
			t.Errorf("%s: got fields %v, want %v", schema, seen, wantFields[schema])
		}
	}
}

func TestGeneratedLineItems(t *testing.T) {
	s, _ := start(t)
	s.Generate(40, 5)
	bare, wrapped := 0, 0
	for _, id := range s.OutboxIDs() {
		r, _ := s.Result(id)
		for i, li := range r.LineItems {
			if li.ID != "li_"+itoa(i+1) || !slices.Equal(li.Names, []string{"description", "quantity", "unit_price", "amount"}) {
				t.Fatalf("%s: got line item %+v", id, li)
			}
			for _, f := range li.Fields {
				if f.Confidence == nil {
					bare++
				} else {
					wrapped++
				}
			}
		}
	}
	if bare == 0 || wrapped == 0 {
		t.Errorf("got %d bare and %d wrapped line values, want both", bare, wrapped)
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestVendorAccountNumber(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range append(slices.Clone(Vendors), UnknownVendors...) {
		n := v.AccountNumber()
		if len(n) > 20 || strings.ContainsAny(n, " abcdefghijklmnopqrstuvwxyz") || seen[n] {
			t.Errorf("%s: got account number %q, want unique, upper case, no spaces, <= 20", v.Name, n)
		}
		seen[n] = true
	}
	if got := Vendors[0].AccountNumber(); got != "DE123456789" {
		t.Errorf("got %q, want DE123456789", got)
	}
}

// TestGenerateMemory checks that 50,000 generated documents, listed
// through the whole outbox, stay within a few tens of MB.
func TestGenerateMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("large corpus")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, _ := start(t, WithRequestLog(100))
	s.Generate(50000, 9)
	ids, pages := listAll(t, s, 500, false)
	for _, id := range ids[:100] {
		send(t, s, "GET", "/v1/documents/"+id+"/result", "")
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("50,000 documents, %d pages: heap grew by %.1f MB", pages, float64(grown)/(1<<20))
	if len(ids) != 50000 || grown > 40<<20 {
		t.Errorf("got %d ids and %d bytes of heap, want 50000 and <= 40 MiB", len(ids), grown)
	}
	runtime.KeepAlive(s)
}

func TestTimestamps(t *testing.T) {
	s, clock := start(t)
	s.Generate(3, 1)
	id := s.OutboxIDs()[0]
	d, _ := s.Document(id)
	if !d.UpdatedAt.After(d.CreatedAt) || d.CreatedAt.Before(genEpoch) {
		t.Errorf("got created %v updated %v", d.CreatedAt, d.UpdatedAt)
	}
	clock.Advance(time.Hour)
	if err := s.SetStatus(id, numora.StatusReviewRequired); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.Document(id); !d.UpdatedAt.Equal(epoch.Add(time.Hour)) || d.Status != numora.StatusReviewRequired {
		t.Errorf("got %v %s, want updated at the clock's now", d.UpdatedAt, d.Status)
	}
	if err := s.SetStatus("nope", numora.StatusReviewed); err == nil {
		t.Error("SetStatus on an unknown id: want an error")
	}
}

func TestGenerateInvoices(t *testing.T) {
	s, _ := start(t)
	s.Generate(30, 7)
	s.GenerateInvoices(40, 7, 5)
	s.GenerateInvoices(40, 7, 5) // adds nothing
	if got := s.Len(); got != 70 {
		t.Fatalf("got %d documents, want 70", got)
	}
	known := map[string]bool{}
	for _, v := range Vendors {
		known[v.Name] = true
	}
	numbers := map[string]bool{}
	uniform := 0
	for _, id := range s.OutboxIDs() {
		r, _ := s.Result(id)
		if numbers[string(r.Fields["invoice_number"].Value)] && r.Schema == "invoice_v2" && r.DuplicateOf == nil {
			t.Errorf("%s: invoice number %s used twice", id, r.Fields["invoice_number"].Value)
		}
		numbers[string(r.Fields["invoice_number"].Value)] = true
		if !strings.HasPrefix(string(r.Fields["invoice_number"].Value), `"INV-2026-0000`) || len(r.Fields["invoice_number"].Value) != 17 {
			continue // one of Generate's
		}
		uniform++
		var vendor string
		_ = json.Unmarshal(r.Fields["vendor_name"].Value, &vendor)
		if r.Schema != "invoice_v2" || len(r.LineItems) != 5 || r.DuplicateOf != nil || !known[vendor] {
			t.Errorf("%s: got schema %s, %d lines, duplicate_of %v, vendor %q; want invoice_v2, 5, nil, a known vendor",
				id, r.Schema, len(r.LineItems), r.DuplicateOf, vendor)
		}
		for name, f := range r.Fields {
			if *f.Confidence < 0.86 {
				t.Errorf("%s: %s has confidence %v, want >= 0.86", id, name, *f.Confidence)
			}
		}
	}
	if uniform != 40 {
		t.Errorf("got %d uniform invoices, want 40", uniform)
	}
	other, _ := start(t)
	other.GenerateInvoices(40, 7, 5)
	a, _ := s.Result(other.OutboxIDs()[3])
	b, _ := other.Result(other.OutboxIDs()[3])
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Errorf("same seed, different results:\n%s\n%s", ja, jb)
	}
}

func TestGenerateInvoicesNoLines(t *testing.T) {
	s, _ := start(t)
	s.GenerateInvoices(5, 1, 0)
	for _, id := range s.OutboxIDs() {
		r, _ := s.Result(id)
		if len(r.LineItems) != 0 || r.Fields["total_amount"].Value == nil {
			t.Errorf("%s: got %d line items and total %s, want none and a total", id, len(r.LineItems), r.Fields["total_amount"].Value)
		}
	}
}
