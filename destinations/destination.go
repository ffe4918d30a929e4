// Package destinations defines what a CRM destination is: the Destination
// interface every destination implements, its optional capabilities, and the
// outcome classes the connector turns into Numora delivery callbacks.
//
// Destinations are constructed explicitly from configuration by their own
// package (dynamics365.New); there is no registry.
package destinations

import (
	"context"

	"github.com/numora/numora-connector/mapping"
)

// Destination writes documents into a CRM.
//
// Deliver writes one document's plan as one unit: either every record of the
// plan is written, or none is (a destination that cannot make the write
// atomic must make it idempotent and say so in its doc). Delivering the same
// plan again must touch the same rows and never create duplicates.
//
// On success Deliver returns a Receipt. On failure it returns an error that
// Classify sorts into exactly one Class:
//   - Skip: a prerequisite (a lookup with on_missing: skip_document) did not
//     match; nothing was written and the document is reported skipped;
//   - Permanent: the destination refused the data or the configuration
//     (validation, privileges, ambiguous lookups); nothing was written and
//     retrying the same plan would fail again;
//   - Transient: throttling, outages, timeouts, cancellation; the write may
//     or may not have happened, and delivering the plan again later is safe.
//
// Implementations are safe for concurrent use by many goroutines; they do
// their own retries, throttling and circuit breaking, and return
// ErrCircuitOpen (wrapped) once they stop accepting work.
type Destination interface {
	Deliver(ctx context.Context, plan *mapping.Plan) (*Receipt, error)
}

// Outcome says what a write did to one row.
type Outcome string

// Per-record outcomes.
const (
	Created   Outcome = "created"
	Updated   Outcome = "updated"
	Unchanged Outcome = "unchanged" // the row already held this data (e.g. a create-only row that exists)
	// Outcomes of rows removed because their line items are gone
	// (mapping.Mirror).
	Deleted     Outcome = "deleted"
	Deactivated Outcome = "deactivated"
)

// RecordReceipt is the result for one record of a plan.
type RecordReceipt struct {
	Name    string  `json:"name"`
	ItemID  string  `json:"item_id,omitempty"`
	Entity  string  `json:"entity"`
	ID      string  `json:"id"`
	Outcome Outcome `json:"outcome"`
}

// Receipt is the result of a successful Deliver.
type Receipt struct {
	// RecordID and URL identify the plan's first (primary) record; they
	// become external_record_id and external_url in the callback.
	RecordID string `json:"record_id"`
	URL      string `json:"url,omitempty"`
	// Records has one entry per plan record, in plan order.
	Records []RecordReceipt `json:"records"`
	// Removed lists the rows the delivery removed (deleted or deactivated)
	// because the document no longer has their line items.
	Removed []RecordReceipt `json:"removed,omitempty"`
}

// Counts returns how many rows the delivery created, updated and removed
// (deleted or deactivated); unchanged rows are in none of them.
func (r *Receipt) Counts() (created, updated, removed int) {
	for _, rr := range r.Records {
		switch rr.Outcome {
		case Created:
			created++
		case Updated:
			updated++
		}
	}
	return created, updated, len(r.Removed)
}

// Checker is implemented by destinations that can prove their connectivity
// and credentials without writing (Dataverse: a token and WhoAmI).
type Checker interface {
	Check(ctx context.Context) error
}

// Closer is implemented by destinations that hold resources (idle
// connections, background refreshers). Close is called once, after the last
// Deliver returns.
type Closer interface {
	Close() error
}
