package salesforce

import (
	"testing"
)

// FuzzParseResponses feeds arbitrary bodies and headers to every parser
// of Salesforce answers: none may panic, and what they accept must be
// consistent.
func FuzzParseResponses(f *testing.F) {
	f.Add([]byte(`{"compositeResponse":[{"body":[{"message":"m","errorCode":"E","fields":["F"]}],"httpStatusCode":400,"referenceId":"r0"}]}`), 400, "api-usage=1/2")
	f.Add([]byte(`["/services/data/v62.0/sobjects/Contact/003"]`), 300, "api-usage=10018/100000; api-bursts=1/750")
	f.Add([]byte(`{"DailyApiRequests":{"Remaining":"4980","Max":"5000"}}`), 200, "")
	f.Add([]byte(`{"totalSize":1,"done":true,"records":[{"Id":"001"}]}`), 200, "api-usage=")
	f.Fuzz(func(t *testing.T, body []byte, status int, header string) {
		if res, err := parseComposite(body); err == nil {
			for ref, r := range res {
				if ref == "" || r.Status < 100 || r.Status > 599 {
					t.Fatalf("accepted result %q %+v", ref, r)
				}
			}
		}
		e := parseAPIError("POST", "/x", status, body)
		_ = e.classify()
		_ = e.Error()
		if used, max, ok := parseLimitInfo(header); ok && (max <= 0 || used < 0) {
			t.Fatalf("parseLimitInfo(%q) = %d/%d", header, used, max)
		}
		if used, max, err := parseLimits(body); err == nil && (max <= 0 || used < 0 || used > max) {
			t.Fatalf("parseLimits = %d/%d", used, max)
		}
	})
}
