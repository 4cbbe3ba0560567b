package render

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"

	"github.com/kready/kready/manifest"
)

// mapChart loads and renders a chart dir the simple way and builds its
// mapper; the full renderer (helm.go) does more, the mapper needs only this.
func mapChart(t testing.TB, dir string, user map[string]any, valuesFiles []valuesSource) (*templateMapper, map[string]string) {
	t.Helper()
	ch, err := loader.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := chartutil.ProcessDependenciesWithMerge(ch, user); err != nil {
		t.Fatal(err)
	}
	caps := chartutil.DefaultCapabilities.Copy()
	vals, err := chartutil.ToRenderValuesWithSchemaValidation(ch, user, chartutil.ReleaseOptions{Name: "rel", Namespace: "default", IsInstall: true}, caps, true)
	if err != nil {
		t.Fatal(err)
	}
	render := func(c *chart.Chart) (map[string]string, error) { return engine.Engine{}.Render(c, vals) }
	out, err := render(ch)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	var walk func(c *chart.Chart, root string)
	walk = func(c *chart.Chart, root string) {
		for _, tp := range c.Templates {
			files[c.ChartFullPath()+"/"+tp.Name] = root + "/" + tp.Name
		}
		for _, d := range c.Dependencies() {
			walk(d, root+"/charts/"+d.Name())
		}
	}
	walk(ch, dir)
	values := append([]valuesSource{}, valuesFiles...)
	data, _ := os.ReadFile(filepath.Join(dir, "values.yaml"))
	values = append(values, valuesSource{Display: dir + "/values.yaml", Data: data})
	m, err := newTemplateMapper(ch, render, out, files, values)
	if err != nil {
		t.Fatal(err)
	}
	return m, out
}

// writeChart writes files (path → content) under a temp dir and returns it.
func writeChart(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const mapperDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "web.name" . }}
  labels:
    {{- include "web.labels" . | nindent 4 }}
spec:
  {{- if .Values.autoscaling }}
  replicas: 2
  {{- else }}
  replicas: {{ .Values.replicas }}
  {{- end }}
  template:
    spec:
      containers:
        {{- range .Values.containers }}
        - name: {{ .name }}
          image: "{{ .image }}"
        {{- end }}
        - name: app
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          {{- with .Values.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          securityContext:
            {{- toYaml .Values.securityContext | nindent 12 }}
`

const mapperHelpers = `{{- define "web.name" -}}{{ .Chart.Name }}{{- end }}
{{- define "web.labels" -}}
app.kubernetes.io/name: {{ include "web.name" . }}
tier: {{ .Values.tier }}
{{- end }}
`

const mapperValues = `replicas: 3
tier: front
containers:
  - name: sidecar
    image: busybox:1.36
image:
  repository: ghcr.io/acme/web
  tag: "1.0"
resources:
  requests:
    cpu: 100m
securityContext:
  runAsNonRoot: true
`

func TestMapperLines(t *testing.T) {
	dir := writeChart(t, map[string]string{
		"Chart.yaml":                "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"values.yaml":               mapperValues,
		"templates/deployment.yaml": mapperDeployment,
		"templates/_helpers.tpl":    mapperHelpers,
	})
	override := "image:\n  tag: \"2.0\"\n"
	user := map[string]any{"image": map[string]any{"tag": "2.0"}}
	m, out := mapChart(t, dir, user, []valuesSource{{Display: "prod.yaml", Data: []byte(override)}})
	const name = "web/templates/deployment.yaml"
	objs, errs, _ := decodeStream(name, []byte(out[name]))
	if len(errs) > 0 || len(objs) != 1 {
		t.Fatalf("render: %v %d objects", errs, len(objs))
	}
	m.attach(name, objs)
	o := objs[0]
	tmpl, helpers, values := dir+"/templates/deployment.yaml", dir+"/templates/_helpers.tpl", dir+"/values.yaml"
	for _, tc := range []struct {
		path    string
		file    string
		line    int
		related string // file:line of the first related location, or ""
	}{
		{"kind", tmpl, 2, ""},
		{"spec.replicas", tmpl, 11, values + ":1"},                          // else branch of if/else with the same key
		{`metadata.labels["app.kubernetes.io/name"]`, helpers, 3, ""},       // helper line
		{"metadata.labels.tier", helpers, 4, values + ":2"},                 // helper line, value from values
		{"spec.template.spec.containers[0].image", tmpl, 18, ""},            // range body
		{"spec.template.spec.containers[1].image", tmpl, 21, "prod.yaml:2"}, // the -f file set the tag
		{"spec.template.spec.containers[1].resources.requests.cpu", tmpl, 23, values + ":11"},
		{"spec.template.spec.containers[1].resources.limits.memory", tmpl, 23, values + ":9"},
		{"spec.template.spec.containers[1].securityContext.runAsNonRoot", tmpl, 26, values + ":13"},
		{"spec.template.spec.containers[1].securityContext.readOnlyRootFilesystem", tmpl, 26, values + ":12"},
		{"spec.template.spec.containers[1].livenessProbe", tmpl, 20, ""}, // missing: the container line
	} {
		loc, rel := o.Locator.Locate(manifest.ParsePath(tc.path))
		if loc.File != tc.file || loc.Line != tc.line {
			t.Errorf("%s: at %s:%d, want %s:%d", tc.path, loc.File, loc.Line, tc.file, tc.line)
		}
		var got []string
		for _, r := range rel {
			got = append(got, r.File+":"+strconv.Itoa(r.Line))
		}
		if tc.related != "" && !slices.Contains(got, tc.related) {
			t.Errorf("%s: related %q, want %q among them", tc.path, got, tc.related)
		}
		if tc.related == "" && len(got) > 0 {
			t.Errorf("%s: unexpected related %q", tc.path, got)
		}
	}
	if o.Source.File != tmpl || o.Source.Line != 1 {
		t.Errorf("source %s:%d", o.Source.File, o.Source.Line)
	}
}

func TestDefinesTemplates(t *testing.T) {
	for src, want := range map[string]bool{
		`{{- define "a" -}}x{{ end }}`:     true,
		`{{define "a"}}x{{end}}`:           true,
		"{{ block \"b\" . }}x{{ end }}":    true,
		"kind: ConfigMap\n# define this\n": false,
		`{{ .Values.define }}`:             false,
	} {
		if got := definesTemplates([]byte(src)); got != want {
			t.Errorf("definesTemplates(%q) = %v", src, got)
		}
	}
}
