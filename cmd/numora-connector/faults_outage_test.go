package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/numora"
)

// Fault matrix: token expiry and token-service outages (case 4), Dataverse
// down (case 6).

// TestFaultTokenExpiresMidRun expires every issued token while writes are
// in flight: the next requests get 401, the destination fetches a new
// token once and carries on; nothing fails.
func TestFaultTokenExpiresMidRun(t *testing.T) {
	t.Parallel()
	f := newFaultEnv(t, defaultCorpus, "")
	g := f.sb.dv.HoldPath("$batch")
	s := f.start(t)
	s.await(t, g.Arrived(), 1, "a write in flight")
	f.sb.dv.ExpireTokens()
	f.extraFaults++
	f.sb.dv.Unhold()
	p := s.wait(t)
	if p.sum == nil || p.sum.Counts.LeftForRetry != 0 {
		t.Fatalf("want the outbox drained in the pass: %v", p.result)
	}
	if st := f.sb.dv.Stats(); st.Unauthorized == 0 || st.TokenRequests < 2 {
		t.Errorf("got %d 401s and %d token requests, want the expired token refused and replaced", st.Unauthorized, st.TokenRequests)
	}
	f.check(t)
}

// TestFaultTokenServiceOutage fails token requests: a short outage (three
// failed token requests) is ridden out; one that outlasts the retries
// leaves documents for the next run, which delivers them.
func TestFaultTokenServiceOutage(t *testing.T) {
	t.Parallel()
	t.Run("short, mid-run", func(t *testing.T) {
		t.Parallel()
		f := newFaultEnv(t, defaultCorpus, "")
		g := f.sb.dv.HoldPath("$batch")
		s := f.start(t)
		s.await(t, g.Arrived(), 1, "a write in flight")
		f.sb.dv.ExpireTokens()
		f.sb.dv.FailNextTokens(3)
		f.extraFaults += 4
		f.sb.dv.Unhold()
		if p := s.wait(t); p.sum == nil || p.sum.Counts.LeftForRetry != 0 {
			t.Fatalf("want the outbox drained in the pass: %v", p.result)
		}
		f.check(t)
	})
	t.Run("long, mid-run", func(t *testing.T) {
		t.Parallel()
		f := newFaultEnv(t, defaultCorpus, fastConfig("breaker: {failures: 3}"))
		g := f.sb.dv.HoldPath("$batch")
		s := f.start(t)
		s.await(t, g.Arrived(), 1, "a write in flight")
		f.sb.dv.ExpireTokens()
		f.sb.dv.SetTokenOutage(true)
		start := time.Now()
		f.sb.dv.Unhold()
		p := s.wait(t)
		took := time.Since(start)
		f.extraFaults += f.sb.dv.TokenRequests() - 1
		if p.code != exitProblems || took > giveUpBound {
			t.Errorf("got exit %d after %v, want 1 (documents left for retry) within seconds: %v", p.code, took, p.result)
		}
		t.Logf("token service down mid-run: exit %d %v after the outage began", p.code, took.Round(time.Millisecond))
		f.sb.dv.SetTokenOutage(false)
		f.drain(t, 3)
		f.check(t)
	})
	t.Run("from the start", func(t *testing.T) {
		t.Parallel()
		f := newFaultEnv(t, defaultCorpus, "")
		f.sb.dv.SetTokenOutage(true)
		start := time.Now()
		p := f.pass(t)
		f.extraFaults += f.sb.dv.TokenRequests()
		if p.code != exitUnavailable || !strings.Contains(p.stderr, "token service") {
			t.Errorf("got %v\nwant exit 3 naming the token service", p.result)
		}
		t.Logf("token service down: exit %d after %v", p.code, time.Since(start).Round(time.Millisecond))
		f.nothingHappened(t)
		f.sb.dv.SetTokenOutage(false)
		f.drain(t, 1)
		f.check(t)
	})
}

// giveUpBound is how soon a run must give up on an outage. With the
// default retry policy one call waits at most 0.5+1+2+4 s (plus jitter)
// before it gives up, and the breaker opens after a few such failures: a
// run ends within seconds on an idle machine. The bound leaves a wide
// margin for a slow, loaded one (the waits are sleeps, the work is small),
// while still catching a run that keeps retrying for minutes; passTimeout
// catches a hung one.
const giveUpBound = time.Minute

// nothingHappened checks that no document was reported or written.
func (f *faultEnv) nothingHappened(t *testing.T) {
	t.Helper()
	for _, id := range f.ids {
		if got := f.accepted(id); len(got) != 0 {
			t.Errorf("%s: reported %+v, want nothing", id, got)
		}
	}
	for table, n := range f.rowCounts() {
		if n != 0 {
			t.Errorf("%d rows written into %s, want none", n, table)
		}
	}
	if n := len(f.sb.numora.OutboxIDs()); n != len(f.ids) {
		t.Errorf("%d documents in the outbox, want all %d", n, len(f.ids))
	}
}

// TestFaultDataverseDown covers case 6 twice. Down from the start: the
// preflight (WhoAmI) fails, the run exits 3 within seconds with the
// default settings, and nothing is reported. Down after the preflight
// (WhoAmI answers, everything else 503): the breaker opens, the run ends
// within seconds with exit 1, and only documents that were attempted are
// reported, failed with a retryable code; the rest stay untouched.
func TestFaultDataverseDown(t *testing.T) {
	t.Parallel()
	t.Run("from the start", func(t *testing.T) {
		t.Parallel()
		f := newFaultEnv(t, defaultCorpus, "run: {}\n") // the default retries and breaker
		f.sb.dv.SetDown(true)
		start := time.Now()
		p := f.pass(t)
		took := time.Since(start)
		f.extraFaults += len(f.sb.dv.Requests())
		if p.code != exitUnavailable || took > giveUpBound {
			t.Errorf("got exit %d after %v, want 3 within seconds: %v", p.code, took, p.result)
		}
		t.Logf("Dataverse down from the start: exit %d after %v", p.code, took.Round(time.Millisecond))
		f.nothingHappened(t)
		f.sb.dv.SetDown(false)
		f.drain(t, 1)
		f.check(t)
	})
	t.Run("after the preflight", func(t *testing.T) {
		t.Parallel()
		// One document per $batch: 4 writers, so at most 4 documents are in
		// Deliver when a call fails (with the default ten, 40 writers hold
		// nearly the whole corpus before the breaker can open).
		f := newFaultEnv(t, defaultCorpus, "run: {}\ndynamics: {batch_documents: 1}\n")
		f.sb.dv.AddFault(dataversetest.Fault{Kind: dataversetest.FaultPass, Path: "WhoAmI"})
		f.sb.dv.AddFault(dataversetest.Fault{Kind: dataversetest.FaultStatus, Status: 503})
		start := time.Now()
		p := f.pass(t, "--concurrency", "4")
		took := time.Since(start)
		if p.code != exitProblems || !strings.Contains(p.stdout, "circuit breaker") || took > giveUpBound {
			t.Fatalf("got exit %d after %v, want 1 within seconds naming the breaker: %v", p.code, took, p.result)
		}
		t.Logf("Dataverse down after the preflight: exit %d after %v", p.code, took.Round(time.Millisecond))
		// Documents in flight share one metadata or lookup call, so each of
		// the five failed calls the breaker counts can fail all four.
		f.onlyAttemptedReported(t, p, 5*4)
		f.sb.dv.ClearFaults()
		f.drain(t, 3)
		f.check(t)
	})
}

// onlyAttemptedReported checks a pass the breaker stopped: at most limit
// documents (those whose calls failed before it opened; possibly none, the
// connector may leave them untouched too) were reported failed, each with
// a retryable Dataverse code; the documents it refused
// and those never taken are unreported and still in the outbox. Documents
// the rules decide without Dataverse (skip rules, mapping errors) are
// reported as without faults.
func (f *faultEnv) onlyAttemptedReported(t *testing.T, p passRun, limit int) {
	t.Helper()
	base := baselineOf(t, f.corpus)
	reported, untouched := 0, 0
	for _, id := range f.ids {
		if b := base.outcomes[id]; strings.HasPrefix(b, "skipped skip_rule") || strings.HasPrefix(b, "failed mapping_") {
			if got := f.outcome(id); got != b && got != "untouched" {
				t.Errorf("%s: ended %q, want %q as without faults, or untouched", id, got, b)
			}
			continue
		}
		got := f.accepted(id)
		if len(got) == 0 {
			untouched++
		}
		for _, d := range got {
			reported++
			if d.Status != numora.DeliveryFailed || !strings.HasPrefix(d.ErrorCode, "crm_") || d.ErrorCode == "crm_circuit_open" {
				t.Errorf("%s: reported %s %q, want failed with a retryable crm_ code", id, d.Status, d.ErrorCode)
			}
		}
		if !slices.Contains(f.sb.numora.OutboxIDs(), id) {
			t.Errorf("%s: not in the outbox any more", id)
		}
	}
	if reported > limit || untouched == 0 {
		t.Errorf("%d documents reported failed, %d untouched; want at most %d reported (the attempted ones), the rest untouched",
			reported, untouched, limit)
	}
	for _, e := range p.sum.Entries {
		if e.Callback != "" && e.ErrorCode == "circuit_open" {
			t.Errorf("%s: reported although the breaker refused it", e.DocumentID)
		}
	}
	t.Logf("breaker: %d reported failed, %d untouched", reported, untouched)
}
