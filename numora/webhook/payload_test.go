package webhook

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParseExecutor(t *testing.T) {
	tests := []struct {
		name, body string
		want       Notification
		wantErr    string
	}{
		{"top level", `{"document_id":"doc_1","anything":[1,2]}`, Notification{DocumentID: "doc_1"}, ""},
		{"under data", `{"data":{"document_id":"doc_2"}}`, Notification{DocumentID: "doc_2"}, ""},
		{"event envelope", `{"id":"evt_9","type":"executor.notify","data":{"document_id":"doc_3"}}`,
			Notification{EventID: "evt_9", Type: "executor.notify", DocumentID: "doc_3"}, ""},
		{"top level wins", `{"document_id":"a","data":{"document_id":"b"}}`, Notification{DocumentID: "a"}, ""},
		{"no document id", `{"data":{}}`, Notification{}, "no document_id"},
		{"empty document id", `{"document_id":""}`, Notification{}, "empty"},
		{"number document id", `{"document_id":12}`, Notification{}, "must be a string"},
		{"array", `[{"document_id":"x"}]`, Notification{}, "JSON object"},
		{"empty body", ``, Notification{}, "JSON object"},
		{"broken JSON", `{"document_id":`, Notification{}, "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseExecutor([]byte(tt.body))
			checkParse(t, got, err, tt.want, tt.wantErr)
		})
	}
}

func TestParseEvent(t *testing.T) {
	tests := []struct {
		name, body string
		want       Notification
		wantErr    string
	}{
		{"reviewed", `{"id":"evt_1","type":"document.reviewed","created_at":"2026-03-21T14:24:11Z","data":{"document_id":"doc_1","status":"reviewed"}}`,
			Notification{EventID: "evt_1", Type: "document.reviewed", DocumentID: "doc_1"}, ""},
		{"run event without document", `{"id":"evt_2","type":"run.failed","data":{"run_id":"r"}}`,
			Notification{EventID: "evt_2", Type: "run.failed"}, ""},
		{"no type", `{"id":"evt_3","data":{"document_id":"d"}}`, Notification{}, "no \"type\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEvent([]byte(tt.body))
			checkParse(t, got, err, tt.want, tt.wantErr)
		})
	}
}

func checkParse(t *testing.T, got Notification, err error, want Notification, wantErr string) {
	t.Helper()
	if wantErr != "" {
		var be *BodyError
		if !errors.As(err, &be) || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("err = %v, want a *BodyError containing %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestReadBody(t *testing.T) {
	tests := []struct {
		name    string
		size    int
		wantErr error
	}{
		{"under the limit", 100, nil},
		{"at the limit", 1024, nil},
		{"over the limit", 1025, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(strings.Repeat("x", tt.size)))
			b, err := ReadBody(httptest.NewRecorder(), r, 1024)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && len(b) != tt.size {
				t.Errorf("read %d bytes, want %d", len(b), tt.size)
			}
		})
	}
}
