package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/numora/numoratest"
)

// Oversized and malformed answers from both APIs: huge bodies, wrong
// content types, truncated JSON and multipart. Reads are bounded, errors
// clear, the documents reported failed (retryable) or left for retry, the
// binary never panics, and the next passes deliver everything.
func TestFaultMalformedResponses(t *testing.T) {
	t.Parallel()
	jsonCT := http.Header{"Content-Type": {"application/json"}}
	html := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	multipart := http.Header{"Content-Type": {"multipart/mixed; boundary=batchresponse_1"}}
	huge := func(n int) []byte { return append([]byte(`{"id":"`), bytes.Repeat([]byte("a"), n)...) }
	tests := []struct {
		name  string
		setup func(f *faultEnv)
		want  string // in some pass's output
	}{
		{"Numora result: truncated JSON", numoraRaw(numoratest.EndpointResult,
			numoratest.Fault{Header: jsonCT, Body: []byte(`{"id":"doc","fields":{"invoice_number":{"val`), Rate: 0.3, Times: 6}),
			"result_unavailable"},
		{"Numora result: HTML with 200", numoraRaw(numoratest.EndpointResult,
			numoratest.Fault{Header: html, Body: []byte("<html><body>maintenance</body></html>"), Rate: 0.3, Times: 4}),
			"not JSON"},
		{"Numora result: 33 MiB body", numoraRaw(numoratest.EndpointResult,
			numoratest.Fault{Header: jsonCT, Body: huge(33 << 20), Times: 1}), "too large"},
		{"Numora result: 2 MiB error page", numoraRaw(numoratest.EndpointResult,
			numoratest.Fault{Status: 500, Header: html, Body: bytes.Repeat([]byte("<p>oops</p>"), 200000), Times: 2}), ""},
		{"Numora outbox: truncated JSON", numoraRaw(numoratest.EndpointOutbox,
			numoratest.Fault{Header: jsonCT, Body: []byte(`{"data":[{"document_id":"doc_`), Times: 1}), "outbox"},
		{"Numora outbox: 9 MiB page", numoraRaw(numoratest.EndpointOutbox,
			numoratest.Fault{Header: jsonCT, Body: huge(9 << 20), Times: 1}), "too large"},
		{"Numora callback: HTML with 200", numoraRaw(numoratest.EndpointDelivery,
			numoratest.Fault{AfterHandling: true, Header: html, Body: []byte("<html>ok</html>"), Rate: 0.5, Times: 10}), ""},
		{"Dataverse $batch: HTML with 200", dvRaw(dataversetest.Fault{Kind: dataversetest.FaultResponse, Path: "$batch",
			Header: html, Body: []byte("<html>gateway</html>"), Count: 3}), "dynamics365: retrying"},
		{"Dataverse $batch: truncated multipart after the write", dvRaw(dataversetest.Fault{Kind: dataversetest.FaultResponse,
			Path: "$batch", AfterWrite: true, Header: multipart, Body: []byte("--batchresponse_1\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 20"),
			Count: 3}), ""},
		{"Dataverse $batch: 40 MB answer after the write", dvRaw(dataversetest.Fault{Kind: dataversetest.FaultResponse,
			Path: "$batch", AfterWrite: true, Header: multipart, Body: bytes.Repeat([]byte("--batchresponse_1\r\n"), 2<<20), Count: 1}), ""},
		{"Dataverse lookup: truncated JSON", dvRaw(dataversetest.Fault{Kind: dataversetest.FaultResponse, Method: "GET",
			Path: "accounts", Header: jsonCT, Body: []byte(`{"value":[{"accountid":"`), Count: 2}), ""},
		{"Dataverse: 2 MB error page", dvRaw(dataversetest.Fault{Kind: dataversetest.FaultResponse, Path: "$batch", Status: 502,
			Header: html, Body: bytes.Repeat([]byte("<p>bad gateway</p>"), 120000), Count: 3}), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFaultEnv(t, defaultCorpus, "")
			tt.setup(f)
			f.drain(t, 4)
			if out := strings.Join(stderrs(f), "") + stdouts(f); !strings.Contains(out, tt.want) {
				t.Errorf("no pass said %q", tt.want)
			}
			if r := f.check(t); r.faults == 0 {
				t.Error("no fault was injected: the case tests nothing")
			}
		})
	}
}

func numoraRaw(ep numoratest.Endpoint, fault numoratest.Fault) func(*faultEnv) {
	return func(f *faultEnv) {
		f.lostAnswers = fault.AfterHandling
		f.sb.numora.Fail(ep, fault)
	}
}

func dvRaw(fault dataversetest.Fault) func(*faultEnv) {
	return func(f *faultEnv) { f.sb.dv.AddFault(fault) }
}

func stdouts(f *faultEnv) string {
	var b strings.Builder
	for _, p := range f.passes {
		b.WriteString(p.stdout)
	}
	return b.String()
}
