package connector

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/numora"
	"github.com/numora/numora-connector/retry"
)

var t0 = time.Date(2026, 3, 24, 3, 0, 0, 0, time.UTC)

func newTestConnector(t *testing.T, src Source, rules Mapper, dst destinations.Destination, cfg Config) (*Connector, *recorder) {
	t.Helper()
	rec := &recorder{}
	cfg.Observers = append(cfg.Observers, rec)
	if cfg.Clock == nil {
		cfg.Clock = retry.NewFakeClock(t0)
	}
	if cfg.NewRunID == nil {
		cfg.NewRunID = fixedRunID
	}
	c, err := New(src, rules, dst, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, rec
}

func TestRunOutcomes(t *testing.T) {
	type want struct {
		outcome  Outcome
		callback numora.DeliveryStatus // "" = no callback recorded
		code     string
		written  bool
	}
	tests := []struct {
		name  string
		setup func(s *fakeSource, r *fakeRules, d map[string]error)
		want  want
	}{
		{"delivered", nil, want{Delivered, numora.DeliverySucceeded, "", true}},
		{"skip rule", func(s *fakeSource, r *fakeRules, d map[string]error) {
			r.errs["skip rule"] = &mapping.SkipError{Reason: "duplicate of doc_1"}
		}, want{Skipped, numora.DeliverySkipped, CodeSkipRule, false}},
		{"render error", func(s *fakeSource, r *fakeRules, d map[string]error) {
			r.errs["render error"] = &mapping.RenderError{Problems: []mapping.RenderProblem{{Code: mapping.CodeTooLong, Message: "too long"}}}
		}, want{Failed, numora.DeliveryFailed, mapping.CodeTooLong, false}},
		{"other mapping error", func(s *fakeSource, r *fakeRules, d map[string]error) {
			r.errs["other mapping error"] = errBoom
		}, want{Failed, numora.DeliveryFailed, CodeMapping, false}},
		{"lookup missing", func(s *fakeSource, r *fakeRules, d map[string]error) {
			d["lookup missing"] = &destinations.Error{Class: destinations.Skip, Code: "lookup_missing", Message: "vendor DE1 not found in accounts"}
		}, want{Skipped, numora.DeliverySkipped, "lookup_missing", false}},
		{"permanent", func(s *fakeSource, r *fakeRules, d map[string]error) {
			d["permanent"] = &destinations.Error{Class: destinations.Permanent, Code: "crm_400_0x80044331", Message: "too long"}
		}, want{Failed, numora.DeliveryFailed, "crm_400_0x80044331", false}},
		{"transient", func(s *fakeSource, r *fakeRules, d map[string]error) {
			d["transient"] = &destinations.Error{Class: destinations.Transient, Code: "crm_429", Message: "throttled"}
		}, want{LeftForRetry, numora.DeliveryFailed, "crm_429", false}},
		{"unclassified", func(s *fakeSource, r *fakeRules, d map[string]error) {
			d["unclassified"] = errBoom
		}, want{LeftForRetry, numora.DeliveryFailed, CodeUnavailable, false}},
		{"not reviewed", func(s *fakeSource, r *fakeRules, d map[string]error) {
			s.status["not reviewed"] = numora.StatusReviewRequired
		}, want{Ignored, "", CodeNotDeliverable, false}},
		{"push failed is retried", func(s *fakeSource, r *fakeRules, d map[string]error) {
			s.status["push failed is retried"] = numora.StatusPushFailed
		}, want{Delivered, numora.DeliverySucceeded, "", true}},
		{"result unreadable", func(s *fakeSource, r *fakeRules, d map[string]error) {
			s.resultErr["result unreadable"] = &numora.APIError{StatusCode: 503}
		}, want{LeftForRetry, "", CodeResultFailed, false}},
		{"callback fails after write", func(s *fakeSource, r *fakeRules, d map[string]error) {
			s.reportErr["callback fails after write"] = &numora.APIError{StatusCode: 503}
		}, want{LeftForRetry, "", CodeCallbackFailed, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, rules, derrs := newFakeSource(tt.name), &fakeRules{errs: map[string]error{}}, map[string]error{}
			if tt.setup != nil {
				tt.setup(src, rules, derrs)
			}
			dst := &fakeDest{deliver: func(ctx context.Context, plan *mapping.Plan) (*destinations.Receipt, error) {
				if err := derrs[plan.DocumentID]; err != nil {
					return nil, err
				}
				return receiptFor(plan), nil
			}}
			c, rec := newTestConnector(t, src, rules, dst, Config{})
			s, err := c.Run(t.Context())
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			e := rec.byID()[tt.name]
			got := want{e.Outcome, e.Callback, e.ErrorCode, e.Written}
			if got != tt.want {
				t.Errorf("entry = %+v, want %+v (message %q)", got, tt.want, e.ErrorMessage)
			}
			d, reported := src.reported()[tt.name]
			if reported != (tt.want.callback != "") || (reported && d.Status != tt.want.callback) {
				t.Errorf("callback = %v (%+v), want %q", reported, d, tt.want.callback)
			}
			if reported && d.ErrorCode != tt.want.code {
				t.Errorf("callback error_code = %q, want %q", d.ErrorCode, tt.want.code)
			}
			if s.Counts.Seen != 1 {
				t.Errorf("seen = %d, want 1", s.Counts.Seen)
			}
		})
	}
}

func TestRunCallbackBody(t *testing.T) {
	src := newFakeSource("doc_1", "doc_2")
	c, _ := newTestConnector(t, src, fakeRules{}, &fakeDest{}, Config{Provider: "dynamics365"})
	if _, err := c.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := src.reported()["doc_1"]
	want := numora.Delivery{Provider: "dynamics365", Status: numora.DeliverySucceeded,
		ExecutionID: "run-test-doc_1", AttemptedAt: t0, ExternalRecordID: "guid-doc_1",
		ExternalURL: "https://org.example/main.aspx?id=guid-doc_1"}
	if got != want {
		t.Errorf("delivery = %+v\nwant %+v", got, want)
	}
}

func TestRunDistinctExecutionIDsPerRun(t *testing.T) {
	src := newFakeSource("doc_1")
	c, err := New(src, fakeRules{}, &fakeDest{}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := c.Run(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if len(src.reports) != 2 || src.reports[0].d.ExecutionID == src.reports[1].d.ExecutionID {
		t.Errorf("got reports %+v, want two with distinct execution ids", src.reports)
	}
}

func TestRunTakesEachDocumentOnce(t *testing.T) {
	src := newFakeSource("doc_1", "doc_2", "doc_1")
	dst := &fakeDest{}
	c, _ := newTestConnector(t, src, fakeRules{}, dst, Config{})
	s, _ := c.Run(t.Context())
	if s.Counts.Seen != 2 || dst.calls != 2 {
		t.Errorf("seen %d, writes %d; want 2, 2", s.Counts.Seen, dst.calls)
	}
}

func TestRunConcurrencyBound(t *testing.T) {
	ids := make([]string, 40)
	for i := range ids {
		ids[i] = "doc_" + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	dst := heldUntilActive(3)
	c, _ := newTestConnector(t, newFakeSource(ids...), fakeRules{}, dst, Config{Concurrency: 3})
	s, _ := c.Run(t.Context())
	if dst.peak != 3 || s.Counts.Delivered != 40 {
		t.Errorf("peak concurrency %d, delivered %d; want 3, 40", dst.peak, s.Counts.Delivered)
	}
}

func TestRunPreflight(t *testing.T) {
	dst := &fakeDest{checked: errBoom}
	c, _ := newTestConnector(t, newFakeSource("doc_1"), fakeRules{}, dst, Config{Preflight: true})
	s, err := c.Run(t.Context())
	if !errors.Is(err, errBoom) || s.Stop != StopDestination || dst.calls != 0 {
		t.Errorf("err %v, stop %q, writes %d; want boom, %q, 0", err, s.Stop, dst.calls, StopDestination)
	}
}

func TestRunOutboxFails(t *testing.T) {
	src := newFakeSource("doc_1")
	src.outboxErr = &numora.APIError{StatusCode: http.StatusUnauthorized}
	c, _ := newTestConnector(t, src, fakeRules{}, &fakeDest{}, Config{})
	s, err := c.Run(t.Context())
	if err == nil || s.Stop != StopSource || s.Counts.Delivered != 1 {
		t.Errorf("err %v, stop %q, delivered %d; want an error, %q, 1", err, s.Stop, s.Counts.Delivered, StopSource)
	}
	if s.Clean() {
		t.Error("Clean() = true for a run Numora cut short")
	}
}

func TestRunStopsOnRefusedKey(t *testing.T) {
	ids := []string{"a", "b", "c", "d", "e", "f"}
	src := newFakeSource(ids...)
	for _, id := range ids {
		src.resultErr[id] = &numora.APIError{StatusCode: http.StatusUnauthorized}
	}
	c, _ := newTestConnector(t, src, fakeRules{}, &fakeDest{}, Config{Concurrency: 1})
	s, err := c.Run(t.Context())
	if err == nil || s.Stop != StopSource || s.Counts.Seen >= len(ids) {
		t.Errorf("err %v, stop %q, seen %d; want an error, %q, fewer than %d", err, s.Stop, s.Counts.Seen, StopSource, len(ids))
	}
}

func TestThrottlingInSummary(t *testing.T) {
	c, _ := newTestConnector(t, newFakeSource("doc_1"), fakeRules{}, &fakeDest{}, Config{})
	s, _ := c.Run(t.Context())
	// fakeDest reports constant totals: the run's difference is zero.
	if s.Throttle != (Throttle{}) {
		t.Errorf("throttle = %+v, want zero", s.Throttle)
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name string
		src  Source
		rul  Mapper
		dst  destinations.Destination
		cfg  Config
	}{
		{"no source", nil, fakeRules{}, &fakeDest{}, Config{}},
		{"huge concurrency", newFakeSource(), fakeRules{}, &fakeDest{}, Config{Concurrency: 1000}},
		{"huge page", newFakeSource(), fakeRules{}, &fakeDest{}, Config{PageSize: 5000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.src, tt.rul, tt.dst, tt.cfg); err == nil {
				t.Error("New succeeded, want an error")
			}
		})
	}
}

func TestRunNeedsRulesAndDestination(t *testing.T) {
	tests := []struct {
		name string
		rul  Mapper
		dst  destinations.Destination
	}{{"no rules", nil, &fakeDest{}}, {"no destination", fakeRules{}, nil}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestConnector(t, newFakeSource("a"), tt.rul, tt.dst, Config{})
			if _, err := c.Run(t.Context()); err == nil {
				t.Error("Run succeeded, want an error")
			}
		})
	}
}

// heldUntilActive is a destination whose writes all wait until n are in
// Deliver at once, then go: its peak is n if the pass ever holds n writes.
func heldUntilActive(n int) *fakeDest {
	release := make(chan struct{})
	var once sync.Once
	dst := &fakeDest{}
	dst.deliver = func(ctx context.Context, plan *mapping.Plan) (*destinations.Receipt, error) {
		dst.mu.Lock()
		full := dst.active == n
		dst.mu.Unlock()
		if full {
			once.Do(func() { close(release) })
		}
		<-release
		return receiptFor(plan), nil
	}
	return dst
}

// TestRunBatcherHoldsMoreWrites: a destination whose requests carry
// several documents may hold concurrency times that many in Deliver (they
// wait for a shared request to fill), and no more.
func TestRunBatcherHoldsMoreWrites(t *testing.T) {
	dst := heldUntilActive(8)
	c, _ := newTestConnector(t, newFakeSource(ids(40)...), fakeRules{}, batchDest{dst, 4}, Config{Concurrency: 2})
	s, _ := c.Run(t.Context())
	if dst.peak != 8 || s.Counts.Delivered != 40 {
		t.Errorf("peak writes %d, delivered %d; want 8 (2 workers × 4 per request), 40", dst.peak, s.Counts.Delivered)
	}
}

// TestWorkersReadAheadOfWrites: a worker hands its document's write to
// the writers and reads the next document while the write is in flight.
func TestWorkersReadAheadOfWrites(t *testing.T) {
	src := newFakeSource(ids(3)...)
	nextRead := make(chan struct{})
	src.onResult = func(id string) {
		if id == "doc_01" {
			close(nextRead)
		}
	}
	dst := &fakeDest{deliver: func(ctx context.Context, plan *mapping.Plan) (*destinations.Receipt, error) {
		if plan.DocumentID == "doc_00" {
			<-nextRead // doc_01's result is read while doc_00 is being written
		}
		return receiptFor(plan), nil
	}}
	c, _ := newTestConnector(t, src, fakeRules{}, dst, Config{Concurrency: 1})
	s, _ := c.Run(t.Context())
	if s.Counts.Delivered != 3 {
		t.Errorf("delivered %d, want 3", s.Counts.Delivered)
	}
}
