package connector

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/numora"
	"github.com/numora/numora-connector/retry"
)

func TestDryRun(t *testing.T) {
	tests := []struct {
		name     string
		dst      destinations.Destination
		wantText []string
	}{
		{"previewer", &previewDest{}, []string{"# doc_1: would write 1 record(s)", "PATCH /new_vendorinvoices(guid-doc_1)",
			"# doc_2: would report skipped: duplicate"}},
		{"plan as json", &fakeDest{}, []string{`"entity": "new_vendorinvoices"`, `"document": "doc_1"`}},
		{"no destination", nil, []string{`"document_id": "doc_1"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := newFakeSource("doc_1", "doc_2")
			rules := fakeRules{errs: map[string]error{"doc_2": &mapping.SkipError{Reason: "duplicate"}}}
			var out bytes.Buffer
			c, _ := newTestConnector(t, src, rules, tt.dst, Config{DryRun: true, DryRunOutput: &out, Preflight: true})
			s, err := c.Run(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.wantText {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if n := len(src.reported()); n != 0 {
				t.Errorf("%d callbacks in a dry run, want 0", n)
			}
			if d, ok := tt.dst.(*fakeDest); ok && d.calls != 0 {
				t.Errorf("%d writes in a dry run, want 0", d.calls)
			}
			if s.Mode != ModeDryRun || s.Counts.Delivered != 1 || s.Counts.Skipped != 1 {
				t.Errorf("mode %q counts %+v, want dry-run with 1 delivered, 1 skipped", s.Mode, s.Counts)
			}
		})
	}
}

// TestDispatch runs dispatch mode over documents whose watch ends by
// itself, with a timeout they never reach (an hour: "broken" fails at once,
// and a short timeout could pass first on a loaded machine and make it
// look timed out), and over one whose watch never ends, which the timeout
// ends (the connector's dispatch timeout is real time; 20 ms is its
// shortest useful value, and the outcome does not depend on it).
func TestDispatch(t *testing.T) {
	want := map[string][2]string{
		"ok":      {string(Delivered), ""},
		"bad":     {string(Failed), "push_failed"},
		"refused": {string(LeftForRetry), CodeDispatchFailed},
		"slow":    {string(LeftForRetry), CodeDispatchTimedOut},
		"broken":  {string(LeftForRetry), CodeDispatchFailed},
	}
	for _, tt := range []struct {
		name    string
		ids     []string
		timeout time.Duration
	}{
		{"watches that end", []string{"ok", "bad", "refused", "broken"}, time.Hour},
		{"a watch that does not", []string{"slow"}, 20 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := newFakeSource(tt.ids...)
			src.final["ok"] = numora.StatusPushSucceeded
			src.final["bad"] = numora.StatusPushFailed
			src.dispatchErr["refused"] = &numora.APIError{StatusCode: 409, Code: "conflict"}
			src.waitErr["broken"] = errBoom
			c, rec := newTestConnector(t, src, fakeRules{}, nil, Config{DispatchTimeout: tt.timeout, DryRun: true})
			s, err := c.Dispatch(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range tt.ids {
				e := rec.byID()[id]
				if got := [2]string{string(e.Outcome), e.ErrorCode}; got != want[id] {
					t.Errorf("%s: got %v, want %v", id, got, want[id])
				}
			}
			if s.Mode != ModeDispatch || len(src.reported()) != 0 {
				t.Errorf("mode %q, %d callbacks; want dispatch, 0", s.Mode, len(src.reported()))
			}
		})
	}
}

// plainSource cannot dispatch.
type plainSource struct{ Source }

func TestDispatchNeedsDispatcher(t *testing.T) {
	c, _ := newTestConnector(t, plainSource{newFakeSource("a")}, fakeRules{}, &fakeDest{}, Config{})
	if _, err := c.Dispatch(t.Context()); err == nil {
		t.Error("Dispatch with a source that cannot dispatch succeeded")
	}
}

func TestLoop(t *testing.T) {
	clock := retry.NewFakeClock(t0)
	src := newFakeSource("doc_1")
	c, err := New(src, fakeRules{}, &fakeDest{}, Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	var runs []string
	err = c.Loop(ctx, 5*time.Minute, c.Run, func(s *Summary, err error) {
		runs = append(runs, s.RunID)
		if len(runs) == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Loop = %v, want context.Canceled", err)
	}
	if len(runs) != 3 || runs[0] == runs[1] || runs[1] == runs[2] {
		t.Errorf("runs %v, want 3 distinct run ids", runs)
	}
	if got := clock.Sleeps(); len(got) != 2 || got[0] != 5*time.Minute {
		t.Errorf("sleeps %v, want two of 5m", got)
	}
	if err := c.Loop(ctx, 0, c.Run, func(*Summary, error) {}); err == nil {
		t.Error("Loop with interval 0 succeeded")
	}
}
