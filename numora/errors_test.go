package numora_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/numora/numora-connector/numora"
	"github.com/numora/numora-connector/retry"
)

func TestDecodeErrors(t *testing.T) {
	big := strings.Repeat("x", 8<<20)
	tests := []struct {
		name     string
		ctype    string
		body     string
		status   int
		wantReqs int
		check    func(error) bool
		want     string
	}{
		{"html page", "text/html; charset=utf-8", "<html>login</html>", 200, 1,
			func(err error) bool { return errors.As(err, new(*numora.DecodeError)) }, `content type "text/html; charset=utf-8"): not JSON`},
		{"truncated JSON", "application/json", `{"id": "x", "status"`, 200, 1,
			func(err error) bool { return errors.As(err, new(*numora.DecodeError)) }, "unexpected end of JSON input"},
		{"wrong types", "application/json", `{"id": 7}`, 200, 1,
			func(err error) bool { return errors.As(err, new(*numora.DecodeError)) }, "cannot unmarshal"},
		{"body over the limit", "application/json", `"` + big + `"`, 200, 1,
			func(err error) bool { return errors.Is(err, numora.ErrResponseTooLarge) }, "too large"},
		{"no content type", "", `{"id":"x"}`, 200, 1, func(err error) bool { return err == nil }, ""},
		{"problem+json", "application/problem+json", `{"id":"x"}`, 200, 1, func(err error) bool { return err == nil }, ""},
		{"html error page", "text/html", "<html>\n  <h1>Bad   gateway</h1>\n</html>", 502, 2,
			func(err error) bool { var ae *numora.APIError; return errors.As(err, &ae) && ae.Code == "" }, "502: <html> <h1>Bad gateway</h1> </html>"},
		{"error body over 1 MiB", "application/json", big, 400, 1,
			func(err error) bool { return errors.As(err, new(*numora.APIError)) }, "error body larger than 1 MiB"},
		{"long error text", "text/plain", strings.Repeat("é", 300), 400, 1,
			func(err error) bool { return errors.As(err, new(*numora.APIError)) }, strings.Repeat("é", 200) + "..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reqs := 0
			c, _ := custom(t, func(w http.ResponseWriter, r *http.Request) {
				reqs++
				if tt.ctype != "" {
					w.Header().Set("Content-Type", tt.ctype)
				} else {
					w.Header()["Content-Type"] = nil
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}, func(cfg *numora.Config) { cfg.Retry = retry.Policy{MaxAttempts: 2} })
			_, err := c.Document(context.Background(), "x")
			if !tt.check(err) || (tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want))) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
			if reqs != tt.wantReqs {
				t.Errorf("got %d requests, want %d", reqs, tt.wantReqs)
			}
		})
	}
}

func TestBodyCutShortIsRetried(t *testing.T) {
	reqs := 0
	c, clock := custom(t, func(w http.ResponseWriter, r *http.Request) {
		reqs++
		w.Header().Set("Content-Type", "application/json")
		if reqs == 1 {
			w.Header().Set("Content-Length", "100")
			_, _ = io.WriteString(w, `{"id":`)
			return
		}
		_, _ = io.WriteString(w, `{"id":"x"}`)
	}, nil)
	d, err := c.Document(context.Background(), "x")
	if err != nil || d.ID != "x" || reqs != 2 || len(clock.Sleeps()) != 1 {
		t.Errorf("got %+v, %v after %d requests; want the document after 2", d, err, reqs)
	}
}

func TestConnectionRefusedIsTransient(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	clock := retry.NewFakeClock(epoch)
	c, err := numora.New(numora.Config{BaseURL: "http://" + addr, APIKey: secretKey(), Clock: clock,
		Retry: retry.Policy{MaxAttempts: 3}, Jitter: func() float64 { return 0 }})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Document(context.Background(), "x")
	if !numora.IsTransient(err) || len(clock.Sleeps()) != 2 || !strings.HasPrefix(err.Error(), "numora: ") {
		t.Errorf("got %v after sleeps %v, want a transient error after 3 attempts", err, clock.Sleeps())
	}
}

// certError is a TLS verification failure for IsTransient.
var certError = &url.Error{Op: "Get", URL: "https://x", Err: x509.UnknownAuthorityError{}}

func TestIsTransient(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"429", &numora.APIError{StatusCode: 429}, true},
		{"408", &numora.APIError{StatusCode: 408}, true},
		{"500", &numora.APIError{StatusCode: 500}, true},
		{"503 wrapped", fmt.Errorf("outer: %w", &numora.APIError{StatusCode: 503}), true},
		{"400", &numora.APIError{StatusCode: 400}, false},
		{"404", &numora.APIError{StatusCode: 404}, false},
		{"409", &numora.APIError{StatusCode: 409}, false},
		{"501", &numora.APIError{StatusCode: 501}, false},
		{"canceled", context.Canceled, true},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), true},
		{"net error", &net.OpError{Op: "dial", Err: errors.New("refused")}, true},
		{"url error", &url.Error{Op: "Get", URL: "u", Err: io.EOF}, true},
		{"certificate", certError, false},
		{"other origin", numora.ErrOtherOrigin, false},
		{"invalid delivery", numora.ErrInvalidDelivery, false},
		{"decode", &numora.DecodeError{Err: io.ErrUnexpectedEOF}, false},
		{"plain", errors.New("boom"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := numora.IsTransient(tt.err); got != tt.want {
				t.Errorf("IsTransient(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestErrorStrings(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&numora.APIError{StatusCode: 404, Code: "not_found", Message: "no such document", RequestID: "req_1",
			Method: "GET", URL: "https://api.numora.example/v1/documents/x"},
			"numora: GET https://api.numora.example/v1/documents/x: 404 not_found: no such document (request_id req_1)"},
		{&numora.APIError{StatusCode: 502, Method: "POST", URL: "u"}, "numora: POST u: 502"},
		{&numora.DecodeError{Method: "GET", URL: "u", StatusCode: 200, ContentType: "text/html", RequestID: "r", Err: errors.New("not JSON")},
			`numora: GET u: 200: reading response (content type "text/html") (request_id r): not JSON`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
	}
	de := &numora.DecodeError{Err: io.EOF}
	if !errors.Is(de, io.EOF) {
		t.Error("DecodeError does not unwrap")
	}
}
