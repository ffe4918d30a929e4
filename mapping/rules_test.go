package mapping

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func loadDefault(t testing.TB) *Rules {
	t.Helper()
	rules, err := Load("../mappings.yaml")
	if err != nil {
		t.Fatalf("default mappings.yaml: %v", err)
	}
	return rules
}

func TestDefaultRules(t *testing.T) {
	rules := loadDefault(t)
	if got := rules.Warnings(); len(got) != 0 {
		t.Errorf("got warnings %v, want none", got)
	}
	if got, want := rules.Schemas(), []string{"contract_v1", "invoice_v2", "receipt_v1"}; !slices.Equal(got, want) {
		t.Errorf("got schemas %v, want %v", got, want)
	}
	if got := rules.File(); got != "../mappings.yaml" {
		t.Errorf("got file %q, want ../mappings.yaml", got)
	}
}

// specOf finds a record spec by name.
func specOf(t *testing.T, specs []RecordSpec, name string) RecordSpec {
	t.Helper()
	for _, s := range specs {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no record %q", name)
	return RecordSpec{}
}

func columnOf(t *testing.T, s RecordSpec, name string) ColumnSpec {
	t.Helper()
	for _, c := range s.Columns {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("record %s has no column %q", s.Name, name)
	return ColumnSpec{}
}

func TestDefaultRecords(t *testing.T) {
	specs := loadDefault(t).Records()
	if got := len(specs); got != 4 {
		t.Fatalf("got %d records, want 4", got)
	}
	inv := specOf(t, specs, "invoice")
	if inv.Schema != "invoice_v2" || inv.Entity != "new_vendorinvoices" || inv.Mode != ModeUpsert || inv.KeyColumns != nil {
		t.Errorf("got invoice spec %+v", inv)
	}
	if inv.Pos.Line == 0 || inv.Pos.File != "../mappings.yaml" {
		t.Errorf("got invoice position %v, want a line in ../mappings.yaml", inv.Pos)
	}
	if got := columnOf(t, inv, "new_name").MaxLength; got != 100 {
		t.Errorf("got new_name max length %d, want 100", got)
	}
	// The sandbox relies on Dataverse, not the rules, rejecting long invoice numbers.
	if got := columnOf(t, inv, "new_invoicenumber").MaxLength; got != 0 {
		t.Errorf("got new_invoicenumber max length %d, want 0", got)
	}
	cur := columnOf(t, inv, "new_currency")
	if cur.Type != TypeChoice || cur.Choices["GBP"] != 100000002 || len(cur.Choices) != 4 {
		t.Errorf("got new_currency %+v", cur)
	}
	wantBinds := []BindSpec{
		{NavProperty: "new_VendorId", Lookup: "accounts", LookupColumns: []string{"accountnumber"}},
		{NavProperty: "ownerid", Lookup: "teams", LookupColumns: []string{"name"}},
	}
	checkBinds(t, inv.Binds, wantBinds)
	line := specOf(t, specs, "line")
	if line.ForEach != "line_items" {
		t.Errorf("got line for_each %q, want line_items", line.ForEach)
	}
	checkBinds(t, line.Binds, []BindSpec{{NavProperty: "new_InvoiceId", Ref: "invoice"}})
	contract := specOf(t, specs, "contract")
	if !slices.Equal(contract.KeyColumns, []string{"new_contractnumber"}) {
		t.Errorf("got contract key columns %v, want [new_contractnumber]", contract.KeyColumns)
	}
}

func checkBinds(t *testing.T, got, want []BindSpec) {
	t.Helper()
	for i := range got {
		got[i].Pos = Pos{}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got binds %+v, want %+v", got, want)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/does-not-exist.yaml")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("got %v, want an fs.ErrNotExist error", err)
	}
	if err != nil && !strings.HasPrefix(err.Error(), "mapping: ") {
		t.Errorf("got %q, want the mapping: prefix", err)
	}
}

func TestRenderNil(t *testing.T) {
	if _, err := loadDefault(t).Render(nil); err == nil {
		t.Error("got no error for a nil result")
	}
}

func TestRenderConcurrentAndDeterministic(t *testing.T) {
	rules := loadDefault(t)
	res, _ := readResult(t, goldenDir+"/invoice-10-lines/result.json")
	before, _ := readResult(t, goldenDir+"/invoice-10-lines/result.json")
	plan, err := rules.Render(res)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := plan.JSON()
	var wg sync.WaitGroup
	got := make([][]byte, 8)
	for i := range got {
		wg.Go(func() {
			p, err := rules.Render(res)
			if err != nil {
				t.Error(err)
				return
			}
			got[i], _ = p.JSON()
		})
	}
	wg.Wait()
	for i, g := range got {
		if !bytes.Equal(g, want) {
			t.Errorf("render %d differs from the first", i)
		}
	}
	if !reflect.DeepEqual(res, before) {
		t.Error("Render modified the result")
	}
}

func TestAliasBomb(t *testing.T) {
	// Each level merges the previous one ten times: 10^9 visits if walked
	// naively.
	var b strings.Builder
	b.WriteString("version: 1\nx-m0: &m0 {a: 1}\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&b, "x-m%d: &m%d {<<: [", i, i)
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*m%d", i-1)
		}
		b.WriteString("]}\n")
	}
	b.WriteString("schemas:\n  invoice_v2:\n    records:\n      - name: r\n        entity: e\n" +
		"        columns:\n          c: {<<: *m9, from: fields.x}\n")
	done := make(chan error, 1)
	go func() {
		_, err := Parse("bomb.yaml", []byte(b.String()))
		done <- err
	}()
	select {
	case err := <-done:
		var le *LoadError
		if !errors.As(err, &le) || !slices.ContainsFunc(le.Problems, func(p Problem) bool {
			return strings.Contains(p.Message, "too large")
		}) {
			t.Errorf("got %v, want a too large problem", err)
		}
	case <-time.After(20 * time.Second): // a hang guard, not a measurement: Parse refuses the bomb in ~0.1 s (under -race)
		t.Fatal("Parse did not stop on an alias bomb")
	}
}
