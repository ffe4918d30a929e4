package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestJSONSummary(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "summary.json")
	js := NewJSONSummary(path)
	src := newFakeSource("doc_1", "doc_2", "doc_3")
	rules := fakeRules{errs: map[string]error{"doc_2": &mapping.SkipError{Reason: "duplicate"}}}
	derr := &destinations.Error{Class: destinations.Permanent, Code: "crm_400", Message: "bad"}
	dst := &fakeDest{}
	dst.deliver = func(_ context.Context, p *mapping.Plan) (*destinations.Receipt, error) {
		if p.DocumentID == "doc_3" {
			return nil, derr
		}
		return receiptFor(p), nil
	}
	c, _ := newTestConnector(t, src, rules, dst, Config{Observers: []Observer{js}})
	if _, err := c.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := js.Err(); err != nil {
		t.Fatal(err)
	}
	var got struct {
		RunID   string  `json:"run_id"`
		Mode    string  `json:"mode"`
		Entries []Entry `json:"entries"`
		Counts  Counts  `json:"counts"`
		Started string  `json:"started_at"`
		Ended   string  `json:"finished_at"`
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("summary is not JSON: %v\n%s", err, b)
	}
	want := Counts{Seen: 3, Delivered: 1, Skipped: 1, Failed: 1, Written: 1}
	if got.RunID != "run-test" || got.Mode != "run" || len(got.Entries) != 3 || got.Counts != want || got.Started == "" || got.Ended == "" {
		t.Errorf("summary = %+v, want run-test, run, 3 entries, counts %+v", got, want)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestJSONSummaryUnwritable(t *testing.T) {
	js := NewJSONSummary(filepath.Join(t.TempDir(), "missing", "summary.json"))
	m := &fakeMeter{}
	js.MeasureRuntime(m)
	c, _ := newTestConnector(t, newFakeSource("a"), fakeRules{}, &fakeDest{}, Config{Observers: []Observer{js}})
	_, _ = c.Run(t.Context())
	if js.Err() == nil {
		t.Error("Err() = nil for a summary in a missing directory")
	}
	if m.begun != 1 || m.ended != 1 {
		t.Errorf("runtime meter begun %d, ended %d times; want once each, file or no file", m.begun, m.ended)
	}
}

func TestSummaryText(t *testing.T) {
	s := &Summary{
		RunInfo:    RunInfo{RunID: "run-20260324T030000Z-1f3a9c0d", Mode: ModeRun, StartedAt: t0},
		FinishedAt: t0.Add(4200 * time.Millisecond),
		Throttle:   Throttle{Waits: 3, Waited: 12500 * time.Millisecond},
		Stop:       StopCircuitOpen, StopMessage: "the breaker opened",
	}
	for _, e := range []Entry{
		{DocumentID: "doc_a", Outcome: Delivered, Written: true, Callback: "succeeded"},
		{DocumentID: "doc_b", Outcome: Skipped, ErrorCode: "skip_rule", ErrorMessage: "duplicate"},
		{DocumentID: "doc_c", Outcome: Failed, ErrorCode: "crm_400_0x80044331", ErrorMessage: "A validation error occurred.\nThe length…"},
		{DocumentID: "doc_d", Outcome: LeftForRetry, ErrorCode: "crm_429", ErrorMessage: "throttled", Callback: "failed"},
		{DocumentID: "doc_e", Outcome: LeftForRetry, ErrorCode: CodeCallbackFailed, ErrorMessage: "could not report succeeded: 503", Written: true},
		{DocumentID: "doc_f", Outcome: Ignored},
		{DocumentID: "doc_g", Outcome: Failed, ErrorCode: "mapping_too_long", ErrorMessage: "over the list cap"},
	} {
		s.add(e, 3)
	}
	s.Err = errors.New("connector: reading the outbox: numora: 503")
	var b bytes.Buffer
	if err := s.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "summary.txt")
	if *update {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestCountsAddUp(t *testing.T) {
	var c Counts
	for _, o := range []Outcome{Delivered, Skipped, Failed, LeftForRetry, Ignored, Delivered} {
		c.add(Entry{Outcome: o})
	}
	if c.Seen != c.Delivered+c.Skipped+c.Failed+c.LeftForRetry+c.Ignored || c.Delivered != 2 {
		t.Errorf("counts %+v do not add up", c)
	}
}

func TestClip(t *testing.T) {
	long := string(bytes.Repeat([]byte("é"), maxMessage))
	got := clip(long)
	if len(got) > maxMessage+len("…") || !json.Valid([]byte(quote(got))) {
		t.Errorf("clip gave %d bytes", len(got))
	}
	if clip("short") != "short" {
		t.Error("clip changed a short message")
	}
}

// fakeMeter is a RuntimeMeter returning fixed figures.
type fakeMeter struct{ begun, ended int }

func (m *fakeMeter) Begin() { m.begun++ }
func (m *fakeMeter) End() RuntimeStats {
	m.ended++
	return RuntimeStats{HeapPeakBytes: 9 << 20, HeapGoalPeakBytes: 10 << 20, GCCycles: 70, Samples: 300, SampleEveryMS: 10}
}

func TestJSONSummaryRuntime(t *testing.T) {
	for _, withMeter := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "summary.json")
		js := NewJSONSummary(path)
		m := &fakeMeter{}
		if withMeter {
			js.MeasureRuntime(m)
		}
		c, _ := newTestConnector(t, newFakeSource("a"), fakeRules{}, &fakeDest{}, Config{Observers: []Observer{js}})
		if _, err := c.Run(t.Context()); err != nil {
			t.Fatal(err)
		}
		var got struct {
			Runtime *RuntimeStats `json:"runtime"`
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		switch {
		case !withMeter && got.Runtime != nil:
			t.Errorf("no meter: got a runtime section %+v", *got.Runtime)
		case withMeter && (got.Runtime == nil || got.Runtime.HeapPeakBytes != 9<<20 || got.Runtime.GCCycles != 70 || m.begun != 1 || m.ended != 1):
			t.Errorf("meter begun %d, ended %d times; runtime section %s", m.begun, m.ended, b)
		}
	}
}

// A dry run's summary says what would happen: nothing was reported.
func TestDryRunSummaryHeadings(t *testing.T) {
	s := Summary{RunInfo: RunInfo{RunID: "run-dry", Mode: ModeDryRun}}
	s.add(Entry{DocumentID: "doc_f", Outcome: Failed, ErrorCode: "crm_400", ErrorMessage: "refused"}, 5)
	s.add(Entry{DocumentID: "doc_r", Outcome: LeftForRetry, ErrorCode: "crm_503", ErrorMessage: "down"}, 5)
	var b bytes.Buffer
	if err := s.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"would deliver 0", "Would fail (a real run reports them", "Would be left for retry"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry-run summary lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Failed (reported to Numora") {
		t.Errorf("a dry-run summary says documents were reported:\n%s", out)
	}
}
