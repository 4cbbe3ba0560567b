package lint_test

import (
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/kready/kready/lint"
	"github.com/kready/kready/render"
)

// The Helm fixture harness: every chart under fixtures/helm (a directory with
// Chart.yaml that is not a subchart) is rendered and linted as one unit, and
// its findings must equal the want comments in the chart's files — template
// lines, helper lines, Chart.yaml lines — while `# related: rule-id` on a
// values file line must equal the related locations of that rule's findings.
// A chart's kready-test.yaml gives the input flags a user would pass.

// chartTestOptions mirrors the lint flags for charts (paths relative to the
// chart directory).
type chartTestOptions struct {
	Values      []string `json:"values"`
	Set         []string `json:"set"`
	SetString   []string `json:"setString"`
	SetFile     []string `json:"setFile"`
	SetJSON     []string `json:"setJSON"`
	ReleaseName string   `json:"releaseName"`
	Namespace   string   `json:"namespace"`
	KubeVersion string   `json:"kubeVersion"`
	SkipTests   bool     `json:"skipTests"`
}

func chartOptions(t *testing.T, dir string) render.Options {
	t.Helper()
	var o chartTestOptions
	if data, err := os.ReadFile(filepath.Join(dir, "kready-test.yaml")); err == nil {
		if err := yaml.UnmarshalStrict(data, &o); err != nil {
			t.Fatalf("%s/kready-test.yaml: %v", dir, err)
		}
	}
	h := render.HelmOptions{
		Set: o.Set, SetString: o.SetString, SetJSON: o.SetJSON, ReleaseName: o.ReleaseName,
		Namespace: o.Namespace, KubeVersion: o.KubeVersion, SkipTests: o.SkipTests,
	}
	for _, v := range o.Values {
		h.ValuesFiles = append(h.ValuesFiles, filepath.Join(dir, v))
	}
	for _, f := range o.SetFile {
		if k, v, ok := cut(f, "="); ok {
			h.SetFile = append(h.SetFile, k+"="+filepath.Join(dir, v))
		}
	}
	return render.Options{Helm: h}
}

func cut(s, sep string) (string, string, bool) {
	for i := 0; i+len(sep) <= len(s); i++ {
		if s[i:i+len(sep)] == sep {
			return s[:i], s[i+len(sep):], true
		}
	}
	return s, "", false
}

// chartDirs lists the top charts under root.
func chartDirs(t *testing.T, root string) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "charts" {
			return filepath.SkipDir
		}
		if !d.IsDir() && d.Name() == "Chart.yaml" {
			dirs = append(dirs, filepath.Dir(p))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

func TestHelmFixtures(t *testing.T) {
	for _, dir := range chartDirs(t, "../fixtures/helm") {
		rel, _ := filepath.Rel("../fixtures/helm", dir)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			wants, related, enable := readAllExpectations(t, dir)
			rs := fixtureRules(t, enable)
			rep := lint.Run(render.Load([]string{dir}, chartOptions(t, dir)), rs)
			for _, e := range rep.Errors {
				t.Errorf("unexpected error: %s:%d: %s", e.File, e.Line, e.Message)
			}
			var got, gotRelated []expectation
			for _, f := range rep.Findings {
				if f.Line < 1 {
					t.Errorf("finding without a line: %+v", f)
				}
				got = append(got, expectation{f.File, f.Line, f.Rule})
				for _, r := range f.Related {
					gotRelated = append(gotRelated, expectation{r.File, r.Line, f.Rule})
				}
			}
			compare(t, wants, got, rep)
			compareSets(t, "related", related, gotRelated)
		})
	}
}

// compareSets checks that two lists hold the same distinct expectations.
func compareSets(t *testing.T, what string, want, got []expectation) {
	t.Helper()
	w, g := map[expectation]bool{}, map[expectation]bool{}
	for _, e := range want {
		w[e] = true
	}
	for _, e := range got {
		g[e] = true
	}
	for e := range w {
		if !g[e] {
			t.Errorf("missing %s location: %s", what, e)
		}
	}
	for e := range g {
		if !w[e] {
			t.Errorf("unexpected %s location: %s", what, e)
		}
	}
}
