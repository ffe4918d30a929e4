package connector

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteText writes the human summary of the run: totals, time, throttling,
// why it stopped early, and the documents that need attention with their
// reasons.
func (s *Summary) WriteText(w io.Writer) error {
	var b strings.Builder
	c := s.Counts
	fmt.Fprintf(&b, "Run %s (%s) finished in %s.\n", s.RunID, s.Mode, s.Elapsed().Round(time.Millisecond))
	delivered := "delivered"
	if s.Mode == ModeDryRun {
		delivered = "would deliver"
	}
	fmt.Fprintf(&b, "  seen %d · %s %d · skipped %d · failed %d · left for retry %d", c.Seen, delivered,
		c.Delivered, c.Skipped, c.Failed, c.LeftForRetry)
	if c.Ignored > 0 {
		fmt.Fprintf(&b, " · ignored %d (not reviewed)", c.Ignored)
	}
	b.WriteString("\n")
	if r := s.Rows; r != (Rows{}) {
		fmt.Fprintf(&b, "  rows: %d created · %d updated · %d removed (line items no longer in their documents)\n",
			r.Created, r.Updated, r.Removed)
	}
	if s.Throttle.Waits > 0 {
		fmt.Fprintf(&b, "  throttled: %d pause(s), %s in total\n", s.Throttle.Waits, s.Throttle.Waited.Round(time.Millisecond))
	}
	s.writeProblems(&b)
	if s.Stop != StopNone {
		fmt.Fprintf(&b, "Stopped early: %s.\n", s.StopMessage)
	}
	if s.Err != nil {
		fmt.Fprintf(&b, "Error: %v\n", s.Err)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// problemGroups are the headings of the problem list, in print order.
// A dry run reports and writes nothing: it heads its lists with dryTitle.
var problemGroups = []struct {
	title, dryTitle string
	match           func(Entry) bool
}{
	{"Failed (reported to Numora; they fail again until the data or the rules are fixed):",
		"Would fail (a real run reports them to Numora; they fail until the data or the rules are fixed):",
		func(e Entry) bool { return e.Outcome == Failed }},
	{"Written, not reported (the rows exist; the next run re-delivers them idempotently and reports):", "",
		func(e Entry) bool { return e.WrittenNotReported() }},
	{"Left for retry (a later run tries again):", "Would be left for retry (a later run tries again):",
		func(e Entry) bool { return e.Outcome == LeftForRetry && !e.WrittenNotReported() }},
}

func (s *Summary) writeProblems(b *strings.Builder) {
	for _, g := range problemGroups {
		title := g.title
		if s.Mode == ModeDryRun {
			title = g.dryTitle
		}
		first := true
		for _, e := range s.Problems {
			if !g.match(e) {
				continue
			}
			if first {
				b.WriteString(title + "\n")
				first = false
			}
			fmt.Fprintf(b, "  %s  %s: %s\n", e.DocumentID, e.ErrorCode, oneLine(e.ErrorMessage))
		}
	}
	if s.ProblemsOmitted > 0 {
		fmt.Fprintf(b, "  … and %d more (the summary JSON lists every document)\n", s.ProblemsOmitted)
	}
}

// oneLine keeps a message on one line of at most 200 characters.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		return string(r[:199]) + "…"
	}
	return s
}
