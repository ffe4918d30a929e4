package main

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

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

// TestProgressLineFitsTheTerminal: the line never reaches the terminal's
// last column (a wrapped line leaves its first rows behind at every
// redraw); narrower terminals drop the pages and reads, then shorten the
// counts and the pause, and keep the outcomes and the pause longest.
func TestProgressLineFitsTheTerminal(t *testing.T) {
	start := time.Date(2026, 3, 24, 3, 0, 0, 0, time.UTC)
	s := connector.Progress{Running: true, Mode: connector.ModeRun, StartedAt: start, Pages: 123, Read: 12345,
		InFlight: 48, Paused: 8 * time.Second,
		Counts: connector.Counts{Seen: 12000, Delivered: 11900, Skipped: 50, Failed: 30, LeftForRetry: 20}}
	tests := []struct {
		width int
		want  []string // parts the line keeps
	}{
		{0, []string{"123 page(s) · 12345 read · 12000 done: 11900 delivered", "paused 8s: Dataverse asked to wait"}},
		{200, []string{"123 page(s)", "30 failed, 20 left for retry", "paused 8s: Dataverse asked to wait"}},
		{150, []string{"12000 done: 11900 delivered, 50 skipped, 30 failed, 20 left for retry · 48 in flight", "paused 8s: Dataverse asked to wait"}},
		{120, []string{"12000 done: 11900 ok, 50 skip, 30 fail, 20 retry · 48 in flight", "paused 8s: Dataverse asked to wait"}},
		{100, []string{"12000 done: 11900 ok, 50 skip, 30 fail, 20 retry · 48 in flight · 1200.0/s · 10s · paused 8s"}},
		{85, []string{"12000 done: 11900 ok, 50 skip, 30 fail, 20 retry · 48 in flight · 10s · paused 8s"}},
		{80, []string{"12000 done: 11900 ok, 50 skip, 30 fail, 20 retry · 10s · paused 8s"}},
		{40, []string{"12000 done · 30 fail · paused 8s"}},
		{20, []string{"…"}},
	}
	for _, tt := range tests {
		got := fitLine(progressLines(s, start.Add(10*time.Second)), tt.width)
		if n := utf8.RuneCountInString(got); tt.width > 0 && n >= tt.width {
			t.Errorf("width %d: %d columns: %q", tt.width, n, got)
		}
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("width %d: %q lacks %q", tt.width, got, w)
			}
		}
	}
	s.Mode = connector.ModeDryRun
	if got := fitLine(progressLines(s, start.Add(10*time.Second)), 100); !strings.Contains(got, "12000 rehearsed: 11900 ok") {
		t.Errorf("dry run, width 100: %q", got)
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
	p := newProgress(line, nil)
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
	// Each redraw fits the line to the terminal's width as it is then.
	p.width = func() int { return 30 }
	p.Start(connector.RunInfo{})
	p.draw(start)
	if n := utf8.RuneCountInString(line.line); n == 0 || n >= 30 {
		t.Errorf("on 30 columns the line is %q (%d)", line.line, n)
	}
	p.Finish(&connector.Summary{})
}

// TestTerminalLogsKeepDeliveriesQuiet: on a terminal (text logs), the
// documents that went well are logged at debug level so they do not bury
// the progress line; failures stay at their level; --log-level debug shows
// every document again, and so do logs off a terminal. (The sandbox runs
// the same pass as run, in this process.)
func TestTerminalLogsKeepDeliveriesQuiet(t *testing.T) {
	run := func(tty bool, args ...string) string {
		var out, errs strings.Builder
		a := &app{stdout: &out, stderr: &errs, getenv: func(string) string { return "" }, stderrTTY: tty,
			stderrWidth: func() int { return 100 }}
		if code := a.main(t.Context(), append([]string{"sandbox", "--log-format", "text"}, args...)); code != exitOK {
			t.Fatalf("%v: exit %d\n%s\n%s", args, code, out.String(), errs.String())
		}
		return errs.String()
	}
	logs := run(true, "--log-level", "info")
	if strings.Contains(logs, `msg="document delivered"`) || !strings.Contains(logs, `msg="document failed"`) {
		t.Errorf("on a terminal: want failures logged and deliveries quiet:\n%s", logs)
	}
	if logs := run(true, "--log-level", "debug"); !strings.Contains(logs, `msg="document delivered"`) {
		t.Errorf("--log-level debug on a terminal: no delivery logged:\n%s", logs)
	}
	if logs := run(false, "--log-level", "info"); !strings.Contains(logs, `msg="document delivered"`) {
		t.Errorf("off a terminal: no delivery logged:\n%s", logs)
	}
}
