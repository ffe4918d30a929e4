package numoratest

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/numora/numora-connector/numora"
)

func TestRawFaultAnswers(t *testing.T) {
	tests := []struct {
		name   string
		fault  Fault
		status int
		ctype  string
		body   string
	}{
		{"truncated JSON", Fault{Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"data":[{"docu`)},
			200, "application/json", `{"data":[{"docu`},
		{"wrong content type", Fault{Status: 200, Header: http.Header{"content-type": {"text/html"}}, Body: []byte("<html>")},
			200, "text/html", "<html>"},
		{"redirect", Fault{Status: 307, Header: http.Header{"Location": {"http://127.0.0.1:1/steal"}}}, 307, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := start(t)
			s.Fail(EndpointOutbox, tt.fault)
			req, _ := http.NewRequest("GET", s.URL+"/v1/delivery/outbox?provider=x", nil)
			req.Header.Set("Authorization", "Bearer "+s.APIKey)
			c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var b [64]byte
			n, _ := resp.Body.Read(b[:])
			if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != tt.ctype || string(b[:n]) != tt.body {
				t.Errorf("got %d %q %q, want %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), b[:n],
					tt.status, tt.ctype, tt.body)
			}
			if got := s.Requests()[0].Fault; got == "" {
				t.Error("the raw fault is not in the request log")
			}
		})
	}
}

func TestRawFaultAfterHandlingKeepsTheStateChange(t *testing.T) {
	s, _ := start(t)
	if err := s.AddDocument(Fixture{Result: numora.Result{ID: "doc_1", Schema: "invoice_v2"}}); err != nil {
		t.Fatal(err)
	}
	s.Fail(EndpointDelivery, Fault{AfterHandling: true, Body: []byte("{"), Times: 1})
	r := send(t, s, "POST", "/v1/documents/doc_1/delivery", delivery(nil))
	if r.status != 200 || string(r.body) != "{" {
		t.Errorf("got %d %q, want the raw answer", r.status, r.body)
	}
	if d, _ := s.Document("doc_1"); d.Status != numora.StatusPushSucceeded {
		t.Errorf("got status %s, want push_succeeded: the callback was handled", d.Status)
	}
}

func TestSetResultURL(t *testing.T) {
	s, _ := start(t)
	if err := s.AddDocument(Fixture{Result: numora.Result{ID: "doc_1", Schema: "invoice_v2"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetResultURL("doc_1", "https://evil.example/steal"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetResultURL("nope", "x"); err == nil {
		t.Error("SetResultURL of an unknown document succeeded")
	}
	var page struct {
		Data []numora.OutboxItem `json:"data"`
	}
	r := send(t, s, "GET", "/v1/delivery/outbox?provider=x", "")
	if err := json.Unmarshal(r.body, &page); err != nil || len(page.Data) != 1 {
		t.Fatalf("outbox %s: %v", r.body, err)
	}
	if got := page.Data[0].ResultURL; got != "https://evil.example/steal" {
		t.Errorf("got result_url %q", got)
	}
}

func TestHoldEndpoint(t *testing.T) {
	s, _ := start(t)
	if err := s.AddDocument(Fixture{Result: numora.Result{ID: "doc_1", Schema: "invoice_v2"}}); err != nil {
		t.Fatal(err)
	}
	g := s.Hold(EndpointDelivery)
	if r := send(t, s, "GET", "/v1/documents/doc_1", ""); r.status != 200 { // another endpoint: not held
		t.Fatalf("document: got %d", r.status)
	}
	done := make(chan reply)
	go func() { done <- send(t, s, "POST", "/v1/documents/doc_1/delivery", delivery(nil)) }()
	<-g.Arrived()
	if d, _ := s.Document("doc_1"); d.Status != numora.StatusReviewed {
		t.Fatalf("got status %s before Release, want the callback held", d.Status)
	}
	g.Release()
	if r := <-done; r.status != 200 {
		t.Errorf("held callback: got %d, want 200", r.status)
	}
	s.Unhold()
}
