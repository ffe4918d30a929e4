package numora

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

func TestFieldUnmarshal(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantVal  string
		wantConf *float64
	}{
		{"documented", `{"value": "ACME", "confidence": 0.98}`, `"ACME"`, ptr(0.98)},
		{"no confidence", `{"value": 12.5}`, `12.5`, nil},
		{"null value", `{"value": null, "confidence": 0.3}`, `null`, ptr(0.3)},
		{"extra keys", `{"value": true, "confidence": 0.9, "page": 2}`, `true`, ptr(0.9)},
		{"bad confidence", `{"value": 1, "confidence": "high"}`, `1`, nil},
		{"bare string", `"INV-1"`, `"INV-1"`, nil},
		{"bare number", `1234.56`, `1234.56`, nil},
		{"bare object", `{"street": "Main St"}`, `{"street": "Main St"}`, nil},
		{"bare array", `[1, 2]`, `[1, 2]`, nil},
		{"bare null", `null`, `null`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f Field
			if err := json.Unmarshal([]byte(tt.in), &f); err != nil {
				t.Fatal(err)
			}
			if string(f.Value) != tt.wantVal || !sameConf(f.Confidence, tt.wantConf) {
				t.Errorf("got %s %v, want %s %v", f.Value, f.Confidence, tt.wantVal, tt.wantConf)
			}
		})
	}
}

func sameConf(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func TestLineItemJSON(t *testing.T) {
	in := `{"quantity": 2, "id": "li_1", "description": {"value": "Paper", "confidence": 0.8},
		"meta": {"k": 1}, "amount": {"value": 8.5}, "quantity": 3}`
	var li LineItem
	if err := json.Unmarshal([]byte(in), &li); err != nil {
		t.Fatal(err)
	}
	if li.ID != "li_1" || !slices.Equal(li.Names, []string{"quantity", "description", "meta", "amount"}) {
		t.Fatalf("got %+v", li)
	}
	if string(li.Fields["quantity"].Value) != "3" || *li.Fields["description"].Confidence != 0.8 {
		t.Errorf("got fields %+v", li.Fields)
	}
	out, err := json.Marshal(li)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"li_1","quantity":3,"description":{"value":"Paper","confidence":0.8},"meta":{"value":{"k":1}},"amount":8.5}`
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
	var back LineItem
	if err := json.Unmarshal(out, &back); err != nil || !slices.Equal(back.Names, li.Names) ||
		string(back.Fields["meta"].Value) != `{"k":1}` {
		t.Errorf("round trip: got %+v, %v", back, err)
	}
}

func TestLineItemIDs(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{`{"id": 7}`, "7", false},
		{`{"id": null}`, "", false},
		{`{}`, "", false},
		{`{"id": [1]}`, "", true},
		{`[]`, "", true},
		{`{"a": }`, "", true},
		{`{"a": {"value": 1`, "", true},
	}
	for _, tt := range tests {
		var li LineItem
		err := li.UnmarshalJSON([]byte(tt.in))
		if (err != nil) != tt.wantErr || li.ID != tt.want {
			t.Errorf("%s: got %q, %v; want %q, error %v", tt.in, li.ID, err, tt.want, tt.wantErr)
		}
	}
}

func TestLineItemMarshalSkipsAndFails(t *testing.T) {
	li := LineItem{ID: "li_1", Names: []string{"missing", "id", "a"}, Fields: map[string]Field{"a": {}, "id": {Value: []byte(`1`)}}}
	out, err := json.Marshal(li)
	if err != nil || string(out) != `{"id":"li_1","a":null}` {
		t.Errorf("got %s, %v", out, err)
	}
	li.Fields["a"] = Field{Value: []byte(`{bad`)}
	if _, err := li.MarshalJSON(); err == nil {
		t.Error("invalid raw JSON: want an error")
	}
}

func TestDeliveryJSON(t *testing.T) {
	at := time.Date(2026, 3, 24, 4, 0, 0, 123456789, time.FixedZone("CET", 3600))
	d := Delivery{Provider: "dynamics365", Status: DeliverySucceeded, ExecutionID: "run-1:doc", AttemptedAt: at,
		ExternalRecordID: "crm-row-001"}
	got, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"provider":"dynamics365","status":"succeeded","execution_id":"run-1:doc",` +
		`"external_record_id":"crm-row-001","attempted_at":"2026-03-24T03:00:00.123Z"}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	var back Delivery
	if err := json.Unmarshal(got, &back); err != nil || !back.AttemptedAt.Equal(at.Truncate(time.Millisecond)) {
		t.Errorf("round trip: got %+v, %v", back, err)
	}
}

func TestDeliveryValidate(t *testing.T) {
	ok := Delivery{Provider: "p", Status: DeliveryFailed, ExecutionID: "e", AttemptedAt: time.Unix(1, 0)}
	tests := []struct {
		name string
		edit func(*Delivery)
		want string
	}{
		{"valid failed", func(*Delivery) {}, ""},
		{"valid skipped", func(d *Delivery) { d.Status = DeliverySkipped }, ""},
		{"succeeded needs record", func(d *Delivery) { d.Status = DeliverySucceeded }, "external_record_id is required"},
		{"everything missing", func(d *Delivery) { *d = Delivery{} },
			"provider is required; status is required; execution_id is required; attempted_at is required"},
		{"unknown status", func(d *Delivery) { d.Status = "ok" }, `status "ok" is not`},
		{"blank provider", func(d *Delivery) { d.Provider = "  " }, "provider is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := ok
			tt.edit(&d)
			err := d.Validate()
			if tt.want == "" {
				if err != nil {
					t.Errorf("got %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidDelivery) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want ErrInvalidDelivery containing %q", err, tt.want)
			}
		})
	}
}
