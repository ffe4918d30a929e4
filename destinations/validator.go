package destinations

import (
	"context"

	"github.com/numora/numora-connector/mapping"
)

// MetadataValidator is implemented by destinations that can check mapping
// rules against the destination's own schema (validate --online).
//
// ValidateRecords reads the destination's metadata for every record spec
// (tables, columns and their types and lengths, choice values, keys,
// references) and returns one Problem per mismatch, each positioned at the
// rules-file location of the offending spec, column or bind. A nil error
// with no problems means the rules fit the destination. The error is for
// failures to read the metadata (network, credentials), classified like
// Deliver's errors. Safe for concurrent use.
type MetadataValidator interface {
	ValidateRecords(ctx context.Context, specs []mapping.RecordSpec) ([]mapping.Problem, error)
}
