package main

import (
	"strings"
	"testing"
	"time"
)

func TestProgress(t *testing.T) {
	t0 := time.Date(2026, 3, 24, 3, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		tty        bool
		afterBegin string // what stderr holds after begin and one redraw
		afterEnd   string // ... and after end
	}{
		{"plain lines off a terminal", false,
			"numora-bench: open: 5000 documents, running\n",
			"numora-bench: open: 5000 documents, running\nnumora-bench: open: 1250 of 5000 documents delivered in 2.5s\n"},
		{"a status line on a terminal", true,
			clearLine + "numora-bench: open · 0 of 5000 documents delivered · 0s" +
				clearLine + "numora-bench: open · 1250 of 5000 documents delivered · 500/s · 2s",
			clearLine + "numora-bench: open · 0 of 5000 documents delivered · 0s" +
				clearLine + "numora-bench: open · 1250 of 5000 documents delivered · 500/s · 2s" +
				clearLine + "numora-bench: open: 1250 of 5000 documents delivered in 2.5s\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			now, delivered := t0, 0
			p := newProgress(&out, tt.tty)
			p.now = func() time.Time { return now }
			p.begin("open", 5000, func() int { return delivered })
			now, delivered = now.Add(2500*time.Millisecond), 1250
			p.draw()
			if out.String() != tt.afterBegin {
				t.Errorf("after begin:\n%q\nwant\n%q", out.String(), tt.afterBegin)
			}
			p.end(1250, 2500*time.Millisecond)
			p.draw() // between steps: nothing
			if out.String() != tt.afterEnd {
				t.Errorf("after end:\n%q\nwant\n%q", out.String(), tt.afterEnd)
			}
		})
	}
}

func TestProgressRedrawOffTerminal(t *testing.T) {
	var out strings.Builder
	p := newProgress(&out, false)
	p.redraw(t.Context(), time.Millisecond)() // no goroutine, nothing written
	p.begin("open", 1, nil)
	p.draw()
	if got := out.String(); got != "numora-bench: open: 1 documents, running\n" {
		t.Errorf("off a terminal: %q", got)
	}
}

// TestProgressStopClears: stopping the redraw (before the table, or on an
// error) clears a status line left on the terminal, once.
func TestProgressStopClears(t *testing.T) {
	var out strings.Builder
	p := newProgress(&out, true)
	stop := p.redraw(t.Context(), time.Hour) // no tick during the test
	p.begin("open", 10, nil)
	stop()
	stop()
	p.draw()
	if got := out.String(); !strings.HasSuffix(got, "0s"+clearLine) || strings.Count(got, clearLine) != 2 {
		t.Errorf("stderr %q: want the line drawn, then cleared once and not redrawn", got)
	}
}

// TestProgressFitsTheTerminal: the status line stays on one row of a
// narrow terminal, so clearing it before a redraw removes all of it.
func TestProgressFitsTheTerminal(t *testing.T) {
	var out strings.Builder
	p := newProgress(&out, true)
	p.width = func() int { return 40 }
	p.begin("sequential", 50000, func() int { return 12345 })
	line := out.String()[strings.LastIndex(out.String(), clearLine)+len(clearLine):]
	if n := len([]rune(line)); n >= 40 || !strings.HasPrefix(line, "numora-bench: sequential · 12345") || !strings.HasSuffix(line, "…") {
		t.Errorf("on 40 columns: %q (%d)", line, n)
	}
}
