package destinations

import (
	"errors"
	"testing"

	"github.com/numora/numora-connector/mapping"
)

func TestLookupMissing(t *testing.T) {
	tests := []struct {
		on        mapping.OnMissing
		wantNull  bool
		wantClass Class
	}{
		{mapping.OnMissingNull, true, 0},
		{mapping.OnMissingSkip, false, Skip},
		{mapping.OnMissingFail, false, Permanent},
		{"", false, Permanent}, // unset: fail, the safe default
	}
	for _, tt := range tests {
		null, err := LookupMissing(&mapping.Lookup{OnMissing: tt.on}, "vendor with accountnumber 'X' not found in accounts")
		var de *Error
		switch {
		case null != tt.wantNull:
			t.Errorf("%q: null %v, want %v", tt.on, null, tt.wantNull)
		case tt.wantNull && err != nil:
			t.Errorf("%q: %v, want no error", tt.on, err)
		case !tt.wantNull && (!errors.As(err, &de) || de.Class != tt.wantClass || de.Code != "lookup_missing"):
			t.Errorf("%q: %v, want %v lookup_missing", tt.on, err, tt.wantClass)
		}
	}
	if LookupLabel(&mapping.Lookup{Label: "vendor"}) != "vendor" || LookupLabel(&mapping.Lookup{}) != "lookup" {
		t.Error(`LookupLabel: want the rules' label, else "lookup"`)
	}
}
