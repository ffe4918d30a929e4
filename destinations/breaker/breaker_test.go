package breaker

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/numora/numora-connector/retry"
)

var (
	errDown    = errors.New("down")
	errRefused = errors.New("refused")
	errOpen    = errors.New("open")
)

func newTest(t *testing.T, cfg Config) (*Breaker[int], *retry.FakeClock, *bytes.Buffer) {
	t.Helper()
	clock := retry.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	var logs bytes.Buffer
	b := New[int](Settings{Config: cfg.WithDefaults(), Name: "env", Clock: clock,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)), LogMessage: "test: breaker changed",
		IsFailure: func(err error) bool { return errors.Is(err, errDown) },
		OpenError: func(time.Duration) error { return errOpen },
		RequestID: func(error) string { return "req-1" },
	})
	return b, clock, &logs
}

func TestBreaker(t *testing.T) {
	b, clock, logs := newTest(t, Config{Failures: 2, OpenTimeout: 30 * time.Second, HalfOpenRequests: 2})
	ctx := context.Background()
	fail := func() (int, error) { return 0, errDown }
	succeed := func() (int, error) { return 1, nil }
	steps := []struct {
		name      string
		fn        func() (int, error)
		advance   time.Duration // before the call
		wantOpen  bool
		wantState string
	}{
		{"a cancelled call counts for nothing", func() (int, error) { return 0, context.Canceled }, 0, false, "closed"},
		{"a refusal counts for nothing", func() (int, error) { return 0, errRefused }, 0, false, "closed"},
		{"first failure", fail, 0, false, "closed"},
		{"second failure opens", fail, 0, false, "open"},
		{"while open, refused", succeed, 29 * time.Second, true, "open"},
		{"a failed probe opens again", fail, time.Second, false, "open"},
		{"first good probe", succeed, 30 * time.Second, false, "half-open"},
		{"second good probe closes", succeed, 0, false, "closed"},
	}
	for _, s := range steps {
		clock.Advance(s.advance)
		_, err := b.Execute(ctx, s.fn)
		if errors.Is(err, errOpen) != s.wantOpen {
			t.Errorf("%s: %v, want open error %v", s.name, err, s.wantOpen)
		}
		if got := b.State(); got != s.wantState {
			t.Errorf("%s: state %s, want %s", s.name, got, s.wantState)
		}
	}
	if n := strings.Count(logs.String(), `msg="test: breaker changed" breaker=env`); n != 5 {
		t.Errorf("%d state changes logged, want 5 (open, half-open, open, half-open, closed):\n%s", n, logs)
	}
	if !strings.Contains(logs.String(), "request_id=req-1") {
		t.Errorf("no request id in the log:\n%s", logs)
	}
}

func TestBreakerAllowAndDisabled(t *testing.T) {
	b, clock, _ := newTest(t, Config{Failures: 1, OpenTimeout: time.Minute})
	_, _ = b.Execute(context.Background(), func() (int, error) { return 0, errDown })
	if err := b.Allow(); !errors.Is(err, errOpen) {
		t.Errorf("Allow while open: %v", err)
	}
	clock.Advance(time.Minute)
	if err := b.Allow(); err != nil {
		t.Errorf("Allow after the open period: %v", err)
	}

	off, _, _ := newTest(t, Config{Failures: -1})
	for range 10 {
		if _, err := off.Execute(context.Background(), func() (int, error) { return 0, errDown }); !errors.Is(err, errDown) {
			t.Fatalf("disabled breaker: %v, want the call's own error", err)
		}
	}
	if got := off.State(); got != "disabled" {
		t.Errorf("state %s, want disabled", got)
	}
}

// A service that answers reads while every write fails must still open the
// breaker: the reads between failed writes do not reset the count, and
// only a write's success closes a half-open breaker.
func TestReadsDoNotKeepTheBreakerClosed(t *testing.T) {
	b, clock, _ := newTest(t, Config{Failures: 3, OpenTimeout: 30 * time.Second})
	ctx := context.Background()
	read := func() (int, error) { return 7, nil }
	fail := func() (int, error) { return 0, errDown }
	for i := range 3 {
		if v, err := b.ExecuteRead(ctx, read); v != 7 || err != nil {
			t.Fatalf("read %d: %d, %v; want 7, nil", i, v, err)
		}
		if _, err := b.Execute(ctx, fail); !errors.Is(err, errDown) {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if got := b.State(); got != "open" {
		t.Fatalf("after 3 failed writes between good reads: %s, want open", got)
	}
	clock.Advance(30 * time.Second)
	if _, err := b.ExecuteRead(ctx, read); err != nil {
		t.Fatal(err)
	}
	if got := b.State(); got != "half-open" {
		t.Fatalf("after a good read while half-open: %s, want half-open", got)
	}
	if _, err := b.ExecuteRead(ctx, fail); !errors.Is(err, errDown) {
		t.Fatalf("failed read: %v", err)
	}
	if got := b.State(); got != "open" {
		t.Fatalf("after a failed read while half-open: %s, want open", got)
	}
	clock.Advance(30 * time.Second)
	if _, err := b.Execute(ctx, func() (int, error) { return 1, nil }); err != nil {
		t.Fatal(err)
	}
	if got := b.State(); got != "closed" {
		t.Fatalf("after a good write while half-open: %s, want closed", got)
	}
}

func TestExecuteReadWhenDisabled(t *testing.T) {
	b, _, _ := newTest(t, Config{Failures: -1})
	if v, err := b.ExecuteRead(context.Background(), func() (int, error) { return 3, nil }); v != 3 || err != nil {
		t.Fatalf("%d, %v; want 3, nil", v, err)
	}
}
