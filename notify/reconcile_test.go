package notify

import (
	"context"
	"iter"
	"net/http"
	"testing"

	"github.com/numora/numora-connector/internal/queue"
	"github.com/numora/numora-connector/numora"
)

// fakeOutbox yields items, then err (if any).
type fakeOutbox struct {
	items []string
	err   error
}

func (o fakeOutbox) Outbox(ctx context.Context, provider string, limit int) iter.Seq2[numora.OutboxItem, error] {
	return func(yield func(numora.OutboxItem, error) bool) {
		for _, id := range o.items {
			if !yield(numora.OutboxItem{DocumentID: id}, nil) {
				return
			}
		}
		if o.err != nil {
			yield(numora.OutboxItem{}, o.err)
		}
	}
}

func TestReconcile(t *testing.T) {
	q := openQueue(t, nil)
	if _, err := q.Put(queue.Notice{DocumentID: "doc_1", EventID: "evt_1"}); err != nil {
		t.Fatal(err)
	}
	r := &Reconciler{Outbox: fakeOutbox{items: []string{"doc_1", "doc_2"}}, Queue: q}
	n, err := r.once(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("once = %d, %v; want 2, nil", n, err)
	}
	if s := q.Stats(); s.Depth != 2 {
		t.Errorf("depth %d, want 2 (doc_1 merged, doc_2 added)", s.Depth)
	}
}

// TestReconcileStopsWhenTheOutboxIsGone: the route generation answers 404;
// Run returns instead of polling on.
func TestReconcileStopsWhenTheOutboxIsGone(t *testing.T) {
	for _, status := range []int{http.StatusNotFound, http.StatusGone} {
		r := &Reconciler{Outbox: fakeOutbox{err: &numora.APIError{StatusCode: status}}, Queue: openQueue(t, nil),
			Every: 1 << 62, Logger: discard()}
		r.Run(context.Background()) // returns: nothing to wait for
	}
}
