package connector

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// JSONSummary is an Observer that writes the run summary as one JSON object
// to a file: run_id, mode, started_at, one entry per document (written as
// they happen, so memory stays flat however many documents a run sees),
// then finished_at, elapsed_ms, counts, rows (created, updated, removed;
// when any), throttling, the stop reason and, with MeasureRuntime, the
// process's runtime figures over the run.
//
// The file appears complete or not at all: it is written next to its final
// path and renamed in Finish. In loop mode each pass replaces it. Err
// returns the first write error.
type JSONSummary struct {
	path  string
	meter RuntimeMeter
	f     *os.File
	w     *bufio.Writer
	n     int
	err   error
}

// NewJSONSummary returns an observer writing the summary to path.
func NewJSONSummary(path string) *JSONSummary { return &JSONSummary{path: path} }

// MeasureRuntime makes each run's summary end with a "runtime" object:
// what m measured between the run's start and its finish. Call it before
// the first run.
func (j *JSONSummary) MeasureRuntime(m RuntimeMeter) { j.meter = m }

// Start opens the temporary file, writes the run's header and starts the
// runtime meter, if any.
func (j *JSONSummary) Start(info RunInfo) {
	j.abandon()
	if j.meter != nil {
		j.meter.Begin()
	}
	f, err := os.CreateTemp(filepath.Dir(j.path), "."+filepath.Base(j.path)+".*.tmp")
	if err != nil {
		j.fail(err)
		return
	}
	j.f, j.w, j.n = f, bufio.NewWriter(f), 0
	j.printf(`{"run_id":%s,"mode":%s,"started_at":%s,"entries":[`, quote(info.RunID), quote(string(info.Mode)),
		quote(info.StartedAt.UTC().Format(time.RFC3339Nano)))
}

// Document appends one entry.
func (j *JSONSummary) Document(e Entry) {
	if j.w == nil {
		return
	}
	b, err := json.Marshal(e)
	if err != nil {
		j.fail(err)
		return
	}
	if j.n > 0 {
		j.printf(",")
	}
	j.printf("\n%s", b)
	j.n++
}

// Finish writes the totals, then closes and renames the file.
func (j *JSONSummary) Finish(s *Summary) {
	rt := j.runtime() // ended even when the file could not be written
	if j.w == nil {
		return
	}
	tail := struct {
		FinishedAt  time.Time     `json:"finished_at"`
		ElapsedMS   int64         `json:"elapsed_ms"`
		Counts      Counts        `json:"counts"`
		Rows        Rows          `json:"rows,omitzero"`
		Throttle    Throttle      `json:"throttling"`
		Stop        StopReason    `json:"stop_reason,omitempty"`
		StopMessage string        `json:"stop_message,omitempty"`
		Error       string        `json:"error,omitempty"`
		Runtime     *RuntimeStats `json:"runtime,omitempty"`
	}{s.FinishedAt.UTC(), s.Elapsed().Milliseconds(), s.Counts, s.Rows, s.Throttle, s.Stop, s.StopMessage, errText(s.Err), rt}
	b, err := json.Marshal(tail)
	if err != nil {
		j.fail(err)
		return
	}
	j.printf("\n],%s\n", b[1:])
	j.close(true)
}

// runtime ends the meter's measurement; nil without a meter.
func (j *JSONSummary) runtime() *RuntimeStats {
	if j.meter == nil {
		return nil
	}
	r := j.meter.End()
	return &r
}

// Err returns the first error met while writing, or nil.
func (j *JSONSummary) Err() error { return j.err }

func (j *JSONSummary) printf(format string, args ...any) {
	if j.w == nil {
		return
	}
	if _, err := fmt.Fprintf(j.w, format, args...); err != nil {
		j.fail(err)
	}
}

func (j *JSONSummary) fail(err error) {
	if j.err == nil {
		j.err = fmt.Errorf("connector: writing the summary to %s: %w", j.path, err)
	}
	j.abandon()
}

// close flushes and closes the file and, if keep, renames it into place.
func (j *JSONSummary) close(keep bool) {
	f, w := j.f, j.w
	j.f, j.w = nil, nil
	err := errors.Join(w.Flush(), f.Close())
	if keep && err == nil {
		err = os.Rename(f.Name(), j.path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		if j.err == nil {
			j.err = fmt.Errorf("connector: writing the summary to %s: %w", j.path, err)
		}
	}
}

func (j *JSONSummary) abandon() {
	if j.f == nil {
		return
	}
	name := j.f.Name()
	_ = j.f.Close()
	_ = os.Remove(name)
	j.f, j.w = nil, nil
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
