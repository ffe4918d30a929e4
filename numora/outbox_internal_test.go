package numora

import (
	"strings"
	"testing"
)

func TestParseOutboxPage(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantN    int
		wantNext string
		wantErr  string
	}{
		{"meta cursor", `{"data":[{"document_id":"a"}],"meta":{"next_cursor":"cur_1"}}`, 1, "cur_1", ""},
		{"top-level cursor", `{"data":[],"next_cursor":"cur_2"}`, 0, "cur_2", ""},
		{"meta wins", `{"data":[],"next_cursor":"top","meta":{"next_cursor":"meta"}}`, 0, "meta", ""},
		{"empty meta falls back", `{"data":[],"next_cursor":"top","meta":{"next_cursor":""}}`, 0, "top", ""},
		{"null cursor", `{"data":[{},{}],"meta":{"next_cursor":null}}`, 2, "", ""},
		{"no cursor", `{"data":[]}`, 0, "", ""},
		{"numeric cursor", `{"data":[],"next_cursor":42}`, 0, "42", ""},
		{"object cursor", `{"data":[],"next_cursor":{"a":1}}`, 0, "", "is not a string"},
		{"no data", `{"meta":{}}`, 0, "", "no data array"},
		{"null data", `{"data":null}`, 0, "", "no data array"},
		{"data not array", `{"data":{}}`, 0, "", "cannot unmarshal"},
		{"not JSON", `<html>`, 0, "", "invalid character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parseOutboxPage([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(p.data) != tt.wantN || p.next != tt.wantNext {
				t.Errorf("got %+v, %v; want %d entries, next %q", p, err, tt.wantN, tt.wantNext)
			}
		})
	}
}

func TestParseOutboxItem(t *testing.T) {
	tests := []struct {
		in, wantID, wantErr string
	}{
		{`{"document_id":"d1","updated_at":"2026-03-24T02:36:37.684Z"}`, "d1", ""},
		{`{"schema":"invoice_v2"}`, "", "no document_id"},
		{`{"document_id":"d2","updated_at":"yesterday"}`, "d2", "cannot parse"},
		{`[]`, "", "cannot unmarshal"},
	}
	for _, tt := range tests {
		item, err := parseOutboxItem([]byte(tt.in))
		if item.DocumentID != tt.wantID || (tt.wantErr == "") != (err == nil) ||
			(err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: got %q, %v; want %q, error %q", tt.in, item.DocumentID, err, tt.wantID, tt.wantErr)
		}
	}
}

// FuzzOutboxPage checks that no page body makes the parser panic, and that
// a parsed page's entries parse or fail without panicking either.
func FuzzOutboxPage(f *testing.F) {
	for _, s := range []string{
		`{"data":[{"document_id":"a","result_url":"/v1/documents/a/result"}],"meta":{"next_cursor":"cur_1"}}`,
		`{"data":[],"next_cursor":null}`,
		`{"data":[{"document_id":1}],"next_cursor":3.5e3}`,
		`{"data":[null,"x",{"updated_at":"2026"}]}`,
		`[]`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := parseOutboxPage(data)
		if err != nil {
			return
		}
		for _, raw := range p.data {
			_, _ = parseOutboxItem(raw)
		}
	})
}
