package numoratest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/numora/numora-connector/numora"
)

// TestConcurrentUse runs outbox reads, result reads, callbacks, dispatches,
// fault changes and inspection at once; run with -race.
func TestConcurrentUse(t *testing.T) {
	s, clock := start(t)
	s.Generate(64, 2)
	s.Fail(EndpointResult, Fault{Status: 503, Rate: 0.2})
	ids := s.OutboxIDs()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < len(ids); i += 8 {
				id := ids[i]
				send(t, s, "GET", "/v1/delivery/outbox?provider=x&limit=7", "")
				send(t, s, "GET", "/v1/documents/"+id+"/result", "")
				if i%2 == 0 {
					send(t, s, "POST", "/v1/documents/"+id+"/dispatch", "")
					continue
				}
				body := delivery(func(m map[string]any) { m["execution_id"] = fmt.Sprint("run-", id) })
				if r := send(t, s, "POST", "/v1/documents/"+id+"/delivery", body); r.status != 200 {
					t.Errorf("%s: got %d %s", id, r.status, r.body)
				}
				_ = s.Deliveries(id)
				_ = s.Requests()
				clock.Advance(time.Millisecond)
			}
		})
	}
	wg.Wait()
	s.CompleteDispatches()
	for _, id := range ids { // dispatched or reported succeeded: all delivered
		if d, _ := s.Document(id); d.Status != numora.StatusPushSucceeded {
			t.Errorf("%s: got %s, want push_succeeded", id, d.Status)
		}
	}
	if got := len(s.OutboxIDs()); got != 0 {
		t.Errorf("got %d documents left in the outbox, want 0", got)
	}
}
