package kubetest

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// manifests is the directory of the shipped manifests.
const manifests = "../kubernetes"

// TestManifests decodes every YAML file under deploy/kubernetes, whatever
// kinds it holds, and fails on any decoding error, any violation of the
// restricted Pod Security Standard and any break of the house rules.
func TestManifests(t *testing.T) {
	restricted, err := NewRestricted()
	if err != nil {
		t.Fatal(err)
	}
	files := yamlFiles(t, manifests)
	if len(files) == 0 {
		t.Fatalf("no *.yaml under %s", manifests)
	}
	pods := 0
	for _, f := range files {
		t.Run(strings.TrimPrefix(f, manifests+"/"), func(t *testing.T) {
			objs, err := DecodeFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if len(objs) == 0 {
				t.Fatalf("%s holds no object", f)
			}
			for _, o := range objs {
				for _, p := range PodsOf(o.Value) {
					pods++
					for _, v := range restricted.Violations(p) {
						t.Errorf("%s: restricted Pod Security Standard: %s", o, v)
					}
					for _, v := range HouseRules(p) {
						t.Errorf("%s: %s", o, v)
					}
				}
			}
		})
	}
	if pods == 0 {
		t.Errorf("no pod spec found under %s: the CronJob at least should be there", manifests)
	}
}

func yamlFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestCheckCatches proves each check fails on a manifest that breaks it.
func TestCheckCatches(t *testing.T) {
	restricted, err := NewRestricted()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file string
		want []string // substrings of the decoding error or the findings
	}{
		{"unknown-field.yaml", []string{`CronJob typo`, `unknown field "readOnlyRootFilesytem"`}},
		{"duplicate-field.yaml", []string{`key "args" already set`}},
		{"unknown-kind.yaml", []string{`kind "Kustomization"`, "add it to newObject"}},
		{"wrong-apiversion.yaml", []string{`kind "CronJob" with apiVersion "batch/v1beta1"`}},
		{"no-name.yaml", []string{"metadata.name are required"}},
		{"root-deployment.yaml", []string{
			"allowPrivilegeEscalation != false",
			"unrestricted capabilities",
			"runAsNonRoot != true",
			"seccompProfile",
			`volume "host" uses restricted volume type "hostPath"`,
			`container "app": securityContext.readOnlyRootFilesystem must be true`,
			`env AZURE_CLIENT_SECRET comes from a Secret`,
			`envFrom Secret "numora"`,
		}},
		{"job-contract.yaml", []string{
			"restartPolicy: Never",
			"fail the Job on exit code 2",
			"without --refused-exit-code=0",
		}},
		{"good-statefulset.yaml", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got := findings(restricted, filepath.Join("testdata", tt.file))
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("findings lack %q; got:\n%s", w, got)
				}
			}
			if tt.want == nil && got != "" {
				t.Errorf("want no finding; got:\n%s", got)
			}
		})
	}
}

// findings is every error and finding for one file, one per line.
func findings(r *Restricted, file string) string {
	objs, err := DecodeFile(file)
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, o := range objs {
		for _, p := range PodsOf(o.Value) {
			out = append(out, r.Violations(p)...)
			out = append(out, HouseRules(p)...)
		}
	}
	return strings.Join(out, "\n")
}

func TestRefusedExitZero(t *testing.T) {
	tests := []struct {
		args []string
		want bool
	}{
		{[]string{"run", "--refused-exit-code=0"}, true},
		{[]string{"run", "-refused-exit-code=0"}, true},
		{[]string{"run", "--refused-exit-code", "0"}, true},
		{[]string{"run", "--refused-exit-code=4"}, false},
		{[]string{"run", "--refused-exit-code", "4"}, false},
		{[]string{"run", "--refused-exit-code"}, false},
		{[]string{"run", "---refused-exit-code=0"}, false},
		{[]string{"run", "refused-exit-code=0"}, false},
		{[]string{"run"}, false},
	}
	for _, tt := range tests {
		if got := refusedExitZero(tt.args); got != tt.want {
			t.Errorf("refusedExitZero(%q) = %v, want %v", tt.args, got, tt.want)
		}
	}
}
