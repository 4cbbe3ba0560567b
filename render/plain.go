package render

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"go.yaml.in/yaml/v3"

	"github.com/kready/kready/manifest"
)

// decodeStream reads every YAML (or JSON) document of one file into objects.
// The file is split at document markers and the pieces are decoded in
// parallel; lines stay counted in the file. A syntax error ends only its
// piece (the decoder cannot resume); a semantic error (duplicate key, alias
// bomb) drops only its document.
func decodeStream(file string, data []byte) (objs []*manifest.Object, errs []*Error, skips []Skip) {
	chunks := splitDocuments(data)
	type decoded struct {
		roots []*yaml.Node
		err   *Error
	}
	parts := make([]decoded, len(chunks))
	parallel(len(chunks), func(i int) {
		parts[i].roots, parts[i].err = decodeChunk(file, chunks[i])
	})
	var roots []*yaml.Node
	for _, p := range parts {
		roots = append(roots, p.roots...)
		if p.err != nil {
			errs = append(errs, p.err)
			// The broken document keeps its number (nil root), so the
			// documents after it keep theirs.
			roots = append(roots, nil)
		}
	}
	type docResult struct {
		objs  []*manifest.Object
		errs  []*Error
		skips []Skip
	}
	results := make([]docResult, len(roots))
	parallel(len(roots), func(i int) {
		if roots[i] == nil {
			return
		}
		r := &results[i]
		r.objs, r.errs, r.skips = documentObjects(file, i, roots[i])
	})
	for _, r := range results {
		objs = append(objs, r.objs...)
		errs = append(errs, r.errs...)
		skips = append(skips, r.skips...)
	}
	return objs, errs, skips
}

// chunk is a run of documents and the number of lines before it in the file.
type chunk struct {
	data       []byte
	lineOffset int
}

// splitDocuments cuts data before every "---" line at column 0. Such a line
// always starts a new document (YAML forbids it inside any scalar) and
// anchors never cross documents, so pieces decode independently. Files with
// directives (%YAML, %TAG) are left whole: a directive belongs to the
// document that follows it.
func splitDocuments(data []byte) []chunk {
	var out []chunk
	start, startLine, line := 0, 0, 0
	for i := 0; i < len(data); {
		end := bytes.IndexByte(data[i:], '\n')
		next := len(data)
		if end >= 0 {
			next = i + end + 1
		}
		l := data[i:next]
		if len(l) > 0 && l[0] == '%' {
			return []chunk{{data: data}}
		}
		if i > start && isDocumentStart(l) {
			out = append(out, chunk{data: data[start:i], lineOffset: startLine})
			start, startLine = i, line
		}
		line++
		i = next
	}
	return append(out, chunk{data: data[start:], lineOffset: startLine})
}

func isDocumentStart(l []byte) bool {
	if !bytes.HasPrefix(l, []byte("---")) {
		return false
	}
	return len(l) == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\n' || l[3] == '\r'
}

// decodeChunk decodes the documents of one piece and shifts their lines to
// file lines.
func decodeChunk(file string, c chunk) ([]*yaml.Node, *Error) {
	if !hasDocumentEnd(c.data) {
		if root, ok := fastParse(c.data); ok {
			if c.lineOffset > 0 {
				shiftLines(root, c.lineOffset, 0)
			}
			return []*yaml.Node{root}, nil
		}
		// One document at most: Unmarshal parses from memory, faster than
		// a Decoder over a reader.
		root := new(yaml.Node)
		if err := yaml.Unmarshal(c.data, root); err != nil {
			e := yamlError(file, err)
			if e.Line > 0 {
				e.Line += c.lineOffset
			}
			return nil, e
		}
		if root.Kind == 0 {
			return nil, nil // comments or blank lines only
		}
		if c.lineOffset > 0 {
			shiftLines(root, c.lineOffset, 0)
		}
		return []*yaml.Node{root}, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(c.data))
	var roots []*yaml.Node
	for {
		root := new(yaml.Node)
		err := dec.Decode(root)
		if err == io.EOF {
			return roots, nil
		}
		if err != nil {
			e := yamlError(file, err)
			if e.Line > 0 {
				e.Line += c.lineOffset
			}
			return roots, e
		}
		if c.lineOffset > 0 {
			shiftLines(root, c.lineOffset, 0)
		}
		roots = append(roots, root)
	}
}

// hasDocumentEnd reports whether a piece holds a "..." document end marker,
// after which a further document may follow without "---".
func hasDocumentEnd(data []byte) bool {
	for i := 0; i < len(data); {
		if bytes.HasPrefix(data[i:], []byte("...")) && (i+3 == len(data) || data[i+3] == '\n' || data[i+3] == '\r' || data[i+3] == ' ' || data[i+3] == '\t') {
			return true
		}
		nl := bytes.IndexByte(data[i:], '\n')
		if nl < 0 {
			return false
		}
		i += nl + 1
	}
	return false
}

// shiftLines adds off to the line of every node of a tree (aliases are not
// followed: their targets are shifted where they are defined).
func shiftLines(n *yaml.Node, off, depth int) {
	n.Line += off
	if depth > 20_000 {
		return
	}
	for _, c := range n.Content {
		shiftLines(c, off, depth+1)
	}
}

// parallel runs f(0..n-1) on up to GOMAXPROCS goroutines.
func parallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
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
	docJSON, dups, err := manifest.ToJSONWithDuplicates(n)
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
				o.JSON, o.Duplicates, _ = manifest.ToJSONWithDuplicates(item) // the document converted, so its items do
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
	o.JSON, o.Duplicates = docJSON, dups
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
