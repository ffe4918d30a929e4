package dynamics365

import (
	"testing"
	"time"

	"github.com/numora/numora-connector/retry"
)

func TestParseLimit(t *testing.T) {
	tests := []struct {
		name   string
		msg    string
		limit  int
		window time.Duration
	}{
		{"documented", "Number of requests exceeded the limit of 6000 over time window of 300 seconds.", 6000, 300 * time.Second},
		{"thousands separator", "Number of requests exceeded the limit of 1,200 over time window of 10 seconds.", 1200, 10 * time.Second},
		{"other wording", "Too many requests.", 0, defaultLimitWindow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			limit, window := parseLimit(tt.msg)
			if limit != tt.limit || window != tt.window {
				t.Errorf("got %d, %v; want %d, %v", limit, window, tt.limit, tt.window)
			}
		})
	}
}

// answer sends and answers one request through w.
func answer(t *testing.T, w *requestWindow, accepted bool) {
	t.Helper()
	if d, _ := w.reserve(); d != 0 {
		t.Fatalf("reserve asked to wait %v", d)
	}
	w.done(accepted, -1)
}

func TestRequestWindowLearnsAndPaces(t *testing.T) {
	clock := retry.NewFakeClock(testStart)
	w := &requestWindow{clock: clock}
	for range 100 {
		answer(t, w, true) // no budget yet: never waits
		clock.Advance(10 * time.Millisecond)
	}
	answer(t, w, false) // a 429 is not counted
	w.learn("Number of requests exceeded the limit of 100 over time window of 10 seconds.")
	if win, budget := w.limits(); win != 10*time.Second || budget != 98 {
		t.Fatalf("learned %v, %d; want 10s and 98 (100 accepted, less 2%%)", win, budget)
	}
	// The window is full: the next request waits for the oldest to leave.
	if d, _ := w.reserve(); d != 10*time.Second-time.Second {
		t.Errorf("full window: wait %v, want 9s (the first answer leaves at 10s)", d)
	}
	// From then on, however eager the sender, no 10 s hold more than 98
	// requests, and they come evenly spaced.
	var sent []time.Time
	for end := clock.Now().Add(40 * time.Second); clock.Now().Before(end); {
		if len(sent) > 1000 {
			t.Fatal("over 1,000 requests let through in 40s")
		}
		if d, _ := w.reserve(); d > 0 {
			clock.Advance(d)
			continue
		}
		sent = append(sent, clock.Now())
		w.done(true, -1)
	}
	for i := range sent {
		j := i
		for j < len(sent) && sent[j].Sub(sent[i]) < 10*time.Second {
			j++
		}
		if j-i > 98 {
			t.Fatalf("%d requests within 10s from %v, want at most 98", j-i, sent[i].Sub(testStart))
		}
	}
	if n := len(sent); n < 3*98 || n > 4*98 {
		t.Errorf("%d requests in 40s, want 3-4 windows' worth of 98", n)
	}
	if gap := sent[1].Sub(sent[0]); gap < 10*time.Second/98 {
		t.Errorf("requests %v apart, want at least %v", gap, 10*time.Second/98)
	}
}

func TestRequestWindowIgnoresSharedWindows(t *testing.T) {
	clock := retry.NewFakeClock(testStart)
	w := &requestWindow{clock: clock}
	for range 10 {
		answer(t, w, true)
	}
	w.learn("Number of requests exceeded the limit of 6000 over time window of 300 seconds.")
	if _, budget := w.limits(); budget != 0 {
		t.Errorf("10 of 6000 requests are ours: learned budget %d, want none", budget)
	}
	if d, _ := w.reserve(); d != 0 {
		t.Errorf("without a budget: wait %v, want none", d)
	}
	w.cancel()
	if w.inflight != 0 {
		t.Errorf("inflight %d after cancel, want 0", w.inflight)
	}
}

// send reserves a request through w and fails unless it may go at once.
func send(t *testing.T, w *requestWindow) {
	t.Helper()
	if d, idle := w.reserve(); d != 0 || idle != nil {
		t.Fatalf("reserve: wait %v, held %v; want to send at once", d, idle != nil)
	}
}

func TestRequestWindowBrakesWhenTheServerWindowIsNearlyFull(t *testing.T) {
	clock := retry.NewFakeClock(testStart)
	w := &requestWindow{clock: clock}
	for range 10 {
		send(t, w)
	}
	w.done(true, 50) // 9 in flight, 50 left: room
	if w.brake != nil {
		t.Fatal("braking with 50 requests left and 9 in flight")
	}
	w.done(true, 10) // 8 in flight, 10 left: they may take all but the margin
	if w.brake == nil {
		t.Fatal("not braking with 10 left and 8 in flight")
	}
	_, idle := w.reserve()
	if idle == nil {
		t.Fatal("a new request went out while braking with requests in flight")
	}
	for range 7 {
		w.done(true, 5)
	}
	select {
	case <-idle:
		t.Fatal("woken with a request still in flight")
	default:
	}
	w.done(true, 3) // the last in flight
	select {
	case <-idle:
	default:
		t.Fatal("not woken when the last request in flight ended")
	}
	send(t, w) // one at a time
	_, held := w.reserve()
	if held == nil {
		t.Fatal("a second request went out beside the probe")
	}
	w.learn("Number of requests exceeded the limit of 20 over time window of 10 seconds.")
	if w.brake != nil {
		t.Error("still braking after the 429 taught the budget")
	}
	select {
	case <-held:
	default:
		t.Error("the requests held by the brake were not woken when it ended")
	}
	w.done(false, -1) // the probe got the 429 that named the window
	if _, budget := w.limits(); budget != 9 {
		t.Errorf("learned budget %d, want 9 (the 10 accepted, less the margin)", budget)
	}
}

func TestRequestWindowBrakeEndsWhenTheServerWindowHasRoom(t *testing.T) {
	clock := retry.NewFakeClock(testStart)
	w := &requestWindow{clock: clock}
	send(t, w)
	send(t, w)
	w.done(true, 2) // 1 in flight, 2 left: brake, reopening at 6 left
	if w.brake == nil {
		t.Fatal("not braking")
	}
	w.done(true, 5) // stale and below the reopening point
	if w.brake == nil {
		t.Fatal("brake ended with 5 left, want it held until 6")
	}
	send(t, w)
	w.done(true, 40) // the server's window slid: room again
	if w.brake != nil {
		t.Fatal("still braking with 40 left and nothing in flight")
	}
	send(t, w)
	send(t, w) // bursting again
}

func TestRequestWindowWithoutTheHeaderNeverBrakes(t *testing.T) {
	w := &requestWindow{clock: retry.NewFakeClock(testStart)}
	for range 100 {
		send(t, w)
	}
	for range 100 {
		w.done(true, -1)
	}
	if w.brake != nil {
		t.Error("braking without the header")
	}
}
