package connector

import (
	"context"
	"iter"
	"time"

	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/numora"
)

// Source is where documents come from and where their outcomes go: Numora.
// *numora.Client implements it.
//
// Implementations are safe for concurrent use. They do their own retries:
// an error returned here has outlasted them. ReportDelivery must send d
// unchanged on every retry (it is the attempt's idempotency record) and
// treat a replay Numora already recorded as success.
type Source interface {
	// Outbox streams the documents waiting for delivery to provider, page by
	// page of at most limit items. The sequence ends after the last page or
	// after yielding an error.
	Outbox(ctx context.Context, provider string, limit int) iter.Seq2[numora.OutboxItem, error]
	// ResultOf reads the extraction result of an outbox item.
	ResultOf(ctx context.Context, item numora.OutboxItem) (*numora.Result, error)
	// ReportDelivery records one delivery attempt for document id.
	ReportDelivery(ctx context.Context, id string, d numora.Delivery) error
}

// Dispatcher is the part of Numora that dispatch mode needs: ask Numora to
// deliver a document itself, then watch it. *numora.Client implements it.
type Dispatcher interface {
	// Dispatch queues the delivery of document id to provider.
	Dispatch(ctx context.Context, id, provider string) error
	// WaitDelivered polls document id every poll until its status leaves
	// push_pending, and returns the document as last read.
	WaitDelivered(ctx context.Context, id string, poll time.Duration) (*numora.Document, error)
}

// Mapper turns a result into a plan. *mapping.Rules implements it.
//
// Render returns *mapping.SkipError when a rule says the document must be
// skipped, and *mapping.RenderError (or any other error) when the document
// cannot be mapped. It must be safe for concurrent use.
type Mapper interface {
	Render(res *numora.Result) (*mapping.Plan, error)
}
