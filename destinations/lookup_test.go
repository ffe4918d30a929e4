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

func TestLookupMessages(t *testing.T) {
	quoted := func(v mapping.Value) (string, error) {
		if v.Type != mapping.TypeString {
			return "", errors.New("no literal")
		}
		return "'" + v.Text() + "'", nil
	}
	l := &mapping.Lookup{Entity: "Account", Label: "vendor", Match: []mapping.Column{
		{Name: "Tax_Id__c", Value: mapping.StringValue("DE1")},
		{Name: "Segment__c", Value: mapping.ChoiceValue(mapping.Option{Label: "Retail", Value: 2})}}}
	want := "vendor with Tax_Id__c 'DE1' and Segment__c Retail not found in Account"
	if got := LookupNotFound(l, quoted); got != want {
		t.Errorf("LookupNotFound = %q, want %q", got, want)
	}
	line := &mapping.Record{Name: "line", ItemID: "li_3", Entity: "new_vendorinvoicelines"}
	if got := RecordLabel(line); got != "line li_3 (new_vendorinvoicelines)" {
		t.Errorf("RecordLabel = %q", got)
	}
	if got := RecordLabel(&mapping.Record{Name: "invoice", Entity: "Invoice__c"}); got != "invoice (Invoice__c)" {
		t.Errorf("RecordLabel = %q", got)
	}
}
