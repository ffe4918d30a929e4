package numora

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/numora/numora-connector/retry"
)

// Fuzz targets for what Numora sends back, next to FuzzOutboxPage: result
// bodies and error bodies. Seeds live in testdata/fuzz/<target>/.

// FuzzResult decodes arbitrary result bodies: a body that decodes must
// encode again, and its encoding must decode to the same fields and line
// items (what the mapping engine then reads), and the client's one-pass
// decoding gives the same as json.Unmarshal.
func FuzzResult(f *testing.F) {
	f.Add([]byte(`{"id":"doc_1","schema":"invoice_v2","status":"reviewed","fields":{"invoice_number":{"value":"INV-1","confidence":0.9}},"line_items":[{"id":"li_1","amount":{"value":"1,50","confidence":0.8}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Result
		err := json.Unmarshal(data, &r)
		fast, fastErr := decodeResult(data)
		if (err != nil) != (fastErr != nil) || (err == nil && !reflect.DeepEqual(*fast, r)) {
			t.Fatalf("the client's decoding differs from json.Unmarshal:\n%+v (%v)\n%+v (%v)", fast, fastErr, r, err)
		}
		if err != nil {
			return
		}
		again, err := json.Marshal(&r)
		if err != nil {
			return // line items without a usable id are refused on the way out
		}
		var r2 Result
		if err := json.Unmarshal(again, &r2); err != nil {
			t.Fatalf("re-decoding %s: %v", again, err)
		}
		third, err := json.Marshal(&r2)
		if err != nil || string(third) != string(again) {
			t.Errorf("not stable:\n%s\n%s (%v)", again, third, err)
		}
	})
}

// FuzzAPIErrorBody reads arbitrary error answers: the error names the
// method, the redacted URL and the status, its message is bounded when the
// body is not the documented envelope, and Retry-After is never negative.
func FuzzAPIErrorBody(f *testing.F) {
	f.Add(429, []byte(`{"error":{"code":"rate_limited","message":"slow down","request_id":"req_1"}}`), "2")
	f.Fuzz(func(t *testing.T, status int, body []byte, retryAfter string) {
		if status < 100 || status > 999 {
			return // net/http never hands such a status to the client
		}
		c := &Client{clock: retry.NewFakeClock(time.Date(2026, 3, 24, 3, 0, 0, 0, time.UTC))}
		u, _ := url.Parse("https://numora.example/v1/documents/doc_1/result")
		resp := &http.Response{StatusCode: status, Header: http.Header{"Retry-After": {retryAfter}},
			Body: io.NopCloser(strings.NewReader(string(body)))}
		err := c.apiError(&call{method: http.MethodGet, url: u}, resp)
		ae, ok := err.(*APIError)
		if !ok || ae.StatusCode != status || ae.RetryAfter < 0 {
			t.Fatalf("got %#v", err)
		}
		if ae.Code == "" && len(ae.Message) > 4*200+3 {
			t.Errorf("a %d-byte message from a body that is not the envelope", len(ae.Message))
		}
		if !strings.HasPrefix(ae.Error(), "numora: GET https://numora.example/v1/documents/doc_1/result: ") {
			t.Errorf("Error() = %.200q", ae.Error())
		}
		_ = IsTransient(err)
	})
}
