package numora

import (
	"encoding/json"
	"time"
)

// Status is a document's lifecycle state in Numora.
type Status string

// Document statuses, as documented.
const (
	StatusProcessing     Status = "processing"
	StatusReviewRequired Status = "review_required"
	StatusReviewed       Status = "reviewed"
	StatusPushPending    Status = "push_pending"
	StatusPushSucceeded  Status = "push_succeeded"
	StatusPushFailed     Status = "push_failed"
	StatusFailed         Status = "failed"
)

// Deliverable reports whether a document in this status may be written
// downstream by an external executor: reviewed, or a failed push to retry.
func (s Status) Deliverable() bool { return s == StatusReviewed || s == StatusPushFailed }

// OutboxItem is one entry of GET /v1/delivery/outbox.
type OutboxItem struct {
	DocumentID  string          `json:"document_id"`
	Schema      string          `json:"schema"`
	Status      Status          `json:"status"`
	ExternalID  *string         `json:"external_id"`
	Metadata    json.RawMessage `json:"metadata,omitempty"`
	ResultURL   string          `json:"result_url,omitempty"`
	DispatchURL string          `json:"dispatch_url,omitempty"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

// ReviewState says which parts of a document a reviewer confirmed.
type ReviewState struct {
	Version                    int      `json:"version"`
	ConfirmedGeneralFieldNames []string `json:"confirmed_general_field_names"`
	ConfirmedLineItemIDs       []string `json:"confirmed_line_item_ids"`
}

// Document is GET /v1/documents/{id}, the primary status surface.
type Document struct {
	ID          string          `json:"id"`
	Schema      string          `json:"schema"`
	Status      Status          `json:"status"`
	ExternalID  *string         `json:"external_id"`
	Metadata    json.RawMessage `json:"metadata,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
	ReviewState *ReviewState    `json:"review_state,omitempty"`
	DuplicateOf *string         `json:"duplicate_of"`
}

// Field is one extracted value with its confidence. Value is the raw JSON
// (string, number, bool, null, object or array): the mapping engine decides
// how to read it. Confidence is nil when Numora sent none.
type Field struct {
	Value      json.RawMessage `json:"value"`
	Confidence *float64        `json:"confidence,omitempty"`
}

// Result is GET /v1/documents/{id}/result. ExternalID, Metadata and
// UpdatedAt are not in the documented result body; the connector fills them
// from the outbox entry or the document when Numora leaves them out.
type Result struct {
	ID          string           `json:"id"`
	Schema      string           `json:"schema"`
	Status      Status           `json:"status"`
	ReviewState ReviewState      `json:"review_state"`
	Confidence  *float64         `json:"confidence,omitempty"`
	Fields      map[string]Field `json:"fields"`
	LineItems   []LineItem       `json:"line_items"`
	DuplicateOf *string          `json:"duplicate_of"`
	ExternalID  *string          `json:"external_id,omitempty"`
	Metadata    json.RawMessage  `json:"metadata,omitempty"`
	UpdatedAt   time.Time        `json:"updated_at,omitzero"`
}

// LineItem is one row of a document's table, read as
// {"id": "li_1", "<name>": <value or {value, confidence}>, ...}. Names keeps
// the keys (other than "id") in document order; Fields holds their values.
type LineItem struct {
	ID     string
	Names  []string
	Fields map[string]Field
}

// DeliveryStatus is the outcome reported through the delivery callback.
type DeliveryStatus string

// Delivery outcomes.
const (
	DeliverySucceeded DeliveryStatus = "succeeded"
	DeliveryFailed    DeliveryStatus = "failed"
	DeliverySkipped   DeliveryStatus = "skipped"
)

// Delivery is the body of POST /v1/documents/{id}/delivery: one delivery
// attempt done outside Numora. Build it once per attempt (ExecutionID and
// AttemptedAt included) so that every retry of the callback sends the same
// bytes.
type Delivery struct {
	Provider         string         `json:"provider"`
	Status           DeliveryStatus `json:"status"`
	ExecutionID      string         `json:"execution_id"`
	AttemptedAt      time.Time      `json:"attempted_at"`
	ExternalRecordID string         `json:"external_record_id,omitempty"`
	ExternalURL      string         `json:"external_url,omitempty"`
	ErrorCode        string         `json:"error_code,omitempty"`
	ErrorMessage     string         `json:"error_message,omitempty"`
}
