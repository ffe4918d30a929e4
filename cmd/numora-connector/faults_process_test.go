package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/numora/numora-connector/connector"
	"github.com/numora/numora-connector/numora/numoratest"
)

// Fault matrix, the process: kill -9 (case 7), overlapping runs (case 8)
// and SIGTERM under load (case 9).

// envInt reads a positive integer from the environment, or def.
func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// TestFaultCrashKill9 kills the binary with SIGKILL at seeded random
// moments (after the k-th of its debug log lines, k drawn uniformly over a
// whole run), then reruns it until the outbox is drained: nothing may be
// lost or duplicated. SOAK_TRIALS sets the number of trials (5 here, 40 in
// make soak), SOAK_SEED the seed.
func TestFaultCrashKill9(t *testing.T) {
	t.Parallel()
	trials, seed := envInt(t, "SOAK_TRIALS", 5), envInt(t, "SOAK_SEED", 1)
	c := corpus{n: 30, seed: 707}
	baselineOf(t, c)
	span := logLines(t, c)
	rng := rand.New(rand.NewPCG(uint64(seed), 9))
	killed := 0
	for i := range trials {
		k := rng.IntN(span)
		t.Run(fmt.Sprintf("trial %d kill after line %d of %d", i+1, k, span), func(t *testing.T) {
			f := crashEnv(t, c)
			s := f.start(t, "--log-level", "debug")
			n := 0
			for range s.lines {
				if n++; n > k {
					break
				}
			}
			_ = s.cmd.Process.Signal(syscall.SIGKILL)
			f.extraFaults++
			if p := s.wait(t); p.code == -1 { // ended by the signal, not finished
				killed++
			}
			f.drain(t, 3)
			f.check(t)
		})
	}
	t.Logf("reliability kill -9: %d trials (seed %d), %d killed mid-run", trials, seed, killed)
}

// crashEnv is a fault env whose requests take a little time, so that kills
// land in the middle of writes and callbacks.
func crashEnv(t *testing.T, c corpus) *faultEnv {
	t.Helper()
	f := newFaultEnv(t, c, "")
	f.sb.dv.SetLatency(3 * time.Millisecond)
	f.sb.numora.Fail(numoratest.EndpointDelivery, numoratest.Fault{Latency: 3 * time.Millisecond})
	return f
}

// logLines counts the debug log lines of one undisturbed run of c.
func logLines(t *testing.T, c corpus) int {
	t.Helper()
	f := crashEnv(t, c)
	p := f.pass(t, "--log-level", "debug")
	if p.code != exitRefused {
		t.Fatalf("calibration run: want exit 4 (the seeded refusals): %v", p.result)
	}
	return strings.Count(p.stderr, "\n")
}

// TestFaultOverlappingRuns starts two processes on the same outbox at the
// same moment (both hold at the preflight until the other arrives): they
// take the same documents, yet no row exists twice, and a document
// reported by both is reported with the same outcome.
func TestFaultOverlappingRuns(t *testing.T) {
	t.Parallel()
	f := newFaultEnv(t, defaultCorpus, "")
	g := f.sb.dv.Hold()
	a := f.start(t, "--concurrency", "4")
	b := f.start(t, "--concurrency", "4")
	f.extraFaults++ // the second process
	a.await(t, g.Arrived(), 2, "both preflights")
	f.sb.dv.Unhold()
	a.wait(t)
	b.wait(t)
	both := 0
	for _, id := range f.ids {
		got := f.accepted(id)
		if len(got) < 2 {
			continue
		}
		both++
		for _, d := range got[1:] {
			if d.Status != got[0].Status || d.ErrorCode != got[0].ErrorCode {
				t.Errorf("%s: reported %s %q and %s %q", id, got[0].Status, got[0].ErrorCode, d.Status, d.ErrorCode)
			}
		}
	}
	if both == 0 {
		t.Error("no document was reported by both runs: they did not overlap")
	}
	t.Logf("overlap: %d of %d documents reported by both runs", both, len(f.ids))
	f.drain(t, 2)
	f.check(t)
}

// TestFaultGracefulStopUnderLoad sends SIGTERM while the pass is busy, its
// documents held (by an emulator's gate, not by timing) at a known step:
// every finisher in a delivery callback after its document's write or
// decision (and the workers waiting to hand theirs over), or writing. With
// --concurrency 8 the pass runs connector.Finishers(8) = 4 finishers, so 4
// held callbacks are all the callbacks it can have in flight.
func TestFaultGracefulStopUnderLoad(t *testing.T) {
	t.Parallel()
	t.Run("callbacks in flight finish", func(t *testing.T) {
		t.Parallel()
		// More documents than a pass holds (8 workers, 8 × 10 writers for
		// Dataverse's $batch, 4 finishers, a page of 10 queued): some are
		// never taken.
		f := newFaultEnv(t, stopCorpus, "")
		g := f.sb.numora.Hold(numoratest.EndpointDelivery)
		s := f.start(t, "--concurrency", "8", "--page-size", "10")
		s.await(t, g.Arrived(), inFlightCallbacks, "every finisher in a callback")
		stop(t, s)
		g.Release()
		p := s.wait(t)
		f.sb.numora.Unhold()
		if p.code != exitSIGTERM || p.sum == nil || p.sum.Stop != "interrupted" || !strings.Contains(p.stdout, "stop requested") {
			t.Fatalf("want a run stopped on request: %v", p.result)
		}
		f.onlyInFlightDone(t, p, inFlightCallbacks)
		f.drain(t, 2)
		f.check(t)
	})
	t.Run("stop grace runs out during callbacks", func(t *testing.T) {
		t.Parallel()
		f := newFaultEnv(t, defaultCorpus, "")
		// The held callbacks' bodies were sent: Numora records them once
		// the connector gives up, as a server may after its client left.
		f.lostAnswers = true
		g := f.sb.numora.Hold(numoratest.EndpointDelivery)
		s := f.start(t, "--concurrency", "8", "--stop-grace", "1s")
		s.await(t, g.Arrived(), inFlightCallbacks, "every finisher in a callback")
		stop(t, s)
		p := s.wait(t) // the callbacks stay held: the grace runs out
		f.sb.numora.Unhold()
		if p.code != exitSIGTERM || p.sum == nil || p.sum.Stop != "interrupted" {
			t.Fatalf("want exit 143, stopped on request: %v", p.result)
		}
		notReported := 0
		for _, e := range p.sum.Entries {
			if e.ErrorCode == "callback_failed" {
				notReported++
			}
		}
		// The held ones, and those whose callbacks waited for a free finisher.
		if notReported < inFlightCallbacks || p.sum.Counts.WrittenNotReported == 0 {
			t.Errorf("%d callbacks cut short (%d written, not reported), want at least the %d held", notReported,
				p.sum.Counts.WrittenNotReported, inFlightCallbacks)
		}
		f.drain(t, 2) // re-delivers the written ones idempotently, and reports them
		f.check(t)
	})
	t.Run("stop grace runs out during writes", func(t *testing.T) {
		t.Parallel()
		f := newFaultEnv(t, defaultCorpus, "")
		// The writes are held, but documents the rules decide without
		// Dataverse (skips) go on to their callbacks; one in flight when the
		// grace runs out may be recorded by Numora after the connector gave
		// up on it (the next run reports it again, idempotently).
		f.lostAnswers = true
		g := f.sb.dv.HoldPath("$batch")
		s := f.start(t, "--concurrency", "8", "--stop-grace", "1s")
		s.await(t, g.Arrived(), 1, "a write in flight")
		stop(t, s)
		p := s.wait(t) // the writes stay held: the grace runs out
		f.sb.dv.Unhold()
		if p.code != exitSIGTERM || p.sum == nil || p.sum.Stop != "interrupted" {
			t.Fatalf("want exit 143, stopped on request: %v", p.result)
		}
		if w := f.writtenDocs(); len(w) != 0 {
			t.Errorf("%d documents written, want none: every write was held and cut short", len(w))
		}
		for _, e := range p.sum.Entries {
			if e.ErrorCode == "interrupted" && len(f.accepted(e.DocumentID)) != 0 {
				t.Errorf("%s: cut short, yet reported", e.DocumentID)
			}
		}
		f.drain(t, 2)
		f.check(t)
	})
}

// stopCorpus has more documents than a pass with --concurrency 8 and
// --page-size 10 holds at once.
var stopCorpus = corpus{n: 120, seed: 606}

// exitSIGTERM is the exit code of a run stopped by SIGTERM.
const exitSIGTERM = exitSignal + int(syscall.SIGTERM)

// inFlightCallbacks is how many callbacks a pass with --concurrency 8 has
// in flight when Numora holds them all.
var inFlightCallbacks = connector.Finishers(8)

// stop sends SIGTERM and waits for the run to log that it stopped intake.
func stop(t *testing.T, s *started) {
	t.Helper()
	s.f.extraFaults++
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if !s.waitLine(`"msg":"stop requested`) {
		t.Fatalf("the run did not log the stop:\n%s", s.stderr.String())
	}
}

// onlyInFlightDone checks a stopped pass: every document it took (at
// least the min held ones; workers hand callbacks to finishers, so more may
// have been in flight) was finished and reported once, as without faults;
// every other document is untouched, neither written nor reported.
func (f *faultEnv) onlyInFlightDone(t *testing.T, p passRun, min int) {
	t.Helper()
	base := baselineOf(t, f.corpus)
	taken := map[string]bool{}
	for _, e := range p.sum.Entries {
		taken[e.DocumentID] = true
		if e.Callback == "" {
			t.Errorf("%s: taken but not reported: %s %s", e.DocumentID, e.Outcome, e.ErrorCode)
		}
	}
	written := map[string]bool{}
	for _, id := range f.writtenDocs() {
		written[id] = true
	}
	for _, id := range f.ids {
		got := f.accepted(id)
		switch {
		case !taken[id] && (len(got) != 0 || written[id]):
			t.Errorf("%s: not taken by the run, yet reported %+v or written (%v)", id, got, written[id])
		case taken[id] && (len(got) != 1 || f.outcome(id) != base.outcomes[id]):
			t.Errorf("%s: reported %+v, want once %q", id, got, base.outcomes[id])
		}
	}
	if n := len(taken); n < min || n >= len(f.ids) {
		t.Errorf("the run took %d documents, want at least the %d in flight and not all %d", n, min, len(f.ids))
	}
	t.Logf("stopped with %d documents in flight, all finished and reported", len(taken))
}

// writtenDocs lists the documents with a primary row in Dataverse.
func (f *faultEnv) writtenDocs() []string {
	var ids []string
	for _, table := range []string{"new_vendorinvoices", "new_receipts", "new_contracts"} {
		for _, row := range f.sb.dv.Rows(table) {
			ids = append(ids, fmt.Sprint(row["new_numoradocumentid"]))
		}
	}
	return ids
}
