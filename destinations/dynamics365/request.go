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
	"strconv"
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
	// admitted says the first attempt may use the request slot the caller
	// already holds (see callAdmitted).
	admitted bool
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
	return d.breaker.execute(ctx, func() (*response, error) { return d.retrying(ctx, req) })
}

// callAdmitted is call for a request whose caller holds a request slot for
// the first attempt; the slot is handed back if no attempt used it (the
// circuit breaker refused the call).
func (d *Destination) callAdmitted(ctx context.Context, req *request) (*response, error) {
	resp, err := d.call(ctx, req)
	if req.admitted {
		req.admitted = false
		d.unadmit()
	}
	return resp, err
}

// retrying makes attempts until one succeeds, fails permanently, or the
// retry policy gives up. A server-requested pause (Retry-After) closes the
// destination's gate, so every request waits, not just this one.
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
		if ce.RetryAfter > 0 {
			// Every Retry-After pauses every sender, whether or not this
			// request retries: Dataverse extends the penalty for clients
			// that keep sending (dataverse.md §13).
			d.learnLimit(err)
			d.gate.pause(ce.RetryAfter)
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
		d.learnLimit(err)
		if err := d.clock.Sleep(ctx, wait); err != nil {
			return nil, err
		}
		d.backoffs.add(wait)
	}
}

// learnLimit sets the request window's budget when err is Dataverse's
// request-limit 429.
func (d *Destination) learnLimit(err error) {
	var api *APIError
	if errors.As(err, &api) && api.StatusCode == http.StatusTooManyRequests && api.Code == codeRequestLimit {
		d.window.learn(api.Message)
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

// attempt sends req once after the gate opens and a concurrency slot is
// free; a 401 invalidates the token and resends once.
func (d *Destination) attempt(ctx context.Context, req *request) (*response, error) {
	if req.admitted {
		req.admitted = false
	} else if err := d.admit(ctx); err != nil {
		return nil, err
	}
	resp, err := d.roundTrip(ctx, req)
	if err == nil && resp.status == http.StatusUnauthorized {
		d.logger.InfoContext(ctx, "dynamics365: token refused, fetching a new one", slog.String("method", req.method),
			slog.String("url", redactURL(req.url)), slog.String("request_id", resp.requestID()))
		d.tokens.invalidate(resp.token)
		resp, err = d.roundTrip(ctx, req)
	}
	throttled := err == nil && resp.status == http.StatusTooManyRequests
	if throttled {
		// The budget a request-limit 429 teaches is learned before the
		// request's slots are handed on: the requests the brake holds
		// back wake when it ends, and would otherwise find the window
		// still without a budget, and one more would be refused.
		d.learnLimit(d.checkResponse(req, resp))
	}
	d.limiter.release(throttled)
	d.window.done(err == nil && !throttled, requestsLeft(resp))
	if err != nil {
		return nil, err
	}
	if n, err := strconv.Atoi(resp.header.Get("x-ms-dop-hint")); err == nil {
		d.limiter.setHint(n)
	}
	if req.check != nil {
		return resp, req.check(resp)
	}
	return resp, d.checkResponse(req, resp)
}

// requestsLeft reads the requests Dataverse says are left in its window
// from a response's debugging header; negative when there is none.
func requestsLeft(resp *response) int {
	if resp == nil {
		return -1
	}
	n, err := strconv.Atoi(resp.header.Get("x-ms-ratelimit-burst-remaining-xrm-requests"))
	if err != nil {
		return -1
	}
	return n
}

// admit waits until the throttling gate is open, the request window has
// room and a concurrency slot is free; a pause that began while waiting
// for the slot is waited out too. Each admit ends with the request's
// outcome (attempt) or unadmit.
func (d *Destination) admit(ctx context.Context) error {
	for {
		if _, err := d.gate.wait(ctx); err != nil {
			return err
		}
		if err := d.window.wait(ctx); err != nil {
			return err
		}
		if err := d.limiter.acquire(ctx); err != nil {
			d.window.cancel()
			return err
		}
		if d.gate.remaining() == 0 {
			return nil
		}
		d.unadmit()
	}
}

// unadmit returns what admit took, for a request that was not sent.
func (d *Destination) unadmit() {
	d.limiter.giveBack()
	d.window.cancel()
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
	start := time.Now()
	res, err := d.http.Do(hr)
	if err != nil {
		d.logger.DebugContext(ctx, "dynamics365: no response", slog.String("method", req.method),
			slog.String("url", redactURL(req.url)), slog.String("code", classify(err).Code))
		return nil, err
	}
	d.logger.DebugContext(ctx, "dynamics365: response", slog.String("method", req.method),
		slog.String("url", redactURL(req.url)), slog.Int("status", res.StatusCode),
		slog.String("request_id", requestID(res.Header)), slog.Duration("elapsed", time.Since(start)))
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
