package dataversetest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultModelMatchesBrief(t *testing.T) {
	m := DefaultModel()
	sch, err := compileModel(m)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		set, logical, primary string
		attr                  string
		typ                   AttrType
		maxLength             int
	}{
		{"accounts", "account", "accountid", "accountnumber", TypeString, 20},
		{"teams", "team", "teamid", "name", TypeString, 160},
		{"new_vendorinvoices", "new_vendorinvoice", "new_vendorinvoiceid", "new_ponumber", TypeString, 50},
		{"new_vendorinvoicelines", "new_vendorinvoiceline", "new_vendorinvoicelineid", "new_description", TypeString, 2000},
		{"new_receipts", "new_receipt", "new_receiptid", "new_paymentmethod", TypeChoice, 0},
		{"new_contracts", "new_contract", "new_contractid", "new_signedon", TypeDateTime, 0},
	}
	for _, tt := range tests {
		td := sch.bySet[tt.set]
		if td == nil || td.LogicalName != tt.logical || td.PrimaryID != tt.primary {
			t.Errorf("%s: got %+v", tt.set, td)
			continue
		}
		if a := td.attrs[tt.attr]; a == nil || a.Type != tt.typ || (tt.maxLength > 0 && a.MaxLength != tt.maxLength) {
			t.Errorf("%s.%s: got %+v", tt.set, tt.attr, a)
		}
	}
	inv := sch.bySet["new_vendorinvoices"]
	if inv.navs["new_VendorId"].Target != "accounts" || inv.navs["ownerid"].Target != "teams" || inv.keys["new_invoicenumber_key"] == nil {
		t.Errorf("invoice lookups/keys: %+v %+v", inv.navs, inv.keys)
	}
	if sch.bySet["new_contracts"].navs["new_CounterpartyId"].Attribute != "new_counterpartyid" {
		t.Error("contract counterparty lookup missing")
	}
}

func TestParseModelErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown field", "tables:\n  - entity_set: a\n    logical: a\n", "field logical not found"},
		{"missing names", "tables:\n  - entity_set: a\n", "needs entity_set, logical_name and primary_id"},
		{"unknown type", "tables:\n  - {entity_set: a, logical_name: a, primary_id: aid, attributes: [{name: x, type: blob}]}\n", "unknown type"},
		{"uppercase attribute", "tables:\n  - {entity_set: a, logical_name: a, primary_id: aid, attributes: [{name: X, type: string}]}\n", "must be lowercase"},
		{"duplicate attribute", "tables:\n  - {entity_set: a, logical_name: a, primary_id: aid, attributes: [{name: x, type: int}, {name: x, type: int}]}\n", "defined twice"},
		{"attribute named like the primary id", "tables:\n  - {entity_set: a, logical_name: a, primary_id: aid, attributes: [{name: aid, type: guid}]}\n", "defined twice"},
		{"choice without options", "tables:\n  - {entity_set: a, logical_name: a, primary_id: aid, attributes: [{name: x, type: choice}]}\n", "has no options"},
		{"duplicate table", "tables:\n  - {entity_set: a, logical_name: a, primary_id: aid}\n  - {entity_set: a, logical_name: b, primary_id: bid}\n", "defined twice"},
		{"navigation target", "tables:\n  - {entity_set: a, logical_name: a, primary_id: aid, navigation: [{name: N, attribute: n, target: zs}]}\n", "unknown entity set"},
		{"navigation attribute clash", "tables:\n  - {entity_set: a, logical_name: a, primary_id: aid, attributes: [{name: n, type: int}], navigation: [{name: N, attribute: n, target: a}]}\n", "unused attribute"},
		{"key attribute", "tables:\n  - {entity_set: a, logical_name: a, primary_id: aid, keys: [{name: k, attributes: [nope]}]}\n", "unknown attribute"},
		{"bad seed row", "tables:\n  - {entity_set: a, logical_name: a, primary_id: aid, rows: [{nope: 1}]}\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseModel([]byte(tt.yaml))
			if tt.want == "" { // parses, but Start refuses the seed rows
				if err != nil {
					t.Fatal(err)
				}
				if _, err := Start(Config{Model: m}); err == nil {
					t.Error("Start accepted a model whose seed row is invalid")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "dataversetest: ") {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if _, err := Start(Config{Model: &Model{Tables: []Table{{EntitySet: "a"}}}}); err == nil {
		t.Error("Start accepted an invalid model")
	}
}

// compositeModel has keys over every key-capable type (dataverse.md §3).
const compositeModel = `
tables:
  - entity_set: example_records
    logical_name: example_record
    primary_id: example_recordid
    attributes:
      - {name: example_name, type: string}
      - {name: example_key1, type: int}
      - {name: example_key2, type: int}
      - {name: example_amount, type: decimal}
      - {name: example_day, type: date}
      - {name: example_at, type: datetime, behavior: TimeZoneIndependent}
      - {name: example_flag, type: bool}
      - {name: example_ref, type: guid}
      - {name: example_kind, type: choice, options: [{label: A, value: 1}]}
      - {name: example_tags, type: multichoice, options: [{label: A, value: 1}]}
      - {name: example_memo, type: memo}
    keys:
      - {name: ints, attributes: [example_key1, example_key2]}
      - {name: amount, attributes: [example_amount]}
      - {name: day, attributes: [example_day]}
      - {name: at, attributes: [example_at]}
      - {name: flag, attributes: [example_flag]}
      - {name: ref, attributes: [example_ref]}
      - {name: parent, attributes: [example_parentid]}
      - {name: kind, attributes: [example_kind]}
    navigation:
      - {name: example_ParentId, attribute: example_parentid, target: example_records}
`

func TestCompositeAndTypedKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tables.yaml")
	if err := os.WriteFile(path, []byte(compositeModel), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, WithModel(m))
	c := newAPIClient(t, s)
	parent := s.Seed("example_records", map[string]any{"example_name": "parent"})
	tests := []struct {
		name, key string
		status    int
	}{
		{"G4 composite ints", "example_key1=2,example_key2=2", 204},
		{"composite in other order", "example_key2=3,example_key1=3", 204},
		{"decimal", "example_amount=12.50", 204},
		{"date", "example_day=2026-03-24", 204},
		{"datetime", "example_at=2026-03-24T02:36:37Z", 204},
		{"bool", "example_flag=true", 204},
		{"guid column", "example_ref=aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", 204},
		{"lookup", "_example_parentid_value=" + parent, 204},
		{"choice", "example_kind=1", 204},
		{"named primary key", "example_recordid=" + parent, 204},
		{"string for int", "example_key1='2',example_key2=2", 400},
		{"half a composite key", "example_key1=2", 400},
		{"bool as string", "example_flag='true'", 400},
		{"date as string", "example_day='2026-03-24'", 400},
		{"guid as string", "example_ref='x'", 400},
		{"decimal as string", "example_amount='1'", 400},
		{"datetime as date", "example_at=2026-03-24", 400},
		{"lookup as string", "_example_parentid_value='x'", 400},
		{"trailing comma", "example_key1=2,", 400},
		{"missing value", "example_key1=,example_key2=2", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.call("PATCH", "example_records("+tt.key+")", `{"example_name":"`+tt.name+`"}`)
			wantStatus(t, r, tt.status)
			if tt.status == 204 {
				if got, want := r.header.Get("OData-EntityId"), s.serviceRoot()+"example_records("+tt.key+")"; got != want && !strings.Contains(tt.key, "recordid") {
					t.Errorf("got OData-EntityId %q, want %q", got, want)
				}
				again := c.call("PATCH", "example_records("+tt.key+")", `{"example_memo":"second"}`, "If-Match", "*")
				wantStatus(t, again, 204)
			}
		})
	}
	if got := s.Count("example_records"); got != 10 {
		t.Errorf("got %d rows, want 10 (parent + 9 upserts, the second PATCH of each updated)", got)
	}
}
