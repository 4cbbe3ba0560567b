package render

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kready/kready/manifest"
)

// decodeStream reads every YAML (or JSON) document of one file into objects.
// A syntax error ends the file (the decoder cannot resume); a semantic error
// (duplicate key, alias bomb) drops only its document.
func decodeStream(file string, r io.Reader) (objs []*manifest.Object, errs []*Error, skips []Skip) {
	dec := yaml.NewDecoder(r)
	for doc := 0; ; doc++ {
		var root yaml.Node
		err := dec.Decode(&root)
		if err == io.EOF {
			return
		}
		if err != nil {
			errs = append(errs, yamlError(file, err))
			return
		}
		o, e, s := documentObjects(file, doc, &root)
		objs = append(objs, o...)
		errs = append(errs, e...)
		skips = append(skips, s...)
	}
}

func documentObjects(file string, doc int, root *yaml.Node) (objs []*manifest.Object, errs []*Error, skips []Skip) {
	line := root.Line
	if len(root.Content) == 0 {
		return nil, nil, []Skip{{File: file, Line: line, Reason: fmt.Sprintf("document %d is empty", doc+1)}}
	}
	n := root.Content[0]
	line = n.Line
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil, nil, []Skip{{File: file, Line: line, Reason: fmt.Sprintf("document %d is empty (null)", doc+1)}}
	}
	if n.Kind == yaml.AliasNode || n.Kind != yaml.MappingNode {
		return nil, nil, []Skip{{File: file, Line: line, Reason: fmt.Sprintf("document %d is not a mapping, so not a Kubernetes object", doc+1)}}
	}
	// One conversion of the whole document catches duplicate keys and alias
	// bombs for every object it holds.
	docJSON, err := manifest.ToJSON(n)
	if err != nil {
		return nil, []*Error{convertError(file, n.Line, err)}, nil
	}
	apiVersion := manifest.ScalarString(manifest.MappingGet(n, "apiVersion"))
	kind := manifest.ScalarString(manifest.MappingGet(n, "kind"))
	if apiVersion == "" || kind == "" {
		return nil, nil, []Skip{{File: file, Line: line, Reason: fmt.Sprintf("document %d has no apiVersion/kind, so not a Kubernetes object", doc+1)}}
	}
	if items := manifest.MappingGet(n, "items"); strings.HasSuffix(kind, "List") && items != nil && items.Kind == yaml.SequenceNode {
		for i, item := range items.Content {
			if item.Kind != yaml.MappingNode {
				skips = append(skips, Skip{File: file, Line: item.Line, Reason: fmt.Sprintf("document %d, %s item %d is not a mapping", doc+1, kind, i)})
				continue
			}
			o := newObject(file, doc, i, item)
			if o != nil {
				o.JSON, _ = manifest.ToJSON(item) // the document converted, so its items do
			}
			if o == nil {
				skips = append(skips, Skip{File: file, Line: item.Line, Reason: fmt.Sprintf("document %d, %s item %d has no apiVersion/kind", doc+1, kind, i)})
				continue
			}
			objs = append(objs, o)
		}
		if len(items.Content) == 0 {
			skips = append(skips, Skip{File: file, Line: line, Reason: fmt.Sprintf("document %d is an empty %s", doc+1, kind)})
		}
		return objs, nil, skips
	}
	o := newObject(file, doc, -1, n)
	o.JSON = docJSON
	return []*manifest.Object{o}, nil, nil
}

// newObject builds an object from a mapping node, or nil when the node is not
// a Kubernetes object.
func newObject(file string, doc, item int, n *yaml.Node) *manifest.Object {
	o := &manifest.Object{
		APIVersion: manifest.ScalarString(manifest.MappingGet(n, "apiVersion")),
		Kind:       manifest.ScalarString(manifest.MappingGet(n, "kind")),
		Source:     manifest.Source{File: file, Doc: doc, Item: item, Line: n.Line},
		Node:       n,
		Locator:    manifest.NodeLocator{File: file, Root: n},
	}
	if o.APIVersion == "" || o.Kind == "" {
		return nil
	}
	if md := manifest.MappingGet(n, "metadata"); md != nil {
		o.Name = manifest.ScalarString(manifest.MappingGet(md, "name"))
		o.Namespace = manifest.ScalarString(manifest.MappingGet(md, "namespace"))
	}
	return o
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a yaml.v3 error into an Error naming the file and line.
func yamlError(file string, err error) *Error {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msg = strings.Join(te.Errors, "; ")
	}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: n, Message: "malformed YAML: " + m[2]}
	}
	return &Error{File: file, Message: "malformed YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

func convertError(file string, line int, err error) *Error {
	var at *manifest.ErrorAt
	if errors.As(err, &at) {
		return &Error{File: file, Line: at.Line, Message: at.Message}
	}
	return &Error{File: file, Line: line, Message: err.Error()}
}
