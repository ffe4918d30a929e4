package numora

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidDelivery is wrapped by the error Delivery.Validate returns, and
// so by ReportDelivery for a body it refuses to send.
var ErrInvalidDelivery = errors.New("numora: invalid delivery")

// attemptedAtLayout is ISO-8601 UTC with milliseconds, as in Numora's docs.
const attemptedAtLayout = "2006-01-02T15:04:05.000Z"

// MarshalJSON writes the documented callback body; attempted_at is UTC with
// milliseconds ("2026-03-24T03:00:00.000Z"), so a Delivery marshals to the
// same bytes however its time was built.
func (d Delivery) MarshalJSON() ([]byte, error) {
	type plain Delivery // no methods: no recursion
	return json.Marshal(struct {
		plain
		AttemptedAt string `json:"attempted_at"`
	}{plain(d), d.AttemptedAt.UTC().Format(attemptedAtLayout)})
}

// Validate checks the fields the callback requires: provider, a known
// status, execution_id, attempted_at, and external_record_id when the status
// is succeeded. All problems are reported at once, wrapped around
// ErrInvalidDelivery.
func (d Delivery) Validate() error {
	var problems []string
	if strings.TrimSpace(d.Provider) == "" {
		problems = append(problems, "provider is required")
	}
	switch d.Status {
	case DeliverySucceeded, DeliveryFailed, DeliverySkipped:
	case "":
		problems = append(problems, "status is required")
	default:
		problems = append(problems, fmt.Sprintf("status %q is not succeeded, failed or skipped", d.Status))
	}
	if strings.TrimSpace(d.ExecutionID) == "" {
		problems = append(problems, "execution_id is required")
	}
	if d.AttemptedAt.IsZero() {
		problems = append(problems, "attempted_at is required")
	}
	if d.Status == DeliverySucceeded && strings.TrimSpace(d.ExternalRecordID) == "" {
		problems = append(problems, "external_record_id is required when status is succeeded")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidDelivery, strings.Join(problems, "; "))
	}
	return nil
}
