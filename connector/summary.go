package connector

import (
	"encoding/json"
	"time"
)

// Counts are the run's document totals. Seen = Delivered + Skipped + Failed
// + LeftForRetry + Ignored.
type Counts struct {
	Seen         int `json:"seen"`
	Delivered    int `json:"delivered"`
	Skipped      int `json:"skipped"`
	Failed       int `json:"failed"`
	LeftForRetry int `json:"left_for_retry"`
	Ignored      int `json:"ignored"`
	// Written counts documents whose write the destination confirmed,
	// reported or not.
	Written int `json:"written"`
	// WrittenNotReported counts the written documents whose callback could
	// not be recorded.
	WrittenNotReported int `json:"written_not_reported"`
}

// Rows adds up the rows the run's written documents created, updated and
// removed (Entry.RowsCreated …).
type Rows struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
	Removed int `json:"removed"`
}

func (c *Counts) add(e Entry) {
	c.Seen++
	switch e.Outcome {
	case Delivered:
		c.Delivered++
	case Skipped:
		c.Skipped++
	case Failed:
		c.Failed++
	case Ignored:
		c.Ignored++
	default:
		c.LeftForRetry++
	}
	if e.Written {
		c.Written++
	}
	if e.WrittenNotReported() {
		c.WrittenNotReported++
	}
}

// StopReason says why a run ended before the outbox was drained.
type StopReason string

// Stop reasons. The empty reason means the run went through the outbox.
const (
	StopNone        StopReason = ""
	StopInterrupted StopReason = "interrupted"  // the run's context was cancelled (SIGINT/SIGTERM)
	StopCircuitOpen StopReason = "circuit_open" // the destination's breaker opened
	StopReserve     StopReason = "api_reserve"  // the CRM's API allocation reached the reserve
	StopSource      StopReason = "source_failed"
	StopDestination StopReason = "destination_failed"
)

// Throttle is the time a run spent paused because servers throttled it.
type Throttle struct {
	Waits  int
	Waited time.Duration
}

// MarshalJSON writes {"waits": n, "waited_ms": ms}.
func (t Throttle) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Waits    int   `json:"waits"`
		WaitedMS int64 `json:"waited_ms"`
	}{t.Waits, t.Waited.Milliseconds()})
}

// Summary is the result of one run.
type Summary struct {
	RunInfo
	FinishedAt time.Time `json:"finished_at"`
	Counts     Counts    `json:"counts"`
	Rows       Rows      `json:"rows,omitzero"`
	Throttle   Throttle  `json:"throttling"`
	// Stop and StopMessage say why the run ended early, if it did.
	Stop        StopReason `json:"stop_reason,omitempty"`
	StopMessage string     `json:"stop_message,omitempty"`
	// Problems lists the first MaxListed documents that were not delivered,
	// skipped or ignored: failed, left for retry, written but not reported.
	Problems []Entry `json:"-"`
	// ProblemsOmitted counts the problem documents beyond MaxListed.
	ProblemsOmitted int `json:"-"`
	// Err is the error that stopped the run early (Numora or the
	// destination unreachable, credentials refused), or nil.
	Err error `json:"-"`
}

// Elapsed is the run's wall time.
func (s *Summary) Elapsed() time.Duration { return s.FinishedAt.Sub(s.StartedAt) }

// Clean reports whether every document seen was delivered, skipped or
// ignored and the run was not cut short by a failure.
func (s *Summary) Clean() bool {
	c := s.Counts
	return c.Failed == 0 && c.LeftForRetry == 0 && s.Err == nil && s.Stop != StopCircuitOpen && s.Stop != StopReserve
}

func (s *Summary) add(e Entry, maxListed int) {
	s.Counts.add(e)
	if e.Written {
		s.Rows.Created += e.RowsCreated
		s.Rows.Updated += e.RowsUpdated
		s.Rows.Removed += e.RowsRemoved
	}
	if e.Outcome != Failed && e.Outcome != LeftForRetry {
		return
	}
	if len(s.Problems) < maxListed {
		s.Problems = append(s.Problems, e)
	} else {
		s.ProblemsOmitted++
	}
}
