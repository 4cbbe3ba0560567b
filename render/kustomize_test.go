package render_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/kready/kready/manifest"
	"github.com/kready/kready/render"
)

const ktCorpus = "../../shared/corpus"

// ktTree writes files (slash paths → content) under a new temporary
// directory and returns it.
func ktTree(t *testing.T, files map[string]string) string {
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

// ktLineOf returns the 1-based line of the only line of file containing text
// (equal to it, when text starts with "^").
func ktLineOf(t *testing.T, file, text string) int {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	found := 0
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if l := sc.Text(); strings.Contains(l, text) || (strings.HasPrefix(text, "^") && l == text[1:]) {
			if found != 0 {
				t.Fatalf("%s: %q is on lines %d and %d", file, text, found, n)
			}
			found = n
		}
	}
	if found == 0 {
		t.Fatalf("%s: no line contains %q", file, text)
	}
	return found
}

func ktUnit(t *testing.T, units []*render.Unit, dir string) *render.Unit {
	t.Helper()
	want := render.DisplayPath(dir)
	for _, u := range units {
		if u.Path == want {
			return u
		}
	}
	var got []string
	for _, u := range units {
		got = append(got, u.Path)
	}
	t.Fatalf("no unit %s among %q", want, got)
	return nil
}

func ktObject(t *testing.T, u *render.Unit, kind, prefix string) *manifest.Object {
	t.Helper()
	for _, o := range u.Objects {
		if o.Kind == kind && strings.HasPrefix(o.Name, prefix) {
			return o
		}
	}
	t.Fatalf("%s: no %s named %s…", u.Path, kind, prefix)
	return nil
}

// ktWhere renders a location as file:line (message), file relative to the
// fixture root so failures read well.
func ktWhere(l manifest.Location) string {
	s := fmt.Sprintf("%s:%d", l.File, l.Line)
	if l.Message != "" {
		s += " (" + l.Message + ")"
	}
	return s
}

func ktAt(file string, line int, msg string) string {
	return ktWhere(manifest.Location{File: render.DisplayPath(file), Line: line, Message: msg})
}

func ktLocate(t *testing.T, o *manifest.Object, path, wantPrimary string, wantRelated ...string) {
	t.Helper()
	primary, related := o.Locator.Locate(manifest.ParsePath(path))
	var got []string
	for _, r := range related {
		got = append(got, ktWhere(r))
	}
	if ktWhere(primary) != wantPrimary || strings.Join(got, ", ") != strings.Join(wantRelated, ", ") {
		t.Errorf("%s %s: Locate(%s) = %s related [%s]\nwant %s related [%s]",
			o.Kind, o.Name, path, ktWhere(primary), strings.Join(got, ", "), wantPrimary, strings.Join(wantRelated, ", "))
	}
}

// The shop fixture: findings on built objects point at the base file, the
// patch file, the component's inline patch or the generator entry, and
// patch lines come back as related locations.
func TestKustomizeLocatorOnFixture(t *testing.T) {
	root := filepath.Join("..", "fixtures", "kustomize", "shop")
	units, owned := render.KustomizeUnits(root, false, render.Options{})
	if len(units) != 2 {
		var paths []string
		for _, u := range units {
			paths = append(paths, u.Path)
		}
		t.Fatalf("units = %q, want the two overlays", paths)
	}
	base := filepath.Join(root, "base", "deployment.yaml")
	baseKust := filepath.Join(root, "base", "kustomization.yaml")
	livenessPatch := filepath.Join(root, "overlays", "prod", "liveness.yaml")
	dropPatch := filepath.Join(root, "overlays", "staging", "drop-readiness.yaml")
	component := filepath.Join(root, "components", "debug", "kustomization.yaml")
	container := ktLineOf(t, base, "- name: web")

	prod := ktUnit(t, units, filepath.Join(root, "overlays", "prod"))
	if prod.Err != nil || prod.Kind != render.Kustomize {
		t.Fatalf("prod: %v (%s)", prod.Err, prod.Kind)
	}
	dep := ktObject(t, prod, "Deployment", "prod-web")
	if dep.Name != "prod-web" || dep.Namespace != "shop" {
		t.Errorf("built name = %s/%s, want shop/prod-web", dep.Namespace, dep.Name)
	}
	if dep.Source.File != render.DisplayPath(base) || dep.Source.Line != ktLineOf(t, base, "apiVersion: apps/v1") {
		t.Errorf("source = %+v", dep.Source)
	}
	// The prefixed object is still located in the base file.
	ktLocate(t, dep, "metadata.name", ktAt(base, ktLineOf(t, base, "^  name: web"), ""))
	// Added by the patch and absent from the base: the patch line is primary.
	ktLocate(t, dep, "spec.template.spec.containers[0].livenessProbe",
		ktAt(livenessPatch, ktLineOf(t, livenessPatch, "livenessProbe:"), ""))
	ktLocate(t, dep, "spec.template.spec.containers[0].livenessProbe.httpGet.path",
		ktAt(livenessPatch, ktLineOf(t, livenessPatch, "path: /ready"), ""))
	// Present in the base and changed by the patch: base line, patch related.
	ktLocate(t, dep, "spec.template.spec.containers[0].image",
		ktAt(base, ktLineOf(t, base, "image: ghcr.io"), ""),
		ktAt(livenessPatch, ktLineOf(t, livenessPatch, "image: ghcr.io"), "set by patch"))
	// A field nobody set: the deepest existing ancestor in the base.
	ktLocate(t, dep, "spec.template.spec.containers[0].resources.limits.ephemeral-storage",
		ktAt(base, ktLineOf(t, base, "limits:"), ""))
	ktLocate(t, dep, "spec.template.spec.containers[0].startupProbe", ktAt(base, container, ""))

	// The built object is what kubectl would apply: prefixed names, the
	// patched image, the hashed ConfigMap reference, no origin annotation.
	var built struct {
		Metadata struct {
			Name        string            `json:"name"`
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
		Spec struct {
			Template struct {
				Spec struct {
					Containers []struct {
						Image   string `json:"image"`
						EnvFrom []struct {
							ConfigMapRef struct {
								Name string `json:"name"`
							} `json:"configMapRef"`
						} `json:"envFrom"`
					} `json:"containers"`
				} `json:"spec"`
			} `json:"template"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(dep.JSON, &built); err != nil {
		t.Fatal(err)
	}
	c := built.Spec.Template.Spec.Containers
	if built.Metadata.Name != "prod-web" || len(c) != 1 || c[0].Image != "ghcr.io/acme/web:latest" ||
		len(c[0].EnvFrom) != 1 || !strings.HasPrefix(c[0].EnvFrom[0].ConfigMapRef.Name, "prod-web-config-") {
		t.Errorf("built JSON = %s", dep.JSON)
	}
	if strings.Contains(string(dep.JSON), "config.kubernetes.io/origin") || built.Metadata.Annotations != nil {
		t.Errorf("origin annotation left in JSON: %s", dep.JSON)
	}
	if md := manifest.MappingGet(dep.Node, "metadata"); manifest.MappingGet(md, "annotations") != nil {
		t.Errorf("empty annotations map left in the node")
	}

	// A generated ConfigMap points at its generator entry, data keys at
	// their literal.
	cfg := ktObject(t, prod, "ConfigMap", "prod-web-config-")
	entry := ktLineOf(t, baseKust, "- name: web-config")
	if cfg.Source.File != render.DisplayPath(baseKust) || cfg.Source.Line != entry {
		t.Errorf("generated source = %+v", cfg.Source)
	}
	ktLocate(t, cfg, "metadata.name", ktAt(baseKust, entry, ""))
	ktLocate(t, cfg, "data.CART_TTL", ktAt(baseKust, ktLineOf(t, baseKust, "CART_TTL=30m"), ""))
	ktLocate(t, cfg, "data.MISSING", ktAt(baseKust, entry, ""))

	staging := ktUnit(t, units, filepath.Join(root, "overlays", "staging"))
	if staging.Err != nil {
		t.Fatalf("staging: %v", staging.Err)
	}
	sdep := ktObject(t, staging, "Deployment", "web-staging")
	// Removed by the JSON 6902 operation: the container in the base, and the
	// operation as related.
	ktLocate(t, sdep, "spec.template.spec.containers[0].readinessProbe",
		ktAt(base, container, ""),
		ktAt(dropPatch, ktLineOf(t, dropPatch, "- op: remove"), "removed by patch"))
	ktLocate(t, sdep, "spec.template.spec.containers[0].readinessProbe.httpGet",
		ktAt(base, container, ""),
		ktAt(dropPatch, ktLineOf(t, dropPatch, "- op: remove"), "removed by patch"))
	// The component merges into the container but does not touch probes.
	ktLocate(t, sdep, "spec.template.spec.containers[0].livenessProbe", ktAt(base, container, ""))
	// Set by the component's inline patch: the line inside the kustomization.
	ktLocate(t, sdep, "spec.template.spec.containers[0].securityContext.privileged",
		ktAt(component, ktLineOf(t, component, "privileged: true"), ""))
	// Untouched fields of the same object stay in the base.
	ktLocate(t, sdep, "spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem",
		ktAt(base, ktLineOf(t, base, "readOnlyRootFilesystem: true"), ""))

	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	wantOwned := []string{
		abs(base), abs(baseKust), abs(filepath.Join(root, "base", "service.yaml")), abs(component),
		abs(filepath.Join(root, "overlays", "prod", "kustomization.yaml")), abs(livenessPatch),
		abs(dropPatch), abs(filepath.Join(root, "overlays", "staging", "kustomization.yaml")),
	}
	sort.Strings(wantOwned)
	if strings.Join(owned, "\n") != strings.Join(wantOwned, "\n") {
		t.Errorf("owned:\n%s\nwant:\n%s", strings.Join(owned, "\n"), strings.Join(wantOwned, "\n"))
	}
}

const ktDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:2.0.1
          readinessProbe:
            httpGet:
              path: /ready
              port: 8080
`

// Patches in every form kustomize accepts are located: an inline JSON 6902
// patch at the operation's line inside the kustomization, legacy
// patchesStrategicMerge and patchesJson6902 files, containers matched by
// name even when a patch reorders them (the operations address the list as
// the strategic-merge patch left it, as kustomize applies them in that
// order).
func TestKustomizePatchForms(t *testing.T) {
	dir := ktTree(t, map[string]string{
		"base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
		"base/deployment.yaml":    ktDeployment,
		"app/kustomization.yaml": `resources:
  - ../base
namespace: prod
patchesStrategicMerge:
  - sidecar.yaml
patchesJson6902:
  - target:
      group: apps
      version: v1
      kind: Deployment
      name: api
    path: ops.json
patches:
  - target:
      kind: Deployment
    patch: |-
      - op: add
        path: /spec/template/spec/containers/1/livenessProbe
        value:
          httpGet:
            path: /healthz
            port: 8080
`,
		"app/sidecar.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: proxy
          image: ghcr.io/acme/proxy:1.0.0
        - name: api
          readinessProbe:
            periodSeconds: 5
`,
		"app/ops.json": `[
  {"op": "replace", "path": "/spec/template/spec/containers/1/image", "value": "ghcr.io/acme/api:latest"}
]
`,
	})
	units, _ := render.KustomizeUnits(filepath.Join(dir, "app"), true, render.Options{})
	u := ktUnit(t, units, filepath.Join(dir, "app"))
	if u.Err != nil {
		t.Fatal(u.Err)
	}
	dep := ktObject(t, u, "Deployment", "api")
	kust := filepath.Join(dir, "app", "kustomization.yaml")
	base := filepath.Join(dir, "base", "deployment.yaml")
	sidecar := filepath.Join(dir, "app", "sidecar.yaml")
	ops := filepath.Join(dir, "app", "ops.json")
	// Strategic merge puts the patch's new container first: lists are
	// matched by container name, not position.
	c, proxy := "spec.template.spec.containers[1]", "spec.template.spec.containers[0]"
	if n := manifest.ScalarString(manifest.MappingGet(ktLookup(dep, c), "name")); n != "api" {
		t.Fatalf("containers[1] is %q, want api", n)
	}
	ktLocate(t, dep, c+".livenessProbe", ktAt(kust, ktLineOf(t, kust, "- op: add"), ""))
	ktLocate(t, dep, c+".readinessProbe.periodSeconds",
		ktAt(sidecar, ktLineOf(t, sidecar, "periodSeconds: 5"), ""))
	ktLocate(t, dep, c+".readinessProbe.httpGet.path", ktAt(base, ktLineOf(t, base, "path: /ready"), ""))
	ktLocate(t, dep, c+".image", ktAt(base, ktLineOf(t, base, "image:"), ""),
		ktAt(ops, ktLineOf(t, ops, `"op": "replace"`), "set by patch"))
	// The sidecar exists only in the patch.
	ktLocate(t, dep, proxy+".image", ktAt(sidecar, ktLineOf(t, sidecar, "proxy:1.0.0"), ""))
	ktLocate(t, dep, "metadata.namespace", ktAt(base, ktLineOf(t, base, "metadata:"), ""))
}

func ktLookup(o *manifest.Object, path string) *yaml.Node {
	return o.Lookup(manifest.ParsePath(path))
}

// Only kustomizations that nothing else under the linted path uses are
// built; components never alone; a kustomization named explicitly always.
func TestKustomizeEntryPoints(t *testing.T) {
	dir := ktTree(t, map[string]string{
		"base/kustomization.yaml":       "resources:\n  - cm.yaml\n",
		"base/cm.yaml":                  ktCM("settings"),
		"base/unused.yaml":              ktCM("stray"),
		"comp/kustomization.yaml":       "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - extra.yaml\n",
		"comp/extra.yaml":               ktCM("extra"),
		"overlays/a/kustomization.yaml": "resources:\n  - ../../base\ncomponents:\n  - ../../comp\nnamePrefix: a-\n",
		"overlays/b/Kustomization":      "resources:\n  - ../../base\nnameSuffix: -b\n",
		"overlays/c/kustomization.yml":  "resources:\n  - ../../base\n  - more.yaml\n",
		"overlays/c/more.yaml":          ktCM("more"),
	})
	units, owned := render.KustomizeUnits(dir, false, render.Options{})
	var got []string
	for _, u := range units {
		var names []string
		for _, o := range u.Objects {
			names = append(names, o.Name)
		}
		if u.Err != nil {
			names = append(names, u.Err.Error())
		}
		got = append(got, fmt.Sprintf("%s %s %v", strings.TrimPrefix(u.Path, render.DisplayPath(dir)+"/"), u.Kind, names))
	}
	want := []string{
		"overlays/a kustomize [a-settings a-extra]",
		"overlays/b kustomize [settings-b]",
		"overlays/c kustomize [settings more]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("units:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, o := range owned {
		if strings.HasSuffix(o, "unused.yaml") {
			t.Errorf("unused.yaml is not read by any kustomization but is owned")
		}
	}
	if len(owned) != 8 {
		t.Errorf("owned = %q, want the 5 kustomization files and 4 resources minus unused", owned)
	}

	// Named explicitly, a base is built on its own.
	units, _ = render.KustomizeUnits(filepath.Join(dir, "base"), true, render.Options{})
	if len(units) != 1 || units[0].Err != nil || len(units[0].Objects) != 1 || units[0].Objects[0].Name != "settings" {
		t.Errorf("explicit base: %+v", units)
	}
}

func ktCM(name string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\ndata:\n  k: v\n"
}

// ktMarkerPath puts fake git, kustomize, kubectl, helm and ssh binaries first
// on PATH; each leaves a file behind if anything runs it.
func ktMarkerPath(t *testing.T) (check func()) {
	t.Helper()
	bin := t.TempDir()
	marker := filepath.Join(t.TempDir(), "ran")
	for _, name := range []string{"git", "kustomize", "kubectl", "helm", "ssh"} {
		script := "#!/bin/sh\necho " + name + " >> " + marker + "\n"
		if err := os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	return func() {
		if data, err := os.ReadFile(marker); err == nil {
			t.Errorf("a child process ran: %s", data)
		}
	}
}

// Every remote form in every field that takes a path is refused before
// kustomize runs, at the entry's line, fast, without a request or a child
// process.
func TestKustomizeRemoteRefused(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, ktCM("fetched"))
	}))
	defer srv.Close()
	checkChildren := ktMarkerPath(t)
	cases := map[string]string{
		"resources-http":     "resources:\n  - " + srv.URL + "/cm.yaml\n",
		"resources-github":   "resources:\n  - github.com/acme/deploy//base?ref=v1.2.0\n",
		"bases-git":          "bases:\n  - git::https://example.com/acme/deploy.git//base\n",
		"resources-ssh":      "resources:\n  - ssh://git@example.com/acme/deploy.git\n",
		"resources-scp":      "resources:\n  - git@github.com:acme/deploy.git/base\n",
		"components-gitlab":  "components:\n  - gitlab.com/acme/deploy//components/x?ref=main\n",
		"patches-path":       "resources:\n  - cm.yaml\npatches:\n  - path: " + srv.URL + "/patch.yaml\n",
		"generator-file":     "configMapGenerator:\n  - name: x\n    files:\n      - key=" + srv.URL + "/value\n",
		"openapi":            "resources:\n  - cm.yaml\nopenapi:\n  path: " + srv.URL + "/schema.json\n",
		"crds":               "crds:\n  - " + srv.URL + "/crd.json\n",
		"helm-repo":          "helmCharts:\n  - name: web\n    repo: " + srv.URL + "/charts\n",
		"transformers":       "transformers:\n  - https://example.com/transformer.yaml\n",
		"psm":                "patchesStrategicMerge:\n  - " + srv.URL + "/p.yaml\n",
		"configurations":     "configurations:\n  - " + srv.URL + "/c.yaml\n",
		"file-scheme-git":    "resources:\n  - file:///srv/git/deploy.git\n",
		"in-local-base":      "resources:\n  - ../remote-base\n",
		"in-local-component": "components:\n  - ../remote-component\n",
	}
	files := map[string]string{
		"remote-base/kustomization.yaml":      "resources:\n  - " + srv.URL + "/deep.yaml\n",
		"remote-component/kustomization.yaml": "kind: Component\nresources:\n  - https://example.com/c.yaml\n",
	}
	for name, k := range cases {
		files[name+"/kustomization.yaml"] = "# " + name + "\n" + k
		files[name+"/cm.yaml"] = ktCM(name)
	}
	dir := ktTree(t, files)
	for name := range cases {
		name := name
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			units, _ := render.KustomizeUnits(filepath.Join(dir, name), true, render.Options{})
			elapsed := time.Since(start)
			if elapsed > time.Second {
				t.Errorf("took %v", elapsed)
			}
			u := ktUnit(t, units, filepath.Join(dir, name))
			if u.Err == nil || !strings.Contains(u.Err.Message, "remote resource refused (offline)") || u.Err.Line < 2 {
				t.Fatalf("error = %v", u.Err)
			}
			kust := filepath.Join(dir, name, "kustomization.yaml")
			switch name {
			case "in-local-base":
				kust = filepath.Join(dir, "remote-base", "kustomization.yaml")
			case "in-local-component":
				kust = filepath.Join(dir, "remote-component", "kustomization.yaml")
			}
			data, _ := os.ReadFile(kust)
			lines := strings.Split(string(data), "\n")
			entry := lines[u.Err.Line-1]
			if u.Err.File != render.DisplayPath(kust) || !strings.Contains(entry, "://") && !strings.Contains(entry, "github.com") && !strings.Contains(entry, "gitlab.com") {
				t.Errorf("error %v does not name the entry's file and line (line is %q)", u.Err, entry)
			}
			value := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(entry), "- "), "path: "))
			value = strings.TrimPrefix(strings.TrimPrefix(value, "repo: "), "key=")
			if !strings.Contains(u.Err.Message, value) {
				t.Errorf("error %q does not quote the entry %q", u.Err.Message, value)
			}
			if len(u.Objects) != 0 {
				t.Errorf("objects built despite the refusal")
			}
		})
	}
	if hits.Load() != 0 {
		t.Errorf("the server received %d requests", hits.Load())
	}
	checkChildren()
}

// The corpus's remote kustomizations fail fast with the refusal.
func TestKustomizeCorpusRemoteRefused(t *testing.T) {
	root := filepath.Join(ktCorpus, "kustomize-remote")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	checkChildren := ktMarkerPath(t)
	for _, ep := range []string{"kustomize-loadHttp", "kubeflow-pipeline-argo/base", "kubeflow-pipeline-argo/installs/cluster",
		"kubeflow-pipeline-argo/installs/namespace", "kubeflow-pipeline-argo/installs/namespace/cluster-scoped"} {
		start := time.Now()
		units, _ := render.KustomizeUnits(filepath.Join(root, ep), true, render.Options{})
		if elapsed := time.Since(start); elapsed > time.Second {
			t.Errorf("%s took %v", ep, elapsed)
		}
		u := ktUnit(t, units, filepath.Join(root, ep))
		if u.Err == nil || !strings.Contains(u.Err.Message, "remote resource refused (offline)") ||
			!strings.HasSuffix(u.Err.File, "kustomization.yaml") || u.Err.Line == 0 || !strings.Contains(u.Err.Message, "https://") {
			t.Errorf("%s: error = %v", ep, u.Err)
		}
	}
	checkChildren()
}

// Broken kustomizations fail only their own unit, with the file named.
func TestKustomizeErrors(t *testing.T) {
	dir := ktTree(t, map[string]string{
		"good/kustomization.yaml":      "resources:\n  - cm.yaml\n",
		"good/cm.yaml":                 ktCM("good"),
		"missing/kustomization.yaml":   "resources:\n  - cm.yaml\n  - nowhere.yaml\n",
		"missing/cm.yaml":              ktCM("m"),
		"malformed/kustomization.yaml": "resources:\n  - broken.yaml\n",
		"malformed/broken.yaml":        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n",
		"badkust/kustomization.yaml":   "resources:\n  - cm.yaml\n  bad indent: [\n",
		"badkust/cm.yaml":              ktCM("b"),
		"target/kustomization.yaml":    "resources:\n  - cm.yaml\npatches:\n  - patch: |-\n      apiVersion: v1\n      kind: ConfigMap\n      metadata:\n        name: nothing-by-this-name\n      data:\n        k: w\n",
		"target/cm.yaml":               ktCM("t"),
		"nodir/kustomization.yaml":     "resources:\n  - ../empty\n",
		"empty/readme.txt":             "not a kustomization\n",
		"helm/kustomization.yaml":      "resources:\n  - cm.yaml\nhelmCharts:\n  - name: web\n    version: 1.0.0\n",
		"helm/cm.yaml":                 ktCM("h"),
	})
	units, _ := render.KustomizeUnits(dir, false, render.Options{})
	got := map[string]*render.Unit{}
	for _, u := range units {
		got[filepath.Base(u.Path)] = u
	}
	if u := got["good"]; u == nil || u.Err != nil || len(u.Objects) != 1 {
		t.Errorf("good: %+v", u)
	}
	kust := func(name string) string { return render.DisplayPath(filepath.Join(dir, name, "kustomization.yaml")) }
	for name, want := range map[string]string{
		"missing":   kust("missing") + `:3: resources entry "nowhere.yaml": no such file or directory`,
		"malformed": render.DisplayPath(filepath.Join(dir, "malformed", "broken.yaml")) + ":3: malformed YAML",
		"badkust":   kust("badkust") + ":1: malformed YAML",
		"target":    kust("target") + ": kustomize: ",
		"nodir":     kust("nodir") + `:2: resources entry "../empty" is a directory without a kustomization file`,
		"helm":      kust("helm") + `:4: helmCharts entry "web": chart directory charts/web not found`,
	} {
		u := got[name]
		if u == nil || u.Err == nil || !strings.HasPrefix(u.Err.Error(), want) {
			t.Errorf("%s: error = %v, want %s…", name, u.Err, want)
		}
	}
	if msg := got["target"].Err.Message; !strings.Contains(msg, "nothing-by-this-name") || strings.Contains(msg, dir) {
		t.Errorf("target: %q should name the patch target and no absolute path", msg)
	}
}

// A base outside the repository and generator files outside the
// kustomization are refused at their lines; special files do not hang the
// build.
func TestKustomizeOutOfBounds(t *testing.T) {
	outer := ktTree(t, map[string]string{
		"secret":                              "password=hunter2\n",
		"outside/kustomization.yaml":          "resources:\n  - cm.yaml\n",
		"outside/cm.yaml":                     ktCM("outside"),
		"repo/.git/HEAD":                      "ref: refs/heads/main\n",
		"repo/escape/kustomization.yaml":      "resources:\n  - ../../outside\n",
		"repo/gen/app/kustomization.yaml":     "configMapGenerator:\n  - name: creds\n    envs:\n      - ../../../secret\n",
		"repo/resfile/app/kustomization.yaml": "resources:\n  - ../shared.yaml\n",
		"repo/resfile/shared.yaml":            ktCM("shared"),
		"repo/fifo/kustomization.yaml":        "resources:\n  - pipe.yaml\n",
	})
	repo := filepath.Join(outer, "repo")
	if err := syscall.Mkfifo(filepath.Join(repo, "fifo", "pipe.yaml"), 0o644); err != nil {
		t.Logf("mkfifo: %v", err)
	}
	for dir, want := range map[string]string{
		"escape":      `:2: resources entry "../../outside" is outside the repository`,
		"gen/app":     `:4: configMapGenerator envs entry "../../../secret" is outside the kustomization's directory`,
		"resfile/app": `:2: resources entry "../shared.yaml" is outside the kustomization's directory`,
		"fifo":        `:2: resources entry "pipe.yaml" is not a regular file`,
	} {
		done := make(chan []*render.Unit, 1)
		go func() {
			units, _ := render.KustomizeUnits(filepath.Join(repo, dir), true, render.Options{})
			done <- units
		}()
		select {
		case units := <-done:
			u := ktUnit(t, units, filepath.Join(repo, dir))
			file := render.DisplayPath(filepath.Join(repo, dir, "kustomization.yaml"))
			if u.Err == nil || !strings.HasPrefix(u.Err.Error(), file+want) {
				t.Errorf("%s: error = %v, want %s%s", dir, u.Err, file, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: build hangs", dir)
		}
	}
}

// Kustomize's deprecation notices never reach standard error.
func TestKustomizeOutputCaptured(t *testing.T) {
	dir := ktTree(t, map[string]string{
		"base/kustomization.yaml": "resources:\n  - cm.yaml\n",
		"base/cm.yaml":            ktCM("c"),
		"app/kustomization.yaml":  "bases:\n  - ../base\ncommonLabels:\n  team: shop\n",
	})
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	units, _ := render.KustomizeUnits(filepath.Join(dir, "app"), true, render.Options{})
	os.Stderr = saved
	w.Close()
	out, _ := ktReadAll(r)
	if len(units) != 1 || units[0].Err != nil || len(units[0].Objects) != 1 {
		t.Fatalf("units: %+v", units)
	}
	if out != "" {
		t.Errorf("printed on stderr: %q", out)
	}
}

func ktReadAll(f *os.File) (string, error) {
	defer f.Close()
	var b strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		b.WriteString(sc.Text() + "\n")
	}
	return b.String(), sc.Err()
}

// ktCorpusEntryPoints reads the expected object counts of the corpus's
// kustomize entry points ("FAIL" for those that must fail).
func ktCorpusEntryPoints(t testing.TB) [][2]string {
	f, err := os.Open(filepath.Join(ktCorpus, "expected", "kustomize-object-counts.tsv"))
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	defer f.Close()
	var out [][2]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		ep, count, ok := strings.Cut(l, "\t")
		if ok && strings.HasPrefix(ep, "kustomize/") {
			out = append(out, [2]string{ep, count})
		}
	}
	return out
}

// Every corpus entry point builds with kubectl's object count; the one that
// kubectl cannot build fails with a clear error.
func TestKustomizeCorpusObjectCounts(t *testing.T) {
	eps := ktCorpusEntryPoints(t)
	if testing.Short() {
		t.Skip("builds every corpus entry point")
	}
	type result struct {
		got string
		err *render.Error
	}
	results := make([]result, len(eps))
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(eps) {
					return
				}
				dir := filepath.Join(ktCorpus, eps[i][0])
				units, _ := render.KustomizeUnits(dir, true, render.Options{})
				for _, u := range units {
					if u.Path != render.DisplayPath(dir) {
						continue
					}
					results[i] = result{fmt.Sprint(len(u.Objects)), u.Err}
					if u.Err != nil {
						results[i].got = "FAIL"
					}
				}
			}
		}()
	}
	wg.Wait()
	for i, ep := range eps {
		r := results[i]
		t.Logf("%s\t%s\t%s", ep[0], ep[1], r.got)
		if r.got != ep[1] {
			t.Errorf("%s: got %s objects (%v), want %s", ep[0], r.got, r.err, ep[1])
		}
		if ep[1] == "FAIL" && (r.err == nil || r.err.Line == 0 || !strings.HasSuffix(r.err.File, "kustomization.yaml")) {
			t.Errorf("%s: failure not located: %v", ep[0], r.err)
		}
	}
}

// BenchmarkKustomizeCorpus builds the entry points of the corpus's
// kustomize tree as `kready lint` would find them.
func BenchmarkKustomizeCorpus(b *testing.B) {
	root := filepath.Join(ktCorpus, "kustomize")
	if _, err := os.Stat(root); err != nil {
		b.Skipf("corpus not available: %v", err)
	}
	for i := 0; i < b.N; i++ {
		units, _ := render.KustomizeUnits(root, false, render.Options{})
		objects := 0
		for _, u := range units {
			objects += len(u.Objects)
		}
		b.ReportMetric(float64(len(units)), "units/op")
		b.ReportMetric(float64(objects), "objects/op")
	}
}

// KRM functions (exec and container) and legacy exec plugins stay disabled:
// the build fails with kustomize's error and the marker never runs.
func TestKustomizePluginsNeverRun(t *testing.T) {
	checkChildren := ktMarkerPath(t)
	marker := filepath.Join(t.TempDir(), "plugin-ran")
	script := filepath.Join(t.TempDir(), "plugin")
	if err := os.WriteFile(script, []byte("#!/bin/sh\ntouch "+marker+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	fn := func(kind, spec string) string {
		return "apiVersion: example.com/v1\nkind: " + kind + "\nmetadata:\n  name: m\n  annotations:\n" +
			"    config.kubernetes.io/function: |\n" + spec
	}
	dir := ktTree(t, map[string]string{
		"exec/kustomization.yaml":      "resources:\n  - cm.yaml\ntransformers:\n  - fn.yaml\n",
		"exec/cm.yaml":                 ktCM("c"),
		"exec/fn.yaml":                 fn("ExecMarker", "      exec:\n        path: "+script+"\n"),
		"container/kustomization.yaml": "resources:\n  - cm.yaml\ngenerators:\n  - fn.yaml\n",
		"container/cm.yaml":            ktCM("c"),
		"container/fn.yaml":            fn("ContainerMarker", "      container:\n        image: example.com/marker:1\n"),
		"legacy/kustomization.yaml":    "resources:\n  - cm.yaml\ngenerators:\n  - legacy.yaml\n",
		"legacy/cm.yaml":               ktCM("c"),
		"legacy/legacy.yaml":           "apiVersion: someteam.example.com/v1\nkind: ChartInflator\nmetadata:\n  name: notused\nchartName: minecraft\n",
	})
	units, _ := render.KustomizeUnits(dir, false, render.Options{})
	if len(units) != 3 {
		t.Fatalf("units = %d", len(units))
	}
	for _, u := range units {
		if u.Err == nil || !strings.Contains(u.Err.Message, "kustomize: ") || len(u.Objects) != 0 {
			t.Errorf("%s: error = %v, objects %d", u.Path, u.Err, len(u.Objects))
		}
	}
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("a plugin ran")
	}
	checkChildren()
}

// A patch that replaces metadata.annotations wipes kustomize's origin
// record; the object is still found in its base file by kind and name.
func TestKustomizeOriginReplacedByPatch(t *testing.T) {
	dir := ktTree(t, map[string]string{
		"base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
		"base/deployment.yaml":    ktDeployment,
		"app/kustomization.yaml": `resources:
  - ../base
namePrefix: team-
patches:
  - target:
      kind: Deployment
    patch: |-
      - op: add
        path: /metadata/annotations
        value:
          owner: team
`,
	})
	units, _ := render.KustomizeUnits(filepath.Join(dir, "app"), true, render.Options{})
	u := ktUnit(t, units, filepath.Join(dir, "app"))
	if u.Err != nil {
		t.Fatal(u.Err)
	}
	dep := ktObject(t, u, "Deployment", "team-api")
	base := filepath.Join(dir, "base", "deployment.yaml")
	kust := filepath.Join(dir, "app", "kustomization.yaml")
	if dep.Source.File != render.DisplayPath(base) {
		t.Errorf("source = %+v", dep.Source)
	}
	ktLocate(t, dep, "spec.template.spec.containers[0].image", ktAt(base, ktLineOf(t, base, "image:"), ""))
	ktLocate(t, dep, "metadata.annotations.owner", ktAt(kust, ktLineOf(t, kust, "- op: add"), ""))
	if strings.Contains(string(dep.JSON), "config.kubernetes.io/origin") || !strings.Contains(string(dep.JSON), `"owner":"team"`) {
		t.Errorf("JSON = %s", dep.JSON)
	}
}
