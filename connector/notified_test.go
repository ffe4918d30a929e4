package connector

import (
	"context"
	"iter"
	"net/http"
	"testing"

	"github.com/numora/numora-connector/numora"
)

// docSource adds GET /v1/documents/{id} to fakeSource.
type docSource struct {
	*fakeSource
	docs map[string]numora.Status // missing: 404
}

func (s *docSource) Document(ctx context.Context, id string) (*numora.Document, error) {
	st, ok := s.docs[id]
	if !ok {
		return nil, &numora.APIError{StatusCode: http.StatusNotFound, Code: "not_found"}
	}
	return &numora.Document{ID: id, Schema: "invoice_v2", Status: st}, nil
}

// intakeOf is an intake yielding ids once, then ending.
func intakeOf(list ...string) Intake {
	return func(ctx context.Context) iter.Seq2[numora.OutboxItem, error] {
		return func(yield func(numora.OutboxItem, error) bool) {
			for _, id := range list {
				if !yield(numora.OutboxItem{DocumentID: id}, nil) {
					return
				}
			}
		}
	}
}

func TestServeOutcomes(t *testing.T) {
	src := &docSource{fakeSource: newFakeSource(), docs: map[string]numora.Status{
		"doc_ok": numora.StatusReviewed, "doc_retry": numora.StatusPushFailed, "doc_done": numora.StatusPushSucceeded}}
	dst := &fakeDest{}
	c, rec := newTestConnector(t, src, fakeRules{}, dst, Config{Concurrency: 1})
	s, err := c.Serve(context.Background(), intakeOf("doc_ok", "doc_retry", "doc_done", "doc_gone"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Outcome{"doc_ok": Delivered, "doc_retry": Delivered, "doc_done": Ignored, "doc_gone": Ignored}
	got := rec.byID()
	for id, o := range want {
		if got[id].Outcome != o {
			t.Errorf("%s: outcome %s (%s), want %s", id, got[id].Outcome, got[id].ErrorMessage, o)
		}
	}
	if dst.calls != 2 {
		t.Errorf("writes = %d, want 2 (ignored documents are not written)", dst.calls)
	}
	if s.Mode != ModeServe || s.Counts.Ignored != 2 {
		t.Errorf("summary mode %s, ignored %d; want serve, 2", s.Mode, s.Counts.Ignored)
	}
	if _, ok := src.reported()["doc_done"]; ok {
		t.Error("an ignored document was reported")
	}
}

func TestServeRedeliveryHasItsOwnExecutionID(t *testing.T) {
	src := &docSource{fakeSource: newFakeSource(), docs: map[string]numora.Status{"doc_1": numora.StatusReviewed}}
	c, rec := newTestConnector(t, src, fakeRules{}, &fakeDest{}, Config{Concurrency: 1})
	if _, err := c.Serve(context.Background(), intakeOf("doc_1", "doc_1")); err != nil {
		t.Fatal(err)
	}
	if len(rec.entries) != 2 {
		t.Fatalf("entries = %d, want 2", len(rec.entries))
	}
	got := []string{rec.entries[0].ExecutionID, rec.entries[1].ExecutionID}
	want := []string{"run-test-doc_1", "run-test.2-doc_1"}
	if got[0] != want[0] || got[1] != want[1] {
		t.Errorf("execution ids %v, want %v", got, want)
	}
}

func TestRunTakesADocumentOncePerPass(t *testing.T) {
	src := newFakeSource("doc_1", "doc_1", "doc_2")
	c, rec := newTestConnector(t, src, fakeRules{}, &fakeDest{}, Config{Concurrency: 1})
	if _, err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(rec.entries) != 2 {
		t.Errorf("entries = %d, want 2", len(rec.entries))
	}
}
