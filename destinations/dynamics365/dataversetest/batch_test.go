package dataversetest

import (
	"bufio"
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// batchReply is a parsed $batch response part.
type batchReply struct {
	changeSet bool
	contentID string
	status    int
	header    http.Header
	body      string
}

// parseBatchReply reads a $batch response (change set parts are
// flattened, marked changeSet).
func parseBatchReply(t *testing.T, r reply) []batchReply {
	t.Helper()
	mt, params, err := mime.ParseMediaType(r.header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" || !strings.HasPrefix(params["boundary"], "batchresponse_") {
		t.Fatalf("got Content-Type %q, want multipart/mixed; boundary=batchresponse_…", r.header.Get("Content-Type"))
	}
	if bytes.Contains(bytes.ReplaceAll(r.body, []byte("\r\n"), nil), []byte("\n")) {
		t.Errorf("response has LF-only line endings")
	}
	return readParts(t, bytes.NewReader(r.body), params["boundary"], false)
}

func readParts(t *testing.T, rd io.Reader, boundary string, inChangeSet bool) []batchReply {
	t.Helper()
	var out []batchReply
	mr := multipart.NewReader(rd, boundary)
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("reading batch response: %v", err)
		}
		if mt, params, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); mt == "multipart/mixed" {
			if !strings.HasPrefix(params["boundary"], "changesetresponse_") {
				t.Errorf("got change set boundary %q", params["boundary"])
			}
			out = append(out, readParts(t, p, params["boundary"], true)...)
			continue
		}
		resp, err := http.ReadResponse(bufio.NewReader(p), nil)
		if err != nil {
			t.Fatalf("reading part: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		out = append(out, batchReply{changeSet: inChangeSet, contentID: p.Header.Get("Content-ID"), status: resp.StatusCode,
			header: resp.Header, body: strings.TrimSpace(string(body))})
	}
}

func postBatch(c *apiClient, body string, headers ...string) reply {
	c.t.Helper()
	return c.call("POST", "$batch", body, append([]string{"Content-Type", "multipart/mixed; boundary=batch_AAA"}, headers...)...)
}

func TestBatchChangeSetWithContentIDReferences(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	root := s.serviceRoot()
	body := batchBody("batch_AAA", batchGroup{changeSet: true, parts: []batchPart{
		{method: "PATCH", url: root + "new_vendorinvoices(new_invoicenumber='INV-1')", body: `{"new_name":"inv"}`, contentID: "1"},
		{method: "POST", url: "/api/data/v9.2/new_vendorinvoicelines", body: `{"new_name":"l1","new_InvoiceId@odata.bind":"$1"}`, contentID: "2"},
		{method: "POST", url: "new_vendorinvoicelines", body: `{"new_name":"l2","new_InvoiceId@odata.bind":"$1"}`, contentID: "3"},
		{method: "PATCH", url: "$1", body: `{"new_ponumber":"PO-1"}`, contentID: "4"},
	}})
	r := postBatch(c, body)
	wantStatus(t, r, http.StatusOK)
	parts := parseBatchReply(t, r)
	if len(parts) != 4 {
		t.Fatalf("got %d parts, want 4", len(parts))
	}
	for i, p := range parts {
		if !p.changeSet || p.status != 204 || p.contentID != string(rune('1'+i)) || p.header.Get("OData-EntityId") == "" || p.header.Get("Location") == "" {
			t.Errorf("part %d: got %+v", i, p)
		}
	}
	inv := s.Rows("new_vendorinvoices")[0]
	if inv["new_ponumber"] != "PO-1" {
		t.Errorf("PATCH $1: got %v", inv)
	}
	for _, l := range s.Rows("new_vendorinvoicelines") {
		if l["new_invoiceid"] != inv["new_vendorinvoiceid"] {
			t.Errorf("got line %v, want bound to %v", l, inv["new_vendorinvoiceid"])
		}
	}
	if got := s.Requests(); len(got) != 5 || got[0].Ops != 4 || !got[1].InBatch || got[1].Batch != got[0].Seq || got[1].ChangeSet != 1 || got[4].ContentID != "4" {
		t.Errorf("got request log %+v", got)
	}
}

func TestBatchChangeSetRollsBack(t *testing.T) {
	for _, cont := range []bool{false, true} {
		t.Run(map[bool]string{false: "stop", true: "continue-on-error"}[cont], func(t *testing.T) {
			s := newTestServer(t)
			c := newAPIClient(t, s)
			long := strings.Repeat("x", 201)
			body := batchBody("batch_AAA",
				batchGroup{changeSet: true, parts: []batchPart{
					{method: "POST", url: "new_vendorinvoices", body: `{"new_name":"doc1"}`, contentID: "1"},
					{method: "POST", url: "new_vendorinvoicelines", body: `{"new_name":"` + long + `","new_InvoiceId@odata.bind":"$1"}`, contentID: "2"},
				}},
				batchGroup{changeSet: true, parts: []batchPart{
					{method: "POST", url: "new_vendorinvoices", body: `{"new_name":"doc2"}`, contentID: "1"},
				}})
			var headers []string
			if cont {
				headers = []string{"Prefer", "odata.continue-on-error"}
			}
			r := postBatch(c, body, headers...)
			parts := parseBatchReply(t, r)
			if parts[0].changeSet || parts[0].status != 400 || parts[0].contentID != "2" || parts[0].header.Get("REQ_ID") == "" ||
				!strings.Contains(parts[0].body, codeValidation) {
				t.Errorf("error part: got %+v", parts[0])
			}
			if s.Count("new_vendorinvoicelines") != 0 {
				t.Errorf("line stored despite the failed change set")
			}
			var names []string
			for _, row := range s.Rows("new_vendorinvoices") {
				names = append(names, row["new_name"].(string))
			}
			if cont {
				wantStatus(t, r, 200)
				if len(parts) != 2 || parts[1].status != 204 || strings.Join(names, ",") != "doc2" {
					t.Errorf("got parts %+v, rows %v; want the second change set applied", parts, names)
				}
			} else {
				wantStatus(t, r, 400)
				if len(parts) != 1 || len(names) != 0 {
					t.Errorf("got parts %+v, rows %v; want processing stopped", parts, names)
				}
			}
		})
	}
}

func TestBatchIndependentPartsAndGets(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	id := s.Seed("accounts", map[string]any{"name": "A", "accountnumber": "N1"})
	body := batchBody("batch_AAA", batchGroup{parts: []batchPart{
		{method: "GET", url: "accounts?$select=name&$filter=accountnumber%20eq%20'N1'", headers: []string{"Accept", "application/json"}},
		{method: "POST", url: "accounts", body: `{"name":"B"}`},
		{method: "GET", url: "accounts(" + id + ")"},
		{method: "POST", url: "tasks", body: `{}`},
		{method: "POST", url: "accounts", body: `{"name":"C"}`},
	}})
	r := postBatch(c, body, "Prefer", "odata.continue-on-error")
	wantStatus(t, r, 200)
	parts := parseBatchReply(t, r)
	want := []int{200, 204, 200, 404, 204}
	for i, p := range parts {
		if p.status != want[i] || p.changeSet {
			t.Errorf("part %d: got %d, want %d", i, p.status, want[i])
		}
	}
	if !strings.Contains(parts[0].body, `"name":"A"`) {
		t.Errorf("GET part body %s", parts[0].body)
	}
	if s.Count("accounts") != 3 {
		t.Errorf("got %d accounts, want 3", s.Count("accounts"))
	}
}

func TestBatchErrors(t *testing.T) {
	tooMany := make([]batchPart, maxBatchOps+1)
	for i := range tooMany {
		tooMany[i] = batchPart{method: "POST", url: "accounts", body: `{}`}
	}
	crlf := batchBody("batch_AAA", batchGroup{parts: []batchPart{{method: "POST", url: "accounts", body: `{"name":"x"}`}}})
	tests := []struct {
		name, contentType, body string
		status                  int
		code, contains          string
	}{
		{"LF only", "multipart/mixed; boundary=batch_AAA", strings.ReplaceAll(crlf, "\r\n", "\n"), 400, codePayload, "Stream was not readable"},
		{"LF only in part headers", "multipart/mixed; boundary=batch_AAA", strings.Replace(crlf, "application/http\r\n", "application/http\n", 1), 400, codePayload, "Stream was not readable"},
		{"LF only in request", "multipart/mixed; boundary=batch_AAA", strings.Replace(crlf, "HTTP/1.1\r\n", "HTTP/1.1\n", 1), 400, codePayload, "Stream was not readable"},
		{"no boundary", "multipart/mixed", crlf, 400, "0x0", "not valid for a batch"},
		{"not multipart", "application/json", crlf, 400, "0x0", "not valid for a batch"},
		{"no delimiter", "multipart/mixed; boundary=other", crlf, 400, codePayload, "not a valid multipart"},
		{"unterminated", "multipart/mixed; boundary=batch_AAA", strings.TrimSuffix(crlf, "--batch_AAA--\r\n"), 400, codePayload, "not a valid multipart"},
		{"too many operations", "multipart/mixed; boundary=batch_AAA", batchBody("batch_AAA", batchGroup{parts: tooMany}), 400, codePayload, "exceeds the limit of 1000"},
		{"too many in change set", "multipart/mixed; boundary=batch_AAA", batchBody("batch_AAA", batchGroup{changeSet: true, parts: tooMany}), 400, codePayload, "A maximum number of '1000' operations are allowed in a change set"},
		{"nested change set", "multipart/mixed; boundary=batch_AAA",
			"--batch_AAA\r\nContent-Type: multipart/mixed; boundary=cs1\r\n\r\n--cs1\r\nContent-Type: multipart/mixed; boundary=cs2\r\n\r\n--cs2--\r\n--cs1--\r\n--batch_AAA--\r\n", 400, codePayload, "Nested change sets"},
		{"bad request line", "multipart/mixed; boundary=batch_AAA", "--batch_AAA\r\nContent-Type: application/http\r\n\r\nPOST\r\n\r\n--batch_AAA--\r\n", 400, codePayload, "not a valid multipart"},
		{"bad part header", "multipart/mixed; boundary=batch_AAA", "--batch_AAA\r\nnot a header\r\n\r\nPOST accounts HTTP/1.1\r\n\r\n--batch_AAA--\r\n", 400, codePayload, "not a valid multipart"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			c := newAPIClient(t, s)
			msg := wantError(t, c.call("POST", "$batch", tt.body, "Content-Type", tt.contentType), tt.status, tt.code)
			if !strings.Contains(msg, tt.contains) {
				t.Errorf("got message %q, want it to contain %q", msg, tt.contains)
			}
			if s.Count("accounts") != 0 {
				t.Errorf("rows written by a refused batch")
			}
		})
	}
}

func TestBatchChangeSetRules(t *testing.T) {
	tests := []struct {
		name  string
		parts []batchPart
		code  string
	}{
		{"GET in change set", []batchPart{{method: "GET", url: "accounts"}}, "0x0"},
		{"forward reference", []batchPart{
			{method: "POST", url: "new_vendorinvoicelines", body: `{"new_InvoiceId@odata.bind":"$2"}`, contentID: "1"},
			{method: "POST", url: "new_vendorinvoices", body: `{}`, contentID: "2"}}, "0x0"},
		{"unknown reference URL", []batchPart{{method: "PATCH", url: "$7", body: `{}`}}, "0x0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			c := newAPIClient(t, s)
			r := postBatch(c, batchBody("batch_AAA", batchGroup{changeSet: true, parts: tt.parts}))
			wantStatus(t, r, 400)
			parts := parseBatchReply(t, r)
			if len(parts) != 1 || parts[0].status != 400 || !strings.Contains(parts[0].body, `"code":"`+tt.code+`"`) {
				t.Errorf("got %+v", parts)
			}
			if s.Count("new_vendorinvoices")+s.Count("new_vendorinvoicelines") != 0 {
				t.Errorf("rows written by a failed change set")
			}
		})
	}
}

func TestBatchMethodAndNoParts(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	wantError(t, c.call("GET", "$batch", ""), 405, "")
	r := postBatch(c, "--batch_AAA--\r\n")
	wantStatus(t, r, 200)
	if parts := parseBatchReply(t, r); len(parts) != 0 {
		t.Errorf("got %d parts for an empty batch", len(parts))
	}
}

// TestBatchG9 is dataverse.md's G9: three independent creates, the first
// too long.
func TestBatchG9(t *testing.T) {
	for _, cont := range []bool{false, true} {
		t.Run(map[bool]string{false: "stop", true: "continue-on-error"}[cont], func(t *testing.T) {
			s := newTestServer(t)
			c := newAPIClient(t, s)
			body := batchBody("batch_AAA", batchGroup{parts: []batchPart{
				{method: "POST", url: "accounts", body: `{"name":"` + strings.Repeat("x", 161) + `"}`},
				{method: "POST", url: "accounts", body: `{"name":"b"}`},
				{method: "POST", url: "accounts", body: `{"name":"c"}`}}})
			var headers []string
			if cont {
				headers = []string{"Prefer", "odata.continue-on-error"}
			}
			r := postBatch(c, body, headers...)
			parts := parseBatchReply(t, r)
			if parts[0].status != 400 || parts[0].header.Get("REQ_ID") == "" || !strings.Contains(parts[0].body, `"code":"0x80044331"`) {
				t.Errorf("first part: got %+v", parts[0])
			}
			if !cont {
				wantStatus(t, r, 400)
				if len(parts) != 1 || s.Count("accounts") != 0 {
					t.Errorf("got %d parts and %d rows, want 1 and 0", len(parts), s.Count("accounts"))
				}
				return
			}
			wantStatus(t, r, 200)
			if len(parts) != 3 || parts[1].status != 204 || parts[2].status != 204 || s.Count("accounts") != 2 {
				t.Errorf("got %+v and %d rows", parts, s.Count("accounts"))
			}
		})
	}
}
