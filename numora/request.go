package numora

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/numora/numora-connector/retry"
)

// Body size limits.
const (
	maxErrorBody  = 1 << 20
	maxBody       = 8 << 20
	maxResultBody = 32 << 20
)

// call is one API call: the request to (re)send and where its answer goes.
type call struct {
	method string
	url    *url.URL
	body   []byte // marshalled once; every attempt sends these bytes
	out    any    // decoded from a 2xx JSON body; nil discards the body
	limit  int64  // response size limit; 0 means maxBody
	// replayConflictOK treats a 409 on a retry as success: an earlier
	// attempt with the same bytes was recorded (the delivery callback).
	replayConflictOK bool
}

// do runs cl, retrying transient errors per the policy, sleeping on the
// clock between tries.
func (c *Client) do(ctx context.Context, cl *call) error {
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		err := c.once(ctx, cl, attempt)
		if err == nil || !IsTransient(err) {
			return err
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("numora: %s %s: %w", cl.method, cl.url.Redacted(), ctxErr)
		}
		var retryAfter time.Duration
		if ae := (*APIError)(nil); errors.As(err, &ae) {
			retryAfter = ae.RetryAfter
		}
		d, ok := c.policy.Wait(attempt, retryAfter, waited, c.jitter)
		if !ok {
			return fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
		}
		c.log.InfoContext(ctx, "numora: retrying", "method", cl.method, "url", cl.url.Redacted(),
			"attempt", attempt, "wait", d, "error", err.Error())
		if sleepErr := c.clock.Sleep(ctx, d); sleepErr != nil {
			return fmt.Errorf("numora: %s %s: %w; last error: %w", cl.method, cl.url.Redacted(), sleepErr, err)
		}
		waited += d
	}
}

// once sends one attempt of cl and reads its answer.
func (c *Client) once(ctx context.Context, cl *call, attempt int) error {
	req, id, err := c.newRequest(ctx, cl)
	if err != nil {
		return err
	}
	start := c.clock.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.log.InfoContext(ctx, "numora: request failed", "method", cl.method, "url", cl.url.Redacted(),
			"request_id", id, "attempt", attempt, "error", err.Error())
		return &transportError{err}
	}
	defer resp.Body.Close()
	level := slogLevel(resp.StatusCode)
	c.log.Log(ctx, level, "numora: response", "method", cl.method, "url", cl.url.Redacted(),
		"status", resp.StatusCode, "request_id", id, "response_request_id", resp.Header.Get("x-request-id"),
		"duration", c.clock.Now().Sub(start), "attempt", attempt)
	switch {
	case resp.StatusCode == http.StatusConflict && cl.replayConflictOK && attempt > 1:
		c.log.InfoContext(ctx, "numora: 409 on a replay of the same body; treating it as already recorded",
			"url", cl.url.Redacted(), "request_id", id)
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		return nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return c.apiError(cl, resp)
	}
	return c.decode(cl, resp)
}

// newRequest builds one attempt with a fresh request id. The API key is
// added only for the base origin.
func (c *Client) newRequest(ctx context.Context, cl *call) (*http.Request, string, error) {
	if o := originOf(cl.url); o != c.origin {
		return nil, "", fmt.Errorf("%w: %s", ErrOtherOrigin, o)
	}
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, cl.url.String(), body)
	if err != nil {
		return nil, "", fmt.Errorf("numora: %w", err)
	}
	id := newRequestID()
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.ua)
	req.Header.Set("x-request-id", id)
	req.Header.Set("Authorization", "Bearer "+c.apiKey.Reveal())
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, id, nil
}

// newRequestID returns a unique id such as "nc-k3x...".
func newRequestID() string { return "nc-" + strings.ToLower(rand.Text()) }

// apiError reads a non-2xx answer into an *APIError.
func (c *Client) apiError(cl *call, resp *http.Response) error {
	ae := &APIError{StatusCode: resp.StatusCode, Method: cl.method, URL: cl.url.Redacted(),
		RequestID: resp.Header.Get("x-request-id")}
	if d, ok := retry.ParseRetryAfter(resp.Header.Get("retry-after"), c.clock.Now()); ok {
		ae.RetryAfter = d
	}
	data, err := readLimited(resp.Body, maxErrorBody)
	var env struct {
		Error struct {
			Code      string `json:"code"`
			Message   string `json:"message"`
			RequestID string `json:"request_id"`
		} `json:"error"`
	}
	switch {
	case errors.Is(err, ErrResponseTooLarge):
		ae.Message = "error body larger than 1 MiB, not read"
	case json.Unmarshal(data, &env) == nil && (env.Error.Code != "" || env.Error.Message != ""):
		ae.Code, ae.Message = env.Error.Code, env.Error.Message
		if env.Error.RequestID != "" {
			ae.RequestID = env.Error.RequestID
		}
	default:
		ae.Message = snippet(data)
	}
	return ae
}

// decode reads a 2xx JSON body into cl.out within the size limit.
func (c *Client) decode(cl *call, resp *http.Response) error {
	limit := cl.limit
	if limit == 0 {
		limit = maxBody
	}
	if cl.out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, limit))
		return nil
	}
	ct := resp.Header.Get("Content-Type")
	fail := func(err error) error {
		return &DecodeError{Method: cl.method, URL: cl.url.Redacted(), StatusCode: resp.StatusCode,
			ContentType: ct, RequestID: resp.Header.Get("x-request-id"), Err: err}
	}
	if !isJSON(ct) {
		return fail(errors.New("not JSON"))
	}
	data, err := readLimited(resp.Body, limit)
	switch {
	case errors.Is(err, ErrResponseTooLarge):
		return fail(err)
	case err != nil: // the connection broke mid-body: transient
		return &transportError{&url.Error{Op: cl.method, URL: cl.url.Redacted(), Err: err}}
	}
	if err := json.Unmarshal(data, cl.out); err != nil {
		return fail(err)
	}
	return nil
}

// readLimited reads at most limit bytes and fails with ErrResponseTooLarge
// when there are more.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if int64(len(data)) > limit {
		return data[:limit], fmt.Errorf("%w (over %d bytes)", ErrResponseTooLarge, limit)
	}
	return data, err
}

// isJSON accepts application/json, any +json type and a missing type.
func isJSON(contentType string) bool {
	if strings.TrimSpace(contentType) == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// snippet returns the start of a non-JSON error body on one line.
func snippet(data []byte) string {
	r := []rune(strings.Join(strings.Fields(strings.ToValidUTF8(string(data), "?")), " "))
	if len(r) > 200 {
		return string(r[:200]) + "..."
	}
	return string(r)
}

// slogLevel logs successful responses at debug level and the others at
// info level, so a healthy run is quiet.
func slogLevel(status int) slog.Level {
	if status >= 200 && status <= 299 {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}
