package main

import (
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/numora/numora-connector/destinations/salesforce/salesforcetest"
)

// Fault cases for the Salesforce destination, through the binary (see
// faults_sf_harness_test.go for what every case checks).

// TestFaultSalesforceCredentials: a token endpoint that refuses the client
// (invalid_client), answers 503 to every try, or drops every connection
// stops the run before anything is written: exit 3, every document still
// untouched in the outbox, no API request sent.
func TestFaultSalesforceCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T, f *faultEnv) []string // extra environment
		want  string                                   // in the summary
	}{
		{"invalid_client", func(_ *testing.T, f *faultEnv) []string {
			f.secrets = append(f.secrets, "a-wrong-consumer-secret")
			return []string{"SALESFORCE_CLIENT_SECRET=a-wrong-consumer-secret"}
		}, "invalid_client"},
		{"token endpoint answers 503", func(_ *testing.T, f *faultEnv) []string {
			f.sb.sf.Inject(salesforcetest.Fault{Match: "POST /services/oauth2/token", Status: 503,
				Code: "temporarily_unavailable", Message: "maintenance", Times: 1 << 30})
			return nil
		}, "503"},
		{"token endpoint drops connections", func(t *testing.T, _ *faultEnv) []string {
			return []string{"SALESFORCE_MY_DOMAIN_URL=https://" + dropper(t)}
		}, "crm_auth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newSFFaultEnv(t, "")
			f.env = append(f.env, tt.setup(t, f)...)
			p := f.pass(t)
			if p.code != exitUnavailable || p.sum == nil || p.sum.Stop != "destination_failed" ||
				!strings.Contains(p.stdout, tt.want) {
				t.Fatalf("want exit 3, stopped before the run, naming %q: %v", tt.want, p.result)
			}
			n := f.checkSalesforce(t)
			if n.untouched != len(f.ids) {
				t.Errorf("%+v: want all %d documents untouched", n, len(f.ids))
			}
			if r := f.sb.sf.Requests(); len(r) != 0 {
				t.Errorf("%d API requests without a token", len(r))
			}
			logEnds(t, f, n)
		})
	}
}

// dropper listens on loopback and closes every connection it accepts; it
// returns its address.
func dropper(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return ln.Addr().String()
}

// TestFaultSalesforceSessionExpiry expires every session while the first
// write is in flight (one document at a time): the next request is
// answered 401 INVALID_SESSION_ID, and the destination takes exactly one
// fresh token and retries once; the pass delivers everything.
func TestFaultSalesforceSessionExpiry(t *testing.T) {
	t.Parallel()
	f := newSFFaultEnv(t, "")
	g := f.sb.sf.Hold("POST /composite")
	s := f.start(t, "--concurrency", "1")
	s.await(t, g.Arrived(), 1, "the first write")
	f.sb.sf.ExpireSessions()
	g.Release()
	p := s.wait(t)
	if n := f.sb.sf.TokensIssued(); n != 2 {
		t.Errorf("%d tokens issued, want 2 (the first, and one after the session expired)", n)
	}
	f.drainedInOnePass(t, p)
}

// drainedInOnePass checks a pass that retried its faults away: exit 4 for
// the seeded refusals, nothing left for retry, no early stop, and every
// document ending as in the fault-free run.
func (f *faultEnv) drainedInOnePass(t *testing.T, p passRun) {
	t.Helper()
	if p.code != exitRefused || p.sum == nil || p.sum.Counts.LeftForRetry != 0 || p.sum.Stop != "" {
		t.Fatalf("want the outbox drained in one pass, exit 4 for the seeded refusals: %v", p.result)
	}
	logEnds(t, f, f.checkSalesforce(t))
	f.checkAgainstBaseline(t)
}

// TestFaultSalesforceTransientBursts injects bursts of the answers
// Salesforce documents as transient, fewer than a write's attempts: the
// concurrency limit (403 REQUEST_LIMIT_EXCEEDED), 503, and
// UNABLE_TO_LOCK_ROW on a record of the composite request. Every burst is
// retried away within the pass: nothing is left for retry.
func TestFaultSalesforceTransientBursts(t *testing.T) {
	t.Parallel()
	at := func(f salesforcetest.Fault, match string) salesforcetest.Fault {
		f.Match, f.Times = match, 4
		return f
	}
	tests := []struct {
		name  string
		fault salesforcetest.Fault
	}{
		{"REQUEST_LIMIT_EXCEEDED", at(salesforcetest.ConcurrentLimit, "POST /composite")},
		{"503", at(salesforcetest.Unavailable, "POST /composite")},
		{"UNABLE_TO_LOCK_ROW on the header", at(salesforcetest.LockRow, "PATCH /sobjects/Invoice__c/")},
		{"UNABLE_TO_LOCK_ROW on a line", at(salesforcetest.LockRow, "PATCH /sobjects/Invoice_Line__c/")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newSFFaultEnv(t, "")
			f.sb.sf.Inject(tt.fault)
			p := f.pass(t)
			if n := f.sb.sf.FaultsLeft(); n != 0 {
				t.Errorf("%d injected failures never happened: the case tests less than it says", n)
			}
			f.drainedInOnePass(t, p)
		})
	}
}

// TestFaultSalesforceOutage: Salesforce answers every API request 503
// from the first write on (the token stays valid). One document at a
// time, each document's first request fails after its five attempts, and
// the breaker opens after five such documents: the pass stops taking
// documents and exits 1 with stop reason circuit_open; those five are left
// for retry, those not taken stay untouched, nothing is written. Once
// Salesforce is back, the next pass delivers what the fault-free run does.
func TestFaultSalesforceOutage(t *testing.T) {
	t.Parallel()
	f := newSFFaultEnv(t, "")
	g := f.sb.sf.Hold("POST /composite")
	s := f.start(t, "--concurrency", "1")
	s.await(t, g.Arrived(), 1, "the first write")
	const forever = 1 << 30
	down := salesforcetest.Unavailable
	down.Match, down.Times = "/", forever
	f.sb.sf.Inject(down)
	g.Release()
	p := s.wait(t)
	if p.code != exitProblems || p.sum == nil || p.sum.Stop != "circuit_open" ||
		!strings.Contains(p.stdout, "circuit breaker") {
		t.Fatalf("want exit 1 with the breaker open: %v", p.result)
	}
	n := f.checkSalesforce(t)
	if n.succeeded != 0 || n.untouched == 0 {
		t.Errorf("ends %+v: want nothing written and documents not taken", n)
	}
	unavailable := 0
	for _, e := range p.sum.Entries {
		switch {
		case e.ErrorCode == "crm_503_server_unavailable":
			unavailable++
		case e.Outcome == "left_for_retry" && e.ErrorCode != "circuit_open":
			t.Errorf("%s left for retry with %s, want the 503 or circuit_open", e.DocumentID, e.ErrorCode)
		}
	}
	if unavailable != 5 {
		t.Errorf("%d documents failed with the 503, want 5 (the breaker opens after five)", unavailable)
	}
	if used := forever - f.sb.sf.FaultsLeft(); used != 25 {
		t.Errorf("%d requests answered 503, want 25 (5 documents × 5 attempts, then the breaker)", used)
	}
	logEnds(t, f, n)
	f.sb.sf.ClearFaults()
	f.drain(t, 2)
	logEnds(t, f, f.checkSalesforce(t))
	f.checkAgainstBaseline(t)
}

// TestFaultSalesforceAPIReserve: when the pass starts, the org's daily API
// allocation is 30 requests above the reserve the settings keep for
// others (api_reserve: 1000). One document at a time, the pass delivers
// until Sforce-Limit-Info shows the reserve reached, then writes nothing
// more: at most the document in flight sends its write, the summary names
// the allocation, the exit code is 1, and the documents not delivered are
// still in the outbox. A day later (the allocation recovered) the next
// pass delivers them, as without faults.
func TestFaultSalesforceAPIReserve(t *testing.T) {
	t.Parallel()
	const max, reserve, margin = 100000, 1000, 30
	f := newSFFaultEnv(t, sfFastConfig(fmt.Sprintf("api_reserve: %d", reserve)))
	f.sb.sf.SetUsage(max-reserve-margin, max)
	p := f.pass(t, "--concurrency", "1")
	if p.code != exitProblems || !strings.Contains(p.stdout, "daily API allocation is nearly used up") {
		t.Fatalf("want exit 1 naming the daily allocation: %v", p.result)
	}
	n := f.checkSalesforce(t)
	if n.succeeded == 0 || n.succeeded == 21 {
		t.Errorf("ends %+v: want some documents delivered before the reserve, not all", n)
	}
	reqs := f.sb.sf.Requests()
	writes := 0
	for _, r := range reqs[min(margin, len(reqs)):] { // sent once the reserve was reached
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/composite") {
			writes++
		}
	}
	if writes > 1 {
		t.Errorf("%d writes after the reserve was reached, want at most the one in flight", writes)
	}
	if used, _ := f.sb.sf.Usage(); max-used < reserve-10 {
		t.Errorf("%d requests left of the reserve of %d", max-used, reserve)
	}
	logEnds(t, f, n)
	f.sb.sf.SetUsage(0, max)
	f.drain(t, 2)
	logEnds(t, f, f.checkSalesforce(t))
	f.checkAgainstBaseline(t)
}

// TestFaultSalesforceAllocationExhausted: with the reserve disabled
// (api_reserve: -1) the org's daily allocation runs out 20 requests into
// the pass, and Salesforce answers 403 REQUEST_LIMIT_EXCEEDED
// (TotalRequests) to everything. That answer is not retried: each
// document it hits costs one request and is left for retry, and after five
// the breaker stops the pass (exit 1). Once the allocation is back, the
// next pass delivers them, as without faults.
func TestFaultSalesforceAllocationExhausted(t *testing.T) {
	t.Parallel()
	const max, margin = 100000, 20
	f := newSFFaultEnv(t, sfFastConfig("api_reserve: -1"))
	f.sb.sf.SetUsage(max-margin, max)
	p := f.pass(t, "--concurrency", "1")
	if p.code != exitProblems || p.sum == nil || p.sum.Stop != "circuit_open" {
		t.Fatalf("want exit 1, the breaker open: %v", p.result)
	}
	refused := 0
	for _, e := range p.sum.Entries {
		if e.ErrorCode == "crm_403_request_limit_exceeded" {
			refused++
		}
	}
	if after := len(f.sb.sf.Requests()) - margin; refused != 5 || after != refused {
		t.Errorf("%d documents refused for the daily limit with %d requests after it ran out: want 5 and 5 "+
			"(the breaker's five, one request each)", refused, after)
	}
	logEnds(t, f, f.checkSalesforce(t))
	f.sb.sf.SetUsage(0, max)
	f.drain(t, 2)
	logEnds(t, f, f.checkSalesforce(t))
	f.checkAgainstBaseline(t)
}
