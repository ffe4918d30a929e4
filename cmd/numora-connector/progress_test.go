package main

import (
	"strings"
	"testing"
	"time"

	"github.com/numora/numora-connector/connector"
)

func TestProgressLine(t *testing.T) {
	var out strings.Builder
	line := &statusLine{w: &out}
	now := time.Date(2026, 3, 24, 3, 0, 0, 0, time.UTC)
	p := newProgress(line)
	p.now = func() time.Time { return now }
	p.Start(connector.RunInfo{})
	p.Document(connector.Entry{Outcome: connector.Delivered})
	if out.Len() != 0 {
		t.Fatalf("drew %q before the delay", out.String())
	}
	now = now.Add(3 * time.Second)
	p.Document(connector.Entry{Outcome: connector.Failed})
	if got := out.String(); !strings.Contains(got, "2 documents · 1 delivered · 0 skipped · 1 failed") {
		t.Errorf("line %q", got)
	}
	_, _ = line.Write([]byte("a log line\n"))
	if got := out.String(); !strings.Contains(got, clearLine+"a log line\n") || !strings.HasSuffix(got, line.line) {
		t.Errorf("log write did not clear and redraw the line: %q", got)
	}
	p.Finish(&connector.Summary{})
	if line.line != "" || !strings.HasSuffix(out.String(), clearLine) {
		t.Errorf("Finish left the line %q", line.line)
	}
}
