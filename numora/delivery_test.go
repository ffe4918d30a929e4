package numora_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/numora/numora-connector/numora"
	"github.com/numora/numora-connector/numora/numoratest"
)

// attempt is a delivery attempt at a time with nanoseconds, to prove the
// body carries milliseconds only.
func attempt(status numora.DeliveryStatus, exec string) numora.Delivery {
	d := numora.Delivery{Provider: "dynamics365", Status: status, ExecutionID: exec,
		AttemptedAt: epoch.Add(123456789 * time.Nanosecond)}
	switch status {
	case numora.DeliverySucceeded:
		d.ExternalRecordID, d.ExternalURL = "crm-row-001", "https://org.crm.dynamics.com/main.aspx?id=1"
	case numora.DeliveryFailed:
		d.ErrorCode, d.ErrorMessage = "crm_429", "throttled"
	}
	return d
}

func TestReportDeliveryTransitions(t *testing.T) {
	tests := []struct {
		name     string
		status   numora.DeliveryStatus
		want     numora.Status
		inOutbox bool
	}{
		{"succeeded", numora.DeliverySucceeded, numora.StatusPushSucceeded, false},
		{"failed", numora.DeliveryFailed, numora.StatusPushFailed, true},
		{"skipped", numora.DeliverySkipped, numora.StatusReviewed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t)
			d := attempt(tt.status, "run-1:"+invoiceID)
			if err := e.c.ReportDelivery(context.Background(), invoiceID, d); err != nil {
				t.Fatal(err)
			}
			doc, _ := e.srv.Document(invoiceID)
			if doc.Status != tt.want || slices.Contains(e.srv.OutboxIDs(), invoiceID) != tt.inOutbox {
				t.Errorf("got %s, want %s (in outbox %v)", doc.Status, tt.want, tt.inOutbox)
			}
			got := e.srv.Deliveries(invoiceID)
			want, _ := d.MarshalJSON()
			if len(got) != 1 || !bytes.Equal(got[0].Body, want) || !bytes.Contains(want, []byte(`"attempted_at":"2026-03-24T03:00:00.123Z"`)) {
				t.Errorf("got %+v, want one attempt with body %s", got, want)
			}
		})
	}
}

func TestReportDeliveryValidation(t *testing.T) {
	e := setup(t)
	tests := []struct {
		name string
		id   string
		d    numora.Delivery
	}{
		{"no external record", invoiceID, numora.Delivery{Provider: "p", Status: numora.DeliverySucceeded, ExecutionID: "e", AttemptedAt: epoch}},
		{"no execution id", invoiceID, numora.Delivery{Provider: "p", Status: numora.DeliveryFailed, AttemptedAt: epoch}},
		{"no time", invoiceID, numora.Delivery{Provider: "p", Status: numora.DeliverySkipped, ExecutionID: "e"}},
		{"bad status", invoiceID, numora.Delivery{Provider: "p", Status: "ok", ExecutionID: "e", AttemptedAt: epoch}},
		{"no document", "", attempt(numora.DeliveryFailed, "e")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.c.ReportDelivery(context.Background(), tt.id, tt.d)
			if err == nil || numora.IsTransient(err) || (tt.id != "" && !errors.Is(err, numora.ErrInvalidDelivery)) {
				t.Errorf("got %v, want a permanent ErrInvalidDelivery", err)
			}
		})
	}
	if n := len(e.srv.Requests()); n != 0 {
		t.Errorf("got %d requests, want none: invalid bodies are not sent", n)
	}
}

func TestReportDeliveryReplayAndConflict(t *testing.T) {
	tests := []struct {
		name         string
		opts         []numoratest.Option
		fault        *numoratest.Fault
		second       *numora.Delivery // reported by a later call; nil for none
		wantErr      bool
		wantConflict bool
		wantAttempts []int // statuses the emulator answered to each attempt it handled
		wantSleeps   int
	}{
		{name: "identical replay by a second call", second: ptr(attempt(numora.DeliverySucceeded, "x")),
			wantAttempts: []int{200, 200}},
		{name: "conflicting data", second: ptr(attempt(numora.DeliveryFailed, "x")), wantErr: true, wantConflict: true,
			wantAttempts: []int{200, 409}},
		{name: "lost answer, replay accepted", fault: &numoratest.Fault{Drop: true, AfterHandling: true, Times: 1},
			wantAttempts: []int{200, 200}, wantSleeps: 1},
		{name: "lost answer, strict replay 409 means recorded", opts: []numoratest.Option{numoratest.WithStrictReplay()},
			fault: &numoratest.Fault{Status: 503, AfterHandling: true, Times: 1}, wantAttempts: []int{200, 409}, wantSleeps: 1},
		{name: "strict replay by a second call is a conflict", opts: []numoratest.Option{numoratest.WithStrictReplay()},
			second: ptr(attempt(numora.DeliverySucceeded, "x")), wantErr: true, wantConflict: true, wantAttempts: []int{200, 409}},
		{name: "retried after 429", fault: &numoratest.Fault{Status: 429, RetryAfter: "2", Times: 2}, wantAttempts: []int{200}, wantSleeps: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, tt.opts...)
			if tt.fault != nil {
				e.srv.Fail(numoratest.EndpointDelivery, *tt.fault)
			}
			first := attempt(numora.DeliverySucceeded, "x")
			err := e.c.ReportDelivery(context.Background(), invoiceID, first)
			if tt.second != nil {
				if err != nil {
					t.Fatal(err)
				}
				err = e.c.ReportDelivery(context.Background(), invoiceID, *tt.second)
			}
			if (err != nil) != tt.wantErr || numora.IsConflict(err) != tt.wantConflict {
				t.Fatalf("got %v, want error %v conflict %v", err, tt.wantErr, tt.wantConflict)
			}
			if tt.wantConflict && numora.IsTransient(err) {
				t.Error("a conflict must not be transient")
			}
			atts := e.srv.Deliveries(invoiceID)
			var statuses []int
			for _, a := range atts {
				statuses = append(statuses, a.StatusCode)
			}
			if !slices.Equal(statuses, tt.wantAttempts) || len(e.sleeps()) != tt.wantSleeps {
				t.Errorf("got attempts %v and %d sleeps, want %v and %d", statuses, len(e.sleeps()), tt.wantAttempts, tt.wantSleeps)
			}
			if tt.second == nil && len(atts) == 2 && !bytes.Equal(atts[0].Body, atts[1].Body) {
				t.Errorf("retry sent other bytes:\n%s\n%s", atts[0].Body, atts[1].Body)
			}
		})
	}
}

func TestDispatchAndWait(t *testing.T) {
	tests := []struct {
		name       string
		opts       []numoratest.Option
		provider   string
		poll       time.Duration
		want       numora.Status
		wantSleeps []time.Duration
	}{
		{"succeeds after 2s", nil, "dynamics365", time.Second, numora.StatusPushSucceeded, []time.Duration{time.Second, time.Second}},
		{"fails after 5s", []numoratest.Option{numoratest.WithDispatch(numora.StatusPushFailed, 5*time.Second)}, "",
			0, numora.StatusPushFailed, []time.Duration{2 * time.Second, 2 * time.Second, 2 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, tt.opts...)
			if err := e.c.Dispatch(context.Background(), invoiceID, tt.provider); err != nil {
				t.Fatal(err)
			}
			d, err := e.c.WaitDelivered(context.Background(), invoiceID, tt.poll)
			if err != nil || d.Status != tt.want {
				t.Fatalf("got %+v, %v; want %s", d, err, tt.want)
			}
			if got := e.sleeps(); !slices.Equal(got, tt.wantSleeps) {
				t.Errorf("got polls %v, want %v", got, tt.wantSleeps)
			}
		})
	}
}

func TestDispatchLostAnswer(t *testing.T) {
	e := setup(t)
	e.srv.Fail(numoratest.EndpointDispatch, numoratest.Fault{Drop: true, AfterHandling: true, Times: 1})
	if err := e.c.Dispatch(context.Background(), invoiceID, "dynamics365"); err != nil {
		t.Fatalf("got %v, want success: the first try was queued", err)
	}
	reqs := e.requests(numoratest.EndpointDispatch)
	if len(reqs) != 2 || reqs[0].Status != 0 || reqs[1].Status != 409 {
		t.Errorf("got %+v, want a dropped try and a 409", reqs)
	}
	if d, _ := e.srv.Document(invoiceID); d.Status != numora.StatusPushPending {
		t.Errorf("got %s, want push_pending", d.Status)
	}
}

func TestDispatchErrors(t *testing.T) {
	e := setup(t)
	tests := []struct {
		name, id string
		status   int
	}{
		{"unknown", "doc_nope", 404},
		{"already pending", "doc_01jpwqch4t0w5m9p3r6s7v8y9z", 409},
		{"not deliverable", "doc_01jpwqbg3s9v4k8n2q5r6t7x8y", 409},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.c.Dispatch(context.Background(), tt.id, "dynamics365")
			var ae *numora.APIError
			if !errors.As(err, &ae) || ae.StatusCode != tt.status {
				t.Errorf("got %v, want %d", err, tt.status)
			}
		})
	}
	if err := e.c.Dispatch(context.Background(), "", "p"); err == nil {
		t.Error("empty id: want an error")
	}
}

func TestWaitDeliveredStops(t *testing.T) {
	e := setup(t, numoratest.WithDispatch(numora.StatusPushSucceeded, time.Hour))
	pending := "doc_01jpwqch4t0w5m9p3r6s7v8y9z"
	ctx, cancel := context.WithCancel(context.Background())
	c := e.client(t, func(cfg *numora.Config) { cfg.Clock = cancelClock{e.clock, cancel} })
	if _, err := c.WaitDelivered(ctx, pending, time.Second); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	if _, err := e.c.WaitDelivered(context.Background(), "doc_nope", time.Second); !errors.As(err, new(*numora.APIError)) {
		t.Errorf("got %v, want a 404", err)
	}
	if d, err := e.c.WaitDelivered(context.Background(), invoiceID, time.Second); err != nil || d.Status != numora.StatusReviewed {
		t.Errorf("not pending: got %+v, %v; want it at once", d, err)
	}
}

func ptr[T any](v T) *T { return &v }
