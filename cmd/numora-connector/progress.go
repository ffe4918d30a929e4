package main

import (
	"fmt"
	"time"

	"github.com/numora/numora-connector/connector"
)

// progress is an Observer drawing a status line on a terminal once a run
// has lasted a moment: documents done, outcomes, rate.
type progress struct {
	line  *statusLine
	now   func() time.Time
	delay time.Duration // no line for runs shorter than this
	every time.Duration // redraw at most this often

	start, drawn time.Time
	n            map[connector.Outcome]int
	total        int
}

func newProgress(line *statusLine) *progress {
	return &progress{line: line, now: time.Now, delay: 2 * time.Second, every: 100 * time.Millisecond}
}

func (p *progress) Start(info connector.RunInfo) {
	p.start, p.drawn, p.total = p.now(), time.Time{}, 0
	p.n = map[connector.Outcome]int{}
}

func (p *progress) Document(e connector.Entry) {
	p.total++
	p.n[e.Outcome]++
	now := p.now()
	if now.Sub(p.start) < p.delay || now.Sub(p.drawn) < p.every {
		return
	}
	p.drawn = now
	elapsed := now.Sub(p.start)
	p.line.set(fmt.Sprintf("%s %d documents · %d delivered · %d skipped · %d failed · %d left for retry · %.1f/s · %s",
		spinner(p.total), p.total, p.n[connector.Delivered], p.n[connector.Skipped], p.n[connector.Failed],
		p.n[connector.LeftForRetry], float64(p.total)/elapsed.Seconds(), elapsed.Round(time.Second)))
}

func (p *progress) Finish(s *connector.Summary) {
	if !p.drawn.IsZero() {
		p.line.set("")
	}
}

func spinner(i int) string {
	frames := []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}
	return frames[i%len(frames)]
}
