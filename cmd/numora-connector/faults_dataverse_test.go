package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
)

// Fault matrix, Dataverse side: cases 1–3 and 6 of issue 6.

// TestFaultDataverse429Storms throttles with each service-protection code,
// injected (a storm of four 429s with Retry-After, shorter than the retry
// budget of five attempts) and from the emulator's own limits: no document
// may fail because of it. The emulated limits are reached the same way on
// any machine: their windows stand still (FreezeWindows), so the requests
// and execution time of one pass fill them whatever its speed, and the
// concurrency case holds two writes until a third request was refused. The
// connector is told the emulated limits (dynamics.limits), except in one
// case, whose defaults are larger than the server's limits: it must not
// wait for a budget the server does not keep.
func TestFaultDataverse429Storms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T, s *dataversetest.Server) (during func(*started))
		args  []string
		// limits tells the connector the emulated service's limits, as an
		// operator of such an environment would (dynamics.limits).
		limits string
	}{
		{name: "injected requests limit", setup: storm(dataversetest.CodeRequests)},
		{name: "injected execution time limit", setup: storm(dataversetest.CodeExecutionTime)},
		{name: "injected concurrency limit", setup: storm(dataversetest.CodeConcurrency)},
		{name: "emulated requests limit", setup: func(t *testing.T, s *dataversetest.Server) func(*started) {
			// One document at a time, a pass sends a $batch for each of
			// the 40 it writes: more than the window's 15.
			s.FreezeWindows()
			s.SetLimits(dataversetest.Limits{Requests: 15, Window: time.Second})
			return nil
		}, args: []string{"--concurrency", "1"}, limits: "limits: {requests: 15, window: 1s}"},
		{name: "emulated requests limit, connector not told", setup: func(t *testing.T, s *dataversetest.Server) func(*started) {
			// The connector budgets Microsoft's defaults (6,000 per 300 s),
			// far above the server's: the headers say nothing is left long
			// before its budget would, and the run still progresses, by
			// the Retry-After of each 429.
			s.FreezeWindows()
			s.SetLimits(dataversetest.Limits{Requests: 15, Window: time.Second})
			return nil
		}, args: []string{"--concurrency", "1"}},
		{name: "emulated execution time limit", setup: func(t *testing.T, s *dataversetest.Server) func(*started) {
			// Two requests' worth: the preflight's WhoAmI, and any request
			// whose answer a later one waits for (a lookup before its
			// write), fill the window, so the later one is refused. Then
			// the budget grows, so the rest of the pass is quick.
			s.FreezeWindows()
			s.SetExecTime(10 * time.Millisecond)
			s.SetLimits(dataversetest.Limits{ExecTime: 20 * time.Millisecond, Window: time.Second})
			return func(p *started) {
				p.await(t, throttles(s), 1, "a request refused for execution time")
				s.SetLimits(dataversetest.Limits{ExecTime: time.Second, Window: time.Second})
			}
		}, limits: "limits: {execution_time: 1s, window: 1s}"},
		{name: "emulated concurrency limit", setup: func(t *testing.T, s *dataversetest.Server) func(*started) {
			s.SetLimits(dataversetest.Limits{Concurrent: 2})
			s.SetDOPHint(16) // the hint says more than the user may run
			g := s.HoldPath("$batch")
			return func(p *started) {
				p.await(t, g.Arrived(), 2, "two writes in flight")
				p.await(t, throttles(s), 1, "a request refused for concurrency")
				s.Unhold()
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			conf := ""
			if tt.limits != "" {
				conf = fastConfig(tt.limits)
			}
			f := newFaultEnv(t, defaultCorpus, conf)
			during := tt.setup(t, f.sb.dv)
			p := f.start(t, tt.args...)
			if during != nil {
				during(p)
			}
			f.record429s(t, p.wait(t))
			f.check(t)
		})
	}
}

// record429s checks the pass of a 429 case: Dataverse throttled it, and it
// paused for that and drained the outbox, leaving no document for retry.
func (f *faultEnv) record429s(t *testing.T, p passRun) {
	t.Helper()
	if p.sum == nil || p.sum.Counts.LeftForRetry != 0 || p.sum.Stop != "" {
		t.Fatalf("want the outbox drained in one pass: %v", p.result)
	}
	if p.sum.Throttle.Waits == 0 {
		t.Errorf("no throttling pause in the summary: %+v", p.sum.Throttle)
	}
	if throttled(f.sb.dv) == 0 {
		t.Error("Dataverse throttled nothing: the case tests nothing")
	}
}

// throttles adapts the emulator's 429 codes to a gate-like channel.
func throttles(s *dataversetest.Server) <-chan struct{} {
	ch := make(chan struct{}, 1)
	go func() {
		<-s.Throttles()
		ch <- struct{}{}
	}()
	return ch
}

// storm injects four 429s with code and Retry-After 1s.
func storm(code string) func(*testing.T, *dataversetest.Server) func(*started) {
	return func(_ *testing.T, s *dataversetest.Server) func(*started) {
		s.AddFault(dataversetest.Fault{Kind: dataversetest.FaultStatus, Status: http.StatusTooManyRequests,
			Code: code, RetryAfter: time.Second, Count: 4})
		return nil
	}
}

func throttled(s *dataversetest.Server) int64 {
	var n int64
	for _, v := range s.Stats().Throttled {
		n += v
	}
	return n
}

// TestFaultDataverseBurstsAndDrops injects 503 and 504 bursts, dropped
// connections before and after the write, and error answers to writes that
// happened; retried writes must not duplicate anything.
func TestFaultDataverseBurstsAndDrops(t *testing.T) {
	t.Parallel()
	html := http.Header{"Content-Type": {"text/html"}}
	tests := []struct {
		name   string
		faults []dataversetest.Fault
	}{
		{"503 burst", []dataversetest.Fault{{Kind: dataversetest.FaultStatus, Status: 503, Fraction: 0.3, Count: 12}}},
		{"504 burst with Retry-After", []dataversetest.Fault{{Kind: dataversetest.FaultStatus, Status: 504,
			RetryAfter: time.Second, Fraction: 0.3, Count: 6}}},
		{"500 and 502", []dataversetest.Fault{{Kind: dataversetest.FaultStatus, Status: 500, Fraction: 0.2, Count: 6},
			{Kind: dataversetest.FaultStatus, Status: 502, Fraction: 0.2, Count: 6}}},
		// Writes are few ($batch carries several documents): the first ones
		// fault, so that each case surely hits, and a retry of the same
		// write faults again.
		{"drop before the write", []dataversetest.Fault{{Kind: dataversetest.FaultDrop, Path: "$batch", Count: 3}}},
		{"drop after the write", []dataversetest.Fault{{Kind: dataversetest.FaultDrop, Path: "$batch", AfterWrite: true, Count: 3}}},
		{"502 after the write", []dataversetest.Fault{{Kind: dataversetest.FaultResponse, Path: "$batch", AfterWrite: true,
			Status: 502, Header: html, Body: []byte("<html>bad gateway</html>"), Count: 3}}},
		{"drops on lookups and metadata", []dataversetest.Fault{{Kind: dataversetest.FaultDrop, Method: "GET", Count: 3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFaultEnv(t, defaultCorpus, "")
			for _, fault := range tt.faults {
				f.sb.dv.AddFault(fault)
			}
			f.drain(t, 3)
			if r := f.check(t); r.faults == 0 {
				t.Error("no fault was injected: the case tests nothing")
			}
		})
	}
}

// TestFaultDataverseSlowerThanTheClientTimeout answers writes after the
// client gave up (the write applied or not): the retried write must update
// the same rows, never add rows. The client's timeout (4 s) is far above
// what an ordinary request takes even under -race on a loaded machine (a
// 300 ms timeout timed out every write there), and far below the slow
// answers (30 s).
func TestFaultDataverseSlowerThanTheClientTimeout(t *testing.T) {
	t.Parallel()
	f := newFaultEnv(t, defaultCorpus, fastConfig("request_timeout: 4s"))
	f.sb.dv.AddFault(dataversetest.Fault{Kind: dataversetest.FaultSlow, Path: "$batch", AfterWrite: true,
		Delay: 30 * time.Second, Count: 2})
	f.sb.dv.AddFault(dataversetest.Fault{Kind: dataversetest.FaultSlow, Path: "$batch", Delay: 30 * time.Second, Count: 1})
	f.drain(t, 3)
	timeouts := strings.Count(strings.Join(stderrs(f), ""), "crm_timeout")
	if timeouts == 0 {
		t.Error("no request timed out: the case tests nothing")
	}
	f.check(t)
}

func stderrs(f *faultEnv) []string {
	var out []string
	for _, p := range f.passes {
		out = append(out, p.stderr)
	}
	return out
}
