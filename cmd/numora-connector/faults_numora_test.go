package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/numora/numora-connector/numora/numoratest"
)

// Fault matrix, Numora side: case 5 of issue 6.

// numoraFault is a fault armed on one Numora endpoint.
type numoraFault struct {
	endpoint numoratest.Endpoint
	fault    numoratest.Fault
}

// TestFaultNumora injects 429s (with retry-after), 5xx, dropped
// connections and lost answers on the outbox, the results and the
// callback: the Numora client retries them, callbacks replay the same
// execution id and bytes, and every document ends as without faults.
func TestFaultNumora(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		faults      []numoraFault
		lostAnswers bool
	}{
		{"outbox 429 and 503", []numoraFault{
			{numoratest.EndpointOutbox, numoratest.Fault{Status: 429, RetryAfter: "1", Times: 2}},
			{numoratest.EndpointOutbox, numoratest.Fault{Status: 503, Times: 2}}}, false},
		{"outbox dropped", []numoraFault{{numoratest.EndpointOutbox, numoratest.Fault{Drop: true, Times: 3}}}, false},
		{"result 5xx, 429 and drops", []numoraFault{
			{numoratest.EndpointResult, numoratest.Fault{Status: 500, Rate: 0.2, Times: 10}},
			{numoratest.EndpointResult, numoratest.Fault{Status: 429, RetryAfter: "1", Times: 2}},
			{numoratest.EndpointResult, numoratest.Fault{Drop: true, Rate: 0.1, Times: 4}}}, false},
		{"callback 5xx and 429", []numoraFault{
			{numoratest.EndpointDelivery, numoratest.Fault{Status: 503, Rate: 0.3, Times: 12}},
			{numoratest.EndpointDelivery, numoratest.Fault{Status: 429, RetryAfter: "1", Times: 2}}}, false},
		{"callback answers lost", []numoraFault{
			{numoratest.EndpointDelivery, numoratest.Fault{Drop: true, AfterHandling: true, Rate: 0.3, Times: 10}},
			{numoratest.EndpointDelivery, numoratest.Fault{Status: 502, AfterHandling: true, Rate: 0.2, Times: 5}}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFaultEnv(t, defaultCorpus, "")
			f.lostAnswers = tt.lostAnswers
			for _, nf := range tt.faults {
				f.sb.numora.Fail(nf.endpoint, nf.fault)
			}
			f.drain(t, 3)
			if r := f.check(t); r.faults == 0 {
				t.Error("no fault was injected: the case tests nothing")
			}
			if tt.lostAnswers && replays(f) == 0 {
				t.Error("no callback was replayed: no answer was lost")
			}
		})
	}
}

// replays counts the callbacks Numora accepted as replays.
func replays(f *faultEnv) int {
	n := 0
	for _, id := range f.ids {
		for _, a := range f.sb.numora.Deliveries(id) {
			if a.Replay {
				n++
			}
		}
	}
	return n
}

// TestFaultNumoraCallbackOutageAfterWrites: the callback is down for a
// whole pass while Dataverse works. Every write lands, nothing can be
// reported, the summary lists the documents written but not reported, and
// they stay in the outbox; the next pass writes the same rows again and
// reports them.
func TestFaultNumoraCallbackOutageAfterWrites(t *testing.T) {
	t.Parallel()
	f := newFaultEnv(t, defaultCorpus, "")
	f.sb.numora.Fail(numoratest.EndpointDelivery, numoratest.Fault{Status: http.StatusServiceUnavailable})
	p := f.pass(t)
	base := baselineOf(t, f.corpus)
	delivered := 0
	for _, o := range base.outcomes {
		if o == "succeeded" {
			delivered++
		}
	}
	c := p.sum.Counts
	if p.code != exitProblems || c.Written != delivered || c.WrittenNotReported != delivered || c.Delivered != 0 {
		t.Errorf("got exit %d, counts %+v; want exit 1 with all %d writes not reported", p.code, c, delivered)
	}
	if !strings.Contains(p.stdout, "not reported") {
		t.Errorf("the summary does not list the documents written but not reported:\n%s", p.stdout)
	}
	if n := len(f.sb.numora.OutboxIDs()); n != len(f.ids) {
		t.Errorf("%d documents in the outbox after the outage, want all %d", n, len(f.ids))
	}
	f.sb.numora.ClearFaults()
	f.drain(t, 2)
	f.check(t)
}
