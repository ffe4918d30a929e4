package connector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"sync"
	"time"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/numora"
)

// fakeSource is an in-memory Numora: an outbox, results, and the recorded
// callbacks.
type fakeSource struct {
	items     []numora.OutboxItem
	status    map[string]numora.Status // result status per id (default reviewed)
	resultErr map[string]error
	reportErr map[string]error
	outboxErr error           // yielded after the items
	onResult  func(id string) // called as each result is read, when set
	// outboxRead counts items handed out by Outbox.
	mu         sync.Mutex
	outboxRead int
	reports    []report
	// dispatch mode
	dispatchErr map[string]error
	final       map[string]numora.Status
	waitErr     map[string]error
}

type report struct {
	id string
	d  numora.Delivery
}

func newFakeSource(ids ...string) *fakeSource {
	s := &fakeSource{status: map[string]numora.Status{}, resultErr: map[string]error{}, reportErr: map[string]error{},
		dispatchErr: map[string]error{}, final: map[string]numora.Status{}, waitErr: map[string]error{}}
	for _, id := range ids {
		s.items = append(s.items, numora.OutboxItem{DocumentID: id, Schema: "invoice_v2", Status: numora.StatusReviewed})
	}
	return s
}

func (s *fakeSource) Outbox(ctx context.Context, provider string, limit int) iter.Seq2[numora.OutboxItem, error] {
	return func(yield func(numora.OutboxItem, error) bool) {
		for _, it := range s.items {
			if err := ctx.Err(); err != nil {
				yield(numora.OutboxItem{}, err)
				return
			}
			s.mu.Lock()
			s.outboxRead++
			s.mu.Unlock()
			if !yield(it, nil) {
				return
			}
		}
		if s.outboxErr != nil {
			yield(numora.OutboxItem{}, s.outboxErr)
		}
	}
}

func (s *fakeSource) ResultOf(ctx context.Context, it numora.OutboxItem) (*numora.Result, error) {
	if s.onResult != nil {
		s.onResult(it.DocumentID)
	}
	if err := s.resultErr[it.DocumentID]; err != nil {
		return nil, err
	}
	st, ok := s.status[it.DocumentID]
	if !ok {
		st = numora.StatusReviewed
	}
	return &numora.Result{ID: it.DocumentID, Schema: it.Schema, Status: st}, nil
}

func (s *fakeSource) ReportDelivery(ctx context.Context, id string, d numora.Delivery) error {
	if err := s.reportErr[id]; err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reports = append(s.reports, report{id, d})
	return nil
}

func (s *fakeSource) Dispatch(ctx context.Context, id, provider string) error {
	return s.dispatchErr[id]
}

func (s *fakeSource) WaitDelivered(ctx context.Context, id string, poll time.Duration) (*numora.Document, error) {
	if err := s.waitErr[id]; err != nil {
		return nil, err
	}
	st, ok := s.final[id]
	if !ok {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return &numora.Document{ID: id, Status: st}, nil
}

func (s *fakeSource) reported() map[string]numora.Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[string]numora.Delivery{}
	for _, r := range s.reports {
		m[r.id] = r.d
	}
	return m
}

// fakeRules maps every document to a one-record plan, or to errs[id].
type fakeRules struct{ errs map[string]error }

func (r fakeRules) Render(res *numora.Result) (*mapping.Plan, error) {
	if err := r.errs[res.ID]; err != nil {
		return nil, err
	}
	return &mapping.Plan{DocumentID: res.ID, Schema: res.Schema, Records: []mapping.Record{{
		Name: "invoice", Entity: "new_vendorinvoices", Mode: mapping.ModeUpsert,
		Key: mapping.Key{Kind: mapping.KeyIdentity, Document: res.ID},
	}}}, nil
}

// fakeDest writes by calling deliver (default: success with a receipt).
type fakeDest struct {
	deliver func(ctx context.Context, plan *mapping.Plan) (*destinations.Receipt, error)
	mu      sync.Mutex
	calls   int
	active  int
	peak    int
	checked error
}

func (d *fakeDest) Deliver(ctx context.Context, plan *mapping.Plan) (*destinations.Receipt, error) {
	d.mu.Lock()
	d.calls++
	d.active++
	d.peak = max(d.peak, d.active)
	d.mu.Unlock()
	defer func() { d.mu.Lock(); d.active--; d.mu.Unlock() }()
	if d.deliver != nil {
		return d.deliver(ctx, plan)
	}
	return receiptFor(plan), nil
}

func (d *fakeDest) Check(ctx context.Context) error { return d.checked }

// batchDest is a fakeDest whose requests carry up to batch documents
// (destinations.Batcher).
type batchDest struct {
	*fakeDest
	batch int
}

func (d batchDest) BatchDocuments() int { return d.batch }

func (d *fakeDest) Throttling() (int, time.Duration) { return 2, 3 * time.Second }

func receiptFor(plan *mapping.Plan) *destinations.Receipt {
	id := "guid-" + plan.Records[0].Key.Document
	return &destinations.Receipt{RecordID: id, URL: "https://org.example/main.aspx?id=" + id}
}

// previewDest is a destination that can preview.
type previewDest struct{ fakeDest }

func (d *previewDest) Preview(ctx context.Context, plan *mapping.Plan, w io.Writer) error {
	_, err := fmt.Fprintf(w, "PATCH /%s(%s)\n", plan.Records[0].Entity, "guid-"+plan.Records[0].Key.Document)
	return err
}

// recorder is an Observer that keeps everything.
type recorder struct {
	starts  []RunInfo
	entries []Entry
	done    []*Summary
}

func (r *recorder) Start(info RunInfo) { r.starts = append(r.starts, info) }
func (r *recorder) Document(e Entry)   { r.entries = append(r.entries, e) }
func (r *recorder) Finish(s *Summary)  { r.done = append(r.done, s) }

func (r *recorder) byID() map[string]Entry {
	m := map[string]Entry{}
	for _, e := range r.entries {
		m[e.DocumentID] = e
	}
	return m
}

var errBoom = errors.New("boom")

func fixedRunID(now time.Time) string { return "run-test" }
