package numora

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// errNoID is returned for an empty document id.
var errNoID = errors.New("numora: document id is required")

// Document returns GET /v1/documents/{id}, the document's status and
// metadata. The id is opaque and path-escaped.
func (c *Client) Document(ctx context.Context, id string) (*Document, error) {
	if id == "" {
		return nil, errNoID
	}
	var d Document
	cl := &call{method: http.MethodGet, url: c.endpoint(nil, "v1", "documents", id), out: &d}
	if err := c.do(ctx, cl); err != nil {
		return nil, err
	}
	return &d, nil
}

// Result returns GET /v1/documents/{id}/result, the reviewed extraction.
// Bodies up to 32 MiB are read.
func (c *Client) Result(ctx context.Context, id string) (*Result, error) {
	if id == "" {
		return nil, errNoID
	}
	return c.result(ctx, id, c.endpoint(nil, "v1", "documents", id, "result"))
}

// ResultOf reads the result of an outbox entry from its result_url (or, when
// it has none, from the document's result path). result_url is resolved
// against the base URL and refused, wrapping ErrOtherOrigin, when it points
// to another origin: nothing is sent there. ExternalID, Metadata and
// UpdatedAt come from the entry when the result leaves them out.
func (c *Client) ResultOf(ctx context.Context, item OutboxItem) (*Result, error) {
	if item.DocumentID == "" {
		return nil, errNoID
	}
	u := c.endpoint(nil, "v1", "documents", item.DocumentID, "result")
	if item.ResultURL != "" {
		var err error
		if u, err = c.resolve(item.ResultURL, "result_url of "+item.DocumentID); err != nil {
			return nil, err
		}
	}
	r, err := c.result(ctx, item.DocumentID, u)
	if err != nil {
		return nil, err
	}
	if r.ExternalID == nil {
		r.ExternalID = item.ExternalID
	}
	if len(r.Metadata) == 0 {
		r.Metadata = item.Metadata
	}
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = item.UpdatedAt
	}
	return r, nil
}

// result fetches a result from u and checks it is the one asked for.
func (c *Client) result(ctx context.Context, id string, u *url.URL) (*Result, error) {
	var r Result
	cl := &call{method: http.MethodGet, url: u, out: wireFor(&r), limit: maxResultBody}
	if err := c.do(ctx, cl); err != nil {
		return nil, err
	}
	switch r.ID {
	case "":
		r.ID = id
	case id:
	default:
		return nil, &DecodeError{Method: cl.method, URL: u.Redacted(), StatusCode: http.StatusOK,
			ContentType: "application/json", Err: fmt.Errorf("result is for document %q, want %q", r.ID, id)}
	}
	return &r, nil
}

// ReportDelivery records one delivery attempt with the callback POST
// /v1/documents/{id}/delivery. d is validated first (nothing is sent when a
// required field is missing; the error wraps ErrInvalidDelivery) and
// marshalled once: every retry sends the same bytes. A 409 answering a
// retry means an earlier try was recorded and is success; a 409 on the first
// try is a conflict (IsConflict): the execution_id was used with other data.
// Any 2xx is success; its body is ignored.
func (c *Client) ReportDelivery(ctx context.Context, id string, d Delivery) error {
	if id == "" {
		return errNoID
	}
	if err := d.Validate(); err != nil {
		return err
	}
	body, err := d.MarshalJSON()
	if err != nil {
		return fmt.Errorf("numora: delivery for %s: %w", id, err)
	}
	return c.do(ctx, &call{method: http.MethodPost, url: c.endpoint(nil, "v1", "documents", id, "delivery"),
		body: body, replayConflictOK: true})
}

// Dispatch asks Numora to deliver the document itself: POST
// /v1/documents/{id}/dispatch with {"provider": provider} (an empty
// provider sends {}). A 2xx (202 Accepted) means queued, not done; watch
// the outcome with WaitDelivered. As for ReportDelivery, a 409 answering a
// retry means the earlier try was queued and counts as success; a 409 on
// the first try (already pending, not deliverable) is returned.
func (c *Client) Dispatch(ctx context.Context, id, provider string) error {
	if id == "" {
		return errNoID
	}
	body, err := json.Marshal(struct {
		Provider string `json:"provider,omitempty"`
	}{provider})
	if err != nil {
		return fmt.Errorf("numora: dispatch %s: %w", id, err)
	}
	return c.do(ctx, &call{method: http.MethodPost, url: c.endpoint(nil, "v1", "documents", id, "dispatch"),
		body: body, replayConflictOK: true})
}

// DefaultPoll is WaitDelivered's interval when poll <= 0.
const DefaultPoll = 2 * time.Second

// WaitDelivered reads the document every poll interval (on the client's
// clock) until its status is no longer push_pending, and returns it. Only
// ctx bounds the wait; each read is retried like any other call.
func (c *Client) WaitDelivered(ctx context.Context, id string, poll time.Duration) (*Document, error) {
	if poll <= 0 {
		poll = DefaultPoll
	}
	for {
		d, err := c.Document(ctx, id)
		if err != nil || d.Status != StatusPushPending {
			return d, err
		}
		if err := c.clock.Sleep(ctx, poll); err != nil {
			return nil, fmt.Errorf("numora: waiting for %s to leave push_pending: %w", id, err)
		}
	}
}
