package lint_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/kready/kready/lint"
	"github.com/kready/kready/manifest"
	"github.com/kready/kready/render"
	"github.com/kready/kready/report"
	"github.com/kready/kready/rules"
)

// hardened is a Deployment production-ready in every respect the default
// rules check; variants break it on purpose.
const hardened = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels:
      app: %[1]s
  template:
    metadata:
      labels:
        app: %[1]s
    spec:
      securityContext:
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: app
          image: ghcr.io/acme/web:1.4.2
          ports:
            - name: http
              containerPort: 8080
          readinessProbe:
            httpGet:
              path: /ready
              port: http
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              cpu: 500m
              memory: 128Mi
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
`

// Line numbers in hardened (1-based), for exact expectations.
const (
	hardenedLimitsLine = 38 // "            limits:"
	hardenedMemLimLine = 40 // "              memory: 128Mi" under limits
	hardenedLabelsLine = 14 // "        app: NAME" under template labels
)

func deployment(name string) string { return fmt.Sprintf(hardened, name) }

// withoutMemoryLimit drops the container's memory limit.
func withoutMemoryLimit(name string) string {
	return strings.Replace(deployment(name), "              cpu: 500m\n              memory: 128Mi\n", "              cpu: 500m\n", 1)
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestHardenedDeploymentIsClean(t *testing.T) {
	dir := writeFiles(t, map[string]string{"d.yaml": deployment("web")})
	rep := lint.Run(render.Load([]string{dir}, render.Options{}), mustSelect(t, nil))
	for _, f := range rep.Findings {
		t.Errorf("finding on the hardened Deployment: %s:%d %s: %s", f.File, f.Line, f.Rule, f.Message)
	}
	if len(rep.Errors) != 0 || rep.Objects != 1 || rep.ExitCode(rules.Info) != 0 {
		t.Errorf("errors %v, objects %d", rep.Errors, rep.Objects)
	}
	// The line constants above describe the template.
	lines := strings.Split(deployment("web"), "\n")
	if lines[hardenedLimitsLine-1] != "            limits:" || lines[hardenedMemLimLine-1] != "              memory: 128Mi" ||
		lines[hardenedLabelsLine-1] != "        app: web" {
		t.Fatal("line constants no longer match the template")
	}
}

// mustSelect selects the default rules over single objects plus enable:
// these tests are about the engine, and a lone Deployment would otherwise
// also need a PDB, a NetworkPolicy and the rest of a namespace.
func mustSelect(t *testing.T, enable []string) []*rules.Rule {
	t.Helper()
	return fixtureRules(t, enable)
}

// generatedTree writes many files with findings, errors and skips in them.
func generatedTree(t *testing.T) string {
	files := map[string]string{}
	for i := 0; i < 24; i++ {
		var docs []string
		for j := 0; j < 5; j++ {
			name := fmt.Sprintf("app-%02d-%d", i, j)
			switch (i + j) % 5 {
			case 0:
				docs = append(docs, deployment(name))
			case 1:
				docs = append(docs, withoutMemoryLimit(name))
			case 2:
				docs = append(docs, strings.Replace(deployment(name), "ghcr.io/acme/web:1.4.2", "nginx", 1))
			case 3:
				docs = append(docs, strings.Replace(withoutMemoryLimit(name), "runAsNonRoot: true", "runAsNonRoot: false", 1))
			case 4:
				docs = append(docs, "apiVersion: v1\nkind: List\nitems:\n  - "+
					strings.ReplaceAll(strings.TrimSuffix(withoutMemoryLimit(name), "\n"), "\n", "\n    ")+"\n  - 42\n")
			}
		}
		files[fmt.Sprintf("dir%d/f%02d.yaml", i%3, i)] = strings.Join(docs, "---\n")
	}
	files["dir0/broken.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x: y\n"
	files["dir1/dup.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n"
	files["dir2/empty.yaml"] = ""
	files["chart/Chart.yaml"] = "apiVersion: v2\nname: c\nversion: 0.1.0\n"
	return writeFiles(t, files)
}

func runJSON(t *testing.T, procs int, dir string) []byte {
	t.Helper()
	prev := runtime.GOMAXPROCS(procs)
	defer runtime.GOMAXPROCS(prev)
	rs := mustSelect(t, []string{"missing-startup-probe", "image-not-pinned-by-digest"})
	rep := lint.Run(render.Load([]string{dir}, render.Options{}), rs)
	var buf bytes.Buffer
	if err := (report.JSON{}).Write(&buf, rep); err != nil {
		t.Fatal(err)
	}
	if err := (report.Text{Verbose: true}).Write(&buf, rep); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDeterministicAcrossParallelism(t *testing.T) {
	dir := generatedTree(t)
	one := runJSON(t, 1, dir)
	four := runJSON(t, 4, dir)
	again := runJSON(t, 4, dir)
	if !bytes.Equal(one, four) || !bytes.Equal(four, again) {
		a, b := strings.Split(string(one), "\n"), strings.Split(string(four), "\n")
		for i := 0; i < len(a) && i < len(b); i++ {
			if a[i] != b[i] {
				t.Fatalf("output differs at line %d:\n GOMAXPROCS=1: %s\n GOMAXPROCS=4: %s", i+1, a[i], b[i])
			}
		}
		t.Fatalf("output differs (%d vs %d lines)", len(a), len(b))
	}
	// The run must have had something to order, or the test proves nothing.
	if n := bytes.Count(one, []byte(`"rule":`)); n < 100 {
		t.Errorf("only %d findings in the generated tree", n)
	}
	if !bytes.Contains(one, []byte("malformed YAML")) || !bytes.Contains(one, []byte(`"rule":"duplicate-key"`)) {
		t.Errorf("generated errors missing from the output")
	}
}

// A test-only rule that panics on one object.
var panicky = &rules.Rule{
	ID: "test-panics", Category: "test", Severity: rules.Error, Summary: "panics on boom",
	Check: func(s *rules.Subject) []rules.Result {
		if s.Object.Name == "boom" {
			var m map[string]int
			m["x"] = 1 // a real runtime panic, not just panic("...")
		}
		return nil
	},
}

func TestPanickingRuleBecomesAnError(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a.yaml":    withoutMemoryLimit("fine"),
		"boom.yaml": "# comment first\n" + withoutMemoryLimit("boom"),
	})
	rs := append(mustSelect(t, nil), panicky)
	rep := lint.Run(render.Load([]string{dir}, render.Options{}), rs)
	boom := render.DisplayPath(filepath.Join(dir, "boom.yaml"))
	if len(rep.Errors) != 1 {
		t.Fatalf("errors = %+v, want exactly one", rep.Errors)
	}
	e := rep.Errors[0]
	wantPrefix := "internal error in rule test-panics on Deployment/shop/boom: panic: "
	if e.File != boom || e.Line != 2 || e.Unit != render.DisplayPath(dir) || !strings.HasPrefix(e.Message, wantPrefix) ||
		!strings.Contains(e.Message, "nil map") {
		t.Errorf("error = %+v, want %s… at %s:2", e, wantPrefix, boom)
	}
	// Every other rule still ran, on the panicking object too.
	var got []string
	for _, f := range rep.Findings {
		got = append(got, fmt.Sprintf("%s:%d %s %s", filepath.Base(f.File), f.Line, f.Rule, f.Object))
	}
	want := []string{
		fmt.Sprintf("a.yaml:%d missing-memory-limit Deployment/shop/fine", hardenedLimitsLine),
		fmt.Sprintf("boom.yaml:%d missing-memory-limit Deployment/shop/boom", hardenedLimitsLine+1),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings = %q, want %q", got, want)
	}
	if code := rep.ExitCode(rules.Warning); code != 2 {
		t.Errorf("exit code = %d, want 2", code)
	}
	if code := rep.ExitCode(0); code != 2 {
		t.Errorf("exit code with --fail-on none = %d, want 2 (errors always fail)", code)
	}
}

func TestSetRules(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a.yaml": deployment("first"),
		"b.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n---\n" + deployment("second"),
	})
	// Reports on the last Deployment of the unit, as a PDB ↔ Deployment
	// rule would report on an object other than the one it looks from.
	lastDeployment := &rules.Rule{
		ID: "test-set", Category: "test", Severity: rules.Info, Summary: "set rule",
		CheckSet: func(s *rules.Set) []rules.Result {
			var last *manifest.Object
			for _, sub := range s.Subjects {
				if sub.Object.Kind == "Deployment" {
					last = sub.Object
				}
			}
			return []rules.Result{
				{Object: last, Path: manifest.ParsePath("spec.template.metadata.labels.app"), Message: "label here"},
				{Object: last, Path: manifest.ParsePath("spec.template.spec.containers[0].resources.limits.ephemeral-storage"), Message: "missing here"},
			}
		},
	}
	noObject := &rules.Rule{
		ID: "test-set-no-object", Category: "test", Severity: rules.Info, Summary: "forgets the object",
		CheckSet: func(*rules.Set) []rules.Result { return []rules.Result{{Message: "orphan"}} },
	}
	setPanics := &rules.Rule{
		ID: "test-set-panics", Category: "test", Severity: rules.Info, Summary: "panics",
		CheckSet: func(*rules.Set) []rules.Result { panic("set boom") },
	}
	rep := lint.Run(render.Load([]string{dir}, render.Options{}), []*rules.Rule{lastDeployment, noObject, setPanics})
	b := render.DisplayPath(filepath.Join(dir, "b.yaml"))
	const offset = 5 // the ConfigMap document before the Deployment in b.yaml
	want := []lint.Finding{
		{
			Rule: "test-set", Severity: rules.Info, Message: "label here",
			Location: manifest.Location{File: b, Line: hardenedLabelsLine + offset, Column: 9},
			Path:     "spec.template.metadata.labels.app",
			Object:   manifest.Ref{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "second"},
			Unit:     render.DisplayPath(dir),
		},
		{
			Rule: "test-set", Severity: rules.Info, Message: "missing here",
			Location: manifest.Location{File: b, Line: hardenedLimitsLine + offset, Column: 13},
			Path:     "spec.template.spec.containers[0].resources.limits.ephemeral-storage",
			Object:   manifest.Ref{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "second"},
			Unit:     render.DisplayPath(dir),
		},
	}
	if !reflect.DeepEqual(rep.Findings, want) {
		t.Errorf("findings =\n %+v\nwant\n %+v", rep.Findings, want)
	}
	var msgs []string
	for _, e := range rep.Errors {
		msgs = append(msgs, e.Message)
	}
	wantMsgs := []string{
		"internal error in rule test-set-no-object: result without an object",
		"internal error in rule test-set-panics: panic: set boom",
	}
	if !reflect.DeepEqual(msgs, wantMsgs) {
		t.Errorf("errors = %q, want %q", msgs, wantMsgs)
	}
}

func TestReportOrderUnitsAndSkips(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"b.yaml": withoutMemoryLimit("b"),
		"a.yaml": withoutMemoryLimit("a") + "---\n" + strings.Replace(withoutMemoryLimit("a2"), "runAsNonRoot: true", "runAsNonRoot: false", 1),
		"c.yaml": "foo: bar\n",
		// One line, two findings: missing-memory-limit at "limits" comes
		// before image-tag-latest at "image" by column, after it by rule.
		"f.yaml": strings.Replace(deployment("flow"),
			strings.Join(strings.SplitAfter(deployment("flow"), "\n")[20:], ""),
			"        - {name: app, resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: 500m}}, image: nginx, "+
				"ports: [{name: http, containerPort: 8080}], readinessProbe: {httpGet: {path: /ready, port: http}}, "+
				"livenessProbe: {httpGet: {path: /healthz, port: http}}, securityContext: {allowPrivilegeEscalation: false, "+
				"readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}}\n", 1),
		"k/kustomization.yaml": "resources: []\n",
	})
	rep := lint.Run(render.Load([]string{dir}, render.Options{}), mustSelect(t, nil))
	var got []string
	for _, f := range rep.Findings {
		got = append(got, fmt.Sprintf("%s:%d:%d %s", filepath.Base(f.File), f.Line, f.Column, f.Rule))
	}
	secondDoc := strings.Count(withoutMemoryLimit("a"), "\n") + 1
	want := []string{
		fmt.Sprintf("a.yaml:%d:13 missing-memory-limit", hardenedLimitsLine),
		fmt.Sprintf("a.yaml:%d:9 run-as-root", secondDoc+17),
		fmt.Sprintf("a.yaml:%d:13 missing-memory-limit", secondDoc+hardenedLimitsLine),
		fmt.Sprintf("b.yaml:%d:13 missing-memory-limit", hardenedLimitsLine),
		// Sorted by line, then column, then rule.
		"f.yaml:21:73 missing-memory-limit",
		"f.yaml:21:95 image-tag-latest",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings =\n %q\nwant\n %q", got, want)
	}
	if len(rep.Units) != 2 || rep.Units[0].Kind != render.Plain || rep.Units[0].Objects != 4 ||
		rep.Units[1].Kind != render.Kustomize || rep.Units[1].Error != "" {
		t.Errorf("units = %+v", rep.Units)
	}
	if rep.Objects != 4 || len(rep.Skipped) != 1 || filepath.Base(rep.Skipped[0].File) != "c.yaml" || rep.Skipped[0].Unit != render.DisplayPath(dir) {
		t.Errorf("objects %d, skipped %+v", rep.Objects, rep.Skipped)
	}
	// The empty kustomization builds: no error, the findings decide.
	if len(rep.Errors) != 0 || rep.ExitCode(rules.Warning) != 1 {
		t.Errorf("errors = %+v", rep.Errors)
	}
}

func TestExitCode(t *testing.T) {
	warn := &lint.Report{Findings: []lint.Finding{{Rule: "r", Severity: rules.Warning}}}
	for _, tt := range []struct {
		rep       *lint.Report
		threshold rules.Severity
		want      int
	}{
		{&lint.Report{}, rules.Info, 0},
		{warn, rules.Info, 1},
		{warn, rules.Warning, 1},
		{warn, rules.Error, 0},
		{warn, 0, 0},
		{&lint.Report{Findings: []lint.Finding{{Severity: rules.Info}, {Severity: rules.Error}}}, rules.Error, 1},
		{&lint.Report{Errors: []lint.Error{{Message: "x"}}}, 0, 2},
		{&lint.Report{Errors: []lint.Error{{Message: "x"}}, Findings: warn.Findings}, rules.Warning, 2},
	} {
		if got := tt.rep.ExitCode(tt.threshold); got != tt.want {
			t.Errorf("ExitCode(%v) with %d findings, %d errors = %d, want %d", tt.threshold, len(tt.rep.Findings), len(tt.rep.Errors), got, tt.want)
		}
	}
}
