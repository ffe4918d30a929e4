package salesforce

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/numora/numora-connector/mapping"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update to accept):\n%s", name, got)
	}
}

func TestPreviewMakesNoRequest(t *testing.T) {
	tests := []struct {
		name   string
		warm   bool // metadata read before
		golden string
	}{
		{"cold", false, "preview_cold.golden"},
		{"with metadata", true, "preview_warm.golden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			if tt.warm {
				for _, o := range []string{"Invoice__c", "Invoice_Line__c", "Account"} {
					if _, err := e.d.describe(bg, o); err != nil {
						t.Fatal(err)
					}
				}
			}
			before := len(e.srv.Requests())
			var out bytes.Buffer
			if err := e.d.Preview(bg, invoicePlan("doc-1", "DE'123", mapping.OnMissingFail, "1", "2"), &out); err != nil {
				t.Fatal(err)
			}
			if len(e.srv.Requests()) != before {
				t.Error("Preview made requests")
			}
			golden(t, tt.golden, out.Bytes())
		})
	}
}

func TestValidateRecords(t *testing.T) {
	pos := mapping.Pos{File: "rules.yaml", Line: 3, Col: 5}
	good := mapping.RecordSpec{Name: "invoice", Entity: "Invoice__c", Mode: mapping.ModeUpsert, Pos: pos,
		KeyColumns: []string{"Numora_Document_Id__c"},
		Columns: []mapping.ColumnSpec{{Name: "Numora_Document_Id__c", Type: mapping.TypeString},
			{Name: "Status__c", Type: mapping.TypeChoice, Choices: map[string]int64{"Draft": 1}},
			{Name: "Total__c", Type: mapping.TypeMoney}, {Name: "Name", Type: mapping.TypeString, MaxLength: 80}},
		Binds: []mapping.BindSpec{{NavProperty: "Account__c", Lookup: "Account", LookupColumns: []string{"Tax_Id__c"}}}}
	tests := []struct {
		name string
		edit func(*mapping.RecordSpec)
		want []string // substrings, one per problem
	}{
		{"fits", func(*mapping.RecordSpec) {}, nil},
		{"no object", func(s *mapping.RecordSpec) { s.Entity = "Nope__c" }, []string{"no sObject Nope__c"}},
		{"two key columns", func(s *mapping.RecordSpec) { s.KeyColumns = []string{"Name", "Total__c"} }, []string{"one External ID"}},
		{"key not external", func(s *mapping.RecordSpec) { s.KeyColumns = []string{"Name"} }, []string{"not an External ID"}},
		{"identity key without the field", func(s *mapping.RecordSpec) { s.KeyColumns, s.Key = nil, mapping.KeyIdentity }, []string{"no field Numora_Id__c"}},
		{"unknown column", func(s *mapping.RecordSpec) { s.Columns[3].Name = "Nom" }, []string{"no field Nom"}},
		{"wrong type", func(s *mapping.RecordSpec) { s.Columns[2].Type = mapping.TypeBool }, []string{"currency field; a bool"}},
		{"too long", func(s *mapping.RecordSpec) { s.Columns[3].MaxLength = 200 }, []string{"at most 80"}},
		{"unknown picklist value", func(s *mapping.RecordSpec) { s.Columns[1].Choices = map[string]int64{"Open": 1} }, []string{`no active picklist value "Open"`}},
		{"not a reference", func(s *mapping.RecordSpec) { s.Binds[0].NavProperty = "Name" }, []string{"no reference field"}},
		{"wrong target", func(s *mapping.RecordSpec) { s.Binds[0].Lookup = "Invoice__c" }, []string{"refers to Account"}},
		{"unknown match field", func(s *mapping.RecordSpec) { s.Binds[0].LookupColumns = []string{"Vat__c"} }, []string{"no field Vat__c"}},
		{"deactivate", func(s *mapping.RecordSpec) { s.OnRemoved = mapping.RemoveDeactivate }, []string{"deactivate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			s := good
			s.Columns = append([]mapping.ColumnSpec(nil), good.Columns...)
			s.Binds = append([]mapping.BindSpec(nil), good.Binds...)
			tt.edit(&s)
			probs, err := e.d.ValidateRecords(bg, []mapping.RecordSpec{s})
			if err != nil {
				t.Fatal(err)
			}
			if len(probs) != len(tt.want) {
				t.Fatalf("problems = %v, want %d", probs, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(probs[i].Message, w) {
					t.Errorf("problem %q does not say %q", probs[i].Message, w)
				}
			}
		})
	}
}
