package mapping

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/numora/numora-connector/numora"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// goldenDir holds one folder per case (beside fuzz/, the fuzz seeds): mappings.yaml (optional: the
// repository's default rules when absent), result.json (optional: only
// loading is checked when absent), and want.json (the plan), or want.err
// (load problems, a render error or a skip). want.warnings lists the
// rules' load warnings, when there are any.
const goldenDir = "testdata"

func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(goldenDir, "*"))
	dirs = slices.DeleteFunc(dirs, func(d string) bool { return filepath.Base(d) == "fuzz" })
	if err != nil || len(dirs) < 30 {
		t.Fatalf("got %d golden cases (err %v), want at least 30", len(dirs), err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			got, warnings := runCase(t, dir)
			name, other := "want.json", "want.err"
			if !strings.HasPrefix(got, "{") {
				name, other = other, name
			}
			checkGolden(t, filepath.Join(dir, name), got)
			checkGolden(t, filepath.Join(dir, other), "")
			checkGolden(t, filepath.Join(dir, "want.warnings"), warnings)
		})
	}
}

// runCase loads and renders one case; it returns the plan JSON or the
// error text, and the rules' warnings.
func runCase(t *testing.T, dir string) (string, string) {
	t.Helper()
	rulesPath := filepath.Join(dir, "mappings.yaml")
	data, err := os.ReadFile(rulesPath)
	if errors.Is(err, os.ErrNotExist) {
		data, err = os.ReadFile("../mappings.yaml")
	}
	if err != nil {
		t.Fatal(err)
	}
	rules, err := Parse("mappings.yaml", data)
	if err != nil {
		return errorText(t, err), ""
	}
	var warnings strings.Builder
	for _, w := range rules.Warnings() {
		warnings.WriteString(w.String() + "\n")
	}
	res, ok := readResult(t, filepath.Join(dir, "result.json"))
	if !ok {
		return "loaded\n", warnings.String()
	}
	plan, err := rules.Render(res)
	if err != nil {
		return errorText(t, err), warnings.String()
	}
	out, err := plan.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(out), warnings.String()
}

func readResult(t *testing.T, path string) (*numora.Result, bool) {
	t.Helper()
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false
	}
	var res numora.Result
	if err == nil {
		err = json.Unmarshal(data, &res)
	}
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &res, true
}

// errorText prints an error the way the golden files hold it.
func errorText(t *testing.T, err error) string {
	t.Helper()
	var (
		le *LoadError
		re *RenderError
		se *SkipError
		b  strings.Builder
	)
	switch {
	case errors.As(err, &le):
		for _, p := range le.Problems {
			b.WriteString(p.String() + "\n")
		}
	case errors.As(err, &re):
		b.WriteString("error_code: " + re.Code() + "\n")
		for _, p := range re.Problems {
			b.WriteString(p.Code + ": " + p.String() + "\n")
		}
	case errors.As(err, &se):
		b.WriteString("skipped: " + se.Reason + "\n")
	default:
		t.Fatalf("unexpected error type %T: %v", err, err)
	}
	return b.String()
}

// checkGolden compares got with the file, or rewrites it with -update
// (removing it when got is empty).
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if got == "" {
			_ = os.Remove(path)
			return
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && got == "" {
		return
	}
	if err == nil && got == "" {
		t.Errorf("%s exists but the case produced nothing for it (stale?)", path)
		return
	}
	if err != nil {
		t.Fatalf("%v (run go test ./mapping -run TestGolden -update to create it)", err)
	}
	if !bytes.Equal(want, []byte(got)) {
		t.Errorf("%s differs:\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
