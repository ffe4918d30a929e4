package numora

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// DefaultOutboxLimit is the page size Outbox asks for when limit <= 0.
const DefaultOutboxLimit = 100

// Outbox iterates over GET /v1/delivery/outbox for provider, page by page,
// holding one page in memory. The next page is asked for with the cursor
// the previous one returned (meta.next_cursor or a top-level next_cursor,
// passed back unchanged); a missing, null or empty cursor ends the listing.
//
// A page that cannot be fetched or read yields a zero item with the error
// and ends the iteration; if it is 404 or 410, the error wraps
// ErrOutboxGone. An entry that cannot be read (no document_id, bad types)
// yields that entry's error and the iteration goes on if the caller does.
// Each page's request is retried like any other call.
func (c *Client) Outbox(ctx context.Context, provider string, limit int) iter.Seq2[OutboxItem, error] {
	return func(yield func(OutboxItem, error) bool) {
		if provider == "" {
			yield(OutboxItem{}, errors.New("numora: outbox: provider is required"))
			return
		}
		if limit <= 0 {
			limit = DefaultOutboxLimit
		}
		for cursor, page := "", 1; ; page++ {
			p, err := c.outboxPage(ctx, provider, limit, cursor)
			if err != nil {
				yield(OutboxItem{}, err)
				return
			}
			c.pages.Add(1)
			for i, raw := range p.data {
				item, err := parseOutboxItem(raw)
				if err != nil {
					err = fmt.Errorf("numora: outbox page %d entry %d: %w", page, i, err)
				}
				if !yield(item, err) {
					return
				}
			}
			if p.next == "" {
				return
			}
			if p.next == cursor {
				yield(OutboxItem{}, fmt.Errorf("numora: outbox page %d returned its own cursor %q again", page, cursor))
				return
			}
			cursor = p.next
		}
	}
}

// OutboxPages is the number of outbox pages the client has read since it
// was made, for progress displays.
func (c *Client) OutboxPages() int { return int(c.pages.Load()) }

// outboxPage fetches and parses one page.
func (c *Client) outboxPage(ctx context.Context, provider string, limit int, cursor string) (*outboxPage, error) {
	q := url.Values{"provider": {provider}, "limit": {strconv.Itoa(limit)}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var p outboxPage
	cl := &call{method: http.MethodGet, url: c.endpoint(q, "v1", "delivery", "outbox"), out: &p}
	if err := c.do(ctx, cl); err != nil {
		var ae *APIError
		if errors.As(err, &ae) && (ae.StatusCode == http.StatusNotFound || ae.StatusCode == http.StatusGone) {
			return nil, fmt.Errorf("%w: %w", ErrOutboxGone, err)
		}
		return nil, err
	}
	return &p, nil
}

// outboxPage is one page: its raw entries and the cursor of the next one.
type outboxPage struct {
	data []json.RawMessage
	next string
}

// UnmarshalJSON reads a page with parseOutboxPage.
func (p *outboxPage) UnmarshalJSON(data []byte) error {
	q, err := parseOutboxPage(data)
	if err != nil {
		return err
	}
	*p = *q
	return nil
}

// parseOutboxPage reads {"data": [...], "meta": {"next_cursor": ...}} or
// {"data": [...], "next_cursor": ...}. A meta cursor wins over a top-level
// one; a cursor may be a string or a number (kept as its literal text).
func parseOutboxPage(data []byte) (*outboxPage, error) {
	var body struct {
		Data       *[]json.RawMessage `json:"data"`
		NextCursor json.RawMessage    `json:"next_cursor"`
		Meta       *struct {
			NextCursor json.RawMessage `json:"next_cursor"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(data, &body); err != nil {
		return nil, fmt.Errorf("outbox page: %w", err)
	}
	if body.Data == nil {
		return nil, errors.New("outbox page: no data array")
	}
	p := &outboxPage{data: *body.Data}
	var err error
	if body.Meta != nil {
		p.next, err = cursorValue(body.Meta.NextCursor)
	}
	if p.next == "" && err == nil {
		p.next, err = cursorValue(body.NextCursor)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// cursorValue reads a cursor: a string, a number, or null/absent ("").
func cursorValue(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), nil
	}
	return "", fmt.Errorf("outbox page: next_cursor %.40s is not a string", raw)
}

// parseOutboxItem reads one entry; it must name its document.
func parseOutboxItem(raw json.RawMessage) (OutboxItem, error) {
	var item OutboxItem
	if err := json.Unmarshal(raw, &item); err != nil {
		return item, err
	}
	if item.DocumentID == "" {
		return item, errors.New("no document_id")
	}
	return item, nil
}
