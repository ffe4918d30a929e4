package salesforcetest

import "testing"

// FuzzParseSOQL: the emulator's parser never panics, and a query it
// accepts names an object and at least one field.
func FuzzParseSOQL(f *testing.F) {
	f.Add(`SELECT Id, Line_Key__c FROM Invoice_Line__c WHERE Invoice__r.Numora_Document_Id__c = 'INV-1' LIMIT 2`)
	f.Add(`SELECT Id FROM Account WHERE Tax_Id__c IN ('a\'b', '\u0041') AND Paid__c = true`)
	f.Fuzz(func(t *testing.T, q string) {
		s, err := parseSOQL(q)
		if err == nil && (s.object == "" || len(s.fields) == 0) {
			t.Fatalf("accepted %q as %+v", q, s)
		}
	})
}
