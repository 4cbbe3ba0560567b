package render_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kready/kready/manifest"
	"github.com/kready/kready/render"
)

// writeTree creates files (relative path → content) under a fresh temp dir
// and returns the dir.
func writeTree(t *testing.T, files map[string]string) string {
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

// loadOne loads args and requires exactly one unit.
func loadOne(t *testing.T, args []string, opt render.Options) *render.Unit {
	t.Helper()
	units := render.Load(args, opt)
	if len(units) != 1 {
		t.Fatalf("Load(%v) gave %d units, want 1: %s", args, len(units), describeUnits(units))
	}
	return units[0]
}

func describeUnits(units []*render.Unit) string {
	var b strings.Builder
	for _, u := range units {
		fmt.Fprintf(&b, "\n  unit %s (%s) err=%v objects=%d", u.Path, u.Kind, u.Err, len(u.Objects))
		for _, o := range u.Objects {
			fmt.Fprintf(&b, "\n    object %s %s doc=%d item=%d line=%d", o.Source.File, o.Ref(), o.Source.Doc, o.Source.Item, o.Source.Line)
		}
		for _, e := range u.Errors {
			fmt.Fprintf(&b, "\n    error %v", e)
		}
		for _, s := range u.Skipped {
			fmt.Fprintf(&b, "\n    skip %+v", s)
		}
	}
	return b.String()
}

// objectSummary is what these tests compare for each object.
type objectSummary struct {
	File, Ref       string
	Doc, Item, Line int
}

func summarize(objs []*manifest.Object) []objectSummary {
	var out []objectSummary
	for _, o := range objs {
		out = append(out, objectSummary{o.Source.File, o.Ref().String(), o.Source.Doc, o.Source.Item, o.Source.Line})
	}
	return out
}

func wantObjects(t *testing.T, u *render.Unit, want []objectSummary) {
	t.Helper()
	if got := summarize(u.Objects); !reflect.DeepEqual(got, want) {
		t.Errorf("objects:\n got %+v\nwant %+v%s", got, want, describeUnits([]*render.Unit{u}))
	}
}

// lineOf locates p in o and returns the line.
func lineOf(o *manifest.Object, p string) int {
	loc, _ := o.Locator.Locate(manifest.ParsePath(p))
	return loc.Line
}

func TestLoadMultiDocument(t *testing.T) {
	dir := writeTree(t, map[string]string{"app.yaml": `# leading comment
apiVersion: v1
kind: ConfigMap
metadata:
  name: config
  namespace: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
---
# third
apiVersion: v1
kind: Service
metadata:
  name: web
`})
	file := render.DisplayPath(filepath.Join(dir, "app.yaml"))
	u := loadOne(t, []string{dir}, render.Options{})
	if u.Path != render.DisplayPath(dir) || u.Kind != render.Plain || u.Err != nil {
		t.Errorf("unit = %s %s %v", u.Path, u.Kind, u.Err)
	}
	wantObjects(t, u, []objectSummary{
		{file, "ConfigMap/shop/config", 0, -1, 2},
		{file, "Deployment/shop/web", 1, -1, 8},
		{file, "Service/web", 2, -1, 17},
	})
	if len(u.Errors)+len(u.Skipped) != 0 {
		t.Errorf("unexpected errors or skips:%s", describeUnits([]*render.Unit{u}))
	}
	if len(u.Objects) == 3 {
		d := u.Objects[1]
		if got := lineOf(d, "spec.replicas"); got != 14 {
			t.Errorf("spec.replicas at line %d, want 14 (file line, not document line)", got)
		}
		var v struct {
			Spec struct{ Replicas int } `json:"spec"`
		}
		if err := json.Unmarshal(d.JSON, &v); err != nil || v.Spec.Replicas != 2 {
			t.Errorf("JSON = %s (%v)", d.JSON, err)
		}
		if d.APIVersion != "apps/v1" || d.Kind != "Deployment" {
			t.Errorf("identity = %s %s", d.APIVersion, d.Kind)
		}
	}
}

func TestLoadList(t *testing.T) {
	dir := writeTree(t, map[string]string{"list.yaml": `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: a
  - just a string
  - apiVersion: v1
    kind: Service
    metadata:
      name: b
      namespace: ns
  - metadata:
      name: no-kind
---
apiVersion: v1
kind: ConfigMapList
items: []
`})
	file := render.DisplayPath(filepath.Join(dir, "list.yaml"))
	u := loadOne(t, []string{dir}, render.Options{})
	wantObjects(t, u, []objectSummary{
		{file, "ConfigMap/a", 0, 0, 4},
		{file, "Service/ns/b", 0, 2, 9},
	})
	wantSkips := []render.Skip{
		{File: file, Line: 8, Reason: "document 1, List item 1 is not a mapping"},
		{File: file, Line: 14, Reason: "document 1, List item 3 has no apiVersion/kind"},
		{File: file, Line: 17, Reason: "document 2 is an empty ConfigMapList"},
	}
	if !reflect.DeepEqual(u.Skipped, wantSkips) {
		t.Errorf("skips:\n got %+v\nwant %+v", u.Skipped, wantSkips)
	}
	if len(u.Errors) != 0 {
		t.Errorf("errors: %v", u.Errors)
	}
	if len(u.Objects) == 2 {
		svc := u.Objects[1]
		if got := lineOf(svc, "metadata.namespace"); got != 13 {
			t.Errorf("item metadata.namespace at line %d, want 13", got)
		}
		// An item's JSON is the item alone, not the whole List.
		var v map[string]any
		if err := json.Unmarshal(svc.JSON, &v); err != nil || v["kind"] != "Service" || v["items"] != nil {
			t.Errorf("item JSON = %s (%v)", svc.JSON, err)
		}
	}
}

func TestLoadJSONFile(t *testing.T) {
	dir := writeTree(t, map[string]string{"cm.json": `{
  "apiVersion": "v1",
  "kind": "ConfigMap",
  "metadata": {
    "name": "from-json",
    "labels": {"app.kubernetes.io/name": "x"}
  },
  "data": {"enabled": "yes"}
}
`})
	file := render.DisplayPath(filepath.Join(dir, "cm.json"))
	u := loadOne(t, []string{dir}, render.Options{})
	wantObjects(t, u, []objectSummary{{file, "ConfigMap/from-json", 0, -1, 1}})
	if len(u.Objects) == 1 {
		o := u.Objects[0]
		if got := lineOf(o, `metadata.labels["app.kubernetes.io/name"]`); got != 6 {
			t.Errorf("label at line %d, want 6", got)
		}
		// A quoted "yes" in JSON is a string.
		if !strings.Contains(string(o.JSON), `"enabled":"yes"`) {
			t.Errorf("JSON = %s", o.JSON)
		}
	}
}

func TestLoadStdin(t *testing.T) {
	src := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: piped\n---\nfoo: bar\n"
	u := loadOne(t, []string{"-"}, render.Options{Stdin: strings.NewReader(src)})
	if render.StdinName != "<stdin>" || u.Path != render.StdinName || u.Kind != render.Plain || u.Err != nil {
		t.Errorf("unit = %q %s %v", u.Path, u.Kind, u.Err)
	}
	wantObjects(t, u, []objectSummary{{"<stdin>", "ConfigMap/piped", 0, -1, 1}})
	if want := []render.Skip{{File: "<stdin>", Line: 6, Reason: "document 2 has no apiVersion/kind, so not a Kubernetes object"}}; !reflect.DeepEqual(u.Skipped, want) {
		t.Errorf("skips = %+v", u.Skipped)
	}
	if len(u.Objects) == 1 {
		if loc, _ := u.Objects[0].Locator.Locate(manifest.ParsePath("metadata.name")); loc.File != "<stdin>" || loc.Line != 4 {
			t.Errorf("located at %+v", loc)
		}
	}
}

func TestLoadStdinMissingOrTooLarge(t *testing.T) {
	u := loadOne(t, []string{"-"}, render.Options{})
	if u.Err == nil || u.Err.File != "<stdin>" || u.Err.Message != "no standard input" {
		t.Errorf("nil Stdin: Err = %v", u.Err)
	}
	u = loadOne(t, []string{"-"}, render.Options{Stdin: strings.NewReader(strings.Repeat("a: b\n", 100)), MaxFileSize: 100})
	if u.Err == nil || u.Err.File != "<stdin>" || !strings.Contains(u.Err.Message, "100-byte limit") {
		t.Errorf("oversized stdin: Err = %v", u.Err)
	}
	if len(u.Objects) != 0 {
		t.Errorf("oversized stdin gave objects")
	}
}

func TestLoadSkippedDocumentsAreReportedInOrder(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"a-empty.yaml":    "",
		"b-blank.yaml":    "\n   \n\n",
		"c-marker.yaml":   "---\n",
		"d-null.yaml":     "null\n",
		"e-notk8s.yaml":   "foo: bar\nbaz: [1, 2]\n",
		"f-scalar.yaml":   "just text\n",
		"g-sequence.yaml": "- a\n- b\n",
		"h-mixed.yaml": "---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: real\n---\n" +
			"kind: ConfigMap\nmetadata:\n  name: no-api-version\n---\n~\n",
		"i-comment.yaml": "# nothing but a comment\n",
	})
	d := func(name string) string { return render.DisplayPath(filepath.Join(dir, name)) }
	u := loadOne(t, []string{dir}, render.Options{})
	if len(u.Errors) != 0 || u.Err != nil {
		t.Errorf("errors:%s", describeUnits([]*render.Unit{u}))
	}
	wantObjects(t, u, []objectSummary{{d("h-mixed.yaml"), "ConfigMap/real", 1, -1, 3}})
	want := []render.Skip{
		{File: d("a-empty.yaml"), Reason: "empty file"},
		{File: d("b-blank.yaml"), Reason: "empty file"},
		{File: d("c-marker.yaml"), Line: 2, Reason: "document 1 is empty (null)"},
		{File: d("d-null.yaml"), Line: 1, Reason: "document 1 is empty (null)"},
		{File: d("e-notk8s.yaml"), Line: 1, Reason: "document 1 has no apiVersion/kind, so not a Kubernetes object"},
		{File: d("f-scalar.yaml"), Line: 1, Reason: "document 1 is not a mapping, so not a Kubernetes object"},
		{File: d("g-sequence.yaml"), Line: 1, Reason: "document 1 is not a mapping, so not a Kubernetes object"},
		{File: d("h-mixed.yaml"), Line: 2, Reason: "document 1 is empty (null)"},
		{File: d("h-mixed.yaml"), Line: 8, Reason: "document 3 has no apiVersion/kind, so not a Kubernetes object"},
		{File: d("h-mixed.yaml"), Line: 12, Reason: "document 4 is empty (null)"},
	}
	if !reflect.DeepEqual(u.Skipped, want) {
		t.Errorf("skips:\n got %s\nwant %s", fmtSkips(u.Skipped), fmtSkips(want))
	}
	// The order is the same on every run.
	for i := 0; i < 5; i++ {
		again := loadOne(t, []string{dir}, render.Options{})
		if !reflect.DeepEqual(again.Skipped, u.Skipped) {
			t.Fatalf("run %d: skips in a different order:\n%s", i, fmtSkips(again.Skipped))
		}
	}
}

func fmtSkips(ss []render.Skip) string {
	var b strings.Builder
	for _, s := range ss {
		fmt.Fprintf(&b, "\n  %s:%d %s", s.File, s.Line, s.Reason)
	}
	return b.String()
}

// A syntax error in the second document names the file line, and neither
// the first document nor the other files of the directory are lost.
func TestLoadMalformedSecondDocument(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
		"broken.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: before
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: broken: here
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: after
`,
		"z.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: z\n",
	})
	d := func(name string) string { return render.DisplayPath(filepath.Join(dir, name)) }
	u := loadOne(t, []string{dir}, render.Options{})
	if len(u.Errors) != 1 {
		t.Fatalf("want 1 error:%s", describeUnits([]*render.Unit{u}))
	}
	e := u.Errors[0]
	if e.File != d("broken.yaml") || e.Line != 9 || !strings.HasPrefix(e.Message, "malformed YAML: ") {
		t.Errorf("error = %+v, want broken.yaml line 9 (the line in the file, not in the document)", e)
	}
	if got := e.Error(); got != d("broken.yaml")+":9: "+e.Message {
		t.Errorf("Error() = %q", got)
	}
	// The document after the broken one keeps its number in the file.
	wantObjects(t, u, []objectSummary{
		{d("a.yaml"), "ConfigMap/a", 0, -1, 1},
		{d("broken.yaml"), "ConfigMap/before", 0, -1, 1},
		{d("broken.yaml"), "ConfigMap/after", 2, -1, 11},
		{d("z.yaml"), "Secret/z", 0, -1, 1},
	})
}

// A semantic error (duplicate key) drops only its own document.
// A key given twice keeps its document: the last value wins, as for kubectl
// and Helm, and the object records the duplicate for the duplicate-key rule.
func TestLoadDuplicateKeyKeepsLastValue(t *testing.T) {
	dir := writeTree(t, map[string]string{"dup.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: one
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: two
  name: again
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: three
`})
	file := render.DisplayPath(filepath.Join(dir, "dup.yaml"))
	u := loadOne(t, []string{dir}, render.Options{})
	if len(u.Errors) != 0 {
		t.Errorf("errors = %v, want none", u.Errors)
	}
	wantObjects(t, u, []objectSummary{
		{file, "ConfigMap/one", 0, -1, 1},
		{file, "ConfigMap/again", 1, -1, 6},
		{file, "ConfigMap/three", 2, -1, 12},
	})
	if d := u.Objects[1].Duplicates; len(d) != 1 || d[0].String() != "metadata.name" {
		t.Errorf("duplicates = %v, want [metadata.name]", d)
	}
}

func TestLoadFileArgument(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"one.yml":   "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\n",
		"other.yml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n",
		"notes.txt": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: txt\n",
	})
	p := filepath.Join(dir, "one.yml")
	u := loadOne(t, []string{p}, render.Options{})
	if u.Path != render.DisplayPath(p) {
		t.Errorf("unit path = %s", u.Path)
	}
	wantObjects(t, u, []objectSummary{{render.DisplayPath(p), "ConfigMap/one", 0, -1, 1}})
	// A file named explicitly is read whatever its extension.
	txt := filepath.Join(dir, "notes.txt")
	wantObjects(t, loadOne(t, []string{txt}, render.Options{}), []objectSummary{{render.DisplayPath(txt), "ConfigMap/txt", 0, -1, 1}})
}
