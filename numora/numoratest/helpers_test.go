package numoratest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/numora/numora-connector/retry"
)

// fixtures is the shared hand-made fixture file.
const fixtures = "../../testdata/numora/documents.json"

var epoch = time.Date(2026, 3, 24, 3, 0, 0, 0, time.UTC)

// start returns a started server on a fake clock, closed at cleanup.
func start(t *testing.T, opts ...Option) (*Server, *retry.FakeClock) {
	t.Helper()
	clock := retry.NewFakeClock(epoch)
	s := NewServer(append([]Option{WithClock(clock), WithAPIKey("sk_test_key")}, opts...)...)
	t.Cleanup(s.Close)
	return s, clock
}

// reply is a decoded answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// decode unmarshals the body into v.
func (r reply) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// errorCode returns the documented error body's code.
func (r reply) errorCode(t *testing.T) string {
	t.Helper()
	var e apiError
	r.decode(t, &e)
	return e.Error.Code
}

// send makes an authorised request (unless the header says otherwise).
func send(t *testing.T, s *Server, method, path, body string, header ...string) reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.APIKey)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// delivery returns a valid callback body, changed by edit.
func delivery(edit func(m map[string]any)) string {
	m := map[string]any{"provider": "dynamics365", "status": "succeeded", "execution_id": "run1-doc",
		"attempted_at": "2026-03-24T03:00:00.000Z", "external_record_id": "crm-row-001"}
	if edit != nil {
		edit(m)
	}
	var b bytes.Buffer
	_ = json.NewEncoder(&b).Encode(m)
	return b.String()
}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }
