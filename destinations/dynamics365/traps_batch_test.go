package dynamics365

import (
	"context"
	"strings"
	"testing"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/mapping"
)

// Documents that share a $batch, one of them failing, against every shape
// of failed change set a server may send (dataverse.md §13): an error part
// with or without a Content-ID (the OData 4.0 shape), and a server that
// goes on after it (continue-on-error) or stops there. Whatever the shape,
// the failing document's permanent error stays permanent with its code,
// and the others are written: those the server never reached are resent.
func TestSharedBatchFailedChangeSetShapes(t *testing.T) {
	tests := []struct {
		name string
		opts []dataversetest.Option
	}{
		{"error part with Content-ID, continues", nil},
		{"OData 4.0 error part without Content-ID, continues", []dataversetest.Option{dataversetest.WithODataBatchErrors()}},
		{"error part with Content-ID, stops", []dataversetest.Option{dataversetest.WithStopAtFailedChangeSet()}},
		{"OData 4.0 error part, stops", []dataversetest.Option{dataversetest.WithODataBatchErrors(), dataversetest.WithStopAtFailedChangeSet()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, s, _ := emu(t, tt.opts, func(c *Config) { c.MaxConcurrency, c.InitialConcurrency = 1, 1 })
			seedVendor(s)
			ctx := context.Background()
			if _, err := d.Deliver(ctx, invoicePlan(mapping.ModeUpsert, "INV-WARM", mapping.OnMissingFail)); err != nil {
				t.Fatal(err)
			}
			gate := s.Hold()
			first := deliverAsync(ctx, d, invoicePlan(mapping.ModeUpsert, "INV-A", mapping.OnMissingFail))
			<-gate.Arrived()
			bad := invoicePlan(mapping.ModeUpsert, "INV-BAD", mapping.OnMissingFail)
			bad.Records[1].Columns[0].Value = mapping.StringValue(strings.Repeat("x", 201)) // new_name holds 200
			waiting := []<-chan delivery{
				deliverAsync(ctx, d, invoicePlan(mapping.ModeUpsert, "INV-B", mapping.OnMissingFail)),
				deliverAsync(ctx, d, bad),
				deliverAsync(ctx, d, invoicePlan(mapping.ModeUpsert, "INV-C", mapping.OnMissingFail)),
				deliverAsync(ctx, d, invoicePlan(mapping.ModeUpsert, "INV-D", mapping.OnMissingFail)),
			}
			queued(d, len(waiting))
			s.Unhold()
			if r := <-first; r.err != nil {
				t.Fatalf("first delivery: %v", r.err)
			}
			for i, ch := range waiting {
				r := <-ch
				if i == 1 {
					ce := classify(r.err)
					if ce == nil || ce.Class != destinations.Permanent || ce.Code != "crm_400_0x80044331" {
						t.Errorf("failing document: %v, want a permanent crm_400_0x80044331", r.err)
					}
					continue
				}
				if r.err != nil || r.rc.RecordID == "" {
					t.Errorf("document %d: %+v, %v; want written", i, r.rc, r.err)
				}
			}
			if n := s.Count("new_vendorinvoices"); n != 5 {
				t.Errorf("%d invoices, want 5 (warm-up, A, B, C, D; not the failing one)", n)
			}
		})
	}
}
