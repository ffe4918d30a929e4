package numoratest

import (
	"testing"
	"time"

	"github.com/numora/numora-connector/numora"
)

// TestCorrect: a correction shows in the result the API serves and moves
// updated_at; a result read before it keeps its value.
func TestCorrect(t *testing.T) {
	s, clock := start(t)
	if err := s.LoadFixtures(fixtures); err != nil {
		t.Fatal(err)
	}
	before, _ := s.Result(invoiceID)
	clock.Advance(time.Minute)
	if err := s.Correct(invoiceID, "invoice_number", []byte(`"INV-CORRECTED"`)); err != nil {
		t.Fatal(err)
	}
	var r numora.Result
	send(t, s, "GET", "/v1/documents/"+invoiceID+"/result", "").decode(t, &r)
	if got := string(r.Fields["invoice_number"].Value); got != `"INV-CORRECTED"` {
		t.Errorf("invoice_number = %s, want the correction", got)
	}
	if string(before.Fields["invoice_number"].Value) == `"INV-CORRECTED"` {
		t.Error("a result read before the correction changed")
	}
	if d, _ := s.Document(invoiceID); !d.UpdatedAt.Equal(epoch.Add(time.Minute)) {
		t.Errorf("updated_at %v, want the correction's time %v", d.UpdatedAt, epoch.Add(time.Minute))
	}
	for _, bad := range []struct{ id, value string }{{"nope", `"x"`}, {invoiceID, `not json`}} {
		if err := s.Correct(bad.id, "invoice_number", []byte(bad.value)); err == nil {
			t.Errorf("Correct(%s, %s) = nil, want an error", bad.id, bad.value)
		}
	}
}
