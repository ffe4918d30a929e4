package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// progress tells on stderr what the bench is doing, never on stdout (the
// table's). On a terminal it keeps one status line, redrawn: the step,
// documents delivered so far, the rate and the time. Elsewhere (CI logs,
// a file) it prints a plain line when each step starts and ends.
type progress struct {
	w     io.Writer
	tty   bool
	now   func() time.Time
	width func() int // the terminal's columns at each redraw; nil or 0: no limit

	mu    sync.Mutex
	step  string     // "open", "limited", "sequential"; "" between steps
	total int        // documents of the step
	done  func() int // documents delivered so far, or nil
	start time.Time
	shown bool // the status line is on the terminal
}

const clearLine = "\r\x1b[K"

func newProgress(w io.Writer, tty bool) *progress {
	return &progress{w: w, tty: tty, now: time.Now}
}

// note prints a line of its own.
func (p *progress) note(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	fmt.Fprintf(p.w, "numora-bench: %s\n", msg)
	p.drawLocked()
}

// begin starts a step of total documents; done counts those delivered.
func (p *progress) begin(step string, total int, done func() int) {
	p.mu.Lock()
	p.step, p.total, p.done, p.start = step, total, done, p.now()
	p.mu.Unlock()
	if !p.tty {
		p.note(fmt.Sprintf("%s: %d documents, running", step, total))
		return
	}
	p.draw()
}

// end closes the step with a line saying how it went.
func (p *progress) end(delivered int, elapsed time.Duration) {
	p.mu.Lock()
	step, total := p.step, p.total
	p.step, p.done = "", nil
	p.mu.Unlock()
	p.note(fmt.Sprintf("%s: %d of %d documents delivered in %v", step, delivered, total, round(elapsed)))
}

// draw redraws the status line (on a terminal, during a step).
func (p *progress) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drawLocked()
}

func (p *progress) drawLocked() {
	if !p.tty || p.step == "" {
		return
	}
	elapsed := p.now().Sub(p.start)
	n := 0
	if p.done != nil {
		n = p.done()
	}
	rate := ""
	if s := elapsed.Seconds(); s > 0 {
		rate = fmt.Sprintf(" · %.0f/s", float64(n)/s)
	}
	line := fmt.Sprintf("numora-bench: %s · %d of %d documents delivered%s · %v", p.step, n, p.total,
		rate, elapsed.Truncate(time.Second))
	fmt.Fprint(p.w, clearLine+fitWidth(line, p.columns()))
	p.shown = true
}

func (p *progress) columns() int {
	if p.width == nil {
		return 0
	}
	return p.width()
}

// fitWidth cuts line to fewer than width columns, ending in "…" (a line
// that wraps cannot be cleared and redrawn in place); width <= 0: no limit.
func fitWidth(line string, width int) string {
	r := []rune(line)
	if width <= 0 || len(r) < width {
		return line
	}
	if width < 2 {
		return ""
	}
	return string(r[:width-2]) + "…"
}

func (p *progress) clearLocked() {
	if p.shown {
		fmt.Fprint(p.w, clearLine)
		p.shown = false
	}
}

// redraw redraws the status line every interval until ctx ends or the
// returned func is first called, which also clears it. Off a terminal it
// does nothing.
func (p *progress) redraw(ctx context.Context, every time.Duration) func() {
	if !p.tty {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				p.draw()
			}
		}
	}()
	return sync.OnceFunc(func() {
		cancel()
		<-done
		p.mu.Lock()
		p.step = "" // nothing to draw any more
		p.clearLocked()
		p.mu.Unlock()
	})
}
