package numoratest

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/numora/numora-connector/numora"
)

// page is an outbox page in either shape.
type page struct {
	Data       []numora.OutboxItem `json:"data"`
	NextCursor *string             `json:"next_cursor"`
	Meta       *struct {
		NextCursor *string `json:"next_cursor"`
	} `json:"meta"`
}

// listAll pages through the outbox and returns the ids and page count.
func listAll(t *testing.T, s *Server, limit int, topLevel bool) ([]string, int) {
	t.Helper()
	var ids []string
	cursor := ""
	for pages := 1; ; pages++ {
		path := fmt.Sprintf("/v1/delivery/outbox?provider=dynamics365&limit=%d", limit)
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := send(t, s, "GET", path, "")
		if r.status != http.StatusOK {
			t.Fatalf("page %d: got %d: %s", pages, r.status, r.body)
		}
		var p page
		r.decode(t, &p)
		next := p.NextCursor
		if topLevel != (p.Meta == nil) {
			t.Fatalf("page %d: got meta %v, want top-level cursor %v: %s", pages, p.Meta, topLevel, r.body)
		}
		if p.Meta != nil {
			next = p.Meta.NextCursor
		}
		for _, it := range p.Data {
			ids = append(ids, it.DocumentID)
		}
		if next == nil {
			return ids, pages
		}
		cursor = *next
	}
}

func TestOutboxPagination(t *testing.T) {
	tests := []struct {
		name      string
		opts      []Option
		n, limit  int
		wantPages int
		topLevel  bool
	}{
		{"meta cursor", nil, 25, 10, 3, false},
		{"exact pages", nil, 20, 10, 2, false},
		{"top-level cursor", []Option{WithTopLevelCursor()}, 25, 10, 3, true},
		{"clamped limit", []Option{WithPageSize(5, 7)}, 20, 100, 3, false},
		{"empty", nil, 0, 10, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := start(t, tt.opts...)
			s.Generate(tt.n, 7)
			got, pages := listAll(t, s, tt.limit, tt.topLevel)
			if want := s.OutboxIDs(); !slices.Equal(got, want) || len(got) != tt.n {
				t.Errorf("got %d ids, want %d (%d in OutboxIDs)", len(got), tt.n, len(want))
			}
			if pages != tt.wantPages {
				t.Errorf("got %d pages, want %d", pages, tt.wantPages)
			}
		})
	}
}

func TestOutboxExclusions(t *testing.T) {
	s, _ := start(t)
	if err := s.LoadFixtures(fixtures); err != nil {
		t.Fatal(err)
	}
	got, _ := listAll(t, s, 3, false)
	want := []string{"doc_01jpwq4q9m7q4q2k8dax1x1q5n", "doc_01jpwq5a7k3n8d2f6h9j0m1p2q", "doc_01jpwq6b8m4p9e3g7j0k1n2r3s",
		"doc_01jpwq7c9n5q0f4h8k1m2p3s4t", "4be38121-3791-4856-80d5-c57dbec2cf78", "doc_01jpwq8d0p6r1g5j9m2n3q4t5v"}
	if !slices.Equal(got, want) {
		t.Errorf("got outbox %v, want reviewed and push_failed only: %v", got, want)
	}
}

func TestOutboxBadRequests(t *testing.T) {
	s, _ := start(t)
	tests := []struct{ name, query string }{
		{"no provider", "limit=5"},
		{"bad limit", "provider=x&limit=ten"},
		{"zero limit", "provider=x&limit=0"},
		{"foreign cursor", "provider=x&cursor=abc"},
		{"bad base64", "provider=x&cursor=cur_%21%21"},
		{"bad position", "provider=x&cursor=" + "cur_" + "b3V0Ym94Oi0y"}, // "outbox:-2"
		{"other payload", "provider=x&cursor=" + "cur_" + "eHl6"},        // "xyz"
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := send(t, s, "GET", "/v1/delivery/outbox?"+tt.query, "")
			if r.status != http.StatusBadRequest || r.errorCode(t) != "invalid_payload" {
				t.Errorf("got %d %s, want 400 invalid_payload", r.status, r.body)
			}
		})
	}
}

func TestOutboxItemShape(t *testing.T) {
	s, _ := start(t)
	if err := s.LoadFixtures(fixtures); err != nil {
		t.Fatal(err)
	}
	r := send(t, s, "GET", "/v1/delivery/outbox?provider=x&limit=1", "")
	var p page
	r.decode(t, &p)
	it := p.Data[0]
	want := "/v1/documents/doc_01jpwq4q9m7q4q2k8dax1x1q5n"
	if it.ResultURL != want+"/result" || it.DispatchURL != want+"/dispatch" || it.Schema != "invoice_v2" ||
		it.Status != numora.StatusReviewed || it.ExternalID == nil || *it.ExternalID != "erp-000042" {
		t.Errorf("got %+v", it)
	}
}
