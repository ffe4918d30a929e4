package dataversetest

import "testing"

// DateTimeBehavior (dataverse.md §13): DateOnly takes "YYYY-MM-DD" only;
// UserLocal is stored in UTC (an offset converted); TimeZoneIndependent is
// stored as given, the wall-clock time (an offset is not applied).
func TestDateTimeBehaviors(t *testing.T) {
	tests := []struct {
		col, value, want string // want "" = refused with 400
	}{
		{"new_invoicedate", "2026-03-02", "2026-03-02"},
		{"new_invoicedate", "2026-03-02T10:30:00Z", ""},
		{"new_postedon", "2026-03-02T10:30:00+01:00", "2026-03-02T09:30:00Z"},
		{"new_postedon", "2026-03-02T10:30:00", "2026-03-02T10:30:00Z"},
		{"new_receivedon", "2026-03-02T10:30:00+01:00", "2026-03-02T10:30:00Z"},
		{"new_receivedon", "2026-03-02T10:30:00Z", "2026-03-02T10:30:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.col+" "+tt.value, func(t *testing.T) {
			s := newTestServer(t)
			c := newAPIClient(t, s)
			r := c.call("POST", "new_vendorinvoices", `{"`+tt.col+`":"`+tt.value+`"}`)
			if tt.want == "" {
				wantError(t, r, 400, "0x80048d19")
				return
			}
			wantStatus(t, r, 204)
			if got := s.Rows("new_vendorinvoices")[0][tt.col]; got != tt.want {
				t.Errorf("stored %v, want %s", got, tt.want)
			}
		})
	}
}
