package mapping

import (
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/numora/numora-connector/numora"
)

// Seeds for both fuzz tests live in testdata/fuzz/<FuzzName>/ (the golden
// cases' rules and results). Run briefly with e.g.
// go test ./mapping -run '^$' -fuzz FuzzRender -fuzztime 10s.

// FuzzParse loads arbitrary rules: never a panic, and either rules that
// render a sample document or a *LoadError with positioned problems.
func FuzzParse(f *testing.F) {
	data, err := os.ReadFile("../mappings.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	sample, _ := readResult(&testing.T{}, goldenDir+"/sources/result.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, err := Parse("fuzz.yaml", data)
		if err != nil {
			var le *LoadError
			if !errors.As(err, &le) || len(le.Problems) == 0 {
				t.Fatalf("got %v, want a *LoadError with problems", err)
			}
			return
		}
		for _, s := range rules.Schemas() {
			res := *sample
			res.Schema = s
			checkRender(t, rules, &res)
		}
		_ = rules.Records()
	})
}

// FuzzRender maps arbitrary result JSON with the default rules and with the
// rules of golden cases that use every source and type: never a panic, and
// a plan that encodes, or a skip or render error.
func FuzzRender(f *testing.F) {
	var sets []*Rules
	for _, path := range []string{"../mappings.yaml", goldenDir + "/sources/mappings.yaml",
		goldenDir + "/types-all/mappings.yaml", goldenDir + "/expressions/mappings.yaml"} {
		rules, err := Load(path)
		if err != nil {
			f.Fatal(err)
		}
		sets = append(sets, rules)
	}
	f.Add([]byte(`{"id":"doc_1","schema":"invoice_v2","fields":{"total_amount":{"value":"1.234,56","confidence":0.9}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var res numora.Result
		if json.Unmarshal(data, &res) != nil {
			return
		}
		for _, rules := range sets {
			checkRender(t, rules, &res)
		}
	})
}

// checkRender renders res and checks the outcome is one of the documented
// ones.
func checkRender(t *testing.T, rules *Rules, res *numora.Result) {
	t.Helper()
	plan, err := rules.Render(res)
	var (
		se *SkipError
		re *RenderError
	)
	switch {
	case err == nil:
		if _, err := plan.JSON(); err != nil {
			t.Fatalf("plan does not encode: %v", err)
		}
	case errors.As(err, &se):
		if se.Reason == "" {
			t.Fatal("skip without a reason")
		}
	case errors.As(err, &re):
		if len(re.Problems) == 0 || re.Code() == "" {
			t.Fatalf("render error without problems: %v", err)
		}
	default:
		t.Fatalf("unexpected error %T: %v", err, err)
	}
}
