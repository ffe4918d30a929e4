package main

import (
	"fmt"
	"strings"
	"time"

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
	delay time.Duration // no line for passes shorter than this
	every time.Duration // redraw period

	stop, done chan struct{}
	drawn      bool
}

func newProgress(line *statusLine) *progress {
	return &progress{line: line, now: time.Now, delay: 2 * time.Second, every: 250 * time.Millisecond}
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
	p.line.set(progressLine(s, p.now()))
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

// progressLine is the status line for snapshot s at now.
func progressLine(s connector.Progress, now time.Time) string {
	elapsed := now.Sub(s.StartedAt)
	c := s.Counts
	done := c.Seen
	delivered := "delivered"
	if s.Mode == connector.ModeDryRun {
		delivered = "would deliver"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s ", spinner(int(elapsed/(250*time.Millisecond))))
	if s.Pages > 0 {
		fmt.Fprintf(&b, "%d page(s) · ", s.Pages)
	}
	fmt.Fprintf(&b, "%d read · %d done: %d %s, %d skipped, %d failed, %d left for retry · %d in flight",
		s.Read, done, c.Delivered, delivered, c.Skipped, c.Failed, c.LeftForRetry, s.InFlight)
	if secs := elapsed.Seconds(); secs > 0 {
		fmt.Fprintf(&b, " · %.1f/s", float64(done)/secs)
	}
	fmt.Fprintf(&b, " · %s", elapsed.Round(time.Second))
	if s.Paused > 0 {
		fmt.Fprintf(&b, " · paused %s: Dataverse asked to wait", s.Paused.Round(time.Second))
	}
	return b.String()
}

func spinner(i int) string {
	frames := []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}
	return frames[i%len(frames)]
}
