package render

import (
	"path"
	"sort"
	"strconv"
	"strings"
	"text/template/parse"

	"go.yaml.in/yaml/v3"
	"helm.sh/helm/v3/pkg/chart"

	"github.com/kready/kready/manifest"
)

// How chart findings get the line a person edits: neither Helm nor
// text/template keeps a source map, so kready renders the chart a second time
// with a marker in front of every YAML-looking literal line of every template
// (helpers included). Each line of the real output is aligned with its
// instrumented twin; where the twin equals the real line once markers are
// stripped, the line's marker names the template line that produced it.
// Lines without a trusted marker (toYaml of values, post-processed helper
// output) take the line of their nearest mapped ancestor, refined by a key
// search in that template block. Fields fed by an action that reads .Values
// get a related location at the values file line that supplied them.

const (
	markOpen  = "⟦"
	markClose = "⟧"
)

// renderFunc renders a chart with fixed values; the mapper calls it on an
// instrumented copy of the chart.
type renderFunc func(*chart.Chart) (map[string]string, error)

// valuesSource is one values file that fed the render, in precedence order.
type valuesSource struct {
	Display string // path as the user would type it
	Data    []byte
	Scope   []string // chart path the file's keys apply to: nil for the top chart
}

// marker is a template position that a marker stands for.
type marker struct {
	tmpl      string // template name, e.g. web/templates/_helpers.tpl
	line, col int
}

// valuesAction is an output action of a template that reads .Values.
type valuesAction struct {
	line  int
	paths [][]string // values paths, relative to the chart's own values
}

// templateSource is what the mapper knows of one template file.
type templateSource struct {
	lines   []string // source lines
	actions []valuesAction
}

// templateMapper maps rendered chart output to template and values lines.
type templateMapper struct {
	roots   map[string]string // chart path ("web/", "web/charts/redis/") → display root
	markers []marker
	sources map[string]*templateSource // by template name
	lineMap map[string][]int           // rendered template → marker index+1 per output line (0: none)
	values  []*valuesFile
}

type valuesFile struct {
	valuesSource
	root *yaml.Node
}

// newTemplateMapper prepares the mapping for one chart render. rendered is
// the real render's output; files maps template names (web/templates/x.yaml)
// to display paths.
func newTemplateMapper(ch *chart.Chart, render renderFunc, rendered map[string]string, files map[string]string, values []valuesSource) (*templateMapper, error) {
	m := &templateMapper{
		roots:   chartRoots(files),
		sources: map[string]*templateSource{},
		lineMap: map[string][]int{},
	}
	m.values = loadValuesFiles(values)
	instrumented, err := render(m.instrumentChart(ch, rendered))
	if err != nil {
		return m, err
	}
	for name, real := range rendered {
		m.lineMap[name] = m.align(real, instrumented[name])
	}
	return m, nil
}

// loadValuesFiles parses values files with positions; a file that does not
// parse has no tree and is never named in a location.
func loadValuesFiles(values []valuesSource) []*valuesFile {
	var out []*valuesFile
	for _, v := range values {
		vf := &valuesFile{valuesSource: v}
		var doc yaml.Node
		if err := yaml.Unmarshal(v.Data, &doc); err == nil && len(doc.Content) > 0 {
			vf.root = doc.Content[0]
		}
		out = append(out, vf)
	}
	return out
}

// chartRoots derives, from template names and their display paths, where each
// chart's files live: "web/templates/x.yaml" ↔ "deploy/web/templates/x.yaml"
// gives "web/" ↔ "deploy/web/".
func chartRoots(files map[string]string) map[string]string {
	roots := map[string]string{}
	for name, display := range files {
		i := strings.LastIndex(name, "templates/")
		if i < 0 {
			continue
		}
		rest := name[i:]
		if !strings.HasSuffix(display, rest) {
			continue
		}
		roots[name[:i]] = display[:len(display)-len(rest)]
	}
	return roots
}

// display returns the file a person edits for a template name.
func (m *templateMapper) display(tmpl string) string {
	best := ""
	for root := range m.roots {
		if strings.HasPrefix(tmpl, root) && len(root) > len(best) {
			best = root
		}
	}
	if best == "" && len(m.roots) > 0 {
		return tmpl
	}
	return m.roots[best] + tmpl[len(best):]
}

// scope returns the values scope of a template: nil for the top chart,
// ["redis"] for web/charts/redis/templates/x.yaml.
func scope(tmpl string) []string {
	parts := strings.Split(tmpl, "/")
	var out []string
	for i := 1; i+1 < len(parts); i++ {
		if parts[i] == "charts" {
			out = append(out, parts[i+1])
			i++
			continue
		}
		break
	}
	return out
}

// instrumentChart returns a copy of ch (and its subcharts) whose templates
// carry markers. Templates whose real output held nothing to lint are left
// out (unless they define helpers): rendering them again would only cost.
func (m *templateMapper) instrumentChart(ch *chart.Chart, rendered map[string]string) *chart.Chart {
	cp := *ch
	prefix := ch.ChartFullPath()
	cp.Templates = make([]*chart.File, 0, len(ch.Templates))
	for _, t := range ch.Templates {
		if t == nil {
			continue
		}
		name := path.Join(prefix, t.Name)
		if !strings.HasPrefix(path.Base(t.Name), "_") && strings.TrimSpace(rendered[name]) == "" && !definesTemplates(t.Data) {
			continue
		}
		f := *t
		f.Data = m.instrument(name, t.Data)
		cp.Templates = append(cp.Templates, &f)
	}
	var deps []*chart.Chart
	for _, d := range ch.Dependencies() {
		deps = append(deps, m.instrumentChart(d, rendered))
	}
	cp.SetDependencies(deps...)
	return &cp
}

// definesTemplates reports whether a template file holds define or block
// actions that other templates may use.
func definesTemplates(data []byte) bool {
	s := string(data)
	for _, kw := range []string{"define", "block"} {
		for i := strings.Index(s, kw); i >= 0; {
			// "{{define", "{{ define", "{{- define": the keyword opens an action.
			before := strings.TrimRight(strings.TrimSuffix(strings.TrimRight(s[:i], " \t"), "-"), " \t")
			if strings.HasSuffix(before, "{{") {
				return true
			}
			next := strings.Index(s[i+len(kw):], kw)
			if next < 0 {
				break
			}
			i += len(kw) + next
		}
	}
	return false
}

// instrument inserts markers before the YAML-looking literal lines of one
// template and records the actions that read .Values.
func (m *templateMapper) instrument(name string, data []byte) []byte {
	src := string(data)
	ts := &templateSource{lines: strings.Split(src, "\n")}
	m.sources[name] = ts
	trees := map[string]*parse.Tree{}
	t := parse.New(name)
	t.Mode = parse.SkipFuncCheck
	if _, err := t.Parse(src, "", "", trees); err != nil {
		return data // the real render reports the parse error
	}
	lineStarts := lineOffsets(src)
	var inserts []int
	visit := func(n parse.Node, dot []string) {}
	visit = func(n parse.Node, dot []string) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				visit(c, dot)
			}
		case *parse.TextNode:
			inserts = append(inserts, keyLineStarts(src, int(n.Pos), string(n.Text))...)
		case *parse.ActionNode:
			if n.Pipe != nil && len(n.Pipe.Decl) > 0 {
				return // an assignment prints nothing
			}
			if paths := valuesPaths(n.Pipe, dot); len(paths) > 0 {
				ts.actions = append(ts.actions, valuesAction{line: lineAt(lineStarts, int(n.Pos)), paths: paths})
			}
		case *parse.IfNode:
			visit(n.List, dot)
			visit(n.ElseList, dot)
		case *parse.RangeNode:
			visit(n.List, pipeDot(n.Pipe, dot))
			visit(n.ElseList, dot)
		case *parse.WithNode:
			visit(n.List, pipeDot(n.Pipe, dot))
			visit(n.ElseList, dot)
		}
	}
	names := make([]string, 0, len(trees))
	for n := range trees {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if tr := trees[n]; tr != nil && tr.Root != nil {
			visit(tr.Root, nil)
		}
	}
	sort.Ints(inserts)
	var b strings.Builder
	b.Grow(len(src) + len(inserts)*8)
	last := 0
	for _, off := range inserts {
		if off < last {
			continue
		}
		b.WriteString(src[last:off])
		line := lineAt(lineStarts, off)
		m.markers = append(m.markers, marker{tmpl: name, line: line, col: off - lineStarts[line-1] + 1})
		b.WriteString(markOpen)
		b.WriteString(strconv.Itoa(len(m.markers)))
		b.WriteString(markClose)
		last = off
	}
	b.WriteString(src[last:])
	return []byte(b.String())
}

// keyLineStarts returns the source offsets, inside one literal text of a
// template, where a line starts with a YAML key or list item.
func keyLineStarts(src string, pos int, text string) []int {
	if pos < 0 || pos+len(text) > len(src) || src[pos:pos+len(text)] != text {
		return nil
	}
	var out []int
	for i := 0; i < len(text); {
		atLineStart := (i == 0 && (pos == 0 || src[pos-1] == '\n')) || (i > 0 && text[i-1] == '\n')
		if atLineStart {
			j := i
			for j < len(text) && text[j] == ' ' {
				j++
			}
			if looksLikeKey(text[j:]) {
				out = append(out, pos+j)
			}
		}
		nl := strings.IndexByte(text[i:], '\n')
		if nl < 0 {
			break
		}
		i += nl + 1
	}
	return out
}

// looksLikeKey reports whether a line (from its first non-blank) starts a
// YAML mapping key or a sequence item.
func looksLikeKey(s string) bool {
	if strings.HasPrefix(s, "- ") || s == "-" || strings.HasPrefix(s, "-\n") {
		return true
	}
	if s == "" || s[0] == '#' || s[0] == '{' || s[0] == '[' {
		return false
	}
	end := strings.IndexByte(s, '\n')
	if end < 0 {
		end = len(s)
	}
	line := strings.TrimSuffix(s[:end], "\r")
	if line == "" {
		return false
	}
	if line[0] == '"' || line[0] == '\'' {
		q := strings.IndexByte(line[1:], line[0])
		return q >= 0 && strings.HasPrefix(line[q+2:], ":")
	}
	colon := strings.Index(line, ":")
	if colon <= 0 {
		return false
	}
	if colon+1 < len(line) && line[colon+1] != ' ' && line[colon+1] != '\r' {
		return false
	}
	return !strings.ContainsAny(line[:colon], " {}\t")
}

// valuesPaths lists the .Values paths an output pipeline reads.
func valuesPaths(p *parse.PipeNode, dot []string) [][]string {
	if p == nil {
		return nil
	}
	var out [][]string
	for _, cmd := range p.Cmds {
		for _, arg := range cmd.Args {
			if vp := valuesPath(arg, dot); vp != nil {
				out = append(out, vp)
			}
			if inner, ok := arg.(*parse.PipeNode); ok {
				out = append(out, valuesPaths(inner, dot)...)
			}
		}
	}
	return out
}

// valuesPath returns the values path a node reads, or nil.
func valuesPath(n parse.Node, dot []string) []string {
	switch n := n.(type) {
	case *parse.FieldNode:
		if len(n.Ident) > 1 && n.Ident[0] == "Values" {
			return append([]string{}, n.Ident[1:]...)
		}
		if dot != nil {
			return append(append([]string{}, dot...), n.Ident...)
		}
	case *parse.VariableNode:
		if len(n.Ident) > 2 && n.Ident[0] == "$" && n.Ident[1] == "Values" {
			return append([]string{}, n.Ident[2:]...)
		}
	case *parse.DotNode:
		if dot != nil {
			return append([]string{}, dot...)
		}
	case *parse.ChainNode:
		if p, ok := n.Node.(*parse.PipeNode); ok && len(n.Field) > 0 {
			if base := valuesPaths(p, dot); len(base) == 1 {
				return append(base[0], n.Field...)
			}
		}
	}
	return nil
}

// pipeDot is the dot inside `with`/`range` over a values path.
func pipeDot(p *parse.PipeNode, dot []string) []string {
	if p == nil || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return nil
	}
	return valuesPath(p.Cmds[0].Args[0], dot)
}

func lineOffsets(s string) []int {
	offs := []int{0}
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			offs = append(offs, i+1)
		}
	}
	return offs
}

// lineAt returns the 1-based line holding offset off.
func lineAt(starts []int, off int) int {
	return sort.Search(len(starts), func(i int) bool { return starts[i] > off })
}

// align pairs each line of the real output with its instrumented twin and
// returns, per real line, the index+1 of the marker that is trusted for it.
func (m *templateMapper) align(real, instrumented string) []int {
	rl := strings.Split(real, "\n")
	il := strings.Split(instrumented, "\n")
	stripped := make([]string, len(il))
	first := make([]int, len(il))
	for i, l := range il {
		stripped[i], first[i] = stripMarkers(l)
	}
	out := make([]int, len(rl))
	if len(rl) == len(il) {
		for i := range rl {
			if stripped[i] == rl[i] {
				out[i] = first[i]
			}
		}
		return out
	}
	for _, pr := range matchLines(rl, stripped) {
		out[pr[0]] = first[pr[1]]
	}
	return out
}

// stripMarkers removes markers from a line and returns the first one's id.
func stripMarkers(l string) (string, int) {
	if !strings.Contains(l, markOpen) {
		return l, 0
	}
	var b strings.Builder
	first := 0
	for {
		i := strings.Index(l, markOpen)
		if i < 0 {
			b.WriteString(l)
			break
		}
		j := strings.Index(l[i:], markClose)
		if j < 0 {
			b.WriteString(l)
			break
		}
		if first == 0 {
			first, _ = strconv.Atoi(l[i+len(markOpen) : i+j])
		}
		b.WriteString(l[:i])
		l = l[i+j+len(markClose):]
	}
	return b.String(), first
}

// matchLines aligns two line lists that differ in length (instrumentation
// changed what a helper produced) with a longest common subsequence; large
// inputs fall back to a greedy forward match.
func matchLines(a, b []string) [][2]int {
	if len(a)*len(b) > 4_000_000 {
		var out [][2]int
		j := 0
		for i := range a {
			for k := j; k < len(b) && k < j+200; k++ {
				if a[i] == b[k] {
					out = append(out, [2]int{i, k})
					j = k + 1
					break
				}
			}
		}
		return out
	}
	n, w := len(a), len(b)
	dp := make([]int32, (n+1)*(w+1))
	at := func(i, j int) *int32 { return &dp[i*(w+1)+j] }
	for i := n - 1; i >= 0; i-- {
		for j := w - 1; j >= 0; j-- {
			switch {
			case a[i] == b[j]:
				*at(i, j) = *at(i+1, j+1) + 1
			case *at(i+1, j) >= *at(i, j+1):
				*at(i, j) = *at(i+1, j)
			default:
				*at(i, j) = *at(i, j+1)
			}
		}
	}
	var out [][2]int
	for i, j := 0, 0; i < n && j < w; {
		switch {
		case a[i] == b[j]:
			out = append(out, [2]int{i, j})
			i++
			j++
		case *at(i+1, j) >= *at(i, j+1):
			i++
		default:
			j++
		}
	}
	return out
}

// attach sets the Locator of objects decoded from the rendered output of one
// template (their nodes carry rendered-output lines) and points their Source
// at the template.
func (m *templateMapper) attach(template string, objs []*manifest.Object) {
	for _, o := range objs {
		l := &helmLocator{m: m, tmpl: template, root: o.Node}
		o.Locator = l
		start, _ := l.Locate(nil)
		o.Source.File, o.Source.Line = start.File, start.Line
	}
}

// helmLocator locates fields of one rendered object in its chart's sources.
type helmLocator struct {
	m    *templateMapper
	tmpl string
	root *yaml.Node
}

func (l *helmLocator) Locate(p manifest.Path) (manifest.Location, []manifest.Location) {
	chain := manifest.Chain(l.root, p)
	lines := l.m.lineMap[l.tmpl]
	for i := len(chain) - 1; i >= 0; i-- {
		rl := chain[i].Line
		if rl < 1 || rl > len(lines) || lines[rl-1] == 0 {
			continue
		}
		mk := l.m.markers[lines[rl-1]-1]
		depth := i
		// Keys that exist below the mapped ancestor but carry no trusted
		// marker are found by name in the template block.
		for j := i; j < len(chain)-1 && !p[j].IsIndex; j++ {
			found, ok := l.m.keyBelow(mk, p[j].Key)
			if !ok {
				break
			}
			mk, depth = found, j+1
		}
		loc := manifest.Location{File: l.m.display(mk.tmpl), Line: mk.line, Column: mk.col}
		from := mk
		if depth < len(p) && depth == len(chain)-1 && !p[depth].IsIndex {
			// The field is missing: where the template would write it (an
			// untaken branch) still tells which values key controls it.
			if k, ok := l.m.keyBelow(mk, p[depth].Key); ok {
				if rel := l.m.valuesRelated(k, p[depth+1:], scope(l.tmpl), false); len(rel) > 0 {
					return loc, rel
				}
			}
		}
		item := depth > 0 && p[depth-1].IsIndex
		return loc, l.m.valuesRelated(from, p[depth:], scope(l.tmpl), item)
	}
	return manifest.Location{File: l.m.display(l.tmpl), Line: 1, Column: 1}, nil
}

// keyBelow searches the template block under a mapped line for a literal key.
func (m *templateMapper) keyBelow(mk marker, key string) (marker, bool) {
	ts := m.sources[mk.tmpl]
	if ts == nil || mk.line > len(ts.lines) {
		return mk, false
	}
	base := indentOf(ts.lines[mk.line-1])
	for n := mk.line; n < len(ts.lines); n++ {
		text := ts.lines[n]
		trimmed := strings.TrimLeft(text, " ")
		if trimmed == "" || strings.HasPrefix(trimmed, "{{") || strings.HasPrefix(trimmed, "#") {
			continue
		}
		ind := indentOf(text)
		if ind <= base && !strings.HasPrefix(trimmed, "- ") {
			return mk, false
		}
		item := strings.TrimPrefix(trimmed, "- ")
		if strings.HasPrefix(item, key+":") || strings.HasPrefix(item, `"`+key+`":`) {
			return marker{tmpl: mk.tmpl, line: n + 1, col: len(text) - len(item) + 1}, true
		}
	}
	return mk, false
}

func indentOf(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }

// valuesRelated finds the values lines that fed a template line: actions
// reading .Values on that line, or (for a block header such as
// `resources:`) the first such action in the lines of its block up to the
// next literal key. rest is the part of the field path below that line.
// sc is the values scope of the template being rendered, not of the file
// that holds mk: a define (from a library chart, say) reads the .Values of
// the context it is given, which is the caller's, nearly always `.`.
// item says that mk stands for a sequence item: on a `- name: {{ ... }}`
// line the actions feed that first key, not the item's other fields.
func (m *templateMapper) valuesRelated(mk marker, rest manifest.Path, sc []string, item bool) []manifest.Location {
	ts := m.sources[mk.tmpl]
	if ts == nil {
		return nil
	}
	sameLine := true
	if item {
		if k := itemKey(ts.lines[mk.line-1]); k != "" && (len(rest) == 0 || rest[0].IsIndex || rest[0].Key != k) {
			sameLine = false
		}
	}
	var paths [][]string
	for _, a := range ts.actions {
		if sameLine && a.line == mk.line {
			paths = append(paths, a.paths...)
		}
	}
	if len(paths) == 0 {
		base := indentOf(ts.lines[mk.line-1])
	block:
		for n := mk.line; n < len(ts.lines); n++ {
			trimmed := strings.TrimLeft(ts.lines[n], " ")
			if trimmed == "" {
				continue
			}
			if !strings.HasPrefix(trimmed, "{{") {
				if indentOf(ts.lines[n]) <= base || looksLikeKey(trimmed) {
					break
				}
			}
			for _, a := range ts.actions {
				if a.line == n+1 && len(a.paths) > 0 {
					paths = a.paths[:1]
					break block
				}
			}
		}
	}
	var out []manifest.Location
	seen := map[string]bool{}
	for _, p := range paths {
		full := append(append(append([]string{}, sc...), p...), pathKeys(rest, len(paths) == 1)...)
		if loc, ok := m.valuesLocation(append(append([]string{}, sc...), p...), full); ok && !seen[loc.File+":"+strconv.Itoa(loc.Line)] {
			seen[loc.File+":"+strconv.Itoa(loc.Line)] = true
			out = append(out, loc)
		}
		if len(out) == 3 {
			break
		}
	}
	return out
}

// itemKey returns k for a template line `- k: ...` (a sequence item that
// starts with a key), else "".
func itemKey(line string) string {
	s := strings.TrimLeft(line, " ")
	if !strings.HasPrefix(s, "- ") {
		return ""
	}
	s = strings.TrimLeft(s[2:], " ")
	if strings.HasPrefix(s, "- ") || !looksLikeKey(s) {
		return ""
	}
	if s[0] == '"' || s[0] == '\'' {
		return s[1 : 1+strings.IndexByte(s[1:], s[0])]
	}
	return s[:strings.IndexByte(s, ':')]
}

// pathKeys turns the rest of a field path into values keys (only when one
// action fed the block, so the path continues inside that value).
func pathKeys(rest manifest.Path, single bool) []string {
	if !single {
		return nil
	}
	return pathKeysOf(rest)
}

// valuesLocation finds the values file that set supplied (the last -f file
// that set it, else the chart's values.yaml, else a parent's) and returns the
// line of the deepest existing key of want in it.
func (m *templateMapper) valuesLocation(supplied, want []string) (manifest.Location, bool) {
	for _, vf := range m.values {
		if vf.root == nil || len(vf.Scope) > len(supplied) || !keysHavePrefix(supplied, vf.Scope) {
			continue
		}
		rel := supplied[len(vf.Scope):]
		if !hasValuesPath(vf.root, rel) {
			continue
		}
		at := deepestValuesKey(vf.root, want[len(vf.Scope):])
		return manifest.Location{File: vf.Display, Line: at.Line, Column: at.Column, Message: "value from"}, true
	}
	return manifest.Location{}, false
}

func keysHavePrefix(p, prefix []string) bool {
	for i := range prefix {
		if p[i] != prefix[i] {
			return false
		}
	}
	return true
}

// hasValuesPath reports whether keys exist in a values tree.
func hasValuesPath(root *yaml.Node, keys []string) bool {
	return len(manifest.Chain(root, valuesKeyPath(root, keys))) == len(keys)+1
}

// deepestValuesKey returns the key node of the deepest existing key.
func deepestValuesKey(root *yaml.Node, keys []string) *yaml.Node {
	chain := manifest.Chain(root, valuesKeyPath(root, keys))
	return chain[len(chain)-1]
}

// valuesKeyPath reads numeric keys as sequence indexes where the values tree
// holds a sequence.
func valuesKeyPath(root *yaml.Node, keys []string) manifest.Path {
	var p manifest.Path
	for _, k := range keys {
		if n, err := strconv.Atoi(k); err == nil {
			p = p.Index(n)
			continue
		}
		p = p.Key(k)
	}
	return p
}
