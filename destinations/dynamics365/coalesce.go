package dynamics365

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
)

// MaxBatchDocuments bounds the documents one $batch request carries, each
// in its own change set (Microsoft advises batches of about ten).
const MaxBatchDocuments = 10

// pendingSet is one document's change set waiting to be sent, and, once
// done is closed, its answers or its error.
type pendingSet struct {
	ctx        context.Context
	w          *docWrite
	cs         changeSet // Content-IDs numbered from 1
	idempotent bool
	done       chan struct{}
	// taken ends its Deliver's wait for admission once a sender has taken
	// the change set.
	taken context.CancelFunc

	answers []partResponse
	reqID   string
	err     error
}

// finish records the outcome and wakes the document's Deliver.
func (p *pendingSet) finish(answers []partResponse, reqID string, err error) {
	p.answers, p.reqID, p.err = answers, reqID, err
	close(p.done)
}

// queue holds the change sets waiting for admission, oldest first.
// Whoever is admitted sends the oldest few together: when admission lets
// a change set go at once it goes alone, and change sets share a $batch
// only when they had to wait anyway (a pause, the concurrency limit, a
// spent budget, or a scarce request budget: admission rule 5).
type queue struct {
	size  int // the most change sets one $batch carries; 0 = MaxBatchDocuments
	mu    sync.Mutex
	items []*pendingSet
}

// most returns the most change sets one $batch carries.
func (q *queue) most() int {
	if q.size <= 0 {
		return MaxBatchDocuments
	}
	return q.size
}

func (q *queue) push(p *pendingSet) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.items = append(q.items, p)
}

// remove takes p out of the queue; false when a sender already took it.
func (q *queue) remove(p *pendingSet) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	i := slices.Index(q.items, p)
	if i < 0 {
		return false
	}
	q.items = slices.Delete(q.items, i, i+1)
	return true
}

// holds reports whether p still waits in the queue.
func (q *queue) holds(p *pendingSet) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Contains(q.items, p)
}

// take removes and returns the oldest change sets that fit one $batch: at
// most q.most(), and at most maxChangeSetOps operations unless
// the first alone has more.
func (q *queue) take() []*pendingSet {
	q.mu.Lock()
	defer q.mu.Unlock()
	n, ops := 0, 0
	for n < len(q.items) && n < q.most() {
		k := len(q.items[n].cs.parts)
		if n > 0 && ops+k > maxChangeSetOps {
			break
		}
		n, ops = n+1, ops+k
	}
	group := slices.Clone(q.items[:n])
	q.items = slices.Delete(q.items, 0, n)
	for _, p := range group {
		p.taken()
	}
	return group
}

// full reports whether the queue holds a full $batch: take would stop at
// its bounds rather than at the end of the queue.
func (q *queue) full() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	ops := 0
	for n, p := range q.items {
		if n == q.most() || (n > 0 && ops+len(p.cs.parts) > maxChangeSetOps) {
			return true
		}
		ops += len(p.cs.parts)
	}
	return len(q.items) >= q.most()
}

// submit sends a document's change set, alone or in a $batch with others
// waiting at the same time, and returns its answers (the $batch's request
// id with them). A failed operation comes back as an *APIError naming its
// Content-ID, as for a $batch of one change set.
func (d *Destination) submit(ctx context.Context, w *docWrite, cs changeSet, idempotent bool) ([]partResponse, string, error) {
	for resend := 0; ; resend++ {
		answers, reqID, err := d.submitOnce(ctx, w, cs, idempotent)
		if !errors.Is(err, errUnanswered) {
			return answers, reqID, err
		}
		if resend == maxUnansweredResends {
			return nil, "", &APIError{StatusCode: http.StatusBadGateway, Code: "crm_bad_response", RequestID: reqID,
				Message: "the $batch response has no answer for this document's change set"}
		}
		// The server stopped before this change set (a failed change set
		// before it ends a $batch on some servers, continue-on-error or
		// not): nothing of it was applied, so it goes again.
		w.setIDBase(0)
		if cs, err = w.changeSet(cs.boundary); err != nil {
			return nil, "", err
		}
	}
}

// submitOnce queues the change set once and waits for its answers: it
// sends them itself, with the oldest others, when it is admitted first, or
// a sender admitted before it takes them.
func (d *Destination) submitOnce(ctx context.Context, w *docWrite, cs changeSet, idempotent bool) ([]partResponse, string, error) {
	actx, taken := context.WithCancel(ctx)
	defer taken()
	p := &pendingSet{ctx: ctx, w: w, cs: cs, idempotent: idempotent, done: make(chan struct{}), taken: taken}
	d.queue.push(p)
	for {
		slot, err := d.admit.admit(actx, d.queue.full)
		if err != nil {
			if d.queue.remove(p) {
				return nil, "", err
			}
			return p.wait(ctx) // a sender took it
		}
		group := d.queue.take()
		if len(group) == 0 {
			slot.cancel() // a sender took p
			break
		}
		d.sendGroup(ctx, group, slot)
		// The group is the oldest change sets that fit one $batch: when p
		// was not among them it is still queued, and nobody else may come
		// to send it (its sender was the last one waiting), so this
		// Deliver asks for another slot for it.
		if slices.Contains(group, p) || !d.queue.holds(p) {
			break
		}
	}
	return p.wait(ctx)
}

// wait returns p's outcome, or ctx's error if ctx ends first.
func (p *pendingSet) wait(ctx context.Context) ([]partResponse, string, error) {
	select {
	case <-p.done:
		return p.answers, p.reqID, p.err
	case <-ctx.Done():
		return nil, "", ctx.Err()
	}
}

// sendGroup posts the group's change sets as one $batch, its first attempt
// using slot, and finishes each of them.
func (d *Destination) sendGroup(ctx context.Context, group []*pendingSet, slot *ticket) {
	group = d.number(group)
	if len(group) == 0 {
		slot.cancel()
		return
	}
	if len(group) == 1 {
		p := group[0]
		answers, reqID, err := d.sendBatch(p.ctx, &batch{boundary: "batch_" + d.newBoundary(), changeSets: []changeSet{p.cs}},
			p.idempotent, slot)
		p.finish(answers, reqID, err)
		return
	}
	ctx, cancel := groupContext(ctx, group)
	defer cancel()
	d.sendShared(ctx, group, slot)
}

// number gives each change set of the group Content-IDs unique across the
// $batch, rebuilding those that need an offset; a change set that cannot
// be rebuilt is finished with the error and left out.
func (d *Destination) number(group []*pendingSet) []*pendingSet {
	out, base := group[:0], 0
	for _, p := range group {
		if p.w.idBase() != base {
			p.w.setIDBase(base)
			cs, err := p.w.changeSet(p.cs.boundary)
			if err != nil {
				p.finish(nil, "", err)
				continue
			}
			p.cs = cs
		}
		base += len(p.cs.parts)
		out = append(out, p)
	}
	return out
}

// groupContext keeps ctx's values and ends when every member's context has
// ended (or the returned cancel is called): one document's stop deadline
// does not cut the others' write short.
func groupContext(ctx context.Context, group []*pendingSet) (context.Context, context.CancelFunc) {
	gctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var mu sync.Mutex
	left := len(group)
	stops := make([]func() bool, 0, len(group))
	for _, p := range group {
		stops = append(stops, context.AfterFunc(p.ctx, func() {
			mu.Lock()
			defer mu.Unlock()
			if left--; left == 0 {
				cancel()
			}
		}))
	}
	return gctx, func() {
		for _, stop := range stops {
			stop()
		}
		cancel()
	}
}
