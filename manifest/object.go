package manifest

import (
	"go.yaml.in/yaml/v3"
)

// Source says where an object was read from.
type Source struct {
	File string // as the user would type it, relative to the working directory
	Doc  int    // 0-based index of the YAML document in File
	Item int    // index in a List's items, or -1
	Line int    // line where the object starts in File
}

// Object is one Kubernetes object with its source positions.
type Object struct {
	APIVersion string
	Kind       string
	Namespace  string
	Name       string
	Source     Source
	// Node is the object's mapping node (aliases unresolved, positions intact).
	Node *yaml.Node
	// JSON is the object as kubectl would read it (see ToJSON); typed views
	// are decoded from it.
	JSON []byte
	// Duplicates are keys given twice in one mapping (the last value wins).
	Duplicates []Path
	// Locator turns field paths of this object into file locations.
	Locator Locator
}

// Ref names an object the way messages and reports show it.
type Ref struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
}

// Ref returns the object's identity.
func (o *Object) Ref() Ref {
	return Ref{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}
}

// String renders Kind/namespace/name (Kind/name when there is no namespace).
func (r Ref) String() string {
	if r.Namespace == "" {
		return r.Kind + "/" + r.Name
	}
	return r.Kind + "/" + r.Namespace + "/" + r.Name
}

// Lookup returns the node at p (following aliases and merge keys), or nil.
func (o *Object) Lookup(p Path) *yaml.Node {
	n, _, depth := walk(o.Node, p)
	if depth != len(p) {
		return nil
	}
	return n
}
