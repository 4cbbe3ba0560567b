package manifest

import (
	"go.yaml.in/yaml/v3"
)

// maxHops bounds alias and merge-key indirections followed for one step, so a
// hostile document cannot make a lookup loop or explode.
const maxHops = 64

// NodeLocator locates paths in a YAML node tree read from File: the plain
// manifest case, and the building block of rendered-source locators.
type NodeLocator struct {
	File string
	Root *yaml.Node
}

// Locate returns the line of the deepest existing node on p: a mapping key's
// own line for keys, the item's first line for sequence items.
func (l NodeLocator) Locate(p Path) (Location, []Location) {
	_, at, _ := walk(l.Root, p)
	return Location{File: l.File, Line: at.Line, Column: at.Column}, nil
}

// walk follows p from root. It returns the node reached, the node whose
// position stands for it (the key node for mapping entries) and how many
// segments were resolved.
func walk(root *yaml.Node, p Path) (node, at *yaml.Node, depth int) {
	node = deref(root)
	at = root
	if node == nil {
		return nil, root, 0
	}
	for i, seg := range p {
		var key, val *yaml.Node
		if seg.IsIndex {
			if node.Kind != yaml.SequenceNode || seg.Index < 0 || seg.Index >= len(node.Content) {
				return node, at, i
			}
			key, val = node.Content[seg.Index], node.Content[seg.Index]
		} else {
			if node.Kind != yaml.MappingNode {
				return node, at, i
			}
			key, val = mappingGet(node, seg.Key, 0)
			if key == nil {
				return node, at, i
			}
		}
		at = key
		node = deref(val)
		if node == nil {
			return nil, at, i + 1
		}
	}
	return node, at, len(p)
}

// Resolve follows alias nodes and unwraps document nodes, with the same hop
// limit as every lookup here.
func Resolve(n *yaml.Node) *yaml.Node { return deref(n) }

// deref resolves alias nodes and unwraps document nodes.
func deref(n *yaml.Node) *yaml.Node {
	for hops := 0; n != nil && hops < maxHops; hops++ {
		switch n.Kind {
		case yaml.AliasNode:
			n = n.Alias
		case yaml.DocumentNode:
			if len(n.Content) == 0 {
				return nil
			}
			n = n.Content[0]
		default:
			return n
		}
	}
	return n
}

// mappingGet finds key in a mapping node, honouring merge keys (<<). Explicit
// keys win over merged ones, as in YAML.
func mappingGet(m *yaml.Node, key string, hops int) (k, v *yaml.Node) {
	// A key given twice: the last one wins, as in ToJSON.
	for i := len(m.Content) - 2; i >= 0; i -= 2 {
		if kn := m.Content[i]; kn.Kind == yaml.ScalarNode && kn.Value == key && kn.Tag != "!!merge" {
			return kn, m.Content[i+1]
		}
	}
	if hops >= maxHops {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if kn := m.Content[i]; kn.Tag != "!!merge" {
			continue
		}
		for _, src := range mergeSources(m.Content[i+1]) {
			if k, v := mappingGet(src, key, hops+1); k != nil {
				return k, v
			}
		}
	}
	return nil, nil
}

// mergeSources lists the mappings a merge key value refers to.
func mergeSources(v *yaml.Node) []*yaml.Node {
	v = deref(v)
	if v == nil {
		return nil
	}
	switch v.Kind {
	case yaml.MappingNode:
		return []*yaml.Node{v}
	case yaml.SequenceNode:
		var out []*yaml.Node
		for _, c := range v.Content {
			if c = deref(c); c != nil && c.Kind == yaml.MappingNode {
				out = append(out, c)
			}
		}
		return out
	}
	return nil
}

// MappingGet returns the value of key in a mapping node (merge keys honoured),
// or nil.
func MappingGet(m *yaml.Node, key string) *yaml.Node {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	_, v := mappingGet(m, key, 0)
	return deref(v)
}

// ScalarString returns a scalar node's value, or "".
func ScalarString(n *yaml.Node) string {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		return ""
	}
	return n.Value
}
