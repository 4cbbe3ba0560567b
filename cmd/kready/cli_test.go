package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fatih/color"
)

// kreadyBin is the binary built once by TestMain: exit codes can only be
// observed on a real process.
var kreadyBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kready-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	kreadyBin = filepath.Join(dir, "kready")
	if runtime.GOOS == "windows" {
		kreadyBin += ".exe"
	}
	build := exec.Command("go", "build", "-o", kreadyBin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building kready:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// hardened is a Deployment production-ready in every respect the default
// rules check, with the ServiceAccount, PodDisruptionBudget and
// NetworkPolicy the rules over the whole unit look for.
const hardened = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
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
      serviceAccountName: web
      automountServiceAccountToken: false
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              app: web
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
  namespace: shop
automountServiceAccountToken: false
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
  namespace: shop
spec:
  maxUnavailable: 1
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector:
    matchLabels:
      app: web
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: web
  policyTypes: [Ingress]
  ingress:
    - ports:
        - port: http
`

// noMemoryLimit breaks only the memory limit: one warning at the limits key.
var noMemoryLimit = strings.Replace(hardened, "              cpu: 500m\n              memory: 128Mi\n", "              cpu: 500m\n", 1)

const warnLine = `warn/deploy.yaml:38:13: warning missing-memory-limit: container "app" has no memory limit [Deployment/shop/web]`

// workspace lays out the inputs every test uses and returns its path;
// commands run there so paths in output are short and exact.
func workspace(t *testing.T) string {
	t.Helper()
	if noMemoryLimit == hardened {
		t.Fatal("noMemoryLimit did not change the manifest")
	}
	dir := t.TempDir()
	for name, content := range map[string]string{
		"clean/deploy.yaml":  hardened,
		"warn/deploy.yaml":   noMemoryLimit,
		"mixed/broken.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x: y\n",
		"mixed/deploy.yaml":  noMemoryLimit,
		"mixed/notes.yaml":   "just: notes\n",
		"chart/Chart.yaml":   "apiVersion: v2\nname: c\nversion: 0.1.0\n",
		"chart/values.yaml":  "replicas: 1\n",
		"flow/deploy.yaml":   strings.Replace(hardened, "ghcr.io/acme/web:1.4.2", "nginx", 1),
		"evil/deploy.yaml":   strings.Replace(noMemoryLimit, "  name: web\n", "  name: \"web\\e[31m\\n::set-env name=X::y\"\n", 1),
		"clean/sub/cm.json":  `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}`,
		"clean/.git/x.yaml":  noMemoryLimit,
		"clean/README.txt":   noMemoryLimit,
		"warn/.hidden/x.yml": "not: [valid",
	} {
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

type result struct {
	stdout, stderr string
	code           int
}

// kready runs the built binary in dir with stdin and extra environment.
func kready(t *testing.T, dir, stdin string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, kreadyBin, args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// A clean environment: the caller's NO_COLOR or TERM must not decide.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NO_COLOR=") && !strings.HasPrefix(kv, "TERM=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("kready %v: %v", args, err)
	}
	return r
}

func TestExitCodes(t *testing.T) {
	dir := workspace(t)
	tests := []struct {
		name string
		args []string
		code int
		// Every string must be in stdout (or stderr when it starts with "stderr:").
		want []string
	}{
		{"clean dir", []string{"lint", "clean"}, 0, []string{"0 findings in 1 unit, 5 objects; no input errors\n"}},
		{"findings", []string{"lint", "warn"}, 1, []string{warnLine + "\n", "1 finding (1 warning) in 1 unit, 4 objects; no input errors\n"}},
		{"a single file", []string{"lint", "warn/deploy.yaml"}, 1, []string{warnLine}},
		{"fail-on error with only warnings", []string{"lint", "--fail-on", "error", "warn"}, 0, []string{warnLine}},
		{"fail-on none", []string{"lint", "--fail-on", "none", "warn"}, 0, []string{warnLine}},
		{"fail-on info", []string{"lint", "--fail-on", "info", "warn"}, 1, []string{warnLine}},
		{"disabled rule", []string{"lint", "--disable", "missing-memory-limit", "warn"}, 0, []string{"0 findings"}},
		{"optional info rule below the threshold", []string{"lint", "--enable", "missing-startup-probe", "clean"}, 0,
			[]string{"clean/deploy.yaml:21:11: info missing-startup-probe: "}},
		{"optional info rule at the threshold", []string{"lint", "--enable", "missing-startup-probe", "--fail-on", "info", "clean"}, 1, nil},
		{"malformed file and findings elsewhere", []string{"lint", "mixed"}, 2, []string{
			"mixed/deploy.yaml:38:13: warning missing-memory-limit: container \"app\" has no memory limit [Deployment/shop/web]\n",
			"mixed/broken.yaml:4: error: malformed YAML: mapping values are not allowed in this context\n",
			"1 finding (1 warning) in 1 unit, 4 objects; 1 input error, 1 skipped (--verbose lists them)\n",
		}},
		{"errors fail even with fail-on none", []string{"lint", "--fail-on", "none", "mixed"}, 2, []string{"mixed/deploy.yaml:38:13"}},
		{"verbose lists skips", []string{"lint", "-v", "mixed"}, 2, []string{
			"mixed/notes.yaml:1: skipped: document 1 has no apiVersion/kind, so not a Kubernetes object\n"}},
		{"chart without templates renders", []string{"lint", "chart"}, 0, []string{"0 findings in 1 unit, 0 objects"}},
		{"several paths", []string{"lint", "clean", "warn"}, 1, []string{warnLine, "in 2 units, 9 objects"}},
		{"nonexistent path", []string{"lint", "no/such/path"}, 2, []string{"no/such/path: error: no such file or directory\n"}},
		{"unknown flag", []string{"lint", "--bogus", "clean"}, 2, []string{"stderr:flag provided but not defined: -bogus"}},
		{"flag after the path", []string{"lint", "warn", "--fail-on", "error"}, 0, []string{warnLine}},
		{"flags mixed with paths", []string{"lint", "-o", "json", "warn", "--fail-on=error", "clean", "-v"}, 0, []string{`"summary": {"units":2,`}},
		{"unknown rule in enable", []string{"lint", "--enable", "no-such-rule", "clean"}, 2, []string{"stderr:unknown rule no-such-rule"}},
		{"unknown rule in disable", []string{"lint", "--disable", "nope", "clean"}, 2, []string{"stderr:unknown rule nope"}},
		{"bad fail-on", []string{"lint", "--fail-on", "sometimes", "clean"}, 2, []string{"stderr:--fail-on"}},
		{"bad output format", []string{"lint", "-o", "yaml", "clean"}, 2, []string{"stderr:unknown output format \"yaml\""}},
		{"no path", []string{"lint"}, 2, []string{"stderr:lint needs at least one path"}},
		{"unknown command", []string{"frobnicate"}, 2, []string{"stderr:unknown command \"frobnicate\""}},
		{"version", []string{"version"}, 0, []string{"kready "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := kready(t, dir, "", nil, tt.args...)
			if r.code != tt.code {
				t.Errorf("kready %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(tt.args, " "), r.code, tt.code, r.stdout, r.stderr)
			}
			for _, w := range tt.want {
				out, where := r.stdout, "stdout"
				if s, ok := strings.CutPrefix(w, "stderr:"); ok {
					w, out, where = s, r.stderr, "stderr"
				}
				if !strings.Contains(out, w) {
					t.Errorf("kready %s: %s lacks %q\nstdout:\n%s\nstderr:\n%s", strings.Join(tt.args, " "), where, w, r.stdout, r.stderr)
				}
			}
		})
	}
}

func TestCleanOutputIsExactlyTheSummary(t *testing.T) {
	r := kready(t, workspace(t), "", nil, "lint", "clean")
	if r.code != 0 || r.stdout != "0 findings in 1 unit, 5 objects; no input errors\n" || r.stderr != "" {
		t.Errorf("exit %d\nstdout: %q\nstderr: %q", r.code, r.stdout, r.stderr)
	}
}

func TestLintStdin(t *testing.T) {
	r := kready(t, workspace(t), noMemoryLimit, nil, "lint", "-")
	want := `<stdin>:38:13: warning missing-memory-limit: container "app" has no memory limit [Deployment/shop/web]` + "\n"
	if r.code != 1 || !strings.HasPrefix(r.stdout, want) {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	r = kready(t, workspace(t), hardened, nil, "lint", "-")
	if r.code != 0 || r.stdout != "0 findings in 1 unit, 4 objects; no input errors\n" {
		t.Errorf("clean stdin: exit %d, stdout:\n%s", r.code, r.stdout)
	}
	r = kready(t, workspace(t), "a: [b\n", nil, "lint", "-")
	if r.code != 2 || !strings.Contains(r.stdout, "<stdin>") || !strings.Contains(r.stdout, "malformed YAML") {
		t.Errorf("malformed stdin: exit %d, stdout:\n%s", r.code, r.stdout)
	}
}

func TestLintJSONOutput(t *testing.T) {
	r := kready(t, workspace(t), "", nil, "lint", "-o", "json", "mixed", "clean")
	if r.code != 2 {
		t.Errorf("exit %d, want 2", r.code)
	}
	var doc struct {
		Version  int
		Findings []struct {
			Rule, Severity, File, Path string
			Line, Column               int
			Object                     struct{ Kind, Namespace, Name string }
			Related                    []any
		}
		Errors []struct {
			File, Message string
			Line          int
		}
		Units   []struct{ Path, Kind string }
		Summary struct{ Units, Objects, Findings, Errors, Skipped int }
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, r.stdout)
	}
	if doc.Version != 1 || len(doc.Findings) != 1 || len(doc.Errors) != 1 || len(doc.Units) != 2 {
		t.Fatalf("doc = %+v", doc)
	}
	f := doc.Findings[0]
	if f.Rule != "missing-memory-limit" || f.Severity != "warning" || f.File != "mixed/deploy.yaml" || f.Line != 38 || f.Column != 13 ||
		f.Path != "spec.template.spec.containers[0].resources.limits.memory" || f.Object.Name != "web" || f.Related == nil {
		t.Errorf("finding = %+v", f)
	}
	if e := doc.Errors[0]; e.File != "mixed/broken.yaml" || e.Line != 4 {
		t.Errorf("error = %+v", e)
	}
	if doc.Summary.Objects != 9 || doc.Summary.Findings != 1 || doc.Summary.Errors != 1 || doc.Summary.Skipped != 1 || doc.Summary.Units != 2 {
		t.Errorf("summary = %+v", doc.Summary)
	}
}

func TestRulesJSON(t *testing.T) {
	r := kready(t, t.TempDir(), "", nil, "rules", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var doc struct {
		Version int
		Rules   []struct {
			ID, Category, Severity, Summary string
			EnabledByDefault                bool
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if doc.Version != 1 {
		t.Errorf("version = %d", doc.Version)
	}
	var ids []string
	byID := map[string]bool{}
	for _, rule := range doc.Rules {
		ids = append(ids, rule.ID)
		if byID[rule.ID] {
			t.Errorf("duplicate rule %s", rule.ID)
		}
		byID[rule.ID] = rule.EnabledByDefault
		if rule.Category == "" || rule.Summary == "" {
			t.Errorf("rule %s lacks a category or summary", rule.ID)
		}
		switch rule.Severity {
		case "info", "warning", "error":
		default:
			t.Errorf("rule %s severity %q", rule.ID, rule.Severity)
		}
	}
	if !sort.StringsAreSorted(ids) {
		t.Errorf("rules not sorted by ID: %v", ids)
	}
	for id, on := range map[string]bool{"missing-memory-limit": true, "missing-cpu-request": true, "run-as-root": true, "missing-startup-probe": false} {
		if got, ok := byID[id]; !ok || got != on {
			t.Errorf("rule %s: listed %v, enabledByDefault %v; want listed, %v", id, ok, got, on)
		}
	}
	// The text listing shows the same rules.
	text := kready(t, t.TempDir(), "", nil, "rules")
	for _, id := range ids {
		if !strings.Contains(text.stdout, "\n"+id+" ") {
			t.Errorf("text listing lacks %s", id)
		}
	}
}

func TestExplain(t *testing.T) {
	r := kready(t, t.TempDir(), "", nil, "explain", "missing-memory-limit")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"missing-memory-limit (resources, warning)\n", "\nWhy:\n    ", "\nHow to fix:\n    ", "\nFails:\n", "\nPasses:\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("explain output lacks %q:\n%s", want, r.stdout)
		}
	}
	r = kready(t, t.TempDir(), "", nil, "explain", "nope")
	if r.code != 2 || !strings.Contains(r.stderr, `unknown rule "nope"`) || r.stdout != "" {
		t.Errorf("explain nope: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if r := kready(t, t.TempDir(), "", nil, "explain"); r.code != 2 {
		t.Errorf("explain without a rule: exit %d", r.code)
	}
}

func TestNoEscapeCodes(t *testing.T) {
	dir := workspace(t)
	for _, env := range [][]string{
		{"NO_COLOR=1", "TERM=xterm-256color"},
		{"TERM=xterm-256color"},
	} {
		for _, args := range [][]string{
			{"lint", "warn", "mixed", "flow", "evil"},
			{"lint", "--no-color", "warn", "evil"},
			{"explain", "run-as-root"},
		} {
			r := kready(t, dir, "", env, args...)
			if strings.Contains(r.stdout, "\x1b") || strings.Contains(r.stderr, "\x1b") {
				t.Errorf("%v %v: escape codes in output:\n%q", env, args, r.stdout)
			}
		}
	}
	// The hostile object name is shown escaped on its finding's line.
	r := kready(t, dir, "", nil, "lint", "evil")
	if !strings.Contains(r.stdout, `[Deployment/shop/web\x1b[31m\n::set-env name=X::y]`) {
		t.Errorf("hostile name not escaped:\n%s", r.stdout)
	}
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(line, "::") {
			t.Errorf("injected workflow command line: %q", line)
		}
	}
}

// Colour needs a terminal, which a test cannot give the child process, so
// the decision itself is checked here.
func TestUseColor(t *testing.T) {
	saved := color.NoColor
	defer func() { color.NoColor = saved }()
	t.Setenv("NO_COLOR", "")

	color.NoColor = false // as if stdout were a terminal
	if !useColor(os.Stdout, false) {
		t.Error("terminal stdout: no colour")
	}
	if useColor(os.Stdout, true) {
		t.Error("--no-color: colour")
	}
	if useColor(&bytes.Buffer{}, false) {
		t.Error("non-terminal writer: colour")
	}
	if useColor(os.Stderr, false) {
		t.Error("stderr is not where the report goes: colour")
	}
	t.Setenv("NO_COLOR", "1")
	if useColor(os.Stdout, false) {
		t.Error("NO_COLOR=1: colour")
	}
	t.Setenv("NO_COLOR", "")
	color.NoColor = true // not a terminal
	if useColor(os.Stdout, false) {
		t.Error("stdout not a terminal: colour")
	}
}

// kready render prints what kready lints, each object under a Source comment
// naming the line a person edits: the manifest line for plain files, the
// template line for a chart.
func TestRenderCommand(t *testing.T) {
	ws := workspace(t)
	r := kready(t, ws, "", nil, "render", "clean")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "# Source: clean/deploy.yaml:1\n") ||
		!strings.Contains(r.stdout, "\n---\n# Source: clean/deploy.yaml:") || !strings.Contains(r.stdout, "kind: NetworkPolicy") {
		t.Errorf("render clean: exit %d\n%s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	chart := filepath.Join(ws, "web")
	for name, content := range map[string]string{
		"Chart.yaml":          "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"values.yaml":         "tier: front\n",
		"templates/_help.tpl": "{{- define \"web.labels\" -}}\ntier: {{ .Values.tier }}\n{{- end }}\n",
		"templates/cm.yaml":   "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cfg\n  labels:\n    {{- include \"web.labels\" . | nindent 4 }}\ndata:\n  a: b\n",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(chart, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(chart, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r = kready(t, ws, "", nil, "render", "web", "--release-name", "shop")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "# Source: web/templates/cm.yaml:1\n") || !strings.Contains(r.stdout, "name: shop-cfg") || !strings.Contains(r.stdout, "tier: front") {
		t.Errorf("render chart: exit %d\n%s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	r = kready(t, ws, "", nil, "render", "no/such/dir")
	if r.code != 2 {
		t.Errorf("render of a missing path: exit %d", r.code)
	}
}
