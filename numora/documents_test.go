package numora_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/numora/numora-connector/numora"
	"github.com/numora/numora-connector/numora/numoratest"
)

func TestDocument(t *testing.T) {
	e := setup(t)
	tests := []struct {
		name       string
		id         string
		wantStatus numora.Status
		wantErr    int
	}{
		{"reviewed", invoiceID, numora.StatusReviewed, 0},
		{"uuid id", "4be38121-3791-4856-80d5-c57dbec2cf78", numora.StatusReviewed, 0},
		{"processing", "doc_01jpwqaf2r8t3j7m1p4q5s6w7x", numora.StatusProcessing, 0},
		{"unknown", "doc_nope", "", http.StatusNotFound},
		{"dot segments stay data", "..", "", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := e.c.Document(context.Background(), tt.id)
			if tt.wantErr != 0 {
				var ae *numora.APIError
				if !errors.As(err, &ae) || ae.StatusCode != tt.wantErr || ae.Code != "not_found" || ae.Method != "GET" ||
					!strings.HasPrefix(ae.RequestID, "nc-") || !strings.Contains(ae.URL, "/v1/documents/") {
					t.Errorf("got %#v, want a %d not_found APIError", err, tt.wantErr)
				}
				return
			}
			if err != nil || d.ID != tt.id || d.Status != tt.wantStatus || d.CreatedAt.IsZero() {
				t.Errorf("got %+v, %v", d, err)
			}
		})
	}
	if _, err := e.c.Document(context.Background(), ""); err == nil {
		t.Error("empty id: want an error")
	}
}

func TestOpaqueIDs(t *testing.T) {
	e := setup(t)
	for _, id := range []string{"a/b", "with space", "q?x=1#f", "%2F", "."} {
		if err := e.srv.AddDocument(numoratest.Fixture{Result: numora.Result{ID: id, Schema: "invoice_v2"}}); err != nil {
			t.Fatal(err)
		}
		d, err := e.c.Document(context.Background(), id)
		if err != nil || d.ID != id {
			t.Errorf("%q: got %+v, %v", id, d, err)
		}
		r, err := e.c.Result(context.Background(), id)
		if err != nil || r.ID != id {
			t.Errorf("%q result: got %+v, %v", id, r, err)
		}
	}
}

func TestResult(t *testing.T) {
	e := setup(t)
	r, err := e.c.Result(context.Background(), invoiceID)
	if err != nil {
		t.Fatal(err)
	}
	li := r.LineItems
	checks := []struct {
		name string
		ok   bool
	}{
		{"identity", r.ID == invoiceID && r.Schema == "invoice_v2" && r.Status == numora.StatusReviewed},
		{"confidence", r.Confidence != nil && *r.Confidence == 0.93},
		{"field", string(r.Fields["vendor_name"].Value) == `"ACME Supplies GmbH"` && *r.Fields["vendor_name"].Confidence == 0.98},
		{"numeric field", string(r.Fields["total_amount"].Value) == "1190.00"},
		{"review state", r.ReviewState.Version == 1 && slices.Equal(r.ReviewState.ConfirmedLineItemIDs, []string{"li_1"})},
		{"line items ordered", len(li) == 2 && li[0].ID == "li_1" &&
			slices.Equal(li[0].Names, []string{"description", "quantity", "unit_price", "amount"})},
		{"line item forms", li[0].Fields["quantity"].Confidence == nil && *li[1].Fields["amount"].Confidence == 0.62},
		{"no duplicate", r.DuplicateOf == nil},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: got %+v", c.name, r)
		}
	}
	var ae *numora.APIError
	if _, err := e.c.Result(context.Background(), "doc_01jpwqaf2r8t3j7m1p4q5s6w7x"); !errors.As(err, &ae) || !numora.IsConflict(err) {
		t.Errorf("processing document: got %v, want a 409", err)
	}
	if _, err := e.c.Result(context.Background(), ""); err == nil {
		t.Error("empty id: want an error")
	}
}

func TestResultOf(t *testing.T) {
	e := setup(t)
	var items []numora.OutboxItem
	for it, err := range e.c.Outbox(context.Background(), "dynamics365", 100) {
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, it)
	}
	r, err := e.c.ResultOf(context.Background(), items[0])
	if err != nil {
		t.Fatal(err)
	}
	if r.ExternalID == nil || *r.ExternalID != "erp-000042" || string(r.Metadata) != `{"source":"email"}` ||
		!r.UpdatedAt.Equal(time.Date(2026, 3, 24, 2, 36, 37, 684e6, time.UTC)) {
		t.Errorf("got external id %v metadata %s updated %v, want them from the outbox entry", r.ExternalID, r.Metadata, r.UpdatedAt)
	}
	fallback := numora.OutboxItem{DocumentID: invoiceID}
	if r, err := e.c.ResultOf(context.Background(), fallback); err != nil || r.ID != invoiceID || r.ExternalID != nil {
		t.Errorf("no result_url: got %+v, %v", r, err)
	}
	wrong := numora.OutboxItem{DocumentID: invoiceID, ResultURL: "/v1/documents/4be38121-3791-4856-80d5-c57dbec2cf78/result"}
	var de *numora.DecodeError
	if _, err := e.c.ResultOf(context.Background(), wrong); !errors.As(err, &de) || !strings.Contains(err.Error(), "is for document") {
		t.Errorf("result of another document: got %v, want a DecodeError", err)
	}
	if _, err := e.c.ResultOf(context.Background(), numora.OutboxItem{}); err == nil {
		t.Error("no document id: want an error")
	}
}

func TestResultOfOriginPinning(t *testing.T) {
	e := setup(t)
	hits := 0
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		t.Errorf("the other origin got a request with Authorization %q", r.Header.Get("Authorization"))
	}))
	defer other.Close()
	tests := []struct{ name, url string }{
		{"other loopback port", other.URL + "/v1/documents/" + invoiceID + "/result"},
		{"other host", "https://evil.example/v1/documents/" + invoiceID + "/result"},
		{"scheme-relative", "//evil.example/v1/documents/x/result"},
		{"other scheme", strings.Replace(e.srv.URL, "http:", "https:", 1) + "/v1/documents/x/result"},
		{"unparsable", "http://[::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.c.ResultOf(context.Background(), numora.OutboxItem{DocumentID: invoiceID, ResultURL: tt.url})
			if err == nil || numora.IsTransient(err) {
				t.Fatalf("got %v, want a permanent refusal", err)
			}
			if tt.name != "unparsable" && !errors.Is(err, numora.ErrOtherOrigin) {
				t.Errorf("got %v, want ErrOtherOrigin", err)
			}
		})
	}
	if hits != 0 || len(e.srv.Requests()) != 0 {
		t.Errorf("got %d requests elsewhere and %d to the emulator, want none", hits, len(e.srv.Requests()))
	}
	same := numora.OutboxItem{DocumentID: invoiceID, ResultURL: e.srv.URL + "/v1/documents/" + invoiceID + "/result"}
	if _, err := e.c.ResultOf(context.Background(), same); err != nil {
		t.Errorf("absolute URL on the base origin: got %v", err)
	}
}

func TestRedirects(t *testing.T) {
	var otherHits int
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { otherHits++ }))
	defer other.Close()
	var auths []string
	c, _ := custom(t, func(w http.ResponseWriter, r *http.Request) {
		auths = append(auths, r.Header.Get("Authorization"))
		switch r.URL.Path {
		case "/v1/documents/away":
			http.Redirect(w, r, other.URL+"/v1/documents/x", http.StatusFound)
		case "/v1/documents/moved":
			http.Redirect(w, r, "/v1/documents/here", http.StatusMovedPermanently)
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id":"here","status":"reviewed"}`))
		}
	}, func(cfg *numora.Config) { cfg.HTTPClient = &http.Client{} })
	_, err := c.Document(context.Background(), "away")
	if !errors.Is(err, numora.ErrOtherOrigin) || numora.IsTransient(err) || otherHits != 0 {
		t.Errorf("cross-origin redirect: got %v and %d requests there, want a permanent ErrOtherOrigin and none", err, otherHits)
	}
	d, err := c.Document(context.Background(), "moved")
	if err != nil || d.ID != "here" {
		t.Errorf("same-origin redirect: got %+v, %v", d, err)
	}
	for i, a := range auths {
		if a != "Bearer "+apiKey {
			t.Errorf("request %d: got Authorization %q", i, a)
		}
	}
}

func TestRedirectLimits(t *testing.T) {
	loop := func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, r.URL.Path, http.StatusFound) }
	c, _ := custom(t, loop, nil)
	if _, err := c.Document(context.Background(), "x"); err == nil || !strings.Contains(err.Error(), "10 redirects") {
		t.Errorf("got %v, want a redirect limit error", err)
	}
	calls := 0
	given := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { calls++; return errors.New("no redirects here") }}
	c, _ = custom(t, loop, func(cfg *numora.Config) { cfg.HTTPClient = given })
	if _, err := c.Document(context.Background(), "x"); err == nil || calls != 1 {
		t.Errorf("got %v after %d calls, want the given CheckRedirect's error", err, calls)
	}
	if err := given.CheckRedirect(nil, nil); err == nil || calls != 2 {
		t.Error("the given client was modified")
	}
}
