package mapping

import (
	"testing"
)

// BenchmarkRender maps the default invoice rules over an invoice with 10
// line items (testdata/invoice-10-lines). Target: under 50 µs/op
// on one core.
func BenchmarkRender(b *testing.B) {
	rules, err := Load("../mappings.yaml")
	if err != nil {
		b.Fatal(err)
	}
	res, _ := readResult(&testing.T{}, goldenDir+"/invoice-10-lines/result.json")
	if len(res.LineItems) != 10 {
		b.Fatalf("got %d line items, want 10", len(res.LineItems))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rules.Render(res); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderPlanJSON adds the plan's JSON encoding, an upper bound of
// what a destination's request encoding costs.
func BenchmarkRenderPlanJSON(b *testing.B) {
	rules, err := Load("../mappings.yaml")
	if err != nil {
		b.Fatal(err)
	}
	res, _ := readResult(&testing.T{}, goldenDir+"/invoice-10-lines/result.json")
	b.ReportAllocs()
	for b.Loop() {
		plan, err := rules.Render(res)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := plan.JSON(); err != nil {
			b.Fatal(err)
		}
	}
}
