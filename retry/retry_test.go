package retry

import (
	"context"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 24, 3, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"empty", "", 0, false},
		{"seconds", "120", 120 * time.Second, true},
		{"fractional", "1.5", 1500 * time.Millisecond, true},
		{"spaces", " 7 ", 7 * time.Second, true},
		{"zero", "0", 0, true},
		{"negative", "-1", 0, false},
		{"garbage", "soon", 0, false},
		{"http date", "Tue, 24 Mar 2026 03:00:30 GMT", 30 * time.Second, true},
		{"past date", "Tue, 24 Mar 2026 02:00:00 GMT", 0, true},
		{"huge", "1e12", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseRetryAfter(tt.in, now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestBackoffFullJitter(t *testing.T) {
	p := Policy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	one := func() float64 { return 0.999999 }
	tests := []struct {
		attempt int
		want    time.Duration // ceiling (r close to 1)
	}{{1, 100 * time.Millisecond}, {2, 200 * time.Millisecond}, {3, 400 * time.Millisecond}, {4, 800 * time.Millisecond}, {5, time.Second}, {40, time.Second}}
	for _, tt := range tests {
		got := p.Backoff(tt.attempt, one)
		if got > tt.want || got < tt.want*99/100 {
			t.Errorf("Backoff(%d) = %v, want just under %v", tt.attempt, got, tt.want)
		}
		if zero := p.Backoff(tt.attempt, func() float64 { return 0 }); zero != 0 {
			t.Errorf("Backoff(%d) with r=0 = %v, want 0", tt.attempt, zero)
		}
	}
}

func TestWaitBounds(t *testing.T) {
	p := Policy{MaxAttempts: 3, BaseDelay: time.Second, MaxTotalWait: 10 * time.Second}
	half := func() float64 { return 0.5 }
	if d, ok := p.Wait(1, 0, 0, half); !ok || d != 500*time.Millisecond {
		t.Errorf("Wait(1) = %v, %v; want 500ms, true", d, ok)
	}
	if d, ok := p.Wait(1, 4*time.Second, 0, half); !ok || d != 4*time.Second {
		t.Errorf("Retry-After must win: got %v, %v", d, ok)
	}
	if _, ok := p.Wait(3, 0, 0, half); ok {
		t.Error("attempts exhausted, want give up")
	}
	if _, ok := p.Wait(1, 8*time.Second, 3*time.Second, half); ok {
		t.Error("total wait exceeded, want give up")
	}
}

func TestFakeClock(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := NewFakeClock(start)
	if err := c.Sleep(context.Background(), 3*time.Second); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Second)
	if got := c.Now().Sub(start); got != 4*time.Second {
		t.Errorf("elapsed %v, want 4s", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Sleep(ctx, time.Second); err == nil {
		t.Error("Sleep on a cancelled ctx must fail")
	}
	if got := c.Sleeps(); len(got) != 1 || got[0] != 3*time.Second {
		t.Errorf("Sleeps() = %v", got)
	}
	if err := (SystemClock{}).Sleep(ctx, time.Hour); err == nil {
		t.Error("SystemClock.Sleep on a cancelled ctx must fail at once")
	}
	for _, d := range []time.Duration{0, time.Microsecond} {
		if err := (SystemClock{}).Sleep(context.Background(), d); err != nil {
			t.Errorf("SystemClock.Sleep(%v) = %v, want nil", d, err)
		}
	}
}
