package render

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"

	"github.com/kready/kready/manifest"
)

// DefaultKubeVersion follows the vendored k8s.io/api: bumping the module
// without bumping the default (or the reverse) fails here.
func TestDefaultKubeVersionFollowsVendoredAPI(t *testing.T) {
	data, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*k8s\.io/api v0\.(\d+)\.`).FindSubmatch(data)
	if m == nil {
		t.Fatal("go.mod does not require k8s.io/api v0.x")
	}
	if want := "1." + string(m[1]); DefaultKubeVersion != want {
		t.Errorf("DefaultKubeVersion = %s, but go.mod has k8s.io/api v0.%s (want %s)", DefaultKubeVersion, m[1], want)
	}
}

func TestParseKubeVersion(t *testing.T) {
	for in, want := range map[string]string{"1.31": "v1.31.0", "v1.31": "v1.31.0", "1.31.2": "v1.31.2", "v1.9.10": "v1.9.10"} {
		v, err := parseKubeVersion(in)
		if err != nil || v.String() != want {
			t.Errorf("%q: %v %v, want %s", in, v, err, want)
		}
	}
	for _, in := range []string{"", "1", "1.31.2.4", "x1.31", "1.31-beta", "1.031", " 1.31", "latest"} {
		if _, err := parseKubeVersion(in); err == nil || !strings.Contains(err.Error(), "--kube-version") {
			t.Errorf("%q: err = %v, want a --kube-version error", in, err)
		}
	}
}

func TestCapabilitiesForKubeVersion(t *testing.T) {
	caps, err := helmCapabilities("1.31", []string{"monitoring.coreos.com/v1", "example.com/v1/Widget"})
	if err != nil {
		t.Fatal(err)
	}
	if caps.KubeVersion.Version != "v1.31.0" || caps.KubeVersion.Major != "1" || caps.KubeVersion.Minor != "31" {
		t.Errorf("KubeVersion = %+v", caps.KubeVersion)
	}
	has := caps.APIVersions.Has
	for _, want := range []string{
		"v1", "v1/Pod", "v1/ConfigMap", "apps/v1", "apps/v1/Deployment",
		"policy/v1", "policy/v1/PodDisruptionBudget", "autoscaling/v2/HorizontalPodAutoscaler",
		"networking.k8s.io/v1/Ingress", "batch/v1/CronJob",
		"apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1/CustomResourceDefinition",
		"monitoring.coreos.com/v1", "example.com/v1/Widget",
	} {
		if !has(want) {
			t.Errorf("1.31: %s missing", want)
		}
	}
	for _, gone := range []string{
		"policy/v1beta1", "policy/v1beta1/PodDisruptionBudget", "policy/v1beta1/PodSecurityPolicy",
		"extensions/v1beta1", "extensions/v1beta1/Ingress", "batch/v1beta1/CronJob",
		"autoscaling/v2beta2", "apiextensions.k8s.io/v1beta1",
		"v1/ListOptions", "apps/v1/WatchEvent", "apps/v1/DeleteOptions",
	} {
		if has(gone) {
			t.Errorf("1.31: %s present", gone)
		}
	}
	// Version by version: a beta API exists until the release that removes it.
	old, err := helmCapabilities("v1.24", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !old.APIVersions.Has("policy/v1beta1/PodDisruptionBudget") || !old.APIVersions.Has("policy/v1/PodDisruptionBudget") {
		t.Error("1.24 has both policy/v1beta1 and policy/v1 PodDisruptionBudget")
	}
	if old.APIVersions.Has("extensions/v1beta1/Ingress") {
		t.Error("extensions/v1beta1 Ingress was removed in 1.22")
	}
	// An API introduced after the target does not exist there yet.
	ancient, err := helmCapabilities("1.15.3", nil)
	if err != nil {
		t.Fatal(err)
	}
	if ancient.KubeVersion.Version != "v1.15.3" || ancient.APIVersions.Has("networking.k8s.io/v1beta1/IngressClass") {
		t.Errorf("1.15: %s, IngressClass (1.18) present: %v", ancient.KubeVersion.Version, ancient.APIVersions.Has("networking.k8s.io/v1beta1/IngressClass"))
	}
	def, err := helmCapabilities("", nil)
	if err != nil || def.KubeVersion.Version != "v"+DefaultKubeVersion+".0" {
		t.Errorf("default: %v %v", def, err)
	}
	if _, err := helmCapabilities("one.thirty", nil); err == nil {
		t.Error("invalid --kube-version accepted")
	}
	// The cached list is not shared with the caller's extra entries.
	again, _ := helmCapabilities("1.31", nil)
	if again.APIVersions.Has("example.com/v1/Widget") {
		t.Error("--api-versions of one call leaked into another")
	}
	if n := len(again.APIVersions); n < 100 {
		t.Errorf("only %d API versions for 1.31", n)
	}
}

// The tests below exercise internals of helm.go that the external tests in
// helm_test.go cannot reach.

// Templates may mutate the values they get (sprig's set); the mapper's
// second render must see the same values as the first.
func TestRenderTemplatesRendersFromOwnCopy(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"Chart.yaml":        "apiVersion: v2\nname: m\nversion: 0.1.0\n",
		"values.yaml":       "n: 0\nlist: [a]\n",
		"templates/cm.yaml": "{{- $_ := set .Values \"n\" (add1 .Values.n) }}{{- $_ := set .Values \"list\" (append .Values.list \"b\") -}}\nn: {{ .Values.n }}\nlist: {{ .Values.list | join \",\" }}\n",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ch, err := loader.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := chartutil.ToRenderValuesWithSchemaValidation(ch, map[string]any{}, chartutil.ReleaseOptions{Name: "r"}, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		out, err := renderTemplates(ch, vals)
		if err != nil {
			t.Fatal(err)
		}
		if got := out["m/templates/cm.yaml"]; got != "n: 1\nlist: a,b\n" {
			t.Errorf("render %d: %q", i+1, got)
		}
	}
}

// Values files go to the mapper highest precedence first, each subchart's
// values.yaml scoped under its path from the top chart.
func TestValuesSourcesOrder(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"Chart.yaml":                      "apiVersion: v2\nname: top\nversion: 0.1.0\ndependencies:\n  - name: a\n    version: 0.1.0\n    alias: first\n",
		"values.yaml":                     "top: 1\n",
		"charts/a/Chart.yaml":             "apiVersion: v2\nname: a\nversion: 0.1.0\n",
		"charts/a/values.yaml":            "a: 1\n",
		"charts/a/charts/b/Chart.yaml":    "apiVersion: v2\nname: b\nversion: 0.1.0\n",
		"charts/a/charts/b/values.yaml":   "b: 1\n",
		"charts/nov/Chart.yaml":           "apiVersion: v2\nname: nov\nversion: 0.1.0\n",
		"charts/nov/templates/empty.yaml": "",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, e := readChartDir(dir, "web", 0)
	if e != nil {
		t.Fatal(e)
	}
	ch, err := loader.LoadFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	roots := map[*chart.File]string{}
	locateCharts(ch, "web", roots)
	if err := chartutil.ProcessDependenciesWithMerge(ch, map[string]any{}); err != nil {
		t.Fatal(err)
	}
	user := []valuesSource{{Display: "one.yaml", Data: []byte("x: 1\n")}, {Display: "two.yaml", Data: []byte("x: 2\n")}}
	var got []string
	for _, v := range valuesSources(user, chartTree(ch), roots) {
		got = append(got, fmt.Sprintf("%s %v %q", v.Display, v.Scope, v.Data))
	}
	want := []string{
		`two.yaml [] "x: 2\n"`,
		`one.yaml [] "x: 1\n"`,
		`web/values.yaml [] "top: 1\n"`,
		`web/charts/a/values.yaml [first] "a: 1\n"`,
		`web/charts/a/charts/b/values.yaml [first b] "b: 1\n"`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("values sources\n %q\nwant\n %q", got, want)
	}
}

// Helm's error chains: the root cause is the last position.
func TestTemplateErrorRootCause(t *testing.T) {
	ch := &chart.Chart{Metadata: &chart.Metadata{Name: "web"}, Raw: []*chart.File{{Name: "Chart.yaml"}}}
	roots := map[*chart.File]string{chartID(ch): "deploy/web"}
	for in, want := range map[string]string{
		`template: web/templates/a.yaml:3:5: executing "web/templates/a.yaml" at <include "x" .>: error calling include: template: web/templates/_h.tpl:9:2: executing "x" at <.Values.a.b>: nil pointer evaluating interface {}.b`: `deploy/web/templates/_h.tpl:9: template execution failed at column 3: at <.Values.a.b>: nil pointer evaluating interface {}.b`,
		`parse error at (web/templates/b.yaml:27): function "nope" not defined`: `deploy/web/templates/b.yaml:27: template parse error: function "nope" not defined`,
		`execution error at (web/templates/c.yaml:6:15): need a value`:          `deploy/web/templates/c.yaml:6: template execution failed at column 16: need a value`,
		`parse error in (web/templates/d.yaml): unexpected thing`:               `deploy/web/templates/d.yaml: template parse error: unexpected thing`,
		`rendering template failed: runtime error: index out of range`:          `deploy/web: render failed: rendering template failed: runtime error: index out of range`,
		`template: other/templates/e.yaml:1:1: boom`:                            `other/templates/e.yaml:1: template execution failed at column 2: boom`,
	} {
		if got := templateError(errors.New(in), []*chart.Chart{ch}, roots, "deploy/web").Error(); got != want {
			t.Errorf("%s\n got %s\nwant %s", in, got, want)
		}
	}
}

// Helm's warnings become lines of the unit, never raw output, and the
// standard logger is restored afterwards.
func TestCaptureStdLog(t *testing.T) {
	var outside strings.Builder
	prev := log.Writer()
	log.SetOutput(&outside)
	defer log.SetOutput(prev)
	got := captureStdLog(func() {
		log.Printf("Warning: one")
		log.Printf("Warning: one")
		log.Print("two\n\n")
	})
	if !reflect.DeepEqual(got, []string{"Warning: one", "two"}) || outside.Len() != 0 {
		t.Errorf("captured %q, leaked %q", got, outside.String())
	}
	log.Print("after")
	if !strings.Contains(outside.String(), "after") {
		t.Error("the logger was not restored")
	}
}

// A failing or panicking line mapper leaves every object with its
// rendered-output locator.
func TestMapTemplatesFallsBack(t *testing.T) {
	ch := &chart.Chart{Metadata: &chart.Metadata{Name: "web", APIVersion: "v2", Version: "0.1.0"},
		Templates: []*chart.File{{Name: "templates/cm.yaml", Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")}}}
	const name, file = "web/templates/cm.yaml", "deploy/web/templates/cm.yaml"
	rendered := map[string]string{name: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"}
	for _, render := range []renderFunc{
		func(*chart.Chart) (map[string]string, error) { panic("boom") },
		func(*chart.Chart) (map[string]string, error) { return nil, errors.New("instrumented render failed") },
	} {
		objs, errs, _ := decodeRendered(file, rendered[name])
		if len(errs) > 0 || len(objs) != 1 {
			t.Fatalf("decode: %v", errs)
		}
		err := mapTemplates(ch, render, rendered, map[string]string{name: file}, nil, []string{name}, map[string][]*manifest.Object{name: objs})
		if err == nil {
			t.Fatal("no error")
		}
		loc, _ := objs[0].Locator.Locate(manifest.ParsePath("metadata.name"))
		if loc.File != file || loc.Line != 4 || objs[0].Source.Line != 1 {
			t.Errorf("%v: metadata.name at %s:%d, source line %d", err, loc.File, loc.Line, objs[0].Source.Line)
		}
	}
}
