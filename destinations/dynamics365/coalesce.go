package dynamics365

import (
	"context"
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
	// stopAdmit ends its Deliver's wait for a request slot once a sender
	// has taken the change set.
	stopAdmit context.CancelFunc

	answers []partResponse
	reqID   string
	err     error
}

// finish records the outcome and wakes the document's Deliver.
func (p *pendingSet) finish(answers []partResponse, reqID string, err error) {
	p.answers, p.reqID, p.err = answers, reqID, err
	close(p.done)
}

// queue holds the change sets waiting for a request slot, oldest first.
// Whoever gets a slot sends the oldest few together: when a slot is free a
// change set goes out alone at once, and change sets share a $batch only
// when they had to wait anyway (the adaptive limit reached, or the gate
// closed after a 429).
type queue struct {
	mu    sync.Mutex
	items []*pendingSet
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

// take removes and returns the oldest change sets that fit one $batch: at
// most MaxBatchDocuments, and at most maxChangeSetOps operations unless
// the first alone has more.
func (q *queue) take() []*pendingSet {
	q.mu.Lock()
	defer q.mu.Unlock()
	n, ops := 0, 0
	for n < len(q.items) && n < MaxBatchDocuments {
		k := len(q.items[n].cs.parts)
		if n > 0 && ops+k > maxChangeSetOps {
			break
		}
		n, ops = n+1, ops+k
	}
	group := slices.Clone(q.items[:n])
	q.items = slices.Delete(q.items, 0, n)
	for _, p := range group {
		p.stopAdmit()
	}
	return group
}

// submit sends a document's change set, alone or in a $batch with others
// waiting at the same time, and returns its answers (the $batch's request
// id with them). A failed operation comes back as an *APIError naming its
// Content-ID, as for a $batch of one change set.
func (d *Destination) submit(ctx context.Context, w *docWrite, cs changeSet, idempotent bool) ([]partResponse, string, error) {
	actx, stop := context.WithCancel(ctx)
	defer stop()
	p := &pendingSet{ctx: ctx, w: w, cs: cs, idempotent: idempotent, done: make(chan struct{}), stopAdmit: stop}
	d.queue.push(p)
	if err := d.admit(actx); err != nil {
		if d.queue.remove(p) {
			return nil, "", err
		}
		return p.wait(ctx) // a sender took it
	}
	group := d.queue.take()
	if len(group) == 0 {
		d.unadmit() // another sender took p
	} else {
		d.sendGroup(ctx, group)
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
// using the request slot the caller holds, and finishes each of them.
func (d *Destination) sendGroup(ctx context.Context, group []*pendingSet) {
	group = d.number(group)
	if len(group) == 0 {
		d.unadmit()
		return
	}
	if len(group) == 1 {
		p := group[0]
		answers, reqID, err := d.sendBatch(p.ctx, &batch{boundary: "batch_" + d.newBoundary(), changeSets: []changeSet{p.cs}},
			p.idempotent, true)
		p.finish(answers, reqID, err)
		return
	}
	ctx, cancel := groupContext(ctx, group)
	defer cancel()
	d.sendShared(ctx, group)
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

// sendShared posts several documents' change sets in one $batch with
// Prefer: odata.continue-on-error, so that one document's failure rolls
// back its own change set only, and splits the answers by Content-ID.
func (d *Destination) sendShared(ctx context.Context, group []*pendingSet) {
	b := &batch{boundary: "batch_" + d.newBoundary()}
	idempotent := true
	for _, p := range group {
		b.changeSets = append(b.changeSets, p.cs)
		idempotent = idempotent && p.idempotent
	}
	var answers []partResponse
	req := &request{method: http.MethodPost, url: d.base + "$batch", body: b.encode(), idempotent: idempotent, admitted: true,
		header: http.Header{"Content-Type": {b.contentType()}, "Prefer": {"odata.continue-on-error"}}}
	req.check = func(resp *response) error {
		var err error
		answers, err = d.readBatch(req, resp)
		return err
	}
	resp, err := d.callAdmitted(ctx, req)
	if err != nil {
		for _, p := range group {
			p.finish(nil, "", err)
		}
		return
	}
	d.distribute(group, answers, resp.requestID())
}

// distribute finishes each member with its own answers, or with the error
// of its failed operation.
func (d *Destination) distribute(group []*pendingSet, answers []partResponse, reqID string) {
	for _, p := range group {
		mine := answersFor(p.cs, answers)
		if len(mine) == 0 {
			p.finish(nil, "", &APIError{StatusCode: http.StatusBadGateway, Code: "crm_bad_response",
				Message: "the $batch response has no answer for this document's change set", RequestID: reqID})
			continue
		}
		p.finish(mine, reqID, d.firstFailure(&batch{changeSets: []changeSet{p.cs}}, mine, reqID))
	}
}

// answersFor returns the answers whose Content-ID belongs to cs.
func answersFor(cs changeSet, answers []partResponse) []partResponse {
	var out []partResponse
	for _, a := range answers {
		for _, pt := range cs.parts {
			if a.contentID != "" && a.contentID == pt.contentID {
				out = append(out, a)
				break
			}
		}
	}
	return out
}
