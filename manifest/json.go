package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxExpandedNodes caps how many nodes one conversion may emit, so alias
// bombs ("billion laughs") fail fast instead of eating memory.
const MaxExpandedNodes = 2_000_000

// maxDepth caps nesting while converting; yaml.v3 already refuses deeper input.
const maxDepth = 10_000

// ErrorAt is a problem at a line of a file's YAML.
type ErrorAt struct {
	Line    int
	Message string
}

func (e *ErrorAt) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Message) }

// ToJSON converts a YAML node to JSON the way kubectl reads manifests:
// YAML 1.1 booleans (yes/no/on/off) become booleans, octal and hex integers
// become numbers, timestamps stay strings, merge keys are expanded.
// Duplicate mapping keys, excessive aliasing and non-string keys are errors.
func ToJSON(n *yaml.Node) ([]byte, error) {
	data, _, err := ToJSONWithDuplicates(n)
	return data, err
}

// ToJSONWithDuplicates is ToJSON that also returns the path of every key
// given twice in one mapping. Like kubectl and Helm without strict field
// validation, the last value of a duplicated key wins.
func ToJSONWithDuplicates(n *yaml.Node) ([]byte, []Path, error) {
	c := converter{budget: MaxExpandedNodes}
	if err := c.emit(n, 0); err != nil {
		return nil, nil, err
	}
	return c.buf.Bytes(), c.dups, nil
}

type converter struct {
	buf    bytes.Buffer
	budget int
	path   Path   // where emit is, for reporting duplicates
	dups   []Path // duplicated keys
}

func (c *converter) emit(n *yaml.Node, depth int) error {
	c.budget--
	if c.budget < 0 {
		return &ErrorAt{Line: n.Line, Message: "excessive aliasing (alias expansion exceeds the limit)"}
	}
	if depth > maxDepth {
		return &ErrorAt{Line: n.Line, Message: "nesting too deep"}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			c.buf.WriteString("null")
			return nil
		}
		return c.emit(n.Content[0], depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			return &ErrorAt{Line: n.Line, Message: "unknown alias"}
		}
		return c.emit(n.Alias, depth+1)
	case yaml.SequenceNode:
		c.buf.WriteByte('[')
		for i, item := range n.Content {
			if i > 0 {
				c.buf.WriteByte(',')
			}
			c.path = append(c.path, Segment{Index: i, IsIndex: true})
			err := c.emit(item, depth+1)
			c.path = c.path[:len(c.path)-1]
			if err != nil {
				return err
			}
		}
		c.buf.WriteByte(']')
		return nil
	case yaml.MappingNode:
		return c.mapping(n, depth)
	case yaml.ScalarNode:
		c.scalar(n)
		return nil
	}
	c.buf.WriteString("null")
	return nil
}

type pair struct{ k, v *yaml.Node }

func (c *converter) mapping(n *yaml.Node, depth int) error {
	pairs, err := c.collect(n, 0, nil)
	if err != nil {
		return err
	}
	c.buf.WriteByte('{')
	for i, p := range pairs {
		if i > 0 {
			c.buf.WriteByte(',')
		}
		writeString(&c.buf, p.k.Value)
		c.buf.WriteByte(':')
		c.path = append(c.path, Segment{Key: p.k.Value})
		err := c.emit(p.v, depth+1)
		c.path = c.path[:len(c.path)-1]
		if err != nil {
			return err
		}
	}
	c.buf.WriteByte('}')
	return nil
}

// collect lists a mapping's entries, merged entries first and overridden by
// explicit keys; an explicit key given twice is an error, as for kubectl.
func (c *converter) collect(n *yaml.Node, hops int, into []pair) ([]pair, error) {
	if hops > maxHops {
		return nil, &ErrorAt{Line: n.Line, Message: "merge keys nested too deep"}
	}
	explicit := make([]pair, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			for _, src := range mergeSources(v) {
				c.budget -= len(src.Content)
				if c.budget < 0 {
					return nil, &ErrorAt{Line: k.Line, Message: "excessive aliasing (alias expansion exceeds the limit)"}
				}
				// Each source is resolved on its own (its explicit keys over
				// its own merges) before joining: passing into down would let
				// a later source's keys evict an earlier source's.
				sub, err := c.collect(src, hops+1, nil)
				if err != nil {
					return nil, err
				}
				into = append(into, sub...)
			}
			continue
		}
		if k.Kind == yaml.AliasNode {
			k = deref(k)
		}
		if k == nil || k.Kind != yaml.ScalarNode {
			return nil, &ErrorAt{Line: n.Content[i].Line, Message: "mapping key is not a scalar"}
		}
		explicit = append(explicit, pair{k, v})
	}
	explicit = c.lastWins(explicit)
	// Explicit keys override merged ones; a later merge source does not
	// override an earlier one.
	if len(into) > 0 {
		out := make([]pair, 0, len(into))
		if len(into)+len(explicit) > 32 {
			// Pairwise checks are quadratic: a wide anchored mapping
			// merged once would stall the run.
			taken := make(map[string]bool, len(into)+len(explicit))
			for _, p := range explicit {
				taken[p.k.Value] = true
			}
			for _, p := range into {
				if !taken[p.k.Value] {
					taken[p.k.Value] = true
					out = append(out, p)
				}
			}
		} else {
			for _, p := range into {
				if indexOf(explicit, p.k.Value) < 0 && indexOf(out, p.k.Value) < 0 {
					out = append(out, p)
				}
			}
		}
		into = out
	}
	return append(into, explicit...), nil
}

// lastWins drops the earlier entries of keys given twice in one mapping
// and records them. Mappings in manifests are small, so pairwise comparison
// beats a map there.
func (c *converter) lastWins(ps []pair) []pair {
	dup := func(i int) bool { return indexOf(ps[i+1:], ps[i].k.Value) >= 0 }
	if len(ps) > 32 {
		last := make(map[string]int, len(ps))
		for i, p := range ps {
			last[p.k.Value] = i
		}
		dup = func(i int) bool { return last[ps[i].k.Value] != i }
	}
	var out []pair
	for i := range ps {
		if !dup(i) {
			if out != nil {
				out = append(out, ps[i])
			}
			continue
		}
		if out == nil {
			out = append(make([]pair, 0, len(ps)), ps[:i]...)
		}
		c.dups = append(c.dups, append(append(Path{}, c.path...), Segment{Key: ps[i].k.Value}))
	}
	if out == nil {
		return ps
	}
	return out
}

func indexOf(ps []pair, key string) int {
	for i, p := range ps {
		if p.k.Value == key {
			return i
		}
	}
	return -1
}

// yaml11Bools are the plain scalars YAML 1.1 (and so kubectl) reads as booleans.
var yaml11Bools = map[string]bool{
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "on": true, "On": true, "ON": true,
	"n": false, "N": false, "no": false, "No": false, "NO": false, "off": false, "Off": false, "OFF": false,
}

func (c *converter) scalar(n *yaml.Node) {
	kind, v := Scalar(n)
	switch kind {
	case JSONString:
		writeString(&c.buf, v)
	default:
		c.buf.WriteString(v)
	}
}

// JSONKind is the JSON type a YAML scalar becomes.
type JSONKind int

const (
	JSONNull JSONKind = iota
	JSONBool
	JSONNumber
	JSONString
)

// Scalar says what JSON value a scalar node becomes (see ToJSON): its kind
// and, for null, booleans and numbers, the JSON literal; for strings the
// string itself.
func Scalar(n *yaml.Node) (JSONKind, string) {
	switch n.ShortTag() {
	case "!!null":
		return JSONNull, "null"
	case "!!bool":
		if b, ok := parseBool(n.Value); ok {
			return JSONBool, strconv.FormatBool(b)
		}
		return JSONString, n.Value
	case "!!int":
		lit := intLiteral(n.Value)
		if lit != "" && lit[0] == '"' {
			return JSONString, n.Value
		}
		return JSONNumber, lit
	case "!!float":
		f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return JSONString, n.Value
		}
		return JSONNumber, strconv.FormatFloat(f, 'g', -1, 64)
	case "!!str":
		if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
			if b, ok := yaml11Bools[n.Value]; ok {
				return JSONBool, strconv.FormatBool(b)
			}
		}
	}
	return JSONString, n.Value
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// intLiteral renders a YAML integer as a JSON number; values that do not fit
// an int64 stay as decimal digits (JSON numbers have no size limit) and
// anything unparsable becomes a string.
func intLiteral(v string) string {
	s := strings.ReplaceAll(v, "_", "")
	if i, err := strconv.ParseInt(s, 0, 64); err == nil {
		return strconv.FormatInt(i, 10)
	}
	if u, err := strconv.ParseUint(strings.TrimPrefix(s, "+"), 0, 64); err == nil {
		return strconv.FormatUint(u, 10)
	}
	digits := strings.TrimLeft(s, "+-")
	if digits != "" && strings.Trim(digits, "0123456789") == "" && digits[0] != '0' {
		if strings.HasPrefix(s, "-") {
			return "-" + digits
		}
		return digits
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func writeString(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			enc, _ := json.Marshal(s)
			b.Write(enc)
			return
		}
	}
	b.WriteByte('"')
	b.WriteString(s)
	b.WriteByte('"')
}
