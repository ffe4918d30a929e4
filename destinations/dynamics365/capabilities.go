package dynamics365

import (
	"time"

	"github.com/numora/numora-connector/destinations"
)

var _ destinations.Pauser = (*Destination)(nil)

// Paused returns how long every request is still held because Dataverse
// answered 429 with a Retry-After; 0 when none is.
func (d *Destination) Paused() time.Duration { return d.admit.paused() }

var _ destinations.Batcher = (*Destination)(nil)

// BatchDocuments returns the most documents one $batch carries
// (Config.BatchDocuments): documents delivered at the same time share a
// $batch when they have to wait anyway (see Config.BatchDocuments).
func (d *Destination) BatchDocuments() int { return d.queue.most() }
