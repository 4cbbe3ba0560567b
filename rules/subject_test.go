package rules

import (
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/kready/kready/manifest"
)

// subjectFromYAML builds a Subject from one YAML document as the loader
// would: the mapping node, its kubectl-normalised JSON and a locator naming
// file. name is used when the document has no metadata.name.
func subjectFromYAML(t *testing.T, file, name, doc string) *Subject {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &root); err != nil {
		t.Fatal(err)
	}
	if len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		t.Fatalf("want one mapping, got %v", root.Content)
	}
	n := root.Content[0]
	js, dups, err := manifest.ToJSONWithDuplicates(n)
	if err != nil {
		t.Fatal(err)
	}
	o := &manifest.Object{
		APIVersion: manifest.ScalarString(manifest.MappingGet(n, "apiVersion")),
		Kind:       manifest.ScalarString(manifest.MappingGet(n, "kind")),
		Name:       name,
		Node:       n,
		JSON:       js,
		Duplicates: dups,
		Locator:    manifest.NodeLocator{File: file, Root: n},
	}
	if md := manifest.MappingGet(n, "metadata"); md != nil {
		if v := manifest.ScalarString(manifest.MappingGet(md, "name")); v != "" {
			o.Name = v
		}
		o.Namespace = manifest.ScalarString(manifest.MappingGet(md, "namespace"))
	}
	return NewSubject(o)
}
