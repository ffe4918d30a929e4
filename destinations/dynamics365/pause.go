package dynamics365

import (
	"time"

	"github.com/numora/numora-connector/destinations"
)

var _ destinations.Pauser = (*Destination)(nil)

// Paused returns how long every request is still held because Dataverse
// answered 429 with a Retry-After; 0 when none is.
func (d *Destination) Paused() time.Duration { return d.admit.paused() }
