package mapping

import (
	"encoding/json"
	"testing"
	"time"
)

func TestValueAccessorsAndJSON(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		v        Value
		text     string
		jsonForm string
	}{
		{Value{Type: TypeString}, "", `{"type":"string","value":null}`},
		{StringValue("Überweisung"), "Überweisung", `{"type":"string","value":"Überweisung"}`},
		{IntValue(-3), "-3", `{"type":"int","value":-3}`},
		{DecimalValue(TypeMoney, "12.34565"), "12.34565", `{"type":"money","value":12.34565}`},
		{BoolValue(true), "true", `{"type":"bool","value":true}`},
		{DateValue("1700-01-01"), "1700-01-01", `{"type":"date","value":"1700-01-01"}`},
		{DateTimeValue(time.Date(2026, 3, 2, 10, 30, 0, 0, berlin)), "2026-03-02T09:30:00Z",
			`{"type":"datetime","value":"2026-03-02T09:30:00Z","local":"2026-03-02T10:30:00"}`},
		{ChoiceValue(Option{Label: "EUR", Value: 100000000}), "EUR", `{"type":"choice","value":"EUR","option":100000000}`},
		{MultiChoiceValue([]Option{{Label: "Red", Value: 1}, {Label: "Blue", Value: 3}}), "Red, Blue",
			`{"type":"multichoice","value":["Red","Blue"],"options":[1,3]}`},
		{GUIDValue("6f1c3f7e-0000-4000-8000-000000000001"), "6f1c3f7e-0000-4000-8000-000000000001",
			`{"type":"guid","value":"6f1c3f7e-0000-4000-8000-000000000001"}`},
	}
	for _, tt := range tests {
		if got := tt.v.Text(); got != tt.text {
			t.Errorf("%s: Text() = %q, want %q", tt.v.Type, got, tt.text)
		}
		b, err := json.Marshal(tt.v)
		if err != nil || string(b) != tt.jsonForm {
			t.Errorf("%s: JSON %s (%v), want %s", tt.v.Type, b, err, tt.jsonForm)
		}
	}
	dt := DateTimeValue(time.Date(2026, 3, 2, 10, 30, 0, 0, berlin))
	if dt.WallClock() != "2026-03-02T10:30:00" || !dt.Time().Equal(time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("datetime: wall clock %s, time %s", dt.WallClock(), dt.Time())
	}
	if (Value{Type: TypeInt}).IsNull() != true || IntValue(0).IsNull() {
		t.Error("IsNull: the zero Value of a type is null, a constructed one is not")
	}
}

// A choice given by its option value carries a label: the first, in sorted
// order, of those the rules declared for that value.
func TestChoiceByOptionValueCarriesALabel(t *testing.T) {
	c := newChoiceSet(map[string]int64{"Euro": 1, "EUR": 1, "US Dollar": 2})
	for in, want := range map[string]Option{"1": {"EUR", 1}, "euro": {"Euro", 1}, " us  dollar ": {"US Dollar", 2}} {
		if got, ok := c.lookup(in); !ok || got != want {
			t.Errorf("lookup(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	if _, ok := c.lookup("3"); ok {
		t.Error("an undeclared option value was accepted")
	}
}
