package dynamics365

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
)

func TestRoundDecimal(t *testing.T) {
	tests := []struct {
		in     string
		digits int
		want   string
	}{
		{"1234.56", 4, "1234.56"},
		{"12.34565", 4, "12.3457"},
		{"12.34564", 4, "12.3456"},
		{"-0.00004", 4, "0"},
		{"-0.00005", 4, "-0.0001"},
		{"99999.99995", 4, "100000"},
		{"9.99995", 4, "10"},
		{"0.3333333333333333", 10, "0.3333333333"},
		{"0.123", 0, "0"},
		{"0.5", 0, "1"},
		{"-2.5", 0, "-3"},
		{"1e5", 4, "1e5"},
	}
	for _, tt := range tests {
		if got := roundDecimal(tt.in, tt.digits); got != tt.want {
			t.Errorf("roundDecimal(%q, %d) = %q, want %q", tt.in, tt.digits, got, tt.want)
		}
	}
}

func TestJSONValue(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	tests := []struct {
		v    mapping.Value
		want any
	}{
		{mapping.Value{Type: mapping.TypeMoney}, nil},
		{mapping.StringValue("x"), "x"},
		{mapping.IntValue(3), int64(3)},
		{mapping.BoolValue(true), true},
		{mapping.DecimalValue(mapping.TypeMoney, "1.23456"), json.Number("1.2346")},
		{mapping.DecimalValue(mapping.TypeDecimal, "1.23456"), json.Number("1.23456")},
		{mapping.ChoiceValue(mapping.Option{Label: "EUR", Value: 100000000}), int64(100000000)},
		{mapping.MultiChoiceValue([]mapping.Option{{Label: "A", Value: 1}, {Label: "B", Value: 9}}), "1,9"},
		{mapping.DateValue("2026-03-24"), "2026-03-24"},
		{mapping.DateTimeValue(time.Date(2026, 3, 2, 10, 30, 0, 0, berlin)), "2026-03-02T09:30:00Z"},
	}
	for _, tt := range tests {
		if got := jsonValue(tt.v); got != tt.want {
			t.Errorf("jsonValue(%s %q) = %#v, want %#v", tt.v.Type, tt.v.Text(), got, tt.want)
		}
	}
}

// Years Dataverse cannot store fail the document before anything is sent,
// with the outcome code mapping gave them when it checked Dataverse's range.
func TestCheckLimits(t *testing.T) {
	plan := func(v mapping.Value) *mapping.Plan {
		return &mapping.Plan{DocumentID: "d", Records: []mapping.Record{{Name: "invoice", Entity: "new_vendorinvoices",
			Key: identity("d", ""), Columns: []mapping.Column{{Name: "new_invoicedate", Value: v}}}}}
	}
	tests := []struct {
		v    mapping.Value
		want string // "" = accepted
	}{
		{mapping.DateValue("1753-01-01"), ""},
		{mapping.DateValue("9999-12-31"), ""},
		{mapping.DateValue("1700-01-01"), `invoice (new_vendorinvoices): column new_invoicedate: "1700-01-01" is outside the years Dataverse accepts (1753-9999)`},
		{mapping.DateTimeValue(time.Date(1752, 12, 31, 23, 0, 0, 0, time.UTC)), "outside the years"},
		{mapping.Value{Type: mapping.TypeDate}, ""},
	}
	for _, tt := range tests {
		err := checkLimits(plan(tt.v))
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: got %v", tt.v.Text(), err)
			}
			continue
		}
		var de *destinations.Error
		if !errors.As(err, &de) || de.Code != codeOutOfRange || de.Class != destinations.Permanent || !strings.Contains(de.Message, tt.want) {
			t.Errorf("%s: got %v, want permanent %s %q", tt.v.Text(), err, codeOutOfRange, tt.want)
		}
	}
}

// Deliver, Preview and Rehearse refuse such a plan before any request.
func TestOutOfRangeYearFailsBeforeSending(t *testing.T) {
	d, s, _ := emu(t, nil)
	plan := invoicePlan(mapping.ModeUpsert, "INV-1", mapping.OnMissingFail)
	plan.Records[0].Columns = append(plan.Records[0].Columns, mapping.Column{Name: "new_invoicedate", Value: mapping.DateValue("1700-01-01")})
	_, err := d.Deliver(context.Background(), plan)
	var de *destinations.Error
	if !errors.As(err, &de) || de.Code != codeOutOfRange || de.Class != destinations.Permanent ||
		de.Message != `invoice (new_vendorinvoices): column new_invoicedate: "1700-01-01" is outside the years Dataverse accepts (1753-9999)` {
		t.Fatalf("Deliver: %v", err)
	}
	if err := d.Preview(context.Background(), plan, io.Discard); destinations.Classify(err) != destinations.Permanent {
		t.Errorf("Preview: %v, want permanent", err)
	}
	if err := d.Rehearse(context.Background(), plan, io.Discard); destinations.Classify(err) != destinations.Permanent {
		t.Errorf("Rehearse: %v, want permanent", err)
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests for a plan refused before sending, want none", n)
	}
}
