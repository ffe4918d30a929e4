package dynamics365

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
)

// TestRehearseDecidesAsDeliverWould rehearses plans against the emulator:
// each comes to what Deliver then does (nil, a skip, a refusal with
// Dataverse's code), and the rehearsal writes nothing.
func TestRehearseDecidesAsDeliverWould(t *testing.T) {
	tests := []struct {
		name     string
		plan     *mapping.Plan
		vendor   bool
		wantCode string // "" = would deliver
	}{
		{"delivers", invoicePlan(mapping.ModeUpsert, "INV-R1", mapping.OnMissingFail), true, ""},
		{"lookup finds nothing: skip", invoicePlan(mapping.ModeUpsert, "INV-R2", mapping.OnMissingSkip), false, "lookup_missing"},
		{"lookup finds nothing: fail", invoicePlan(mapping.ModeUpsert, "INV-R3", mapping.OnMissingFail), false, "lookup_missing"},
		{"value longer than its column", invoicePlan(mapping.ModeUpsert, strings.Repeat("9", 101), mapping.OnMissingFail), true,
			"crm_400_0x80044331"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, s, _ := emu(t, nil)
			if tt.vendor {
				seedVendor(s)
			}
			var out strings.Builder
			rerr := d.Rehearse(context.Background(), tt.plan, &out)
			if s.Count("new_vendorinvoices") != 0 {
				t.Fatal("the rehearsal wrote a row")
			}
			_, derr := d.Deliver(context.Background(), tt.plan)
			for _, c := range []struct {
				what string
				err  error
			}{{"Rehearse", rerr}, {"Deliver", derr}} {
				var de *destinations.Error
				switch {
				case tt.wantCode == "" && c.err != nil:
					t.Errorf("%s: %v, want nil", c.what, c.err)
				case tt.wantCode != "" && (!errors.As(c.err, &de) || de.Code != tt.wantCode):
					t.Errorf("%s: %v, want code %s", c.what, c.err, tt.wantCode)
				}
			}
			if !errors.Is(rerr, nil) && destinations.Classify(rerr) != destinations.Classify(derr) {
				t.Errorf("Rehearse classed %v, Deliver %v", destinations.Classify(rerr), destinations.Classify(derr))
			}
			if tt.wantCode == "" && (!strings.Contains(out.String(), "$batch") || strings.Contains(out.String(), "<GUID from")) {
				t.Errorf("want the requests with the lookup answered:\n%s", out.String())
			}
		})
	}
}
