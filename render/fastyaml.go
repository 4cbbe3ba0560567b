package render

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// fastParse parses one document written in the block-style subset of YAML
// that nearly all manifests use (block mappings and sequences, plain and
// simple quoted scalars, comments, empty {} and []) into the node tree
// yaml.v3 would build, at several times its speed. Anything outside the
// subset (anchors, tags, block scalars, flow collections with content,
// multi-line scalars, escapes, tabs, directives…) returns ok=false, and the
// caller parses with yaml.v3: the fast path never decides what YAML means.
func fastParse(data []byte) (*yaml.Node, bool) {
	if !plainText(data) {
		return nil, false
	}
	p := fastParser{data: data}
	p.lines = make([]fastLine, 0, bytes.Count(data, []byte{'\n'})+1)
	p.splitLines()
	p.slab = make([]yaml.Node, 0, 2*len(p.lines)+2) // a key and a value per line, roughly
	if p.bail {
		return nil, false
	}
	i := p.next(0)
	if i >= len(p.lines) {
		return nil, false // empty or comments only: let yaml.v3 say what that is
	}
	if p.lines[i].indent != 0 {
		return nil, false
	}
	body, end := p.block(i, 0)
	if p.bail || body == nil || p.next(end) < len(p.lines) {
		return nil, false
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode, Line: body.Line, Column: body.Column, Content: []*yaml.Node{body}}
	if p.marker > 0 {
		doc.Line, doc.Column = p.marker, 1 // an explicit "---" starts the document
	}
	return doc, true
}

type fastLine struct {
	num    int    // 1-based line number
	indent int    // leading spaces
	text   string // content after indentation, comment stripped, right-trimmed
}

// nodeArena hands out nodes from large blocks: one allocation for many
// small nodes, which all live as long as their document anyway.
type nodeArena struct{ slab []yaml.Node }

func (a *nodeArena) new(n yaml.Node) *yaml.Node {
	if len(a.slab) == cap(a.slab) {
		a.slab = make([]yaml.Node, 0, 64)
	}
	a.slab = append(a.slab, n)
	return &a.slab[len(a.slab)-1]
}

type fastParser struct {
	nodeArena
	data   []byte
	lines  []fastLine
	bail   bool
	marker int // line of a leading "---", or 0
	depth  int
}

// splitLines records the content lines; blank and comment-only lines are
// dropped, and a leading "---" line is allowed.
func (p *fastParser) splitLines() {
	num := 0
	for rest := p.data; len(rest) > 0; {
		num++
		var line []byte
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			line, rest = rest, nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		indent := 0
		for indent < len(line) && line[indent] == ' ' {
			indent++
		}
		content := line[indent:]
		if len(content) == 0 || content[0] == '#' {
			continue
		}
		if content[0] == '\t' || bytes.IndexByte(line, '\t') >= 0 {
			p.bail = true
			return
		}
		if indent == 0 && (content[0] == '%' || bytes.HasPrefix(content, []byte("..."))) {
			p.bail = true
			return
		}
		if indent == 0 && bytes.HasPrefix(content, []byte("---")) {
			if len(p.lines) > 0 || p.marker > 0 || strings.TrimSpace(stripComment(string(content[3:]))) != "" {
				p.bail = true
				return
			}
			p.marker = num
			continue
		}
		text := stripComment(string(content))
		if colon := strings.Index(text, ": "); colon > 0 && !isASCII(text[:colon]) {
			p.bail = true // columns count characters, not bytes
			return
		}
		if text == "" {
			p.bail = true // a "#" that is not a comment start: leave it to yaml.v3
			return
		}
		p.lines = append(p.lines, fastLine{num: num, indent: indent, text: text})
	}
}

// stripComment removes a trailing " #" comment and right-trims; quotes that
// might hold a "#" make it give up (returning "" bails).
func stripComment(s string) string {
	if strings.ContainsAny(s, `"'`) {
		if i := strings.Index(s, " #"); i >= 0 {
			return ""
		}
		return strings.TrimRight(s, " ")
	}
	if i := strings.Index(s, " #"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimRight(s, " ")
}

// next skips nothing (lines are content only) but keeps callers readable.
func (p *fastParser) next(i int) int { return i }

// block parses the node starting at line i, whose content sits at column
// indent+1: a sequence when the line starts with "- ", else a mapping.
func (p *fastParser) block(i, indent int) (*yaml.Node, int) {
	if p.depth++; p.depth > maxFastDepth {
		p.bail = true
		return nil, i
	}
	defer func() { p.depth-- }()
	l := p.lines[i]
	if l.text == "-" || strings.HasPrefix(l.text, "- ") {
		return p.sequence(i, l.indent)
	}
	return p.mapping(i, l.indent, l.indent, l.text, l.num)
}

// mapping parses block mapping entries at column indent+1, the first of which
// may start mid-line (after "- ") at firstCol.
func (p *fastParser) mapping(i, indent, firstCol int, firstText string, firstLine int) (*yaml.Node, int) {
	m := p.new(yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: firstLine, Column: firstCol + 1})
	text, line, col := firstText, firstLine, firstCol
	for {
		key, rest, ok := splitKey(text)
		if !ok {
			p.bail = true
			return nil, i
		}
		k := p.scalarNode(key, line, col+1)
		if k == nil || k.Value == "<<" && k.Style == 0 {
			p.bail = true
			return nil, i
		}
		m.Content = append(m.Content, k)
		i++
		if rest != "" {
			v := p.valueNode(rest, line, col+len(text)-len(rest)+1)
			if v == nil {
				p.bail = true
				return nil, i
			}
			m.Content = append(m.Content, v)
			if i < len(p.lines) && p.lines[i].indent > indent {
				p.bail = true // a continuation line: multi-line scalar
				return nil, i
			}
		} else {
			// The value is on the following lines: a nested block, an
			// indentless sequence, or nothing (null).
			switch {
			case i < len(p.lines) && p.lines[i].indent > indent:
				v, end := p.block(i, p.lines[i].indent)
				if p.bail {
					return nil, i
				}
				m.Content = append(m.Content, v)
				i = end
			case i < len(p.lines) && p.lines[i].indent == indent && (p.lines[i].text == "-" || strings.HasPrefix(p.lines[i].text, "- ")):
				v, end := p.sequence(i, indent)
				if p.bail {
					return nil, i
				}
				m.Content = append(m.Content, v)
				i = end
			default:
				p.bail = true // an empty value: positions of implicit nulls are yaml.v3's to decide
				return nil, i
			}
		}
		if i >= len(p.lines) || p.lines[i].indent < indent {
			return m, i
		}
		if p.lines[i].indent > indent {
			p.bail = true
			return nil, i
		}
		l := p.lines[i]
		if l.text == "-" || strings.HasPrefix(l.text, "- ") {
			return m, i // an indentless sequence item of the parent, or an error
		}
		text, line, col = l.text, l.num, l.indent
	}
}

// sequence parses "- " items at column indent+1.
func (p *fastParser) sequence(i, indent int) (*yaml.Node, int) {
	s := p.new(yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: p.lines[i].num, Column: indent + 1})
	for i < len(p.lines) && p.lines[i].indent == indent && (p.lines[i].text == "-" || strings.HasPrefix(p.lines[i].text, "- ")) {
		l := p.lines[i]
		if l.text == "-" {
			p.bail = true
			return nil, i
		}
		item := strings.TrimLeft(l.text[2:], " ")
		col := indent + len(l.text) - len(item)
		if item == "" || item[0] == '-' && (len(item) == 1 || item[1] == ' ') {
			p.bail = true // nested sequences on one line
			return nil, i
		}
		if _, _, isKey := splitKey(item); isKey {
			v, end := p.mapping(i, col, col, item, l.num)
			if p.bail {
				return nil, i
			}
			s.Content = append(s.Content, v)
			i = end
			continue
		}
		v := p.valueNode(item, l.num, col+1)
		if v == nil {
			p.bail = true
			return nil, i
		}
		s.Content = append(s.Content, v)
		i++
		if i < len(p.lines) && p.lines[i].indent > indent {
			p.bail = true // continuation of a scalar item
			return nil, i
		}
	}
	if i < len(p.lines) && p.lines[i].indent > indent {
		p.bail = true
	}
	return s, i
}

// splitKey splits "key: value" or "key:"; ok is false when text is not a
// mapping entry the fast path understands.
func splitKey(text string) (key, rest string, ok bool) {
	if text == "" {
		return "", "", false
	}
	switch text[0] {
	case '"', '\'':
		q := strings.IndexByte(text[1:], text[0])
		if q < 0 {
			return "", "", false
		}
		after := text[q+2:]
		if after == ":" {
			return text[:q+2], "", true
		}
		if strings.HasPrefix(after, ": ") {
			return text[:q+2], strings.TrimLeft(after[2:], " "), true
		}
		return "", "", false
	}
	i := strings.Index(text, ": ")
	if i < 0 {
		if strings.HasSuffix(text, ":") && !strings.Contains(text[:len(text)-1], ":") {
			key = strings.TrimRight(text[:len(text)-1], " ")
			return key, "", key != ""
		}
		return "", "", false
	}
	key = strings.TrimRight(text[:i], " ") // a plain key ends before the spaces
	return key, strings.TrimLeft(text[i+2:], " "), key != ""
}

// valueNode builds the node of an inline value: a scalar, or an empty flow
// mapping or sequence.
func (a *nodeArena) valueNode(text string, line, col int) *yaml.Node {
	if text[0] == '{' || text[0] == '[' {
		f := flowParser{a: a, s: text, line: line, col: col}
		n := f.node()
		if n == nil || f.skipSpaces() < len(text) {
			return nil
		}
		return n
	}
	return a.scalarNode(text, line, col)
}

// flowParser reads a one-line flow collection ({a: 1, b: [x, y]}) whose
// scalars are plain or simply quoted.
type flowParser struct {
	a         *nodeArena
	s         string
	i         int
	line, col int
	depth     int
}

// maxFastDepth bounds nesting on the fast path; deeper documents go to
// yaml.v3, which owns the limits and their error messages.
const maxFastDepth = 100

func (f *flowParser) skipSpaces() int {
	for f.i < len(f.s) && f.s[f.i] == ' ' {
		f.i++
	}
	return f.i
}

func (f *flowParser) node() *yaml.Node {
	if f.depth++; f.depth > maxFastDepth {
		return nil
	}
	defer func() { f.depth-- }()
	f.skipSpaces()
	if f.i >= len(f.s) {
		return nil
	}
	start := f.i
	switch f.s[f.i] {
	case '{':
		m := f.a.new(yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle, Line: f.line, Column: f.col + start})
		f.i++
		for {
			if f.skipSpaces(); f.i < len(f.s) && f.s[f.i] == '}' {
				f.i++
				return m
			}
			k := f.scalar(true)
			if k == nil || k.Value == "<<" && k.Style == 0 || f.i+1 >= len(f.s) || f.s[f.i] != ':' || f.s[f.i+1] != ' ' {
				return nil
			}
			f.i += 2
			v := f.node()
			if v == nil {
				return nil
			}
			m.Content = append(m.Content, k, v)
			if f.skipSpaces(); f.i < len(f.s) && f.s[f.i] == ',' {
				f.i++
				if f.skipSpaces(); f.i < len(f.s) && f.s[f.i] == '}' {
					return nil // a trailing comma: leave it to yaml.v3
				}
				continue
			}
			if f.i < len(f.s) && f.s[f.i] == '}' {
				f.i++
				return m
			}
			return nil
		}
	case '[':
		q := f.a.new(yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle, Line: f.line, Column: f.col + start})
		f.i++
		for {
			if f.skipSpaces(); f.i < len(f.s) && f.s[f.i] == ']' {
				f.i++
				return q
			}
			v := f.node()
			if v == nil {
				return nil
			}
			q.Content = append(q.Content, v)
			if f.skipSpaces(); f.i < len(f.s) && f.s[f.i] == ',' {
				f.i++
				if f.skipSpaces(); f.i < len(f.s) && f.s[f.i] == ']' {
					return nil
				}
				continue
			}
			if f.i < len(f.s) && f.s[f.i] == ']' {
				f.i++
				return q
			}
			return nil
		}
	}
	return f.scalar(false)
}

// scalar reads a flow scalar; a key ends at ": ", a value at , ] or }.
func (f *flowParser) scalar(key bool) *yaml.Node {
	if f.i >= len(f.s) {
		return nil
	}
	start := f.i
	if c := f.s[f.i]; c == '"' || c == '\'' {
		q := strings.IndexByte(f.s[f.i+1:], c)
		if q < 0 {
			return nil
		}
		f.i += q + 2
		return f.a.scalarNode(f.s[start:f.i], f.line, f.col+start)
	}
	for f.i < len(f.s) {
		c := f.s[f.i]
		if c == ',' || c == ']' || c == '}' || c == '[' || c == '{' || c == '#' {
			break
		}
		if c == ':' && (f.i+1 == len(f.s) || f.s[f.i+1] == ' ' || f.s[f.i+1] == ',') {
			break
		}
		f.i++
	}
	text := strings.TrimRight(f.s[start:f.i], " ")
	if text == "" || key != (f.i < len(f.s) && f.s[f.i] == ':') {
		return nil
	}
	return f.a.scalarNode(text, f.line, f.col+start)
}

// scalarNode builds a plain or simply quoted scalar, or returns nil for any
// form the fast path leaves to yaml.v3.
func (a *nodeArena) scalarNode(text string, line, col int) *yaml.Node {
	if text == "" {
		return nil
	}
	n := yaml.Node{Kind: yaml.ScalarNode, Line: line, Column: col}
	switch text[0] {
	case '"':
		if len(text) < 2 || text[len(text)-1] != '"' || strings.ContainsAny(text[1:len(text)-1], "\"\\") {
			return nil
		}
		n.Value, n.Style, n.Tag = text[1:len(text)-1], yaml.DoubleQuotedStyle, "!!str"
		return a.new(n)
	case '\'':
		if len(text) < 2 || text[len(text)-1] != '\'' {
			return nil
		}
		inner := text[1 : len(text)-1]
		if strings.Count(inner, "'")%2 != 0 || strings.Contains(strings.ReplaceAll(inner, "''", ""), "'") {
			return nil
		}
		n.Value, n.Style, n.Tag = strings.ReplaceAll(inner, "''", "'"), yaml.SingleQuotedStyle, "!!str"
		return a.new(n)
	}
	if !plainSafe(text) {
		return nil
	}
	n.Value = text
	n.Tag = plainTag(&n)
	return a.new(n)
}

// plainSafe reports whether text is a plain scalar whose meaning does not
// depend on anything the fast path does not implement.
func plainSafe(s string) bool {
	switch s[0] {
	case '-', '?', ':':
		if len(s) == 1 || s[1] == ' ' {
			return false
		}
	case ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '%', '@', '`', '"', '\'':
		return false
	}
	return !strings.Contains(s, ": ") && !strings.HasSuffix(s, ":") && !strings.Contains(s, " #") &&
		!strings.ContainsAny(s, "\x00\x85\u2028\u2029\ufeff")
}

// plainText reports whether data holds no byte the fast path would have to
// judge: control characters, invalid UTF-8, a byte order mark, or the
// Unicode line breaks YAML recognises.
func plainText(data []byte) bool {
	ascii := true
	for i, c := range data {
		if c < 0x20 && c != '\n' && c != '\r' || c == 0x7f {
			return false
		}
		if c == '\r' && (i+1 == len(data) || data[i+1] != '\n') {
			return false // a lone CR breaks lines in YAML
		}
		if c >= 0x80 {
			ascii = false
		}
	}
	if ascii {
		return true
	}
	return utf8.Valid(data) && !bytes.ContainsAny(data, "\ufeff\u0085\u2028\u2029") && !bytes.ContainsFunc(data, func(r rune) bool {
		return r >= 0x80 && r <= 0x9f || r == 0xfffe || r == 0xffff
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// plainTag resolves a plain scalar's tag as yaml.v3 does; words starting
// with a letter can only be null, a boolean or a string, which skips
// yaml.v3's slower general resolution for most values.
func plainTag(n *yaml.Node) string {
	c := n.Value[0]
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
		switch n.Value {
		case "null", "Null", "NULL":
			return "!!null"
		case "true", "True", "TRUE", "false", "False", "FALSE":
			return "!!bool"
		}
		return "!!str"
	}
	return n.ShortTag()
}
