package manifest

import "go.yaml.in/yaml/v3"

// Chain walks p from root and returns the node that stands for each resolved
// step: root first, then the key node (mapping entries) or item node
// (sequence items) of every segment that exists. len(Chain) - 1 is the
// number of segments resolved.
func Chain(root *yaml.Node, p Path) []*yaml.Node {
	out := []*yaml.Node{root}
	node := deref(root)
	for _, seg := range p {
		if node == nil {
			break
		}
		var key, val *yaml.Node
		if seg.IsIndex {
			if node.Kind != yaml.SequenceNode || seg.Index < 0 || seg.Index >= len(node.Content) {
				break
			}
			key, val = node.Content[seg.Index], node.Content[seg.Index]
		} else {
			if node.Kind != yaml.MappingNode {
				break
			}
			key, val = mappingGet(node, seg.Key, 0)
			if key == nil {
				break
			}
		}
		out = append(out, key)
		node = deref(val)
	}
	return out
}
