package manifest

import (
	"errors"
	"io"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// docs decodes every document of src the way the plain loader does and
// returns each document's top-level node.
func docs(t *testing.T, src string) []*yaml.Node {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(src))
	var out []*yaml.Node
	for {
		var root yaml.Node
		err := dec.Decode(&root)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		out = append(out, root.Content[0])
	}
}

func locator(t *testing.T, src string) NodeLocator {
	t.Helper()
	return NodeLocator{File: "f.yaml", Root: docs(t, src)[0]}
}

type locCase struct {
	path       string
	line, col  int
	whyComment string
}

func checkLocate(t *testing.T, l NodeLocator, cases []locCase) {
	t.Helper()
	for _, c := range cases {
		loc, related := l.Locate(ParsePath(c.path))
		if loc.File != l.File || loc.Line != c.line || loc.Column != c.col {
			t.Errorf("Locate(%s) = %s:%d:%d, want %s:%d:%d (%s)", c.path, loc.File, loc.Line, loc.Column, l.File, c.line, c.col, c.whyComment)
		}
		if related != nil {
			t.Errorf("Locate(%s): plain YAML has no related locations, got %v", c.path, related)
		}
	}
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app.kubernetes.io/name: web
spec:
  template:
    spec:
      containers:
        - name: app
          image: ghcr.io/acme/web:1.4.2
          resources:
            limits:
              memory: 1Gi
        - name: sidecar
          image: ghcr.io/acme/proxy:2.0.0
`

func TestLocateExisting(t *testing.T) {
	checkLocate(t, locator(t, deployment), []locCase{
		{"apiVersion", 1, 1, "top-level key"},
		{"metadata.name", 4, 3, "nested key"},
		{`metadata.labels["app.kubernetes.io/name"]`, 6, 5, "key with dots"},
		{"spec.template.spec.containers", 10, 7, "sequence key"},
		{"spec.template.spec.containers[0]", 11, 11, "first item: its first key"},
		{"spec.template.spec.containers[1]", 16, 11, "second item"},
		{"spec.template.spec.containers[1].image", 17, 11, "key in second item"},
		{"spec.template.spec.containers[0].resources.limits.memory", 15, 15, "deep key"},
		{"", 1, 1, "empty path: the object itself"},
	})
}

func TestLocateMissingGivesDeepestAncestor(t *testing.T) {
	checkLocate(t, locator(t, deployment), []locCase{
		{"spec.template.spec.containers[0].resources.requests.cpu", 13, 11, "missing key under a mapping: the parent key"},
		{"spec.template.spec.containers[0].resources.limits.cpu", 14, 13, "missing sibling: the parent key"},
		{"spec.template.spec.containers[1].securityContext.runAsNonRoot", 16, 11, "missing block in a container: its - name: line"},
		{"spec.template.spec.containers[5].image", 10, 7, "index out of range: the sequence key"},
		{"spec.template.spec.containers[-1]", 10, 7, "negative index: the sequence key"},
		{"spec.template.spec.securityContext.runAsNonRoot", 9, 5, "missing pod field: spec key"},
		{"metadata.name.first", 4, 3, "path through a scalar stops at the scalar's key"},
		{"metadata[0]", 3, 1, "index into a mapping stops at the mapping"},
		{"spec.template.spec.containers.name", 10, 7, "key into a sequence stops at the sequence"},
		{"status.replicas", 1, 1, "nothing exists: the object's first line"},
	})
}

func TestLocateFlowStyle(t *testing.T) {
	src := `kind: Pod
spec:
  containers:
    - {name: app, image: x, resources: {limits: {cpu: 1}}}
    - name: b
      ports: [{containerPort: 80}, {containerPort: 443, name: https}]
`
	checkLocate(t, locator(t, src), []locCase{
		{"spec.containers[0]", 4, 7, "flow mapping item starts at its brace"},
		{"spec.containers[0].image", 4, 19, "flow key"},
		{"spec.containers[0].resources.limits.cpu", 4, 50, "nested flow key"},
		{"spec.containers[0].resources.limits.memory", 4, 41, "missing in flow: the parent flow key"},
		{"spec.containers[1].ports[1].name", 6, 57, "flow sequence of flow mappings"},
		{"spec.containers[1].ports[1]", 6, 36, "flow sequence item"},
	})
}

func TestLocateAnchorsAliasesAndMergeKeys(t *testing.T) {
	src := `kind: Deployment
defaults: &defaults
  imagePullPolicy: IfNotPresent
  resources: &res
    limits:
      cpu: 500m
spec:
  containers:
    - name: merged
      <<: *defaults
      image: a
    - name: override
      <<: *defaults
      resources:
        requests:
          cpu: 100m
    - name: aliased
      resources: *res
    - name: list-merge
      <<: [{imagePullPolicy: Always}, *defaults]
`
	checkLocate(t, locator(t, src), []locCase{
		{"spec.containers[0].imagePullPolicy", 3, 3, "merged key: its line in the anchor"},
		{"spec.containers[0].resources.limits.cpu", 6, 7, "nested merged key: in the anchor"},
		{"spec.containers[0].image", 11, 7, "explicit key next to a merge"},
		{"spec.containers[0].securityContext", 9, 7, "missing key in a merging mapping: the item"},
		{"spec.containers[1].resources", 14, 7, "explicit key overrides the merged one"},
		{"spec.containers[1].resources.limits.cpu", 14, 7, "override replaces the whole value, so limits is missing"},
		{"spec.containers[2].resources", 18, 7, "key whose value is an alias: the key"},
		{"spec.containers[2].resources.limits.cpu", 6, 7, "path through an alias: the anchored node"},
		{"spec.containers[3].imagePullPolicy", 20, 13, "earlier merge source wins"},
		{"spec.containers[3].resources.limits", 5, 5, "later merge source still contributes"},
	})
}

func TestLocateCRLFCommentsAndBlankLines(t *testing.T) {
	src := "# leading comment\r\n" +
		"\r\n" +
		"apiVersion: v1 # trailing\r\n" +
		"kind: Pod\r\n" +
		"\r\n" +
		"# between\r\n" +
		"metadata:\r\n" +
		"\r\n" +
		"  name: p\r\n" +
		"spec:\r\n" +
		"  containers:\r\n" +
		"    # before item\r\n" +
		"    - name: app\r\n" +
		"\r\n" +
		"      image: x\r\n"
	checkLocate(t, locator(t, src), []locCase{
		{"apiVersion", 3, 1, "after comment and blank line"},
		{"metadata.name", 9, 3, "after a blank line inside a mapping"},
		{"spec.containers[0]", 13, 7, "item after a comment"},
		{"spec.containers[0].image", 15, 7, "CRLF counts as one line break"},
		{"spec.containers[0].resources", 13, 7, "missing: the item"},
	})
}

func TestLocateMultiDocumentLinesAreFileAbsolute(t *testing.T) {
	src := `apiVersion: v1
kind: ConfigMap
metadata:
  name: first
---
# second
apiVersion: v1
kind: ConfigMap
metadata:
  name: second
---

apiVersion: apps/v1
kind: Deployment
metadata:
  name: third
spec:
  template:
    spec:
      containers:
        - name: app
`
	ds := docs(t, src)
	if len(ds) != 3 {
		t.Fatalf("got %d documents, want 3", len(ds))
	}
	checkLocate(t, NodeLocator{File: "multi.yaml", Root: ds[2]}, []locCase{
		{"", 13, 1, "third document starts on line 13"},
		{"metadata.name", 16, 3, "name of the third object"},
		{"spec.template.spec.containers[0]", 21, 11, "container of the third object"},
		{"spec.template.spec.containers[0].resources.limits.memory", 21, 11, "missing: container line in the file"},
	})
	checkLocate(t, NodeLocator{File: "multi.yaml", Root: ds[1]}, []locCase{
		{"metadata.name", 10, 3, "second document"},
	})
}

func TestLocateAcceptsDocumentNodeRoot(t *testing.T) {
	var root yaml.Node
	if err := yaml.Unmarshal([]byte("a:\n  b: 1\n"), &root); err != nil {
		t.Fatal(err)
	}
	checkLocate(t, NodeLocator{File: "d.yaml", Root: &root}, []locCase{
		{"a.b", 2, 3, "document node is unwrapped"},
		{"a.c", 1, 1, "missing"},
	})
}

func TestObjectLookup(t *testing.T) {
	o := &Object{Node: docs(t, deployment)[0]}
	if n := o.Lookup(ParsePath("spec.template.spec.containers[1].image")); ScalarString(n) != "ghcr.io/acme/proxy:2.0.0" {
		t.Errorf("Lookup image = %v", n)
	}
	for _, missing := range []string{
		"spec.template.spec.containers[0].resources.requests",
		"spec.template.spec.containers[2]",
		"metadata.name.x",
	} {
		if n := o.Lookup(ParsePath(missing)); n != nil {
			t.Errorf("Lookup(%s) = %v, want nil", missing, n)
		}
	}
	if n := MappingGet(o.Node, "kind"); ScalarString(n) != "Deployment" {
		t.Errorf("MappingGet kind = %v", n)
	}
	if n := MappingGet(MappingGet(o.Node, "kind"), "x"); n != nil {
		t.Errorf("MappingGet on a scalar = %v, want nil", n)
	}
	null := docs(t, "a: null\nb: ~\n")[0]
	if s := ScalarString(MappingGet(null, "a")) + ScalarString(MappingGet(null, "b")); s != "" {
		t.Errorf("ScalarString of nulls = %q, want empty", s)
	}
}
