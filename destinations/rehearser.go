package destinations

import (
	"context"
	"io"

	"github.com/numora/numora-connector/mapping"
)

// Rehearser is implemented by destinations that can rehearse a delivery
// for a dry run: do every read Deliver would (metadata, lookups, key
// queries), check the values against what the service is known to refuse,
// and write to w the requests Deliver would send, sending no write. It
// returns nil when Deliver would write the plan, else the *Error Deliver
// would return as far as reads can tell (a lookup with on_missing
// skip_document finding nothing is a Skip; a value the service refuses, a
// Permanent error with the service's code).
type Rehearser interface {
	Rehearse(ctx context.Context, plan *mapping.Plan, w io.Writer) error
}
