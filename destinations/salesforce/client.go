package salesforce

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/numora/numora-connector/destinations"
)

// response is a read API answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// maxBody bounds the API answers read.
const maxBody = 32 << 20

// call sends one API request (path is relative to
// /services/data/<version>/, e.g. "composite") through the breaker, with
// retries of transient failures and one fresh token after a 401
// INVALID_SESSION_ID. A 2xx answer is returned; anything else is an error
// (an *APIError inside a *destinations.Error).
func (d *Destination) call(ctx context.Context, method, path string, body []byte) (*response, error) {
	return d.callChecked(ctx, method, path, body, nil)
}

// callChecked is call with check run on every 2xx answer: its error
// (e.g. a failed composite subrequest) is classified and retried like a
// failed request's.
func (d *Destination) callChecked(ctx context.Context, method, path string, body []byte, check func(*response) error) (*response, error) {
	execute := d.breaker.Execute
	if method == http.MethodGet {
		execute = d.breaker.ExecuteRead // a read's success does not keep the breaker closed
	}
	return execute(ctx, func() (*response, error) {
		return d.retrying(ctx, method, path, body, check)
	})
}

func (d *Destination) retrying(ctx context.Context, method, path string, body []byte, check func(*response) error) (*response, error) {
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		resp, err := d.authorized(ctx, method, path, body)
		if err == nil && check != nil {
			err = check(resp)
		}
		if err == nil {
			return resp, nil
		}
		if !retryable(err) {
			return nil, err
		}
		wait, ok := d.cfg.Retry.Wait(attempt, 0, waited, d.rand)
		if !ok {
			return nil, err
		}
		d.cfg.Logger.InfoContext(ctx, "salesforce: retrying after a transient failure", slog.String("request", method+" "+d.apiPath(path)),
			slog.Int("attempt", attempt), slog.Duration("wait", wait), slog.String("code", errorCode(err)))
		if serr := d.cfg.Clock.Sleep(ctx, wait); serr != nil {
			return nil, transient("crm_timeout", "waiting to retry: "+serr.Error())
		}
		waited += wait
	}
}

// retryable says whether a failed call may go again: transient errors,
// except the daily allocation running out (that lasts hours).
func retryable(err error) bool {
	if destinations.Classify(err) != destinations.Transient || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var api *APIError
	return !errors.As(err, &api) || !api.dailyLimit()
}

// authorized sends the request with the current session; a 401
// INVALID_SESSION_ID drops the session and sends it once more with a
// fresh one.
func (d *Destination) authorized(ctx context.Context, method, path string, body []byte) (*response, error) {
	for try := 0; ; try++ {
		s, err := d.tokens.get(ctx)
		if err != nil {
			return nil, err
		}
		resp, err := d.send(ctx, s, method, path, body)
		if err != nil {
			return nil, err
		}
		if resp.status < 300 {
			return resp, nil
		}
		api := parseAPIError(method, d.apiPath(path), resp.status, resp.body)
		if resp.status == http.StatusUnauthorized && api.Code() == "INVALID_SESSION_ID" && try == 0 {
			d.tokens.invalidate(s)
			continue
		}
		if api.Status == http.StatusUnauthorized {
			return nil, &destinations.Error{Class: destinations.Permanent, Code: "crm_401_" + lower(api.Code()),
				Message: "the session was refused again after a fresh token: " + api.Message(), Err: api}
		}
		return nil, api.classify()
	}
}

// send makes one HTTP request and reads its answer and usage header.
func (d *Destination) send(ctx context.Context, s *session, method, path string, body []byte) (*response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.instance+d.apiPath(path), rd)
	if err != nil {
		return nil, permanent("crm_request", err.Error())
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hr, err := d.http.Do(req)
	if err != nil {
		return nil, &destinations.Error{Class: destinations.Transient, Code: networkCode(err),
			Message: fmt.Sprintf("%s %s: %v", method, d.apiPath(path), errors.Unwrap(err)), Err: err}
	}
	defer hr.Body.Close()
	b, err := io.ReadAll(io.LimitReader(hr.Body, maxBody))
	if err != nil {
		return nil, &destinations.Error{Class: destinations.Transient, Code: "crm_network",
			Message: fmt.Sprintf("%s %s: reading the answer: %v", method, d.apiPath(path), err), Err: err}
	}
	d.usage.observe(hr.Header.Get("Sforce-Limit-Info"))
	return &response{status: hr.StatusCode, header: hr.Header, body: b}, nil
}

// errorCode is the destinations.Error code of err, or "".
func errorCode(err error) string {
	var de *destinations.Error
	if errors.As(err, &de) {
		return de.Code
	}
	return ""
}

func networkCode(err error) string {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "crm_timeout"
	}
	return "crm_network"
}

// apiPath is the request path for path under the pinned version.
func (d *Destination) apiPath(path string) string {
	return "/services/data/" + d.cfg.APIVersion + "/" + path
}
