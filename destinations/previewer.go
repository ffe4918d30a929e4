package destinations

import (
	"context"
	"io"

	"github.com/numora/numora-connector/mapping"
)

// Previewer is implemented by destinations that can show what Deliver would
// send for a plan without sending it (the dry-run and preview commands).
//
// Preview writes to w the exact requests Deliver would make for plan: for
// HTTP destinations the method, URL, headers (credentials left out) and
// body of each request, batch framing included. Reads whose answers are not
// known yet (lookups) are shown as the queries Deliver would run, and their
// results as placeholders. Preview writes nothing to the destination; it may
// use metadata the destination already holds but does not have to fetch
// any. Safe for concurrent use.
type Previewer interface {
	Preview(ctx context.Context, plan *mapping.Plan, w io.Writer) error
}
