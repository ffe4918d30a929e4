package notify

import (
	"context"
	"errors"
	"iter"
	"log/slog"
	"net/http"
	"time"

	"github.com/numora/numora-connector/internal/queue"
	"github.com/numora/numora-connector/numora"
)

// Outbox lists the documents waiting for delivery; *numora.Client
// implements it.
type Outbox interface {
	Outbox(ctx context.Context, provider string, limit int) iter.Seq2[numora.OutboxItem, error]
}

// Reconciler polls the outbox every Every and queues what it lists, so
// that nothing is missed while the server was down or a notification was
// lost. A workspace whose outbox is gone (404 or 410: the route
// generation) ends it with a log line.
type Reconciler struct {
	Outbox   Outbox
	Queue    Queue
	Provider string
	PageSize int
	Every    time.Duration
	Logger   *slog.Logger
}

// Run polls at once and then every r.Every until ctx ends.
func (r *Reconciler) Run(ctx context.Context) {
	for {
		n, err := r.once(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case outboxGone(err):
			r.Logger.WarnContext(ctx, "reconcile: Numora's outbox is gone (route generation); reconcile stops, notifications only", "error", err.Error())
			return
		case err != nil:
			r.Logger.WarnContext(ctx, "reconcile: reading the outbox failed; trying again next time", "error", err.Error(), "queued", n)
		default:
			r.Logger.InfoContext(ctx, "reconcile: outbox read", "queued", n)
		}
		t := time.NewTimer(r.Every)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// once queues every outbox document and returns how many.
func (r *Reconciler) once(ctx context.Context) (int, error) {
	n := 0
	for it, err := range r.Outbox.Outbox(ctx, r.Provider, r.PageSize) {
		if err != nil {
			return n, err
		}
		if _, err := r.Queue.Put(queue.Notice{DocumentID: it.DocumentID, Source: "reconcile"}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func outboxGone(err error) bool {
	var ae *numora.APIError
	return errors.As(err, &ae) && (ae.StatusCode == http.StatusNotFound || ae.StatusCode == http.StatusGone)
}
