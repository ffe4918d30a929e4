package dynamics365

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// Fuzz targets for what Dataverse sends back: $batch responses, error
// bodies and the ids in answers. Seeds live in testdata/fuzz/<target>/;
// scripts/fuzz.sh (make fuzz) runs each target for five minutes.

// FuzzParseBatchResponse feeds arbitrary $batch answers to the parser: it
// must return parts or an error, never panic, and never invent a part with
// an impossible status.
func FuzzParseBatchResponse(f *testing.F) {
	f.Add("multipart/mixed; boundary=batchresponse_1",
		[]byte("--batchresponse_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"+
			"HTTP/1.1 204 No Content\r\nOData-EntityId: https://org.example/api/data/v9.2/accounts(00000000-0000-0000-0000-000000000001)\r\n\r\n\r\n--batchresponse_1--\r\n"))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		parts, err := parseBatchResponse(contentType, body)
		if err != nil {
			if parts != nil {
				t.Errorf("got %d parts with the error %v", len(parts), err)
			}
			if !strings.HasPrefix(err.Error(), "dynamics365: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			return
		}
		for _, p := range parts {
			if p.status < 100 || p.status > 999 {
				t.Errorf("part %q has status %d", p.contentID, p.status)
			}
			if len(p.body) > len(body) {
				t.Errorf("part body of %d bytes from a response of %d", len(p.body), len(body))
			}
		}
	})
}

// FuzzAPIError decodes arbitrary error answers: the error always has a
// message, a bounded one when the body is not the OData envelope, a
// non-negative Retry-After, and classifies without panicking.
func FuzzAPIError(f *testing.F) {
	f.Add(400, []byte(`{"error":{"code":"0x80044331","message":"A validation error occurred."}}`), "")
	f.Fuzz(func(t *testing.T, status int, body []byte, retryAfter string) {
		h := http.Header{}
		h.Set("Retry-After", retryAfter)
		h.Set("REQ_ID", "req-1")
		now := time.Date(2026, 3, 24, 3, 0, 0, 0, time.UTC)
		e := newAPIError(http.MethodPost, "https://org.example/api/data/v9.2/$batch?$filter=secret", status, h, body, now)
		if e.Message == "" || e.RetryAfter < 0 || e.StatusCode != status || e.RequestID != "req-1" {
			t.Errorf("got %+v", e)
		}
		if len(body) > 0 && body[0] != '{' && len(e.Message) > 300+len("…") {
			t.Errorf("a non-JSON body gave a %d-byte message", len(e.Message))
		}
		msg := e.Error()
		if !strings.HasPrefix(msg, "dynamics365: POST ") || strings.Contains(msg, "secret") {
			t.Errorf("Error() = %.200q: want the prefix and no query", msg)
		}
		if c := classify(e); c == nil || c.Code == "" || c.Message == "" {
			t.Errorf("classify(%v) = %+v", e, c)
		}
	})
}

// FuzzAnswerID reads a row id out of arbitrary answers: it is "", a
// lower-case GUID, or (see TestAnswerIDIsAGUID) the answer's primary-id
// value lower-cased.
func FuzzAnswerID(f *testing.F) {
	f.Add([]byte(`{"new_vendorinvoiceid":"D1CD28B2-C43D-530D-B512-D6A32A45165A"}`),
		"https://org.example/api/data/v9.2/new_vendorinvoices(d1cd28b2-c43d-530d-b512-d6a32a45165a)")
	f.Fuzz(func(t *testing.T, body []byte, entityID string) {
		h := http.Header{}
		h.Set("OData-EntityId", entityID)
		id := answerID(partResponse{status: 204, header: h, body: body}, "new_vendorinvoiceid")
		if id == "" {
			return
		}
		if id != strings.ToLower(id) {
			t.Errorf("id %q is not lower case", id)
		}
		if fromHeader := guidFromEntityID(entityID); fromHeader != "" && fromHeader != id {
			if _, err := uuid.Parse(fromHeader); err != nil {
				t.Errorf("guidFromEntityID(%q) = %q, not a GUID", entityID, fromHeader)
			}
		}
		if _, err := uuid.Parse(id); id != "" && err != nil {
			t.Errorf("id %q is not a GUID", id)
		}
	})
}

// TestAnswerIDIsAGUID is the fuzzer's find (crasher-id-not-a-guid): an
// answer whose primary id is not a GUID ({"new_vendorinvoiceid":"A"})
// becomes the record id reported to Numora as external_record_id.
func TestAnswerIDIsAGUID(t *testing.T) {
	id := answerID(partResponse{status: 200, header: http.Header{}, body: []byte(`{"new_vendorinvoiceid":"A"}`)}, "new_vendorinvoiceid")
	if id != "" {
		t.Errorf("got id %q from a non-GUID answer, want \"\"", id)
	}
}
