package main

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/numora/numora-connector/connector"
)

// progress is an Observer that keeps one status line at the bottom of a
// terminal while a pass runs, redrawn from the connector's Progress: outbox
// pages read, documents done by outcome, in flight, rate, elapsed, and a
// throttle pause as it happens. Log lines are printed above it (statusLine).
//
// A bar library (progressbar, mpb) would not serve: the outbox is streamed,
// so there is no total to fill a bar towards, and what is needed beside the
// line, printing log lines above it, statusLine already does in 30 lines.
type progress struct {
	line  *statusLine
	snap  func() connector.Progress // set once the connector exists
	now   func() time.Time
	width func() int    // the terminal's columns, 0 when unknown
	delay time.Duration // no line for passes shorter than this
	every time.Duration // redraw period

	stop, done chan struct{}
	drawn      bool
}

// newProgress draws on line, fitting it to width() columns (read at every
// redraw, so a resized terminal is followed; nil or 0: no limit).
func newProgress(line *statusLine, width func() int) *progress {
	if width == nil {
		width = func() int { return 0 }
	}
	return &progress{line: line, now: time.Now, width: width, delay: 2 * time.Second, every: 250 * time.Millisecond}
}

// Start begins redrawing the line every p.every (once the pass has lasted
// p.delay) until Finish.
func (p *progress) Start(connector.RunInfo) {
	p.stop, p.done, p.drawn = make(chan struct{}), make(chan struct{}), false
	start := p.now()
	go func() {
		defer close(p.done)
		tick := time.NewTicker(p.every)
		defer tick.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-tick.C:
				p.draw(start)
			}
		}
	}()
}

// draw redraws the line from a snapshot, once the pass has lasted p.delay.
func (p *progress) draw(start time.Time) {
	if p.snap == nil || p.now().Sub(start) < p.delay {
		return
	}
	s := p.snap()
	if !s.Running {
		return
	}
	p.line.set(fitLine(progressLines(s, p.now()), p.width()))
	p.drawn = true
}

// Document does nothing: the line is drawn from snapshots.
func (p *progress) Document(connector.Entry) {}

// Finish stops the redraws and removes the line.
func (p *progress) Finish(*connector.Summary) {
	if p.stop == nil {
		return
	}
	close(p.stop)
	<-p.done
	if p.drawn {
		p.line.set("")
	}
}

// progressLine is the full status line for snapshot s at now.
func progressLine(s connector.Progress, now time.Time) string {
	return progressLines(s, now)[0]
}

// progressLines are the status line for snapshot s at now, from the full
// line to the shortest: a line longer than the terminal is wide would wrap,
// and clearing it would then leave its first rows on the screen at every
// redraw. Each variant keeps what matters most: the outcomes, in flight,
// the rate, elapsed, and a throttle pause.
func progressLines(s connector.Progress, now time.Time) []string {
	elapsed := now.Sub(s.StartedAt)
	c := s.Counts
	done, delivered, rehearsed := c.Seen, "delivered", "done"
	if s.Mode == connector.ModeDryRun {
		delivered, rehearsed = "would deliver", "rehearsed"
	}
	head := spinner(int(elapsed/(250*time.Millisecond))) + " "
	where := ""
	if s.Pages > 0 {
		where = fmt.Sprintf("%d page(s) · ", s.Pages)
	}
	where += fmt.Sprintf("%d read · ", s.Read)
	counts := fmt.Sprintf("%d done: %d %s, %d skipped, %d failed, %d left for retry", done, c.Delivered, delivered,
		c.Skipped, c.Failed, c.LeftForRetry)
	short := fmt.Sprintf("%d %s: %d ok, %d skip, %d fail, %d retry", done, rehearsed, c.Delivered, c.Skipped,
		c.Failed, c.LeftForRetry)
	inFlight, rate, took := fmt.Sprintf(" · %d in flight", s.InFlight), "", fmt.Sprintf(" · %s", elapsed.Round(time.Second))
	if secs := elapsed.Seconds(); secs > 0 {
		rate = fmt.Sprintf(" · %.1f/s", float64(done)/secs)
	}
	tail := inFlight + rate + took
	pause, shortPause := "", ""
	if s.Paused > 0 {
		shortPause = fmt.Sprintf(" · paused %s", s.Paused.Round(time.Second))
		pause = shortPause + ": Dataverse asked to wait"
	}
	return []string{
		head + where + counts + tail + pause,
		head + counts + tail + pause,
		head + short + tail + pause,
		head + short + tail + shortPause,
		head + short + inFlight + took + shortPause,
		head + short + took + shortPause,
		head + fmt.Sprintf("%d %s · %d fail%s", done, rehearsed, c.Failed, shortPause),
	}
}

// fitLine returns the first of lines that fits in width columns (one
// column kept free: a terminal may wrap a line that fills its last
// column), else the last one cut to fit, ending in "…". A width of 0 or
// less means no limit.
func fitLine(lines []string, width int) string {
	if width <= 0 {
		return lines[0]
	}
	for _, l := range lines {
		if utf8.RuneCountInString(l) < width {
			return l
		}
	}
	r := []rune(lines[len(lines)-1])
	if width < 2 {
		return ""
	}
	return string(r[:width-2]) + "…"
}

func spinner(i int) string {
	frames := []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}
	return frames[i%len(frames)]
}
