package render_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kready/kready/manifest"
	"github.com/kready/kready/render"
)

// khChart is a small chart vendored as charts/web: a ConfigMap showing the
// values and release it rendered with, a test hook, a pre-install hook and a
// CRD.
var khChart = map[string]string{
	"charts/web/Chart.yaml":  "apiVersion: v2\nname: web\nversion: 0.1.0\n",
	"charts/web/values.yaml": "a: chart\nb: chart\nc: chart\n",
	"charts/web/templates/cm.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-values
data:
  a: {{ .Values.a | quote }}
  b: {{ .Values.b | quote }}
  c: {{ .Values.c | quote }}
  ns: {{ .Release.Namespace | quote }}
`,
	"charts/web/templates/tests/ping.yaml": `apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-ping
  annotations:
    helm.sh/hook: test
spec:
  containers:
    - name: ping
      image: busybox:1.36
`,
	"charts/web/templates/migrate.yaml": `apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-migrate
  annotations:
    helm.sh/hook: pre-install
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: busybox:1.36
`,
	"charts/web/crds/widget.yaml": `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names:
    kind: Widget
    plural: widgets
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
`,
}

// khTree writes the chart under each of dirs plus the given files.
func khTree(t *testing.T, dirs []string, files map[string]string) string {
	t.Helper()
	all := map[string]string{}
	for _, d := range dirs {
		for name, content := range khChart {
			all[filepath.ToSlash(filepath.Join(d, name))] = content
		}
	}
	for name, content := range files {
		all[name] = content
	}
	return ktTree(t, all)
}

// khBuild builds the kustomization in dir and fails on any error.
func khBuild(t *testing.T, dir string) *render.Unit {
	t.Helper()
	units, _ := render.KustomizeUnits(dir, true, render.Options{})
	u := ktUnit(t, units, dir)
	if u.Err != nil {
		t.Fatalf("build failed: %v", u.Err)
	}
	for _, e := range u.Errors {
		t.Errorf("unexpected error: %v", e)
	}
	return u
}

// khData returns data.key of the rendered values ConfigMap.
func khData(t *testing.T, u *render.Unit, key string) string {
	t.Helper()
	return manifest.ScalarString(ktLookup(ktObject(t, u, "ConfigMap", ""), "data."+key))
}

func khKinds(u *render.Unit) string {
	var kinds []string
	for _, o := range u.Objects {
		kinds = append(kinds, o.Kind+"/"+o.Name)
	}
	return strings.Join(kinds, " ")
}

// The release name and namespace are what kustomize passes to helm: the
// entry's namespace, else the kustomization's, else the nearest including
// kustomization's; kustomize's namespace transformer leaves Helm output
// alone, and namePrefix applies to it.
func TestKustomizeHelmRelease(t *testing.T) {
	cases := []struct {
		name, kust, base string
		wantName, wantNS string
		wantObjectNS     string
	}{
		{name: "entry namespace", kust: "namespace: kns\nnamePrefix: p-\nhelmCharts:\n  - name: web\n    releaseName: rel\n    namespace: ens\n",
			wantName: "p-rel-values", wantNS: "ens"},
		{name: "kustomization namespace", kust: "namespace: kns\nhelmCharts:\n  - name: web\n    releaseName: rel\n",
			wantName: "rel-values", wantNS: "kns"},
		{name: "defaults", kust: "helmCharts:\n  - name: web\n",
			wantName: "release-name-values", wantNS: "default"},
		{name: "inherited from the overlay", kust: "namespace: ons\nnameSuffix: -x\nresources:\n  - base\n",
			base: "helmCharts:\n  - name: web\n    releaseName: rel\n", wantName: "rel-values-x", wantNS: "ons"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			chartDir := "."
			files := map[string]string{"kustomization.yaml": tc.kust}
			if tc.base != "" {
				chartDir = "base"
				files["base/kustomization.yaml"] = tc.base
			}
			dir := khTree(t, []string{chartDir}, files)
			u := khBuild(t, dir)
			cm := ktObject(t, u, "ConfigMap", "")
			if cm.Name != tc.wantName || cm.Namespace != tc.wantObjectNS || khData(t, u, "ns") != tc.wantNS {
				t.Errorf("ConfigMap %s in namespace %q, .Release.Namespace %q; want %s in %q, %q",
					cm.Name, cm.Namespace, khData(t, u, "ns"), tc.wantName, tc.wantObjectNS, tc.wantNS)
			}
			if strings.Contains(string(cm.JSON), "internal.config.kubernetes.io") || strings.Contains(string(cm.JSON), ".kready-helm") {
				t.Errorf("build annotations left on the object: %s", cm.JSON)
			}
			template := filepath.Join(dir, chartDir, "charts/web/templates/cm.yaml")
			if cm.Source.File != render.DisplayPath(template) || cm.Source.Line != 1 {
				t.Errorf("source = %+v, want %s:1", cm.Source, render.DisplayPath(template))
			}
		})
	}
}

// includeCRDs (default false, as in kustomize), skipTests and skipHooks
// decide which of the chart's objects are built.
func TestKustomizeHelmHooksAndCRDs(t *testing.T) {
	cases := map[string]struct {
		flags string
		want  string
	}{
		"defaults":    {"", "ConfigMap/release-name-values Job/release-name-migrate Pod/release-name-ping"},
		"includeCRDs": {"    includeCRDs: true\n", "CustomResourceDefinition/widgets.example.com ConfigMap/release-name-values Job/release-name-migrate Pod/release-name-ping"},
		"skipTests":   {"    skipTests: true\n", "ConfigMap/release-name-values Job/release-name-migrate"},
		"skipHooks":   {"    skipHooks: true\n", "ConfigMap/release-name-values"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := khTree(t, []string{"."}, map[string]string{"kustomization.yaml": "helmCharts:\n  - name: web\n" + tc.flags})
			u := khBuild(t, dir)
			if got := khKinds(u); got != tc.want {
				t.Errorf("objects = %s\nwant %s", got, tc.want)
			}
			if name == "includeCRDs" {
				crd := ktObject(t, u, "CustomResourceDefinition", "")
				ktLocate(t, crd, "spec.group", ktAt(filepath.Join(dir, "charts/web/crds/widget.yaml"), 6, ""))
			}
		})
	}
}

// valuesFile replaces the chart's values.yaml as the file kustomize merges
// with valuesInline; valuesMerge decides who wins; additionalValuesFiles
// come on top. Each value's related location is the line that set it.
func TestKustomizeHelmValuesPrecedence(t *testing.T) {
	kust := func(merge string) string {
		return "helmCharts:\n  - name: web\n    valuesFile: prod.yaml\n" + merge +
			"    valuesInline:\n      b: inline\n"
	}
	cases := map[string]struct {
		kust         string
		a, b, c      string
		bFrom, cFrom string // file:text of the line each value comes from
	}{
		"override (default)": {kust(""), "file", "inline", "chart", "kustomization.yaml:b: inline", "charts/web/values.yaml:c: chart"},
		"override":           {kust("    valuesMerge: override\n"), "file", "inline", "chart", "kustomization.yaml:b: inline", "charts/web/values.yaml:c: chart"},
		"merge":              {kust("    valuesMerge: merge\n"), "file", "file", "chart", "prod.yaml:b: file", "charts/web/values.yaml:c: chart"},
		"replace":            {kust("    valuesMerge: replace\n"), "chart", "inline", "chart", "kustomization.yaml:b: inline", "charts/web/values.yaml:c: chart"},
		"additional files": {kust("    additionalValuesFiles:\n      - extra.yaml\n"), "file", "extra", "chart",
			"extra.yaml:b: extra", "charts/web/values.yaml:c: chart"},
		"no valuesFile": {"helmCharts:\n  - name: web\n    valuesInline: {b: inline}\n", "chart", "inline", "chart",
			"kustomization.yaml:{b: inline}", "charts/web/values.yaml:c: chart"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := khTree(t, []string{"."}, map[string]string{
				"kustomization.yaml": tc.kust,
				"prod.yaml":          "a: file\nb: file\n",
				"extra.yaml":         "b: extra\n",
			})
			u := khBuild(t, dir)
			if a, b, c := khData(t, u, "a"), khData(t, u, "b"), khData(t, u, "c"); a != tc.a || b != tc.b || c != tc.c {
				t.Errorf("a, b, c = %s, %s, %s; want %s, %s, %s", a, b, c, tc.a, tc.b, tc.c)
			}
			cm := ktObject(t, u, "ConfigMap", "")
			template := filepath.Join(dir, "charts/web/templates/cm.yaml")
			for key, from := range map[string]string{"b": tc.bFrom, "c": tc.cFrom} {
				file, text, _ := strings.Cut(from, ":")
				file = filepath.Join(dir, file)
				ktLocate(t, cm, "data."+key, ktAt(template, ktLineOf(t, template, "  "+key+": "), ""),
					ktAt(file, ktLineOf(t, file, text), "value from"))
			}
		})
	}
}

// Patches of the overlay apply to the chart's objects by their rendered
// names: a field the template writes points at its template line with the
// patch line related (and no values line, the patch decided the value); a
// field only the patch has points at the patch.
func TestKustomizeHelmPatchLocations(t *testing.T) {
	dir := khTree(t, []string{"base"}, map[string]string{
		"base/kustomization.yaml": "helmCharts:\n  - name: web\n    releaseName: rel\n    valuesInline:\n      a: inline\n",
		"kustomization.yaml": `namePrefix: prod-
resources:
  - base
patches:
  - patch: |-
      apiVersion: v1
      kind: ConfigMap
      metadata:
        name: rel-values
      data:
        b: patched
        d: added
`,
	})
	u := khBuild(t, dir)
	cm := ktObject(t, u, "ConfigMap", "prod-rel-values")
	template := filepath.Join(dir, "base/charts/web/templates/cm.yaml")
	kust := filepath.Join(dir, "kustomization.yaml")
	base := filepath.Join(dir, "base/kustomization.yaml")
	if khData(t, u, "b") != "patched" || khData(t, u, "a") != "inline" {
		t.Errorf("data = %s", cm.JSON)
	}
	ktLocate(t, cm, "data.a", ktAt(template, 6, ""), ktAt(base, 5, "value from"))
	ktLocate(t, cm, "data.b", ktAt(template, 7, ""), ktAt(kust, 11, "set by patch"))
	ktLocate(t, cm, "data.d", ktAt(kust, 12, ""))
	ktLocate(t, cm, "metadata.name", ktAt(template, 4, ""))
}

// A base with a chart, built by two overlays with their own namespaces:
// each build renders the chart with its namespace. The deprecated
// helmChartInflationGenerator form is read as kustomize converts it.
func TestKustomizeHelmSharedBase(t *testing.T) {
	dir := khTree(t, []string{"base"}, map[string]string{
		"base/kustomization.yaml":  "helmChartInflationGenerator:\n  - chartName: web\n    releaseName: rel\n    valuesLocal:\n      a: local\n",
		"dev/kustomization.yaml":   "namespace: dev\nresources:\n  - ../base\n",
		"prod/kustomization.yaml":  "namespace: prod\nresources:\n  - ../base\n",
		"twice/kustomization.yaml": "resources:\n  - ../dev\n  - ../prod\n",
	})
	units, _ := render.KustomizeUnits(dir, false, render.Options{})
	u := ktUnit(t, units, filepath.Join(dir, "twice"))
	if u.Err == nil || !strings.Contains(u.Err.Message, `release namespaces "dev" and "prod"`) ||
		u.Err.File != render.DisplayPath(filepath.Join(dir, "base/kustomization.yaml")) || u.Err.Line != 2 {
		t.Errorf("twice: error = %v", u.Err)
	}
	for _, env := range []string{"dev", "prod"} {
		units, _ := render.KustomizeUnits(filepath.Join(dir, env), true, render.Options{})
		u := ktUnit(t, units, filepath.Join(dir, env))
		if u.Err != nil {
			t.Fatalf("%s: %v", env, u.Err)
		}
		if khData(t, u, "ns") != env || khData(t, u, "a") != "local" {
			t.Errorf("%s: ConfigMap %s", env, ktObject(t, u, "ConfigMap", "").JSON)
		}
	}
}

// A kustomization that asks for origin annotations keeps them, naming the
// entry the way kustomize's own Helm inflation does.
func TestKustomizeHelmUserOrigin(t *testing.T) {
	dir := khTree(t, []string{"base"}, map[string]string{
		"base/kustomization.yaml": "helmCharts:\n  - name: web\n",
		"kustomization.yaml":      "buildMetadata: [originAnnotations]\nresources:\n  - base\n",
	})
	u := khBuild(t, dir)
	md := manifest.MappingGet(ktObject(t, u, "ConfigMap", "").Node, "metadata")
	got := manifest.ScalarString(manifest.MappingGet(manifest.MappingGet(md, "annotations"), "config.kubernetes.io/origin"))
	want := "configuredIn: base/kustomization.yaml\nconfiguredBy:\n  apiVersion: builtin\n  kind: HelmChartInflationGenerator\n"
	if got != want {
		t.Errorf("origin = %q, want %q", got, want)
	}
}

// Chart repositories are refused before anything runs, at the repo line of
// the kustomization, fast, without a request or a child process, whatever
// form the repository takes.
func TestKustomizeHelmRepoRefused(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusNotFound)
	}))
	defer srv.Close()
	checkChildren := ktMarkerPath(t)
	cases := map[string]struct{ kust, repo string }{
		"https":       {"helmCharts:\n  - name: web\n    version: 1.0.0\n    repo: %s\n", srv.URL + "/charts"},
		"oci":         {"helmCharts:\n  - name: web\n    repo: %s\n", "oci://registry.example.com/charts"},
		"repo name":   {"helmCharts:\n  - name: web\n    repo: %s\n", "stable"},
		"vendored":    {"helmCharts:\n  - name: web\n    repo: %s\n", "https://charts.example.com"},
		"legacy form": {"helmChartInflationGenerator:\n  - chartName: web\n    chartRepoUrl: %s\n", srv.URL},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var dir string
			kust := "# " + name + "\n" + fmt.Sprintf(tc.kust, tc.repo)
			if name == "vendored" {
				dir = khTree(t, []string{"."}, map[string]string{"kustomization.yaml": kust})
			} else {
				dir = ktTree(t, map[string]string{"kustomization.yaml": kust})
			}
			start := time.Now()
			units, _ := render.KustomizeUnits(dir, true, render.Options{})
			if elapsed := time.Since(start); elapsed > time.Second {
				t.Errorf("took %v", elapsed)
			}
			u := ktUnit(t, units, dir)
			file := filepath.Join(dir, "kustomization.yaml")
			line := ktLineOf(t, file, tc.repo)
			if u.Err == nil || u.Err.File != render.DisplayPath(file) || u.Err.Line != line ||
				!strings.Contains(u.Err.Message, "remote resource refused (offline)") || !strings.Contains(u.Err.Message, `"`+tc.repo+`"`) ||
				!strings.Contains(u.Err.Message, "charts/web") {
				t.Errorf("error = %v, want one at %s:%d naming %q and charts/web", u.Err, render.DisplayPath(file), line, tc.repo)
			}
			if len(u.Objects) != 0 {
				t.Error("objects built despite the refusal")
			}
		})
	}
	if hits.Load() != 0 {
		t.Errorf("the server received %d requests", hits.Load())
	}
	checkChildren()
}

// A chart that is not vendored, entries kustomize would refuse, and a
// chart whose template fails: each fails its unit, naming the
// kustomization line or the template line.
func TestKustomizeHelmErrors(t *testing.T) {
	checkChildren := ktMarkerPath(t)
	broken := map[string]string{}
	for name, content := range khChart {
		broken[name] = content
	}
	broken["charts/web/templates/cm.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  tag: {{ required \"tag is required\" .Values.tag }}\n"
	cases := map[string]struct {
		files      map[string]string
		wantFile   string
		wantLine   int
		wantPrefix string
	}{
		"missing chart": {map[string]string{"kustomization.yaml": "resources: []\nhelmCharts:\n  - name: web\n    version: 1.0.0\n"},
			"kustomization.yaml", 3, `helmCharts entry "web": chart directory charts/web not found`},
		"chart home": {map[string]string{"kustomization.yaml": "helmGlobals:\n  chartHome: vendor\nhelmCharts:\n  - name: web\n"},
			"kustomization.yaml", 4, `helmCharts entry "web": chart directory vendor/web not found`},
		"values file": {map[string]string{"kustomization.yaml": "helmCharts:\n  - name: web\n    valuesFile: nowhere.yaml\n"},
			"kustomization.yaml", 3, `helmCharts valuesFile entry "nowhere.yaml": no such file or directory`},
		"values merge": {map[string]string{"kustomization.yaml": "helmCharts:\n  - name: web\n    valuesMerge: deep\n"},
			"kustomization.yaml", 3, `helmCharts entry "web": valuesMerge must be merge, override or replace, not "deep"`},
		"unknown field": {map[string]string{"kustomization.yaml": "helmCharts:\n  - name: web\n    valueInline: {a: 1}\n"},
			"kustomization.yaml", 2, `helmCharts entry: unknown field "valueInline"`},
		"no name": {map[string]string{"kustomization.yaml": "helmCharts:\n  - releaseName: web\n"},
			"kustomization.yaml", 2, `helmCharts entry without a chart name`},
		"template error": {broken, "charts/web/templates/cm.yaml", 6, `template execution failed at column 11: tag is required`},
		"malformed values": {map[string]string{"kustomization.yaml": "helmCharts:\n  - name: web\n    valuesFile: prod.yaml\n", "prod.yaml": "a: 1\nb: [2\n"},
			"prod.yaml", 2, `malformed values file: `},
		"conflict": {map[string]string{"kustomization.yaml": "resources:\n  - cm.yaml\nhelmCharts:\n  - name: web\n", "cm.yaml": ktCM("release-name-values")},
			"kustomization.yaml", 0, `kustomize: `},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			files := tc.files
			if name != "template error" && name != "missing chart" && name != "chart home" {
				files = map[string]string{}
				for k, v := range khChart {
					files[k] = v
				}
				for k, v := range tc.files {
					files[k] = v
				}
			}
			dir := ktTree(t, files)
			if name == "template error" {
				if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte("namePrefix: p-\nhelmCharts:\n  - name: web\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			units, _ := render.KustomizeUnits(dir, true, render.Options{})
			u := ktUnit(t, units, dir)
			want := fmt.Sprintf("%s:%d: %s", render.DisplayPath(filepath.Join(dir, tc.wantFile)), tc.wantLine, tc.wantPrefix)
			if tc.wantLine == 0 {
				want = fmt.Sprintf("%s: %s", render.DisplayPath(filepath.Join(dir, tc.wantFile)), tc.wantPrefix)
			}
			if u.Err == nil || !strings.HasPrefix(u.Err.Error(), want) {
				t.Fatalf("error = %v\nwant %s…", u.Err, want)
			}
			if name == "template error" && !strings.HasSuffix(u.Err.Message, fmt.Sprintf(`(rendering helmCharts entry "web" at %s:3)`, render.DisplayPath(filepath.Join(dir, "kustomization.yaml")))) {
				t.Errorf("error %q does not name the helmCharts entry", u.Err.Message)
			}
			if name == "conflict" && (strings.Contains(u.Err.Message, ".kready-helm") || !strings.Contains(u.Err.Message, `helmCharts entry "web"`)) {
				t.Errorf("error %q does not name the helmCharts entry", u.Err.Message)
			}
			if len(u.Objects) != 0 {
				t.Error("objects built despite the error")
			}
		})
	}
	checkChildren()
}

// The chart belongs to the kustomization that renders it: walking the tree
// yields the kustomize unit only, never a Helm unit or plain files of the
// chart, and the chart directory is among the files kustomize owns.
func TestKustomizeHelmChartOwned(t *testing.T) {
	dir := khTree(t, []string{"app"}, map[string]string{
		"app/kustomization.yaml": "helmCharts:\n  - name: web\n",
		"other/Chart.yaml":       "apiVersion: v2\nname: other\nversion: 0.1.0\n",
	})
	_, owned := render.KustomizeUnits(dir, false, render.Options{})
	abs, _ := filepath.Abs(filepath.Join(dir, "app/charts/web"))
	found := false
	for _, o := range owned {
		found = found || o == abs
	}
	if !found {
		t.Errorf("owned %q lacks the chart directory %s", owned, abs)
	}
	var got []string
	for _, u := range render.Load([]string{dir}, render.Options{}) {
		got = append(got, string(u.Kind)+" "+u.Path)
		if u.Err != nil {
			t.Errorf("%s: %v", u.Path, u.Err)
		}
	}
	want := []string{"kustomize " + render.DisplayPath(filepath.Join(dir, "app")), "helm " + render.DisplayPath(filepath.Join(dir, "other"))}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("units = %q, want %q", got, want)
	}
}

// An alias bomb in valuesInline fails its unit fast, naming the entry.
func TestKustomizeHelmValuesAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("helmCharts:\n  - name: web\n    valuesInline:\n      l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "      l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	dir := khTree(t, []string{"."}, map[string]string{"kustomization.yaml": b.String()})
	start := time.Now()
	units, _ := render.KustomizeUnits(dir, true, render.Options{})
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("took %v", elapsed)
	}
	u := ktUnit(t, units, dir)
	want := render.DisplayPath(filepath.Join(dir, "kustomization.yaml")) + ":2: helmCharts entry: "
	if u.Err == nil || !strings.HasPrefix(u.Err.Error(), want) {
		t.Errorf("error = %v, want %s…", u.Err, want)
	}
}
