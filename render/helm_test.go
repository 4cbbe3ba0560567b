package render_test

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/releaseutil"

	"github.com/kready/kready/lint"
	"github.com/kready/kready/manifest"
	"github.com/kready/kready/render"
	"github.com/kready/kready/rules"
)

// htWrite writes files (slash paths → content) under root.
func htWrite(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// htLoad loads args and returns the only unit.
func htLoad(t *testing.T, opt render.Options, args ...string) *render.Unit {
	t.Helper()
	units := render.Load(args, opt)
	if len(units) != 1 {
		t.Fatalf("%d units for %v", len(units), args)
	}
	return units[0]
}

// htOK fails the test when the unit has errors.
func htOK(t *testing.T, u *render.Unit) {
	t.Helper()
	if u.Err != nil || len(u.Errors) > 0 {
		t.Fatalf("%s: err %v, errors %v", u.Path, u.Err, u.Errors)
	}
	if u.Kind != render.Helm {
		t.Fatalf("%s: kind %s", u.Path, u.Kind)
	}
}

// htObjects summarises objects as "Kind/name @ file" with file relative to
// base, in order.
func htObjects(t *testing.T, base string, objs []*manifest.Object) []string {
	t.Helper()
	prefix := render.DisplayPath(base) + "/"
	var out []string
	for _, o := range objs {
		out = append(out, fmt.Sprintf("%s/%s @ %s", o.Kind, o.Name, strings.TrimPrefix(o.Source.File, prefix)))
	}
	return out
}

func htFind(t *testing.T, u *render.Unit, kind, name string) *manifest.Object {
	t.Helper()
	for _, o := range u.Objects {
		if o.Kind == kind && o.Name == name {
			return o
		}
	}
	t.Fatalf("no %s/%s among %v", kind, name, htObjects(t, "", u.Objects))
	return nil
}

func htValue(o *manifest.Object, path string) string {
	n := o.Lookup(manifest.ParsePath(path))
	if n == nil {
		return "<missing>"
	}
	return n.Value
}

const htDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "web.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "lib.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: app
          image: {{ .Values.image | quote }}
`

const htCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object}
`

// A chart whose directory name differs from its name, with a helper, a
// library dependency, NOTES.txt, a template that renders to nothing, CRDs
// and the cluster-facing functions that must stay offline.
func TestHelmRendersChartDirectory(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "site")
	htWrite(t, dir, map[string]string{
		"Chart.yaml":  "apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies:\n  - name: lib\n    version: 0.1.0\n",
		"values.yaml": "replicas: 2\nimage: ghcr.io/acme/web:1.4.2\n",
		"templates/_helpers.tpl": `{{- define "web.fullname" -}}
{{ .Release.Name }}-{{ .Chart.Name }}
{{- end }}
`,
		"templates/deployment.yaml": htDeployment,
		"templates/NOTES.txt":       "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes-{{ .Release.Name }}\n",
		"templates/empty.yaml":      "{{- if .Values.never }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: never\n{{- end }}\n\n",
		"templates/offline.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: offline
data:
  lookup: {{ lookup "v1" "Secret" .Release.Namespace "db" | toJson | quote }}
  host: {{ getHostByName "kready.invalid" | quote }}
`,
		"crds/widgets.yaml":             htCRD,
		"charts/lib/Chart.yaml":         "apiVersion: v2\nname: lib\nversion: 0.1.0\ntype: library\n",
		"charts/lib/templates/_lib.tpl": "{{- define \"lib.labels\" -}}\napp.kubernetes.io/name: {{ .Chart.Name }}\napp.kubernetes.io/instance: {{ .Release.Name }}\n{{- end }}\n",
		// A library chart's non-partial templates are never rendered.
		"charts/lib/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-library\n",
	})
	u := htLoad(t, render.Options{Helm: render.HelmOptions{ReleaseName: "rel", Namespace: "shop"}}, dir)
	htOK(t, u)
	if u.Path != render.DisplayPath(dir) {
		t.Errorf("unit path %s", u.Path)
	}
	got := htObjects(t, dir, u.Objects)
	want := []string{
		"CustomResourceDefinition/widgets.example.com @ crds/widgets.yaml",
		"Deployment/rel-web @ templates/deployment.yaml",
		"ConfigMap/offline @ templates/offline.yaml",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("objects =\n %q\nwant\n %q", got, want)
	}
	d := u.Objects[1]
	if d.Namespace != "shop" || htValue(d, `metadata.labels["app.kubernetes.io/name"]`) != "web" ||
		htValue(d, `metadata.labels["app.kubernetes.io/instance"]`) != "rel" || htValue(d, "spec.replicas") != "2" {
		t.Errorf("deployment: namespace %q labels %q %q replicas %q", d.Namespace,
			htValue(d, `metadata.labels["app.kubernetes.io/name"]`), htValue(d, `metadata.labels["app.kubernetes.io/instance"]`), htValue(d, "spec.replicas"))
	}
	off := u.Objects[2]
	if htValue(off, "data.lookup") != "{}" || htValue(off, "data.host") != "" {
		t.Errorf("lookup %q, getHostByName %q: want {} and empty", htValue(off, "data.lookup"), htValue(off, "data.host"))
	}
	// CRDs are not templated: their lines are the file's.
	crd := u.Objects[0]
	if loc, _ := crd.Locator.Locate(manifest.ParsePath("spec.scope")); loc.File != render.DisplayPath(filepath.Join(dir, "crds", "widgets.yaml")) || loc.Line != 8 {
		t.Errorf("crd spec.scope at %s:%d", loc.File, loc.Line)
	}
	// Template objects are located in their template through the mapper.
	if d.Source.File != render.DisplayPath(filepath.Join(dir, "templates", "deployment.yaml")) || d.Source.Line != 1 {
		t.Errorf("deployment source %s:%d", d.Source.File, d.Source.Line)
	}
	if loc, _ := d.Locator.Locate(manifest.ParsePath("spec.template.spec.containers[0].image")); loc.Line != 20 {
		t.Errorf("image at %s:%d, want line 20 of the template", loc.File, loc.Line)
	}
	if len(u.Findings) != 0 {
		t.Errorf("findings %+v", u.Findings)
	}

	// Defaults: release-name, namespace default.
	def := htLoad(t, render.Options{}, dir)
	htOK(t, def)
	if dd := htFind(t, def, "Deployment", "release-name-web"); dd.Namespace != "default" {
		t.Errorf("default namespace %q", dd.Namespace)
	}
}

func htSubchartChart(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "shop")
	htWrite(t, dir, map[string]string{
		"Chart.yaml": `apiVersion: v2
name: shop
version: 1.0.0
dependencies:
  - name: cache
    version: ">=0.1.0"
    condition: cache.enabled
  - name: cache
    alias: session
    version: ">=0.1.0"
    condition: session.enabled
`,
		"values.yaml":                  "cache:\n  enabled: false\n  size: 1Gi\nsession:\n  enabled: false\n  size: 2Gi\n",
		"templates/cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop\n",
		"charts/cache-dir/Chart.yaml":  "apiVersion: v2\nname: cache\nversion: 0.3.0\n",
		"charts/cache-dir/values.yaml": "size: 512Mi\n",
		"charts/cache-dir/templates/cm.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Chart.Name }}
data:
  size: {{ .Values.size }}
`,
		"charts/cache-dir/crds/crd.yaml": htCRD,
	})
	return dir
}

// Subcharts render only when their condition holds; their templates and
// CRDs are found in their own directory even when aliased.
func TestHelmSubchartConditions(t *testing.T) {
	dir := htSubchartChart(t)
	off := htLoad(t, render.Options{}, dir)
	htOK(t, off)
	if got, want := htObjects(t, dir, off.Objects), []string{"ConfigMap/shop @ templates/cm.yaml"}; !reflect.DeepEqual(got, want) {
		t.Errorf("disabled subcharts: %q, want %q", got, want)
	}
	on := htLoad(t, render.Options{Helm: render.HelmOptions{Set: []string{"cache.enabled=true,session.enabled=true"}}}, dir)
	htOK(t, on)
	got := htObjects(t, dir, on.Objects)
	want := []string{
		"CustomResourceDefinition/widgets.example.com @ charts/cache-dir/crds/crd.yaml",
		"CustomResourceDefinition/widgets.example.com @ charts/cache-dir/crds/crd.yaml",
		"ConfigMap/cache @ charts/cache-dir/templates/cm.yaml",
		"ConfigMap/session @ charts/cache-dir/templates/cm.yaml",
		"ConfigMap/shop @ templates/cm.yaml",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("enabled subcharts:\n %q\nwant\n %q", got, want)
	}
	if s := htValue(htFind(t, on, "ConfigMap", "session"), "data.size"); s != "2Gi" {
		t.Errorf("aliased subchart got size %q from the parent's values, want 2Gi", s)
	}
	// Helm's warnings (a condition that is not a bool) are notes of the unit.
	odd := htLoad(t, render.Options{Helm: render.HelmOptions{SetString: []string{"cache.enabled=yes"}}}, dir)
	htOK(t, odd)
	noted := false
	for _, s := range odd.Skipped {
		noted = noted || s.File == odd.Path && strings.HasPrefix(s.Reason, "helm: Warning: Condition path 'cache.enabled' for chart cache returned non-bool value")
	}
	if !noted {
		t.Errorf("Helm's warning is not among the notes: %+v", odd.Skipped)
	}
	one := htLoad(t, render.Options{Helm: render.HelmOptions{Set: []string{"cache.enabled=true"}}}, dir)
	htOK(t, one)
	if len(one.Objects) != 3 || htValue(htFind(t, one, "ConfigMap", "cache"), "data.size") != "1Gi" {
		t.Errorf("one subchart: %q", htObjects(t, dir, one.Objects))
	}
}

func TestHelmImportValues(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "app")
	htWrite(t, dir, map[string]string{
		"Chart.yaml": `apiVersion: v2
name: app
version: 1.0.0
dependencies:
  - name: db
    version: 1.0.0
    import-values:
      - conn
      - child: settings
        parent: dbSettings
`,
		"templates/cm.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: app
data:
  port: {{ .Values.port | quote }}
  mode: {{ .Values.dbSettings.mode | quote }}
`,
		"charts/db/Chart.yaml":  "apiVersion: v2\nname: db\nversion: 1.0.0\n",
		"charts/db/values.yaml": "exports:\n  conn:\n    port: 5432\nsettings:\n  mode: replica\n",
	})
	u := htLoad(t, render.Options{}, dir)
	htOK(t, u)
	cm := htFind(t, u, "ConfigMap", "app")
	if htValue(cm, "data.port") != "5432" || htValue(cm, "data.mode") != "replica" {
		t.Errorf("imported port %q mode %q", htValue(cm, "data.port"), htValue(cm, "data.mode"))
	}
}

// -f files merge in order (later wins, maps merged key by key), then
// --set-json, --set, --set-string and --set-file, as helm template does.
func TestHelmValuesPrecedence(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "chart")
	htWrite(t, dir, map[string]string{
		"Chart.yaml":  "apiVersion: v2\nname: v\nversion: 0.1.0\n",
		"values.yaml": "a: chart\nb: chart\nc: chart\nnested:\n  x: chart\n  w: chart\n  z: chart\n",
		"templates/cm.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: values
data:
  all: {{ .Values | toJson | quote }}
`,
	})
	htWrite(t, base, map[string]string{
		"one.yaml":  "a: one\nb: one\nnested:\n  x: one\n",
		"two.yaml":  "b: two\nnested:\n  w: two\n",
		"motd.txt":  "hello\nworld\n",
		"bad.yaml":  "a: [1,\nb: 2\n",
		"list.yaml": "- not a map\n",
	})
	f := func(name string) string { return filepath.Join(base, name) }
	u := htLoad(t, render.Options{Helm: render.HelmOptions{
		ValuesFiles: []string{f("one.yaml"), f("two.yaml")},
		SetJSON:     []string{`obj={"k":[1,2]}`, `over={"v":1}`},
		Set:         []string{"c=set,flag=true", "list={a,b}", "over.v=2"},
		SetString:   []string{"num=5", "str=true"},
		SetFile:     []string{"motd=" + f("motd.txt")},
	}}, dir)
	htOK(t, u)
	var got map[string]any
	if err := json.Unmarshal([]byte(htValue(htFind(t, u, "ConfigMap", "values"), "data.all")), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"a": "one", "b": "two", "c": "set",
		"nested": map[string]any{"x": "one", "w": "two", "z": "chart"},
		"flag":   true, "list": []any{"a", "b"},
		"num": "5", "str": "true",
		"motd": "hello\nworld\n",
		"obj":  map[string]any{"k": []any{1.0, 2.0}},
		"over": map[string]any{"v": 2.0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("values =\n %#v\nwant\n %#v", got, want)
	}

	for _, tc := range []struct {
		name string
		h    render.HelmOptions
		file string
		line int
		msg  string
	}{
		{"missing -f", render.HelmOptions{ValuesFiles: []string{f("nope.yaml")}}, render.DisplayPath(f("nope.yaml")), 0, "values file: no such file or directory"},
		{"malformed -f", render.HelmOptions{ValuesFiles: []string{f("one.yaml"), f("bad.yaml")}}, render.DisplayPath(f("bad.yaml")), 2, "malformed values file: "},
		{"-f not a map", render.HelmOptions{ValuesFiles: []string{f("list.yaml")}}, render.DisplayPath(f("list.yaml")), 0, "malformed values file: "},
		{"-f a directory", render.HelmOptions{ValuesFiles: []string{base}}, render.DisplayPath(base), 0, "values file: not a regular file"},
		{"bad --set", render.HelmOptions{Set: []string{"a.=1"}}, render.DisplayPath(dir), 0, `--set "a.=1": `},
		{"bad --set-json", render.HelmOptions{SetJSON: []string{"a={"}}, render.DisplayPath(dir), 0, `--set-json "a={": `},
		{"missing --set-file", render.HelmOptions{SetFile: []string{"k=" + f("gone.txt")}}, render.DisplayPath(dir), 0, render.DisplayPath(f("gone.txt")) + ": no such file or directory"},
	} {
		u := htLoad(t, render.Options{Helm: tc.h}, dir)
		if u.Err == nil || u.Err.File != tc.file || u.Err.Line != tc.line || !strings.Contains(u.Err.Message, tc.msg) || len(u.Objects) != 0 {
			t.Errorf("%s: err %#v, want %s:%d %q", tc.name, u.Err, tc.file, tc.line, tc.msg)
		}
	}
}

const htHooks = `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: m
          image: ghcr.io/acme/migrate:1.0
---
apiVersion: v1
kind: Pod
metadata:
  name: smoke
  annotations:
    "helm.sh/hook": test
spec:
  containers:
    - name: t
      image: busybox:1.36
---
apiVersion: v1
kind: Pod
metadata:
  name: legacy-smoke
  annotations:
    helm.sh/hook: " Test-Success "
spec:
  containers:
    - name: t
      image: busybox:1.36
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: launch
  annotations:
    helm.sh/hook: pre-launch
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: plain
  annotations:
    helm.sh/hook-weight: "5"
`

// Hooks are objects like any other; tests go with --skip-tests; a hook Helm
// does not know is not installed, so it is left out with a note.
func TestHelmHooks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "hooks")
	htWrite(t, dir, map[string]string{
		"Chart.yaml":           "apiVersion: v2\nname: hooks\nversion: 0.1.0\n",
		"templates/hooks.yaml": htHooks,
	})
	names := func(u *render.Unit) []string {
		var out []string
		for _, o := range u.Objects {
			out = append(out, o.Kind+"/"+o.Name)
		}
		return out
	}
	all := htLoad(t, render.Options{}, dir)
	htOK(t, all)
	if got, want := names(all), []string{"Job/migrate", "Pod/smoke", "Pod/legacy-smoke", "ConfigMap/plain"}; !reflect.DeepEqual(got, want) {
		t.Errorf("objects %q, want %q", got, want)
	}
	noTests := htLoad(t, render.Options{Helm: render.HelmOptions{SkipTests: true}}, dir)
	htOK(t, noTests)
	if got, want := names(noTests), []string{"Job/migrate", "ConfigMap/plain"}; !reflect.DeepEqual(got, want) {
		t.Errorf("--skip-tests: objects %q, want %q", got, want)
	}
	var notes []string
	for _, s := range noTests.Skipped {
		notes = append(notes, s.Reason)
	}
	joined := strings.Join(notes, "\n")
	if !strings.Contains(joined, `ConfigMap launch: unknown Helm hook "pre-launch"`) || strings.Count(joined, "test hook left out (--skip-tests)") != 2 {
		t.Errorf("skip notes:\n%s", joined)
	}
}

// The objects kready lints are exactly the documents helm template prints
// (with --include-crds): compared with Helm's own splitter on the same
// render, including separators YAML alone would not split on.
func TestHelmMatchesHelmSplitting(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "split")
	htWrite(t, dir, map[string]string{
		"Chart.yaml": "apiVersion: v2\nname: split\nversion: 0.1.0\n",
		"templates/many.yaml": `---
# leading separator and comment
apiVersion: v1
kind: ConfigMap
metadata:
  name: a
---# a comment glued to the separator
apiVersion: v1
kind: ConfigMap
metadata:
  name: b
---
---
# only a comment
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
data:
  text: |
    --- inside a block scalar is text
---   
apiVersion: v1
kind: ConfigMap
metadata:
  name: d
---
`,
		"templates/glued.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e\n---apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: f\n  labels:\n    line: ten\n",
		"templates/blank.yaml": "{{/* nothing */}}\n   \n",
		"templates/hooks.yaml": htHooks,
		"templates/NOTES.txt":  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\n",
		"crds/two.yaml":        htCRD + "---\n" + strings.Replace(htCRD, "widgets", "gadgets", -1),
	})
	u := htLoad(t, render.Options{}, dir)
	htOK(t, u)

	ch, err := loader.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := chartutil.ToRenderValues(ch, map[string]any{}, chartutil.ReleaseOptions{Name: "release-name", Namespace: "default"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := engine.Engine{}.Render(ch, vals)
	if err != nil {
		t.Fatal(err)
	}
	delete(out, "split/templates/NOTES.txt")
	hooks, manifests, err := releaseutil.SortManifests(out, nil, releaseutil.InstallOrder)
	if err != nil {
		t.Fatal(err)
	}
	var helm []string
	for _, m := range manifests {
		if m.Head.Kind != "" { // comment-only documents hold no object
			helm = append(helm, m.Head.Kind+"/"+m.Head.Metadata.Name)
		}
	}
	for _, h := range hooks {
		helm = append(helm, h.Kind+"/"+h.Name)
	}
	for _, crd := range ch.CRDObjects() {
		for _, doc := range releaseutil.SplitManifests(string(crd.File.Data)) {
			if strings.Contains(doc, "kind:") {
				helm = append(helm, "CustomResourceDefinition/"+strings.Fields(doc[strings.Index(doc, "name: ")+6:])[0])
			}
		}
	}
	var ours []string
	for _, o := range u.Objects {
		ours = append(ours, o.Kind+"/"+o.Name)
	}
	sort.Strings(helm)
	sort.Strings(ours)
	if !reflect.DeepEqual(ours, helm) {
		t.Errorf("kready objects\n %q\nhelm template\n %q", ours, helm)
	}
	if len(ours) != 12 {
		t.Errorf("%d objects, want 12: %q", len(ours), ours)
	}
	// A document glued to its separator keeps the lines of the rendered text.
	f := htFind(t, u, "ConfigMap", "f")
	if n := f.Lookup(manifest.ParsePath("metadata.labels.line")); n == nil || n.Line != 10 {
		t.Errorf("glued document: labels.line at %v, want rendered line 10", n)
	}
}

func htErr(t *testing.T, u *render.Unit, file string, line int, msg string) {
	t.Helper()
	if u.Err == nil {
		t.Fatalf("%s: no error; objects %q", u.Path, htObjects(t, "", u.Objects))
	}
	if u.Err.File != file || u.Err.Line != line || !strings.Contains(u.Err.Message, msg) {
		t.Errorf("error %s:%d %q\nwant  %s:%d containing %q", u.Err.File, u.Err.Line, u.Err.Message, file, line, msg)
	}
	if len(u.Objects) != 0 {
		t.Errorf("%s: objects despite the error", u.Path)
	}
}

func TestHelmTemplateErrors(t *testing.T) {
	base := t.TempDir()
	chartYAML := "apiVersion: v2\nname: web\nversion: 0.1.0\n"
	mk := func(name string, files map[string]string) string {
		dir := filepath.Join(base, name)
		files["Chart.yaml"] = chartYAML
		htWrite(t, dir, files)
		return dir
	}
	disp := func(dir, rel string) string { return render.DisplayPath(filepath.Join(dir, filepath.FromSlash(rel))) }

	req := mk("req", map[string]string{"templates/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: {{ required \"password is required\" .Values.password }}\n"})
	htErr(t, htLoad(t, render.Options{}, req), disp(req, "templates/secret.yaml"), 6, "at column 16: password is required")

	// Helm names only the include site of a required inside a helper; the
	// root cause is the helper's line.
	inHelper := mk("in-helper", map[string]string{
		"templates/_helpers.tpl": "{{- define \"web.host\" -}}\n{{ required \"host is required\" .Values.host }}\n{{- end }}\n",
		"templates/cm.yaml":      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  host: {{ include \"web.host\" . }}\n",
	})
	htErr(t, htLoad(t, render.Options{}, inHelper), disp(inHelper, "templates/_helpers.tpl"), 2, "at column 4: host is required")

	failSub := mk("fail-sub", map[string]string{
		"charts/sub/Chart.yaml":        "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
		"charts/sub/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  x: {{ .Values.a.b.c }}\n",
	})
	htErr(t, htLoad(t, render.Options{}, failSub), disp(failSub, "charts/sub/templates/cm.yaml"), 6, "nil pointer evaluating interface {}.b")

	parseErr := mk("parse", map[string]string{"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }\n"})
	htErr(t, htLoad(t, render.Options{}, parseErr), disp(parseErr, "templates/cm.yaml"), 4, `template parse error: unexpected "}" in operand`)

	// Rendered output that is not YAML: the template is named, the line is
	// one of the rendered text, so it is in the message.
	badYAML := mk("bad-yaml", map[string]string{
		"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  x: {{ \"a: b\" }}\n",
		"templates/ok.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n",
	})
	u := htLoad(t, render.Options{}, badYAML)
	if u.Err != nil || len(u.Errors) != 1 || u.Errors[0].File != disp(badYAML, "templates/cm.yaml") || u.Errors[0].Line != 0 ||
		u.Errors[0].Message != "rendered template is not valid YAML: line 6 of the rendered output: mapping values are not allowed in this context" {
		t.Errorf("bad YAML: err %v errors %#v", u.Err, u.Errors)
	}
	if len(u.Objects) != 1 || u.Objects[0].Name != "ok" {
		t.Errorf("bad YAML: the other template's objects are kept: %q", htObjects(t, badYAML, u.Objects))
	}

	// A template that does not finish is stopped by the per-chart budget.
	slow := mk("slow", map[string]string{"templates/cm.yaml": "{{ range until 3000 }}{{ range until 3000 }}{{ end }}{{ end }}\n"})
	start := time.Now()
	htErr(t, htLoad(t, render.Options{Helm: render.HelmOptions{Timeout: 50 * time.Millisecond}}, slow), render.DisplayPath(slow), 0, "render did not finish within 50ms")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("timeout took %v", d)
	}

	badKube := mk("kube", map[string]string{})
	htErr(t, htLoad(t, render.Options{Helm: render.HelmOptions{KubeVersion: "latest"}}, badKube), render.DisplayPath(badKube), 0, `--kube-version "latest" is not a Kubernetes version`)
}

// Malformed Chart.yaml files are errors naming the file, never panics.
func TestHelmMalformedChartYAML(t *testing.T) {
	base := t.TempDir()
	for i, tc := range []struct {
		chartYAML string
		extra     map[string]string
		file      string
		line      int
		msg       string
	}{
		{"apiVersion: v2\nname: web\nversion: 0.1.0\nmaintainers:\n  - null\n", nil, "Chart.yaml", 0, "invalid Chart.yaml: maintainers must not contain empty or null nodes"},
		{"apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies: [null]\n", nil, "Chart.yaml", 0, "invalid Chart.yaml: dependencies must not contain empty or null nodes"},
		{"apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies:\n  - name: sub\n    version: 0.1.0\n    import-values: [7, {child: 8, parent: [9]}]\n",
			map[string]string{"charts/sub/Chart.yaml": "apiVersion: v2\nname: sub\nversion: 0.1.0\n"}, "Chart.yaml", 7, "dependency sub: import-values entry 1 must be a name or a map with string child and parent"},
		{"apiVersion: v2\nname: web\nversion: 0.1.0\nfoo: [\n", nil, "Chart.yaml", 4, "malformed YAML: did not find expected node content"},
		{"apiVersion: v2\nname: web\n", nil, "Chart.yaml", 0, "invalid Chart.yaml: chart.metadata.version is required"},
		{"apiVersion: v2\nname: web\nversion: 0.1.0\n", map[string]string{"charts/sub/Chart.yaml": "apiVersion: v2\nname: sub\nversion: [\n"},
			"charts/sub/Chart.yaml", 3, "malformed YAML"},
		{"apiVersion: v2\nname: web\nversion: 0.1.0\n", map[string]string{"values.yaml": "a: [\n"}, "values.yaml", 1, "malformed YAML"},
	} {
		dir := filepath.Join(base, strconv.Itoa(i))
		files := map[string]string{"Chart.yaml": tc.chartYAML, "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"}
		for k, v := range tc.extra {
			files[k] = v
		}
		htWrite(t, dir, files)
		u := htLoad(t, render.Options{}, dir)
		file := render.DisplayPath(filepath.Join(dir, filepath.FromSlash(tc.file)))
		if u.Err == nil || u.Err.File != file || u.Err.Line != tc.line || !strings.Contains(u.Err.Message, tc.msg) {
			t.Errorf("case %d: err %#v, want %s:%d %q", i, u.Err, file, tc.line, tc.msg)
		}
	}
}

func TestHelmMissingDependencies(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "app")
	htWrite(t, dir, map[string]string{
		"Chart.yaml": `apiVersion: v2
name: app
version: 1.0.0
dependencies:
  - name: present
    version: 1.0.0
  - name: postgresql
    version: 15.x.x
    repository: oci://registry-1.docker.io/bitnamicharts
  - name: redis
    alias: cache
    version: 19.x.x
    repository: https://charts.bitnami.com/bitnami
    condition: cache.enabled
`,
		"values.yaml":                      "cache:\n  enabled: false\n",
		"charts/present/Chart.yaml":        "apiVersion: v2\nname: present\nversion: 1.0.0\ndependencies:\n  - name: common\n    version: 2.x.x\n    repository: file://../common\n",
		"charts/present/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p\n",
	})
	u := htLoad(t, render.Options{}, dir)
	htErr(t, u, render.DisplayPath(filepath.Join(dir, "Chart.yaml")), 7,
		"chart app: missing dependencies postgresql from oci://registry-1.docker.io/bitnamicharts, redis (alias cache) from https://charts.bitnami.com/bitnami in charts/: vendor them with `helm dependency build`")
	// A vendored subchart's own missing dependency is reported at its Chart.yaml.
	if len(u.Errors) != 1 || u.Errors[0].File != render.DisplayPath(filepath.Join(dir, "charts", "present", "Chart.yaml")) || u.Errors[0].Line != 5 ||
		!strings.Contains(u.Errors[0].Message, "chart present: missing dependency common from file://../common") {
		t.Errorf("subchart errors %#v", u.Errors)
	}
	if _, err := os.Stat(filepath.Join(dir, "Chart.lock")); err == nil {
		t.Error("Chart.lock written")
	}
}

// Files Helm's loader would follow or read blindly are refused before it
// runs, naming the file.
func TestHelmRefusesUnsafeChartFiles(t *testing.T) {
	base := t.TempDir()
	outside := filepath.Join(base, "outside.txt")
	htWrite(t, base, map[string]string{"outside.txt": "secret"})
	newChart := func(name string) string {
		dir := filepath.Join(base, name)
		htWrite(t, dir, map[string]string{
			"Chart.yaml":        "apiVersion: v2\nname: web\nversion: 0.1.0\n",
			"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  x: {{ .Files.Get \"files/data.txt\" | quote }}\n",
			"files/data.txt":    "inside",
		})
		return dir
	}
	link := func(target, p string) {
		if err := os.Symlink(target, p); err != nil {
			t.Skipf("symlink: %v", err)
		}
	}
	disp := func(dir, rel string) string { return render.DisplayPath(filepath.Join(dir, filepath.FromSlash(rel))) }

	host := newChart("hostname")
	link("/etc/hostname", filepath.Join(host, "templates", "host.yaml"))
	u := htLoad(t, render.Options{}, host)
	if u.Err == nil || u.Err.File != disp(host, "templates/host.yaml") || !strings.Contains(u.Err.Message, "symlink") || len(u.Objects) != 0 {
		t.Errorf("symlink to /etc/hostname: %#v", u.Err)
	}

	out := newChart("out")
	link(outside, filepath.Join(out, "files", "data.txt.lnk"))
	htErr(t, htLoad(t, render.Options{}, out), disp(out, "files/data.txt.lnk"), 0, "symlink leaves the chart directory")

	loop := newChart("loop")
	link("..", filepath.Join(loop, "files", "up"))
	htErr(t, htLoad(t, render.Options{}, loop), disp(loop, "files/up"), 0, "symlink loop")

	fifo := newChart("fifo")
	if err := syscall.Mkfifo(filepath.Join(fifo, "files", "pipe"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan *render.Unit, 1)
	go func() { done <- htLoad(t, render.Options{}, fifo) }()
	select {
	case u := <-done:
		htErr(t, u, disp(fifo, "files/pipe"), 0, "not a regular file")
	case <-time.After(5 * time.Second):
		t.Fatal("a FIFO in the chart blocked loading")
	}

	big := newChart("big")
	htWrite(t, big, map[string]string{"files/big.bin": strings.Repeat("x", 2048)})
	htErr(t, htLoad(t, render.Options{MaxFileSize: 1024}, big), disp(big, "files/big.bin"), 0, "over the 1024-byte limit")

	// A symlink to a file inside the chart is followed, as Helm does; one
	// that .helmignore excludes is never read.
	fine := newChart("fine")
	if err := os.Remove(filepath.Join(fine, "files", "data.txt")); err != nil {
		t.Fatal(err)
	}
	htWrite(t, fine, map[string]string{"real/data.txt": "linked", ".helmignore": "ignored/\n*.lnk\n"})
	link(filepath.Join("..", "real", "data.txt"), filepath.Join(fine, "files", "data.txt"))
	link("/etc/hostname", filepath.Join(fine, "files", "host.lnk"))
	if err := os.MkdirAll(filepath.Join(fine, "ignored"), 0o755); err != nil {
		t.Fatal(err)
	}
	link(outside, filepath.Join(fine, "ignored", "x"))
	u = htLoad(t, render.Options{}, fine)
	htOK(t, u)
	if v := htValue(htFind(t, u, "ConfigMap", "c"), "data.x"); v != "linked" {
		t.Errorf("symlinked file inside the chart: %q", v)
	}
}

// htTgz returns a gzipped tar of files (name → content), in name order.
func htTgz(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(files[n])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestHelmArchives(t *testing.T) {
	base := t.TempDir()
	cm := func(name string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\ndata:\n  v: {{ .Values.v | quote }}\n"
	}
	sub := htTgz(t, map[string]string{
		"sub/Chart.yaml":        "apiVersion: v2\nname: sub\nversion: 0.2.0\n",
		"sub/values.yaml":       "v: from-sub\n",
		"sub/templates/cm.yaml": cm("sub"),
	})
	other := htTgz(t, map[string]string{
		"other/Chart.yaml":        "apiVersion: v2\nname: other\nversion: 1.0.0\n",
		"other/templates/cm.yaml": cm("other"),
	})
	top := htTgz(t, map[string]string{
		"web/Chart.yaml":                "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"web/values.yaml":               "v: from-web\n",
		"web/templates/cm.yaml":         cm("web"),
		"web/charts/sub-0.2.0.tgz":      string(sub),
		"web/charts/vendored-other.tgz": string(other),
	})
	archive := filepath.Join(base, "web-0.1.0.tgz")
	if err := os.WriteFile(archive, top, 0o644); err != nil {
		t.Fatal(err)
	}
	u := htLoad(t, render.Options{}, archive)
	htOK(t, u)
	a := render.DisplayPath(archive)
	if u.Path != a {
		t.Errorf("unit path %s, want %s", u.Path, a)
	}
	var got []string
	for _, o := range u.Objects {
		got = append(got, o.Name+" @ "+o.Source.File+" = "+htValue(o, "data.v"))
	}
	want := []string{
		"other @ " + a + "#charts/vendored-other.tgz#templates/cm.yaml = ",
		"sub @ " + a + "#charts/sub-0.2.0.tgz#templates/cm.yaml = from-sub",
		"web @ " + a + "#templates/cm.yaml = from-web",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("objects\n %q\nwant\n %q", got, want)
	}

	// A vendored .tgz under a chart directory's charts/.
	dir := filepath.Join(base, "site")
	htWrite(t, dir, map[string]string{
		"Chart.yaml":           "apiVersion: v2\nname: site\nversion: 0.1.0\n",
		"templates/cm.yaml":    cm("site"),
		"charts/sub-0.2.0.tgz": string(sub),
	})
	u = htLoad(t, render.Options{Helm: render.HelmOptions{Set: []string{"sub.v=set"}}}, dir)
	htOK(t, u)
	s := htFind(t, u, "ConfigMap", "sub")
	if want := render.DisplayPath(filepath.Join(dir, "charts", "sub-0.2.0.tgz")) + "#templates/cm.yaml"; s.Source.File != want || htValue(s, "data.v") != "set" {
		t.Errorf("vendored archive: %s = %q, want %s", s.Source.File, htValue(s, "data.v"), want)
	}

	// Entries escaping the archive are refused by Helm's checks; the error
	// names the archive and nothing is written.
	evil := filepath.Join(base, "evil.tgz")
	if err := os.WriteFile(evil, htTgz(t, map[string]string{
		"web/Chart.yaml":         "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"web/../../escaped.yaml": "x: 1\n",
	}), 0o644); err != nil {
		t.Fatal(err)
	}
	htErr(t, htLoad(t, render.Options{}, evil), render.DisplayPath(evil), 0, "chart illegally references parent directory")
	if _, err := os.Stat(filepath.Join(base, "..", "escaped.yaml")); err == nil {
		t.Error("archive entry written outside")
	}
	notGzip := filepath.Join(base, "plain.tar.gz")
	if err := os.WriteFile(notGzip, []byte("not an archive"), 0o644); err != nil {
		t.Fatal(err)
	}
	htErr(t, htLoad(t, render.Options{}, notGzip), render.DisplayPath(notGzip), 0, "does not appear to be a gzipped archive")
}

func TestHelmKubeVersionFinding(t *testing.T) {
	bad := "../fixtures/helm/chart-kube-version-mismatch/bad"
	u := htLoad(t, render.Options{}, bad)
	htOK(t, u)
	if len(u.Findings) != 1 {
		t.Fatalf("findings %+v", u.Findings)
	}
	f := u.Findings[0]
	if f.Rule != "chart-kube-version-mismatch" || f.File != render.DisplayPath(bad+"/Chart.yaml") || f.Line != 6 || f.Column != 1 ||
		f.Object.Kind != "Chart" || f.Object.Name != "web" || !strings.Contains(f.Message, `"<1.20"`) || !strings.Contains(f.Message, "v"+render.DefaultKubeVersion+".0") {
		t.Errorf("finding %+v", f)
	}
	if _, ok := rules.ByID(f.Rule); !ok {
		t.Errorf("rule %s is not registered", f.Rule)
	}
	// For a cluster the constraint admits, nothing to report.
	old := htLoad(t, render.Options{Helm: render.HelmOptions{KubeVersion: "1.19"}}, bad)
	htOK(t, old)
	if len(old.Findings) != 0 {
		t.Errorf("1.19: findings %+v", old.Findings)
	}
	clean := htLoad(t, render.Options{}, "../fixtures/helm/chart-kube-version-mismatch/clean")
	htOK(t, clean)
	if len(clean.Findings) != 0 || len(clean.Objects) != 1 {
		t.Errorf("clean: findings %+v, %d objects", clean.Findings, len(clean.Objects))
	}
}

// Each broken fixture chart fails the run (exit code 2) with the error at
// the file and line a person fixes.
func TestHelmBrokenFixtures(t *testing.T) {
	const root = "../fixtures/helm-broken/"
	for _, tc := range []struct{ chart, file, msg string }{
		{"missing-dependency", "Chart.yaml:6", "chart shop: missing dependency redis from oci://registry-1.docker.io/bitnamicharts in charts/"},
		{"required-value", "templates/secret.yaml:8", "template execution failed at column 16: database.password is required"},
		{"parse-error", "templates/configmap.yaml:6", `template parse error: unexpected "}" in operand`},
		{"bad-yaml-after-render", "templates/configmap.yaml", "rendered template is not valid YAML: line 6 of the rendered output: mapping values are not allowed in this context"},
	} {
		rep := lint.Run(render.Load([]string{root + tc.chart}, render.Options{}), rules.All())
		if code := rep.ExitCode(rules.Warning); code != 2 {
			t.Errorf("%s: exit code %d, want 2", tc.chart, code)
		}
		if len(rep.Errors) != 1 {
			t.Errorf("%s: errors %+v", tc.chart, rep.Errors)
			continue
		}
		e := rep.Errors[0]
		at := e.File
		if e.Line > 0 {
			at += ":" + strconv.Itoa(e.Line)
		}
		if want := render.DisplayPath(root+tc.chart) + "/" + tc.file; at != want || e.Message != tc.msg && !strings.HasPrefix(e.Message, tc.msg) {
			t.Errorf("%s: %s: %s\nwant %s: %s", tc.chart, at, e.Message, want, tc.msg)
		}
	}
}

// When the mapper cannot map a chart (its instrumented render fails, here
// because a helper's output is compared literally), the objects are kept
// with their rendered lines and the reason is noted.
func TestHelmMapperFallbackKeepsObjects(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cmp")
	htWrite(t, dir, map[string]string{
		"Chart.yaml":             "apiVersion: v2\nname: cmp\nversion: 0.1.0\n",
		"templates/_helpers.tpl": "{{- define \"cmp.block\" -}}\nkey: value\n{{- end }}\n",
		"templates/cm.yaml": `{{- if ne (include "cmp.block" .) "key: value" }}{{ fail "helper output changed" }}{{ end -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: cmp
`,
	})
	u := htLoad(t, render.Options{}, dir)
	htOK(t, u)
	if len(u.Objects) != 1 {
		t.Fatalf("objects %q", htObjects(t, dir, u.Objects))
	}
	noted := false
	for _, s := range u.Skipped {
		noted = noted || strings.Contains(s.Reason, "template lines unavailable") && strings.Contains(s.Reason, "helper output changed")
	}
	o := u.Objects[0]
	loc, _ := o.Locator.Locate(manifest.ParsePath("metadata.name"))
	if !noted || loc.File != render.DisplayPath(filepath.Join(dir, "templates", "cm.yaml")) || loc.Line != 4 {
		t.Errorf("fallback: noted %v, metadata.name at %s:%d (skips %+v)", noted, loc.File, loc.Line, u.Skipped)
	}
}

// Charts found while walking a directory are units of their own, rendered
// next to the plain manifests.
func TestHelmChartsFoundInDirectories(t *testing.T) {
	base := t.TempDir()
	htWrite(t, base, map[string]string{
		"plain/cm.yaml":                   "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n",
		"charts-here/a/Chart.yaml":        "apiVersion: v2\nname: a\nversion: 0.1.0\n",
		"charts-here/a/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
		"charts-here/b/Chart.yaml":        "apiVersion: v2\nname: b\nversion: 0.1.0\n",
		"charts-here/b/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ required \"name\" .Values.name }}\n",
	})
	units := render.Load([]string{base}, render.Options{Helm: render.HelmOptions{Set: []string{"name=b"}}})
	var got []string
	for _, u := range units {
		s := fmt.Sprintf("%s %s %d", strings.TrimPrefix(u.Path, render.DisplayPath(base)), u.Kind, len(u.Objects))
		if u.Err != nil {
			s += " " + u.Err.Message
		}
		got = append(got, s)
	}
	want := []string{" plain 1", "/charts-here/a helm 1", "/charts-here/b helm 1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("units %q, want %q", got, want)
	}
}

// Helm adds subcharts in map order; objects, errors and notes must still
// come out the same way every run.
func TestHelmOutputIsDeterministic(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "many")
	files := map[string]string{"Chart.yaml": "apiVersion: v2\nname: many\nversion: 0.1.0\n"}
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		files["charts/"+n+"/Chart.yaml"] = "apiVersion: v2\nname: " + n + "\nversion: 0.1.0\nkubeVersion: \"<1.2\"\n"
		files["charts/"+n+"/crds/crd.yaml"] = strings.Replace(htCRD, "widgets", n+"s", -1)
		files["charts/"+n+"/templates/cm.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + n + "\n---\n# empty\n"
	}
	htWrite(t, dir, files)
	summary := func() string {
		u := htLoad(t, render.Options{}, dir)
		htOK(t, u)
		var b strings.Builder
		for _, o := range u.Objects {
			fmt.Fprintf(&b, "%s %s\n", o.Name, o.Source.File)
		}
		for _, s := range u.Skipped {
			fmt.Fprintf(&b, "%s %s\n", s.File, s.Reason)
		}
		for _, f := range u.Findings {
			fmt.Fprintf(&b, "%s:%d %s\n", f.File, f.Line, f.Rule)
		}
		return b.String()
	}
	first := summary()
	if strings.Count(first, "\n") != 20 {
		t.Fatalf("summary:\n%s", first)
	}
	for i := 0; i < 8; i++ {
		if again := summary(); again != first {
			t.Fatalf("run %d differs:\n%s\nfirst:\n%s", i+2, again, first)
		}
	}
}

const htCorpus = "../../shared/corpus"

// htCorpusCounts reads expected/helm-object-counts.tsv, or skips.
func htCorpusCounts(t *testing.T) map[string]int {
	t.Helper()
	f, err := os.Open(filepath.Join(htCorpus, "expected", "helm-object-counts.tsv"))
	if err != nil {
		t.Skipf("no corpus: %v", err)
	}
	defer f.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		parts := strings.Split(line, "\t")
		n, err := strconv.Atoi(parts[len(parts)-1])
		if len(parts) != 2 || err != nil {
			t.Fatalf("bad line %q", line)
		}
		out[parts[0]] = n
	}
	return out
}

func htCorpusOptions(files ...string) render.Options {
	return render.Options{Helm: render.HelmOptions{ValuesFiles: files, ReleaseName: "rel", Namespace: "default", KubeVersion: "1.31"}}
}

// Every corpus chart renders to exactly as many objects as Helm's own
// library render (counts only: some charts generate random values).
func TestHelmCorpusObjectCounts(t *testing.T) {
	want := htCorpusCounts(t)
	entries, err := os.ReadDir(filepath.Join(htCorpus, "helm"))
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, ent := range entries {
		args = append(args, filepath.Join(htCorpus, "helm", ent.Name()))
	}
	units := render.Load(args, htCorpusOptions())
	if len(units) != len(args) {
		t.Fatalf("%d units for %d charts", len(units), len(args))
	}
	seen := 0
	for _, u := range units {
		name := filepath.Base(u.Path)
		if name == "loki" {
			if u.Err == nil || !strings.Contains(u.Err.Message, "missing dependency minio") {
				t.Errorf("loki: err = %v, want the missing minio dependency", u.Err)
			}
			continue
		}
		if u.Err != nil || len(u.Errors) > 0 {
			t.Errorf("%s: %v %v", name, u.Err, u.Errors)
			continue
		}
		exp, ok := want[name]
		if !ok {
			t.Errorf("%s: no expected count", name)
			continue
		}
		seen++
		t.Logf("%-30s %3d objects (helm: %d)", name, len(u.Objects), exp)
		if len(u.Objects) != exp {
			t.Errorf("%s: %d objects, want %d", name, len(u.Objects), exp)
		}
	}
	if seen != len(want) {
		t.Errorf("compared %d charts, the table has %d", seen, len(want))
	}
}

// Every ci/*.yaml of the corpus charts (loki aside) renders with -f.
func TestHelmCorpusCIValues(t *testing.T) {
	htCorpusCounts(t)
	if testing.Short() {
		t.Skip("renders every ci values file")
	}
	matches, _ := filepath.Glob(filepath.Join(htCorpus, "helm", "*", "ci", "*.yaml"))
	var failed []string
	n := 0
	for _, f := range matches {
		dir := filepath.Dir(filepath.Dir(f))
		if filepath.Base(dir) == "loki" {
			continue
		}
		n++
		key := filepath.ToSlash(strings.TrimPrefix(f, filepath.Join(htCorpus, "helm")+string(filepath.Separator)))
		u := htLoad(t, htCorpusOptions(f), dir)
		var msgs []string
		if u.Err != nil {
			msgs = append(msgs, u.Err.Error())
		}
		for _, e := range u.Errors {
			msgs = append(msgs, e.Error())
		}
		if len(msgs) > 0 || len(u.Objects) == 0 {
			t.Logf("%s: %d objects, errors %q", key, len(u.Objects), msgs)
			failed = append(failed, key)
		}
	}
	if len(failed) > 0 {
		t.Errorf("%d of %d ci values files failed: %s", len(failed), n, strings.Join(failed, ", "))
	}
	if n < 50 {
		t.Errorf("only %d ci values files found", n)
	}
}
