package main

import (
	"strings"
	"testing"
	"time"

	"github.com/numora/numora-connector/connector"
)

func TestProgressLineText(t *testing.T) {
	start := time.Date(2026, 3, 24, 3, 0, 0, 0, time.UTC)
	counts := connector.Counts{Seen: 180, Delivered: 170, Skipped: 5, Failed: 3, LeftForRetry: 2}
	tests := []struct {
		name string
		s    connector.Progress
		want string
	}{
		{"running", connector.Progress{Running: true, Mode: connector.ModeRun, StartedAt: start, Pages: 3, Read: 250,
			InFlight: 16, Counts: counts},
			"3 page(s) · 250 read · 180 done: 170 delivered, 5 skipped, 3 failed, 2 left for retry · 16 in flight · 18.0/s · 10s"},
		{"paused", connector.Progress{Running: true, Mode: connector.ModeRun, StartedAt: start, Read: 250,
			Counts: counts, Paused: 7600 * time.Millisecond},
			"250 read · 180 done: 170 delivered, 5 skipped, 3 failed, 2 left for retry · 0 in flight · 18.0/s · 10s · paused 8s: Dataverse asked to wait"},
		{"dry run", connector.Progress{Running: true, Mode: connector.ModeDryRun, StartedAt: start, Read: 1,
			Counts: connector.Counts{Seen: 1, Delivered: 1}},
			"1 read · 1 done: 1 would deliver, 0 skipped, 0 failed, 0 left for retry · 0 in flight · 0.1/s · 10s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := progressLine(tt.s, start.Add(10*time.Second))
			if _, rest, _ := strings.Cut(got, " "); rest != tt.want {
				t.Errorf("got  %q\nwant %q", rest, tt.want)
			}
		})
	}
}

// TestProgressDrawsAndClears drives the redraw by hand (no ticker): no line
// before the delay, then the snapshot's line with log lines printed above
// it, and none after Finish.
func TestProgressDrawsAndClears(t *testing.T) {
	var out strings.Builder
	line := &statusLine{w: &out}
	now := time.Date(2026, 3, 24, 3, 0, 0, 0, time.UTC)
	start := now
	p := newProgress(line)
	p.now = func() time.Time { return now }
	p.every = time.Hour // the test draws by hand
	p.snap = func() connector.Progress {
		return connector.Progress{Running: true, StartedAt: start, Read: 2, Counts: connector.Counts{Seen: 2, Delivered: 1, Failed: 1}}
	}
	p.Start(connector.RunInfo{})
	p.draw(start)
	if out.Len() != 0 {
		t.Fatalf("drew %q before the delay", out.String())
	}
	now = now.Add(3 * time.Second)
	p.draw(start)
	if got := out.String(); !strings.Contains(got, "2 done: 1 delivered, 0 skipped, 1 failed") {
		t.Errorf("line %q", got)
	}
	_, _ = line.Write([]byte("a log line\n"))
	if got := out.String(); !strings.Contains(got, clearLine+"a log line\n") || !strings.HasSuffix(got, line.line) {
		t.Errorf("log write did not clear and redraw the line: %q", got)
	}
	p.Finish(&connector.Summary{})
	if line.line != "" || !strings.HasSuffix(out.String(), clearLine) {
		t.Errorf("Finish left the line %q", line.line)
	}
}
