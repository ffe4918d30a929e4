package connector

import (
	"time"

	"github.com/numora/numora-connector/numora"
)

// Entry is one document's line in the run summary. It is small and final:
// observers may keep or stream it.
type Entry struct {
	DocumentID string  `json:"document_id"`
	Schema     string  `json:"schema,omitempty"`
	Outcome    Outcome `json:"outcome"`
	// ExternalRecordID and ExternalURL identify the primary row written.
	ExternalRecordID string `json:"external_record_id,omitempty"`
	ExternalURL      string `json:"external_url,omitempty"`
	// ErrorCode and ErrorMessage say why the document was not delivered
	// (for skips, the reason).
	ErrorCode    string `json:"error_code,omitempty"`
	ErrorMessage string `json:"error_message,omitempty"`
	// Callback is the status reported to Numora ("" when nothing was
	// reported, or nothing could be).
	Callback numora.DeliveryStatus `json:"callback,omitempty"`
	// ExecutionID is the callback's execution id, when one was sent.
	ExecutionID string `json:"execution_id,omitempty"`
	// Written is true when the destination confirmed the write.
	Written bool `json:"written,omitempty"`
	// RowsCreated, RowsUpdated and RowsRemoved count the rows the write
	// created, updated, and removed (deleted or deactivated) because the
	// document no longer has their line items.
	RowsCreated int `json:"rows_created,omitempty"`
	RowsUpdated int `json:"rows_updated,omitempty"`
	RowsRemoved int `json:"rows_removed,omitempty"`
	// DurationMS is the time the document took, from result to callback,
	// in milliseconds.
	DurationMS int64 `json:"duration_ms"`
}

// WrittenNotReported says the destination holds the document's rows but
// Numora does not know yet: the next run re-delivers and reports it.
func (e Entry) WrittenNotReported() bool { return e.Written && e.Callback == "" }

// Observer follows a run: Start once, Document once per document taken, then
// Finish once with the summary. Calls never overlap. An observer must not
// block for long: workers wait for it.
type Observer interface {
	Start(info RunInfo)
	Document(e Entry)
	Finish(s *Summary)
}

// RunInfo describes a run as it starts.
type RunInfo struct {
	RunID     string    `json:"run_id"`
	Mode      Mode      `json:"mode"`
	StartedAt time.Time `json:"started_at"`
}

// Mode is how a run delivers.
type Mode string

// Modes.
const (
	ModeRun      Mode = "run"      // the connector writes and reports
	ModeDryRun   Mode = "dry-run"  // the connector maps and prints, nothing else
	ModeDispatch Mode = "dispatch" // Numora writes; the connector dispatches and watches
)
