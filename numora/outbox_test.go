package numora_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/numora/numora-connector/numora"
	"github.com/numora/numora-connector/numora/numoratest"
)

func TestOutboxPages(t *testing.T) {
	tests := []struct {
		name      string
		opts      []numoratest.Option
		n, limit  int
		wantPages int
		wantLimit string
	}{
		// The six deliverable fixtures come first.
		{"meta cursor", nil, 24, 10, 3, "limit=10"},
		{"top-level cursor", []numoratest.Option{numoratest.WithTopLevelCursor()}, 24, 10, 3, "limit=10"},
		{"default limit", nil, 150, 0, 2, "limit=100"},
		{"server clamps", []numoratest.Option{numoratest.WithPageSize(5, 8)}, 20, 50, 4, "limit=50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, tt.opts...)
			e.srv.Generate(tt.n, 3)
			var got []string
			for item, err := range e.c.Outbox(context.Background(), "dynamics365", tt.limit) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, item.DocumentID)
			}
			if want := e.srv.OutboxIDs(); !slices.Equal(got, want) {
				t.Errorf("got %d ids, want %d in outbox order", len(got), len(want))
			}
			reqs := e.requests(numoratest.EndpointOutbox)
			if len(reqs) != tt.wantPages {
				t.Fatalf("got %d page requests, want %d", len(reqs), tt.wantPages)
			}
			for i, r := range reqs {
				if !strings.Contains(r.Path, tt.wantLimit) || strings.Contains(r.Path, "cursor=") != (i > 0) ||
					!strings.Contains(r.Path, "provider=dynamics365") {
					t.Errorf("request %d: got %s", i, r.Path)
				}
			}
		})
	}
}

func TestOutboxStopsEarly(t *testing.T) {
	e := setup(t)
	e.srv.Generate(30, 1)
	n := 0
	for _, err := range e.c.Outbox(context.Background(), "dynamics365", 10) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
	if got := len(e.requests(numoratest.EndpointOutbox)); got != 1 {
		t.Errorf("got %d page requests after stopping at item 3, want 1", got)
	}
}

func TestOutboxGone(t *testing.T) {
	for _, status := range []int{http.StatusNotFound, http.StatusGone} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			e := setup(t)
			e.srv.Fail(numoratest.EndpointOutbox, numoratest.Fault{Status: status})
			var errs []error
			for _, err := range e.c.Outbox(context.Background(), "dynamics365", 10) {
				errs = append(errs, err)
			}
			var ae *numora.APIError
			if len(errs) != 1 || !errors.Is(errs[0], numora.ErrOutboxGone) || !errors.As(errs[0], &ae) || ae.StatusCode != status {
				t.Fatalf("got %v, want one error wrapping ErrOutboxGone and a %d APIError", errs, status)
			}
			if !strings.Contains(errs[0].Error(), "notify mode") || numora.IsTransient(errs[0]) {
				t.Errorf("got %q (transient %v), want a permanent error pointing to notify mode", errs[0], numora.IsTransient(errs[0]))
			}
		})
	}
}

// pages serves the given bodies one per request, in order.
func pages(t *testing.T, bodies ...string) http.HandlerFunc {
	t.Helper()
	i := 0
	return func(w http.ResponseWriter, r *http.Request) {
		if i >= len(bodies) {
			t.Errorf("unexpected request %d: %s", i, r.URL)
			w.WriteHeader(500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(bodies[i]))
		i++
	}
}

func TestOutboxEntriesAndCursors(t *testing.T) {
	tests := []struct {
		name    string
		bodies  []string
		wantIDs []string
		wantErr []string // per yielded pair, "" for none
	}{
		{"bad entry does not stop", []string{`{"data":[{"document_id":"a"},{"schema":"x"},{"document_id":"b"}]}`},
			[]string{"a", "", "b"}, []string{"", "page 1 entry 1: no document_id", ""}},
		{"repeated cursor", []string{`{"data":[{"document_id":"a"}],"next_cursor":"c1"}`,
			`{"data":[{"document_id":"b"}],"next_cursor":"c1"}`},
			[]string{"a", "b", ""}, []string{"", "", "returned its own cursor"}},
		{"empty middle page", []string{`{"data":[],"meta":{"next_cursor":"c1"}}`, `{"data":[{"document_id":"z"}]}`},
			[]string{"z"}, []string{""}},
		{"bad page", []string{`{"data":{}}`}, []string{""}, []string{"reading response"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := custom(t, pages(t, tt.bodies...), nil)
			var ids, errs []string
			for item, err := range c.Outbox(context.Background(), "p", 10) {
				ids = append(ids, item.DocumentID)
				msg := ""
				if err != nil {
					msg = err.Error()
				}
				errs = append(errs, msg)
			}
			if !slices.Equal(ids, tt.wantIDs) || len(errs) != len(tt.wantErr) {
				t.Fatalf("got ids %q errors %q, want %q", ids, errs, tt.wantIDs)
			}
			for i, want := range tt.wantErr {
				if (want == "") != (errs[i] == "") || !strings.Contains(errs[i], want) {
					t.Errorf("pair %d: got error %q, want %q", i, errs[i], want)
				}
			}
		})
	}
}

func TestOutboxNeedsProvider(t *testing.T) {
	e := setup(t)
	for _, err := range e.c.Outbox(context.Background(), "", 10) {
		if err == nil || !strings.Contains(err.Error(), "provider is required") {
			t.Errorf("got %v, want provider is required", err)
		}
	}
	if n := len(e.srv.Requests()); n != 0 {
		t.Errorf("got %d requests, want none", n)
	}
}
