package rules

import (
	"errors"
	"io"
	"strings"
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
	return subjectFromNode(t, file, name, root.Content[0])
}

// setFromYAML builds the unit of a multi-document YAML stream, as the plain
// loader would, every object located in the file "unit.yaml".
func setFromYAML(t *testing.T, src string) *Set {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(src))
	var subjects []*Subject
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return NewSet(subjects)
		}
		if err != nil {
			t.Fatal(err)
		}
		subjects = append(subjects, subjectFromNode(t, "unit.yaml", "", doc.Content[0]))
	}
}

func subjectFromNode(t *testing.T, file, name string, n *yaml.Node) *Subject {
	t.Helper()
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
