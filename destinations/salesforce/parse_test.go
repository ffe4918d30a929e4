package salesforce

import (
	"strings"
	"testing"

	"github.com/numora/numora-connector/destinations"
)

func TestParseLimitInfo(t *testing.T) {
	tests := []struct {
		in        string
		used, max int
		ok        bool
	}{
		{"api-usage=10018/100000", 10018, 100000, true},
		{"api-usage=1/750; api-bursts=1/750", 1, 750, true},
		{"api-bursts=1/750; API-Usage= 5 / 15000", 5, 15000, true},
		{"", 0, 0, false},
		{"api-usage=5", 0, 0, false},
		{"api-usage=x/100", 0, 0, false},
		{"api-usage=5/0", 0, 0, false},
		{"api-usage=-1/10", 0, 0, false},
	}
	for _, tt := range tests {
		used, max, ok := parseLimitInfo(tt.in)
		if used != tt.used || max != tt.max || ok != tt.ok {
			t.Errorf("parseLimitInfo(%q) = %d, %d, %v", tt.in, used, max, ok)
		}
	}
}

func TestParseLimits(t *testing.T) {
	tests := []struct {
		body      string
		used, max int
		ok        bool
	}{
		{`{"DailyApiRequests":{"Remaining":"4980","Max":"5000"}}`, 20, 5000, true},
		{`{"DailyApiRequests":{"Remaining":4980,"Max":5000}}`, 20, 5000, true},
		{`{"DailyApiRequests":{"Remaining":6000,"Max":5000}}`, 0, 0, false},
		{`{}`, 0, 0, false},
		{`[`, 0, 0, false},
	}
	for _, tt := range tests {
		used, max, err := parseLimits([]byte(tt.body))
		if used != tt.used || max != tt.max || (err == nil) != tt.ok {
			t.Errorf("parseLimits(%s) = %d, %d, %v", tt.body, used, max, err)
		}
	}
}

func TestAPIErrorClassification(t *testing.T) {
	tests := []struct {
		status int
		body   string
		class  destinations.Class
		code   string
		msg    string
	}{
		{400, `[{"message":"Email: invalid email address: x","errorCode":"INVALID_EMAIL_ADDRESS","fields":["Email"]}]`,
			destinations.Permanent, "crm_400_invalid_email_address", "invalid email address: x (fields: Email)"},
		{400, `[{"message":"a","errorCode":"UNABLE_TO_LOCK_ROW","fields":[]}]`, destinations.Transient, "crm_400_unable_to_lock_row", "a"},
		{403, `[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`, destinations.Transient,
			"crm_403_request_limit_exceeded", "TotalRequests"},
		{300, `["/services/data/v62.0/sobjects/Contact/003A","/services/data/v62.0/sobjects/Contact/003B"]`,
			destinations.Permanent, "crm_300", "2 records hold this external ID"},
		{400, `{"success":false,"errors":[]}`, destinations.Permanent, "crm_400", "success"},
		{400, `[{"statusCode":"MALFORMED_ID","message":"bad id","fields":[]}]`, destinations.Permanent, "crm_400_malformed_id", "bad id"},
		{503, `<html>maintenance</html>`, destinations.Transient, "crm_503", "maintenance"},
		{500, ``, destinations.Transient, "crm_500", "no error body"},
		{404, `{"message":"x","errorCode":"NOT_FOUND"}`, destinations.Permanent, "crm_404_not_found", "x"},
	}
	for _, tt := range tests {
		e := parseAPIError("POST", "/x", tt.status, []byte(tt.body)).classify()
		if e.Class != tt.class || e.Code != tt.code || !strings.Contains(e.Message, tt.msg) {
			t.Errorf("%d %s: got %s %s %q", tt.status, tt.body, e.Class, e.Code, e.Message)
		}
	}
	long := parseAPIError("GET", "/y", 502, []byte(strings.Repeat("z", 500)))
	if len(long.Message()) > 210 || !strings.Contains(long.Error(), "GET /y: 502") {
		t.Errorf("long body: %q", long.Error())
	}
}

func TestParseComposite(t *testing.T) {
	good := `{"compositeResponse":[{"body":{"id":"a01","success":true,"errors":[],"created":true},"httpHeaders":{},"httpStatusCode":201,"referenceId":"r0"}]}`
	res, err := parseComposite([]byte(good))
	if err != nil || res["r0"].Status != 201 {
		t.Fatalf("parseComposite = %v, %v", res, err)
	}
	for _, bad := range []string{`[`, `{}`, `{"compositeResponse":[{"httpStatusCode":0,"referenceId":"r0"}]}`,
		`{"compositeResponse":[{"httpStatusCode":200}]}`} {
		if _, err := parseComposite([]byte(bad)); err == nil {
			t.Errorf("parseComposite(%s) succeeded", bad)
		}
	}
	req := &compositeRequest{CompositeRequest: []subrequest{{Method: "PATCH", URL: "/a", ReferenceID: "r0"}, {Method: "PATCH", URL: "/b", ReferenceID: "r1"}}}
	halted := `[{"errorCode":"PROCESSING_HALTED","message":"rolled back"}]`
	res = map[string]subresult{"r0": {Status: 400, Body: []byte(halted), ReferenceID: "r0"},
		"r1": {Status: 400, Body: []byte(`[{"errorCode":"DUPLICATE_VALUE","message":"dup"}]`), ReferenceID: "r1"}}
	if f := firstFailure(req, res); f == nil || f.ref != "r1" {
		t.Errorf("firstFailure = %+v, want r1 (the cause, not the rolled-back r0)", f)
	}
	delete(res, "r1")
	if f := firstFailure(req, res); f == nil || f.ref != "r1" || f.api.Status != 502 {
		t.Errorf("missing result: %+v", f)
	}
	res["r1"] = subresult{Status: 400, Body: []byte(halted)}
	if f := firstFailure(req, res); f == nil || f.ref != "r0" {
		t.Errorf("all halted: %+v", f)
	}
}
