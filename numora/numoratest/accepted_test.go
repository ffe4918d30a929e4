package numoratest

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestLatencyCountsAndAcceptedCallbacks: WithLatency delays every request
// on the server's clock; RequestCount counts requests the one-entry log
// forgets; accepted callbacks are listed with their time, a refused one
// is not, and WaitAccepted returns once enough documents have one.
func TestLatencyCountsAndAcceptedCallbacks(t *testing.T) {
	s, clock := start(t, WithLatency(20*time.Millisecond), WithRequestLog(1))
	s.Generate(3, 7)
	ids := s.OutboxIDs()
	for i, id := range ids {
		body := delivery(func(m map[string]any) { m["execution_id"] = fmt.Sprint("run-", id) })
		if i == 2 {
			body = "{not json"
		}
		send(t, s, "POST", "/v1/documents/"+id+"/delivery", body)
	}
	send(t, s, "POST", "/v1/documents/"+ids[0]+"/delivery",
		delivery(func(m map[string]any) { m["execution_id"] = "run-" + ids[0] })) // a replay
	if got := clock.Sleeps(); len(got) != 4 || got[0] != 20*time.Millisecond {
		t.Errorf("server sleeps %v, want four of 20ms", got)
	}
	if n, logged := s.RequestCount(), len(s.Requests()); n != 4 || logged != 1 {
		t.Errorf("RequestCount %d with %d logged, want 4 and 1", n, logged)
	}
	got := s.AcceptedCallbacks()
	if len(got) != 3 || s.AcceptedCount() != 3 || got[0].DocumentID != ids[0] || got[1].DocumentID != ids[1] ||
		got[2].DocumentID != ids[0] || !got[1].At.After(got[0].At) {
		t.Fatalf("accepted %+v", got)
	}
	if err := s.WaitAccepted(t.Context(), 2); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.WaitAccepted(ctx, 3); err == nil {
		t.Error("WaitAccepted(3) returned without a third document")
	}
}

// TestWaitAcceptedWakes: a waiter is woken by the callback it waits for.
func TestWaitAcceptedWakes(t *testing.T) {
	s, _ := start(t)
	s.Generate(1, 7)
	id := s.OutboxIDs()[0]
	done := make(chan error, 1)
	go func() { done <- s.WaitAccepted(t.Context(), 1) }()
	send(t, s, "POST", "/v1/documents/"+id+"/delivery", delivery(nil))
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
