package dynamics365

import (
	"testing"
	"time"

	"github.com/numora/numora-connector/mapping"
)

func str(name, v string) mapping.Column {
	return mapping.Column{Name: name, Value: mapping.StringValue(v)}
}

func TestKeyPredicate(t *testing.T) {
	tests := []struct {
		name   string
		cols   []mapping.Column
		want   string
		wantOK bool
	}{
		{"plain", []mapping.Column{str("new_invoicenumber", "INV-2026-00042")}, "(new_invoicenumber='INV-2026-00042')", true},
		{"quote doubled", []mapping.Column{str("name", "O'Bryan")}, "(name='O''Bryan')", true},
		{"space comma equals", []mapping.Column{str("name", "a b,c=d")}, "(name='a%20b%2Cc%3Dd')", true},
		{"unicode", []mapping.Column{str("name", "Müller €")}, "(name='M%C3%BCller%20%E2%82%AC')", true},
		{"parentheses dollar at hash", []mapping.Column{str("name", "x(1)$@#")}, "(name='x%281%29%24%40%23')", true},
		{"composite with int", []mapping.Column{str("a", "x"), {Name: "b", Value: mapping.IntValue(2)}}, "(a='x',b=2)", true},
		{"decimal", []mapping.Column{{Name: "n", Value: mapping.DecimalValue(mapping.TypeDecimal, "1.50")}}, "(n=1.50)", true},
		{"slash", []mapping.Column{str("name", "A/B")}, "", false},
		{"ampersand", []mapping.Column{str("name", "M&M")}, "", false},
		{"percent", []mapping.Column{str("name", "100%")}, "", false},
		{"plus", []mapping.Column{str("name", "a+b")}, "", false},
		{"colon in datetime", []mapping.Column{{Name: "t", Value: mapping.DateTimeValue(time.Date(2026, 3, 24, 2, 36, 37, 0, time.UTC))}}, "", false},
		{"backslash star lt gt question", []mapping.Column{str("name", `a\b`)}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := keyPredicate(tt.cols)
			if err != nil {
				t.Fatalf("keyPredicate: %v", err)
			}
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("got %q, %v; want %q, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
	for _, c := range "*<>?" {
		if _, ok, _ := keyPredicate([]mapping.Column{str("name", "a"+string(c))}); ok {
			t.Errorf("value with %q accepted in a key URL", c)
		}
	}
	if _, _, err := keyPredicate([]mapping.Column{{Name: "k", Value: mapping.Value{Type: mapping.TypeString}}}); err == nil {
		t.Error("null key value accepted")
	}
}

func TestLiteral(t *testing.T) {
	tests := []struct {
		v    mapping.Value
		want string
	}{
		{mapping.StringValue("it's"), "'it''s'"},
		{mapping.Value{Type: mapping.TypeString}, "null"},
		{mapping.IntValue(7), "7"},
		{mapping.ChoiceValue(mapping.Option{Label: "USD", Value: 100000001}), "100000001"},
		{mapping.DecimalValue(mapping.TypeMoney, "1234.56"), "1234.56"},
		{mapping.DecimalValue(mapping.TypeMoney, "1234.56789"), "1234.5679"},
		{mapping.DecimalValue(mapping.TypeDecimal, "0.33333333333333"), "0.3333333333"},
		{mapping.MultiChoiceValue([]mapping.Option{{Label: "A", Value: 1}, {Label: "B", Value: 9}}), "'1,9'"},
		{mapping.BoolValue(true), "true"},
		{mapping.DateValue("2026-01-02"), "2026-01-02"},
		{mapping.GUIDValue("6f1c3f7e-0000-4000-8000-000000000001"), "6f1c3f7e-0000-4000-8000-000000000001"},
	}
	for _, tt := range tests {
		got, err := literal(tt.v)
		if err != nil || got != tt.want {
			t.Errorf("literal(%v) = %q, %v; want %q", tt.v, got, err, tt.want)
		}
	}
}

func TestQueryURL(t *testing.T) {
	f, err := filterExpr([]mapping.Column{str("accountnumber", "DE 1&2'"), {Name: "statecode", Value: mapping.ChoiceValue(mapping.Option{Label: "Active", Value: 0})}})
	if err != nil {
		t.Fatal(err)
	}
	got := queryURL("https://x/api/data/v9.2/", "accounts", "accountid,name", f, 2)
	want := "https://x/api/data/v9.2/accounts?$select=accountid,name&$filter=accountnumber%20eq%20'DE%201%262'''%20and%20statecode%20eq%200&$top=2"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
