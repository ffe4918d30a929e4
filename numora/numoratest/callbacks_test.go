package numoratest

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/numora/numora-connector/numora"
)

const invoiceID = "doc_01jpwq4q9m7q4q2k8dax1x1q5n"

// loaded returns a started server with the fixtures.
func loaded(t *testing.T, opts ...Option) *Server {
	t.Helper()
	s, _ := start(t, opts...)
	if err := s.LoadFixtures(fixtures); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDeliveryValidation(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		status  int
		message string
	}{
		{"not JSON", "{", 400, "not valid JSON"},
		{"no provider", delivery(func(m map[string]any) { delete(m, "provider") }), 422, "provider is required"},
		{"bad status", delivery(func(m map[string]any) { m["status"] = "done" }), 422, `status "done"`},
		{"no execution id", delivery(func(m map[string]any) { m["execution_id"] = "" }), 422, "execution_id is required"},
		{"no attempted_at", delivery(func(m map[string]any) { delete(m, "attempted_at") }), 422, "attempted_at is required"},
		{"bad attempted_at", delivery(func(m map[string]any) { m["attempted_at"] = "yesterday" }), 422, "yesterday"},
		{"wrong type", delivery(func(m map[string]any) { m["provider"] = 7 }), 422, "provider"},
		{"succeeded without record", delivery(func(m map[string]any) { delete(m, "external_record_id") }), 422,
			"external_record_id is required when status is succeeded"},
		{"too large", strings.Repeat(" ", maxRequestBody+1), 413, "body over"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := loaded(t)
			r := send(t, s, "POST", "/v1/documents/"+invoiceID+"/delivery", tt.body)
			var e apiError
			r.decode(t, &e)
			if r.status != tt.status || e.Error.Code != "invalid_payload" || !strings.Contains(e.Error.Message, tt.message) {
				t.Errorf("got %d %+v, want %d invalid_payload containing %q", r.status, e, tt.status, tt.message)
			}
			if got := s.Deliveries(invoiceID); len(got) != 1 || got[0].StatusCode != tt.status {
				t.Errorf("got attempts %+v, want one with status %d", got, tt.status)
			}
			if d, _ := s.Document(invoiceID); d.Status != numora.StatusReviewed {
				t.Errorf("got status %s after a rejected callback, want reviewed", d.Status)
			}
		})
	}
}

func TestDeliveryTransitions(t *testing.T) {
	tests := []struct {
		name      string
		id        string
		status    string
		want      numora.Status
		inOutbox  bool
		wantCode  int
		wantError string
	}{
		{"succeeded", invoiceID, "succeeded", numora.StatusPushSucceeded, false, 200, ""},
		{"failed", invoiceID, "failed", numora.StatusPushFailed, true, 200, ""},
		{"skipped", invoiceID, "skipped", numora.StatusReviewed, false, 200, ""},
		{"failed again", "doc_01jpwq6b8m4p9e3g7j0k1n2r3s", "failed", numora.StatusPushFailed, true, 200, ""},
		{"pending then skipped", "doc_01jpwqch4t0w5m9p3r6s7v8y9z", "skipped", numora.StatusReviewed, false, 200, ""},
		{"not reviewed", "doc_01jpwq9e1q7s2h6k0n3p4r5v6w", "succeeded", numora.StatusReviewRequired, false, 409, "conflict"},
		{"processing", "doc_01jpwqaf2r8t3j7m1p4q5s6w7x", "failed", numora.StatusProcessing, false, 409, "conflict"},
		{"unknown", "doc_nope", "failed", "", false, 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := loaded(t)
			r := send(t, s, "POST", "/v1/documents/"+tt.id+"/delivery",
				delivery(func(m map[string]any) { m["status"] = tt.status }))
			if r.status != tt.wantCode {
				t.Fatalf("got %d %s, want %d", r.status, r.body, tt.wantCode)
			}
			if tt.wantError != "" && r.errorCode(t) != tt.wantError {
				t.Errorf("got code %q, want %q", r.errorCode(t), tt.wantError)
			}
			d, _ := s.Document(tt.id)
			if d.Status != tt.want {
				t.Errorf("got status %q, want %q", d.Status, tt.want)
			}
			if got := slices.Contains(s.OutboxIDs(), tt.id); got != tt.inOutbox {
				t.Errorf("got in outbox %v, want %v", got, tt.inOutbox)
			}
		})
	}
}

func TestDeliveryIdempotency(t *testing.T) {
	first := delivery(nil)
	sameData := strings.ReplaceAll(first, "03:00:00.000Z", "03:00:00Z") // same instant, other spelling
	tests := []struct {
		name       string
		opts       []Option
		second     string
		wantStatus int
		wantReplay bool
	}{
		{"identical replay", nil, first, 200, true},
		{"same data", nil, sameData, 200, true},
		{"different data", nil, delivery(func(m map[string]any) { m["external_record_id"] = "crm-row-002" }), 409, false},
		{"strict replay", []Option{WithStrictReplay()}, first, 409, false},
		{"new execution", nil, delivery(func(m map[string]any) { m["execution_id"] = "run2-doc" }), 200, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := loaded(t, tt.opts...)
			path := "/v1/documents/" + invoiceID + "/delivery"
			if r := send(t, s, "POST", path, first); r.status != 200 {
				t.Fatalf("first callback: got %d %s", r.status, r.body)
			}
			r := send(t, s, "POST", path, tt.second)
			if r.status != tt.wantStatus {
				t.Fatalf("second callback: got %d %s, want %d", r.status, r.body, tt.wantStatus)
			}
			if tt.wantStatus == 409 && r.errorCode(t) != "conflict" {
				t.Errorf("got code %q, want conflict", r.errorCode(t))
			}
			got := s.Deliveries(invoiceID)
			if len(got) != 2 || got[1].Replay != tt.wantReplay || got[1].StatusCode != tt.wantStatus {
				t.Errorf("got attempts %+v, want 2 with the second replay=%v", got, tt.wantReplay)
			}
			if string(got[0].Body) != first || got[0].Delivery.ExternalRecordID != "crm-row-001" {
				t.Errorf("got first attempt %q / %+v, want the body as sent", got[0].Body, got[0].Delivery)
			}
		})
	}
}

func TestDispatch(t *testing.T) {
	tests := []struct {
		name    string
		opts    []Option
		body    string
		want    numora.Status
		inOutbx bool
	}{
		{"succeeds", nil, `{"provider":"dynamics365"}`, numora.StatusPushSucceeded, false},
		{"fails", []Option{WithDispatch(numora.StatusPushFailed, time.Minute)}, "", numora.StatusPushFailed, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock := start(t, tt.opts...)
			if err := s.LoadFixtures(fixtures); err != nil {
				t.Fatal(err)
			}
			r := send(t, s, "POST", "/v1/documents/"+invoiceID+"/dispatch", tt.body)
			if r.status != http.StatusAccepted {
				t.Fatalf("got %d %s, want 202", r.status, r.body)
			}
			if d, _ := s.Document(invoiceID); d.Status != numora.StatusPushPending || slices.Contains(s.OutboxIDs(), invoiceID) {
				t.Fatalf("got %s, want push_pending and out of the outbox", d.Status)
			}
			if r := send(t, s, "POST", "/v1/documents/"+invoiceID+"/dispatch", ""); r.status != http.StatusConflict {
				t.Errorf("second dispatch: got %d, want 409", r.status)
			}
			clock.Advance(time.Second)
			if d, _ := s.Document(invoiceID); d.Status != numora.StatusPushPending {
				t.Errorf("after 1s: got %s, want still push_pending", d.Status)
			}
			clock.Advance(time.Minute)
			var d numora.Document
			send(t, s, "GET", "/v1/documents/"+invoiceID, "").decode(t, &d)
			if d.Status != tt.want || slices.Contains(s.OutboxIDs(), invoiceID) != tt.inOutbx {
				t.Errorf("got %s, want %s (in outbox %v)", d.Status, tt.want, tt.inOutbx)
			}
		})
	}
}

func TestDispatchErrors(t *testing.T) {
	s := loaded(t)
	tests := []struct {
		name, id, body string
		status         int
	}{
		{"bad JSON", invoiceID, "{", 400},
		{"bad provider type", invoiceID, `{"provider":1}`, 422},
		{"unknown document", "doc_nope", "", 404},
		{"not deliverable", "doc_01jpwqbg3s9v4k8n2q5r6t7x8y", "", 409},
		{"already pending", "doc_01jpwqch4t0w5m9p3r6s7v8y9z", "", 409},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := send(t, s, "POST", "/v1/documents/"+tt.id+"/dispatch", tt.body); r.status != tt.status {
				t.Errorf("got %d %s, want %d", r.status, r.body, tt.status)
			}
		})
	}
}

func TestCompleteDispatches(t *testing.T) {
	s := loaded(t)
	s.SetDispatch(numora.StatusPushFailed, time.Hour)
	send(t, s, "POST", "/v1/documents/"+invoiceID+"/dispatch", "")
	s.CompleteDispatches()
	for id, want := range map[string]numora.Status{invoiceID: numora.StatusPushFailed,
		"doc_01jpwqch4t0w5m9p3r6s7v8y9z": numora.StatusPushSucceeded} { // the fixture's pending dispatch
		if d, _ := s.Document(id); d.Status != want {
			t.Errorf("%s: got %s, want %s", id, d.Status, want)
		}
	}
}
