package notify

import (
	"time"

	"github.com/numora/numora-connector/connector"
	"github.com/numora/numora-connector/internal/queue"
)

// settle removes the entry of a document with a final outcome, and keeps
// one left for retry for a later attempt.
func (d *Drainer) settle(it queue.Item, e connector.Entry) {
	log, now := d.cfg.Logger, d.cfg.Now()
	if e.Outcome == connector.Failed && e.Callback != "" {
		d.echoes.reported(it.DocumentID)
	}
	if e.Outcome != connector.LeftForRetry {
		if err := d.cfg.Queue.Done(it); err != nil {
			log.Error("queue: could not remove a delivered entry; it will be delivered again (idempotently)",
				"document_id", it.DocumentID, "error", err.Error())
		}
		if d.cfg.Latency != nil && e.Outcome != connector.Ignored {
			d.cfg.Latency(now.Sub(it.Received))
		}
		return
	}
	// Interruptions and an open breaker say nothing about the document.
	count := e.ErrorCode != connector.CodeInterrupted && e.ErrorCode != connector.CodeCircuitOpen
	delay := d.backoff(it.Attempts)
	if !count {
		delay = 0
	}
	attempts, err := d.cfg.Queue.Retry(it, now.Add(delay), count)
	if err != nil {
		log.Error("queue: could not keep an entry for retry", "document_id", it.DocumentID, "error", err.Error())
		return
	}
	if attempts < d.cfg.MaxAttempts {
		return
	}
	log.Error("document dropped from the queue after repeated failures; it stays push_failed in Numora, and "+
		"a new notification or the reconcile poll brings it back", "document_id", it.DocumentID, "attempts", attempts,
		"error_code", e.ErrorCode)
	cur := it
	cur.Attempts = attempts
	_ = d.cfg.Queue.Done(cur)
}

// backoff is the wait after the n-th failed attempt (n counted before it).
func (d *Drainer) backoff(n int) time.Duration {
	w := d.cfg.RetryDelay
	for range n {
		w *= 2
		if w >= d.cfg.MaxRetryDelay {
			return d.cfg.MaxRetryDelay
		}
	}
	return w
}
