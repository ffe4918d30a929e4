package dynamics365

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/numora/numora-connector/destinations"
)

// maxResponseBody bounds a successful response (a $batch answer for a large
// document stays far below it).
const maxResponseBody = 32 << 20

// request is one HTTP request to Dataverse, kept as bytes so it can be
// resent.
type request struct {
	method string
	url    string // absolute
	header http.Header
	body   []byte
	// idempotent requests may be resent after any transient failure; the
	// others (a $batch holding a POST) only after a 429, which Dataverse
	// returns before doing anything.
	idempotent bool
	// check turns a response into an error; nil means checkResponse.
	check func(*response) error
	// slot, when set, is the admission the first attempt uses (a $batch
	// whose sender was admitted before it took its documents); the call
	// gives it back if no attempt used it.
	slot *ticket
}

// response is a fully read HTTP response.
type response struct {
	status int
	header http.Header
	body   []byte
	token  string // the bearer token the request carried, "" if unknown
}

// requestID returns Dataverse's id for the request (x-ms-service-request-id
// or REQ_ID), "" when the response has none.
func (r *response) requestID() string { return requestID(r.header) }

// call sends req through the circuit breaker, retrying transient failures
// within the retry policy.
func (d *Destination) call(ctx context.Context, req *request) (*response, error) {
	defer func() { req.slot.cancel() }() // not used: the breaker refused the call
	return d.admit.call(ctx, req.method == http.MethodGet, func() (*response, error) { return d.retrying(ctx, req) })
}

// retrying makes attempts until one succeeds, fails permanently, or the
// retry policy gives up. A Retry-After pauses every request (admission),
// so the next attempt waits in admit; other failures back off here.
func (d *Destination) retrying(ctx context.Context, req *request) (*response, error) {
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		resp, err := d.attempt(ctx, req)
		if err == nil {
			return resp, nil
		}
		ce := classify(err)
		if ce.Class != destinations.Transient || ctx.Err() != nil {
			return nil, err
		}
		wait, ok := d.cfg.Retry.Wait(attempt, ce.RetryAfter, waited, d.rand)
		if !ok || !mayResend(req, err) {
			d.logger.WarnContext(ctx, "dynamics365: request failed, not retrying", d.failureAttrs(req, err, ce, attempt)...)
			return nil, err
		}
		waited += wait
		d.logger.WarnContext(ctx, "dynamics365: retrying",
			append(d.failureAttrs(req, err, ce, attempt), slog.Duration("wait", wait))...)
		if ce.RetryAfter > 0 {
			continue
		}
		if err := d.clock.Sleep(ctx, wait); err != nil {
			return nil, err
		}
		d.backoffs.add(wait)
	}
}

// failureAttrs are the log attributes of a failed attempt: what was sent,
// the callback code, and Dataverse's request id when it answered.
func (d *Destination) failureAttrs(req *request, err error, ce *destinations.Error, attempt int) []any {
	attrs := []any{slog.String("method", req.method), slog.String("url", redactURL(req.url)),
		slog.String("code", ce.Code), slog.Int("attempt", attempt)}
	var api *APIError
	if errors.As(err, &api) {
		attrs = append(attrs, slog.Int("status", api.StatusCode), slog.String("request_id", api.RequestID))
	}
	return attrs
}

// mayResend reports whether a failed request can be sent again.
func mayResend(req *request, err error) bool {
	if req.idempotent {
		return true
	}
	var api *APIError
	var te *tokenError
	return errors.As(err, &te) || (errors.As(err, &api) && api.StatusCode == http.StatusTooManyRequests)
}

// attempt sends req once when admission lets it; a 401 invalidates the
// token and resends once. The outcome goes back to admission before the
// response is checked, so that what a 429 teaches holds for the requests
// its slot wakes.
func (d *Destination) attempt(ctx context.Context, req *request) (*response, error) {
	slot := req.slot
	req.slot = nil
	if slot == nil {
		var err error
		if slot, err = d.admit.admit(ctx, nil); err != nil {
			return nil, err
		}
	}
	resp, err := d.roundTrip(ctx, req)
	if err == nil && resp.status == http.StatusUnauthorized {
		d.logger.InfoContext(ctx, "dynamics365: token refused, fetching a new one", slog.String("method", req.method),
			slog.String("url", redactURL(req.url)), slog.String("request_id", resp.requestID()))
		d.tokens.invalidate(resp.token)
		resp, err = d.roundTrip(ctx, req)
	}
	if err != nil {
		slot.done(replyOf(nil, err))
		return nil, err
	}
	failure := d.checkResponse(req, resp)
	slot.done(replyOf(resp, failure))
	if req.check != nil {
		return resp, req.check(resp)
	}
	return resp, failure
}

// roundTrip sends req over HTTP and reads the whole response.
func (d *Destination) roundTrip(ctx context.Context, req *request) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.RequestTimeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, req.method, req.url, bytes.NewReader(req.body))
	if err != nil {
		return nil, fmt.Errorf("dynamics365: building request: %w", err)
	}
	d.setHeaders(hr, req)
	start := d.clock.Now()
	res, err := d.http.Do(hr)
	if err != nil {
		d.logger.DebugContext(ctx, "dynamics365: no response", slog.String("method", req.method),
			slog.String("url", redactURL(req.url)), slog.String("code", classify(err).Code))
		return nil, err
	}
	d.logger.DebugContext(ctx, "dynamics365: response", slog.String("method", req.method),
		slog.String("url", redactURL(req.url)), slog.Int("status", res.StatusCode),
		slog.String("request_id", requestID(res.Header)), slog.Duration("elapsed", d.clock.Now().Sub(start)))
	defer res.Body.Close()
	limit := int64(maxResponseBody)
	if res.StatusCode >= 400 && !isMultipart(res.Header) {
		limit = maxErrorBody
	}
	body, err := readBody(res, limit)
	if err != nil {
		return nil, err
	}
	resp := &response{status: res.StatusCode, header: res.Header, body: body}
	if res.Request != nil {
		resp.token = strings.TrimPrefix(res.Request.Header.Get("Authorization"), "Bearer ")
	}
	return resp, nil
}

// readBody reads at most limit bytes of res's body, in one allocation when
// its length is announced (net/http fails the read if it is cut short).
func readBody(res *http.Response, limit int64) ([]byte, error) {
	if n := res.ContentLength; n >= 0 && n <= limit {
		buf := make([]byte, n)
		if _, err := io.ReadFull(res.Body, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	return io.ReadAll(io.LimitReader(res.Body, limit))
}

// setHeaders sets the request's headers (see headers).
func (d *Destination) setHeaders(hr *http.Request, req *request) {
	for k, v := range d.headers(req) {
		hr.Header[k] = v
	}
}

// headers returns the headers of req as sent, without Authorization: the
// OData headers every request carries (in their documented spelling) plus
// the request's own.
func (d *Destination) headers(req *request) http.Header {
	h := http.Header{}
	h["Accept"] = []string{"application/json"}
	h["OData-MaxVersion"] = []string{"4.0"}
	h["OData-Version"] = []string{"4.0"}
	h["User-Agent"] = []string{d.cfg.UserAgent}
	if len(req.body) > 0 {
		h["Content-Type"] = []string{"application/json; charset=utf-8"}
	}
	for k, v := range req.header {
		h[k] = v
	}
	if h.Get("If-Match") == "" && h.Get("If-None-Match") == "" {
		h["If-None-Match"] = []string{"null"}
	}
	return h
}

// checkResponse returns an *APIError for a status of 400 or more.
func (d *Destination) checkResponse(req *request, resp *response) error {
	if resp.status < 400 {
		return nil
	}
	return newAPIError(req.method, req.url, resp.status, resp.header, resp.body, d.clock.Now())
}

func isMultipart(h http.Header) bool {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && strings.HasPrefix(mt, "multipart/")
}
