package connector

import (
	"time"

	"github.com/numora/numora-connector/destinations"
)

// Progress is a snapshot of the pass in progress, for a live display.
type Progress struct {
	// Running is false between passes; the other fields are then zero.
	Running   bool
	Mode      Mode
	StartedAt time.Time
	// Pages is the outbox pages the source has read in this pass, when it
	// counts them (PageCounter); Read the documents taken from them.
	Pages, Read int
	// InFlight is the documents taken by a worker and not finished yet.
	InFlight int
	// Counts are the finished documents.
	Counts Counts
	// Paused is how long the destination still holds every request
	// because the service asked it to wait (destinations.Pauser).
	Paused time.Duration
}

// PageCounter is implemented by a Source that counts the outbox pages it
// has read since it was made.
type PageCounter interface {
	OutboxPages() int
}

// Progress returns a snapshot of the pass in progress. It is safe to call
// from any goroutine while Run or Dispatch runs.
func (c *Connector) Progress() Progress {
	p := c.current.Load()
	if p == nil {
		return Progress{}
	}
	pr := p.progress()
	if pc, ok := c.src.(PageCounter); ok {
		pr.Pages = pc.OutboxPages() - p.pages0
	}
	if pz, ok := c.dst.(destinations.Pauser); ok {
		pr.Paused = pz.Paused()
	}
	return pr
}

// progress is the pass's part of Progress.
func (p *pass) progress() Progress {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Progress{Running: true, Mode: p.info.Mode, StartedAt: p.info.StartedAt, Read: p.nread,
		InFlight: max(p.taken-p.finished, 0), Counts: p.sum.Counts}
}
