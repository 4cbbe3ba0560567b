package render

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/resid"

	"github.com/kready/kready/manifest"
)

// kustPatch is one patch of a kustomization, parsed with positions.
type kustPatch struct {
	file     string       // display path of the file holding the patch text
	docs     []*yaml.Node // strategic-merge documents, or one sequence of JSON 6902 operations
	json6902 bool
	target   *types.Selector
	// An inline patch's text sits in the kustomization file: its lines and
	// columns are shifted by these.
	lineOff, colOff int
	// fixed is set for inline text whose lines cannot be mapped (quoted or
	// folded scalars): every position inside it is reported here.
	fixed *manifest.Location
}

func (p *kustPatch) loc(n *yaml.Node) manifest.Location {
	if p.fixed != nil {
		return *p.fixed
	}
	return manifest.Location{File: p.file, Line: n.Line + p.lineOff, Column: n.Column + p.colOff}
}

// kustPatches returns the patches of kf in the order kustomize applies them:
// patchesStrategicMerge, then patches, then patchesJson6902.
func (kf *kustFile) kustPatches(maxSize int64) []*kustPatch {
	kf.patchOnce.Do(func() { kf.patches = parseKustPatches(kf, maxSize) })
	return kf.patches
}

func parseKustPatches(kf *kustFile, maxSize int64) []*kustPatch {
	if kf.root == nil {
		return nil
	}
	var out []*kustPatch
	for _, n := range seqScalars(manifest.MappingGet(kf.root, "patchesStrategicMerge")) {
		if p := kf.patchFrom(n, !strings.Contains(n.Value, "\n"), maxSize); p != nil && !p.json6902 {
			out = append(out, p)
		}
	}
	for _, field := range []string{"patches", "patchesJson6902"} {
		for _, m := range seqMappings(manifest.MappingGet(kf.root, field)) {
			var p *kustPatch
			if n := manifest.MappingGet(m, "path"); n != nil {
				p = kf.patchFrom(n, true, maxSize)
			} else if n := manifest.MappingGet(m, "patch"); n != nil {
				p = kf.patchFrom(n, false, maxSize)
			}
			if p == nil {
				continue
			}
			p.target = parseSelector(manifest.MappingGet(m, "target"))
			if field == "patchesJson6902" && !p.json6902 {
				continue // not a list of operations: kustomize refuses it
			}
			out = append(out, p)
		}
	}
	return out
}

// patchFrom reads a patch's text from a file (isPath) or from the scalar
// itself, and parses it.
func (kf *kustFile) patchFrom(n *yaml.Node, isPath bool, maxSize int64) *kustPatch {
	if n.Kind != yaml.ScalarNode || strings.TrimSpace(n.Value) == "" {
		return nil
	}
	p := &kustPatch{file: kf.display}
	var data []byte
	if isPath {
		abs := n.Value
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(kf.dir, abs)
		}
		f, err := os.Open(abs)
		if err != nil {
			return nil
		}
		defer f.Close()
		if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
			return nil
		}
		if data, err = readLimited(f, maxSize); err != nil {
			return nil
		}
		p.file = DisplayPath(abs)
	} else {
		data = []byte(n.Value)
		if n.Style&yaml.LiteralStyle != 0 {
			p.lineOff = n.Line
			p.colOff = blockIndent(kf.data, n.Line)
		} else {
			p.fixed = &manifest.Location{File: kf.display, Line: n.Line, Column: n.Column}
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for len(p.docs) < 1000 {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if err != io.EOF && len(p.docs) == 0 {
				return nil
			}
			break
		}
		if len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		switch root.Kind {
		case yaml.SequenceNode:
			if len(p.docs) == 0 {
				p.json6902 = true
				p.docs = append(p.docs, root)
			}
		case yaml.MappingNode:
			if !p.json6902 {
				p.docs = append(p.docs, root)
			}
		}
	}
	if len(p.docs) == 0 {
		return nil
	}
	return p
}

// blockIndent is the indentation of a literal block's content, whose header
// is on line header (1-based) of data: the first non-blank line after it.
func blockIndent(data []byte, header int) int {
	lines := bytes.Split(data, []byte("\n"))
	for i := header; i < len(lines); i++ {
		l := bytes.TrimRight(lines[i], "\r")
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		return len(l) - len(bytes.TrimLeft(l, " "))
	}
	return 0
}

func parseSelector(n *yaml.Node) *types.Selector {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	get := func(k string) string { return manifest.ScalarString(manifest.MappingGet(n, k)) }
	s := &types.Selector{LabelSelector: get("labelSelector"), AnnotationSelector: get("annotationSelector")}
	s.Group, s.Version, s.Kind = get("group"), get("version"), get("kind")
	s.Name, s.Namespace = get("name"), get("namespace")
	return s
}

// patchSubject is a built object as patches are matched against it: by its
// original identity (before prefixes, suffixes and namespace changes) or the
// built one, as kustomize's selectors do.
type patchSubject struct {
	res        *resource.Resource
	gvk        resid.Gvk
	origName   string
	origNS     string
	builtName  string
	builtNS    string
	namespaces []string
}

// matching returns the documents of p that apply to the subject.
func (p *kustPatch) matching(s *patchSubject) []*yaml.Node {
	if p.target != nil {
		if !s.selectedBy(p.target) {
			return nil
		}
		return p.docs
	}
	if p.json6902 {
		return nil // kustomize requires a target for these
	}
	var out []*yaml.Node
	for _, d := range p.docs {
		kind := manifest.ScalarString(manifest.MappingGet(d, "kind"))
		md := manifest.MappingGet(d, "metadata")
		name := manifest.ScalarString(manifest.MappingGet(md, "name"))
		ns := manifest.ScalarString(manifest.MappingGet(md, "namespace"))
		if kind != s.gvk.Kind || !s.named(name) || (ns != "" && ns != s.origNS && ns != s.builtNS) {
			continue
		}
		out = append(out, d)
	}
	return out
}

// named tells whether a patch naming the object n refers to it: the
// original name, the built one, or one in between (some of the prefixes and
// suffixes applied, as a middle layer of overlays sees it).
func (s *patchSubject) named(n string) bool {
	if n == "" {
		return false
	}
	return n == s.origName || n == s.builtName ||
		(s.origName != "" && strings.Contains(n, s.origName) && strings.Contains(s.builtName, n))
}

func (s *patchSubject) selectedBy(sel *types.Selector) bool {
	sr, err := types.NewSelectorRegex(sel)
	if err != nil || !sr.MatchGvk(s.gvk) {
		return false
	}
	if !sr.MatchName(s.origName) && !sr.MatchName(s.builtName) {
		return false
	}
	nsOK := false
	for _, ns := range s.namespaces {
		nsOK = nsOK || sr.MatchNamespace(ns)
	}
	if !nsOK {
		return false
	}
	if sel.LabelSelector != "" {
		if ok, err := s.res.MatchesLabelSelector(sel.LabelSelector); err != nil || !ok {
			return false
		}
	}
	if sel.AnnotationSelector != "" {
		if ok, err := s.res.MatchesAnnotationSelector(sel.AnnotationSelector); err != nil || !ok {
			return false
		}
	}
	return true
}

// appliedPatch is one patch document that targets the object.
type appliedPatch struct {
	patch *kustPatch
	doc   *yaml.Node
}

// genSource is the generator entry that configured a generated object.
type genSource struct {
	kf    *kustFile
	entry *yaml.Node // the configMapGenerator/secretGenerator item
	max   int64
}

// kustomizeLocator locates fields of a built object in its sources: the
// document it came from (or the generator entry that made it), plus the
// patches that set or removed the field. The object's Node is what kustomize
// built; positions always come from files the user edits.
type kustomizeLocator struct {
	built   *yaml.Node
	file    string           // display path of the source document's file
	src     *yaml.Node       // the source document's mapping (rendered, for a chart's object); nil for generated objects
	helm    manifest.Locator // a chart's object: locates paths of src in its templates and values
	gen     *genSource
	fall    manifest.Location // where an object with no known source points
	patches []appliedPatch    // in the order kustomize applied them
}

// Related-location messages.
const (
	msgSetByPatch     = "set by patch"
	msgRemovedByPatch = "removed by patch"
)

// Locate returns, for path p of the built object, the source line of p or
// of its deepest ancestor that exists in the built object, and the patch
// lines that set or removed it. When the field was added by a patch and the
// source does not have it at all, the patch line is primary. For an object
// of a chart the source line is the template line, and the values lines
// that fed it are related unless a patch set or removed the field.
func (l *kustomizeLocator) Locate(p manifest.Path) (manifest.Location, []manifest.Location) {
	depth := len(manifest.Chain(l.built, p)) - 1
	var primary manifest.Location
	var fromValues []manifest.Location
	inSource := true
	switch {
	case l.helm != nil:
		// The rendered object's own path for p: list items found by merge
		// key, and a missing key kept so the template's untaken branch can
		// still name its values key.
		q, ok := translatePath(l.built, p[:depth], l.src)
		if ok && depth < len(p) {
			q = append(q, p[depth:]...)
		}
		primary, fromValues = l.helm.Locate(q)
		inSource = ok
	case l.src != nil:
		at, _ := follow(l.built, p[:depth], l.src)
		primary = manifest.Location{File: l.file, Line: l.src.Line, Column: l.src.Column}
		if len(at) > 0 {
			n := at[len(at)-1]
			primary = manifest.Location{File: l.file, Line: n.Line, Column: n.Column}
		}
		inSource = len(at) == depth
	case l.gen != nil:
		primary = l.gen.locate(p)
	default:
		primary = l.fall
	}
	type effect struct {
		loc    manifest.Location
		setter bool
	}
	var effects []effect
	for _, ap := range l.patches {
		var loc manifest.Location
		var set, removed bool
		if ap.patch.json6902 {
			loc, set, removed = json6902Effect(ap.doc, l.built, p, depth)
		} else {
			loc, set, removed = mergeEffect(ap.doc, l.built, p, depth, depth == len(p) || !inSource)
		}
		if set || removed {
			loc = ap.patch.locOf(loc)
			effects = append(effects, effect{loc, !removed})
		}
	}
	if !inSource {
		for i := len(effects) - 1; i >= 0; i-- {
			if effects[i].setter {
				primary = effects[i].loc
				effects = append(effects[:i:i], effects[i+1:]...)
				break
			}
		}
	}
	var related []manifest.Location
	if len(effects) == 0 {
		related = append(related, fromValues...)
	}
	seen := map[manifest.Location]bool{primary: true}
	for _, e := range effects {
		e.loc.Message = msgSetByPatch
		if !e.setter {
			e.loc.Message = msgRemovedByPatch
		}
		key := e.loc
		key.Message = ""
		if seen[key] {
			continue
		}
		seen[key] = true
		related = append(related, e.loc)
	}
	return primary, related
}

// locOf finishes a location computed inside the patch text.
func (p *kustPatch) locOf(l manifest.Location) manifest.Location {
	n := &yaml.Node{Line: l.Line, Column: l.Column}
	return p.loc(n)
}

// mergeEffect tells whether a strategic-merge patch document sets the field
// at depth (the deepest part of p that exists in the built object), or
// removes a part of p below it (a null value or "$patch: delete"). When p
// itself is missing, a patch that merely merges into the ancestor (a
// container it patches elsewhere) says nothing about p: ancestors count only
// when they may be set (the source lacks them, so a patch created them).
func mergeEffect(doc, built *yaml.Node, p manifest.Path, depth int, ancestorsCount bool) (loc manifest.Location, set, removed bool) {
	at, vals := follow(built, p, doc)
	for k := depth; k < len(at); k++ {
		v := vals[k]
		if v == nil {
			continue
		}
		if (v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null") ||
			(v.Kind == yaml.MappingNode && manifest.ScalarString(manifest.MappingGet(v, "$patch")) == "delete") {
			return manifest.Location{Line: at[k].Line, Column: at[k].Column}, false, true
		}
	}
	if depth >= 1 && len(at) >= depth && ancestorsCount && !identifies(p[:depth]) {
		n := at[depth-1]
		return manifest.Location{Line: n.Line, Column: n.Column}, true, false
	}
	return loc, false, false
}

// identifies tells whether a path of a strategic-merge patch only says what
// the patch applies to (the object's identity, a list item's name) rather
// than a value it sets.
func identifies(p manifest.Path) bool {
	switch p.String() {
	case "apiVersion", "kind", "metadata.name", "metadata.namespace":
		return true
	}
	n := len(p)
	return n >= 2 && p[n-2].IsIndex && !p[n-1].IsIndex && p[n-1].Key == "name"
}

// json6902Effect finds the last operation whose path covers the field at
// depth (sets it or an ancestor), or removes a part of p below it.
func json6902Effect(ops, built *yaml.Node, p manifest.Path, depth int) (loc manifest.Location, set, removed bool) {
	for _, op := range ops.Content {
		if op.Kind != yaml.MappingNode {
			continue
		}
		name := manifest.ScalarString(manifest.MappingGet(op, "op"))
		here := manifest.Location{Line: op.Line, Column: op.Column}
		switch name {
		case "add", "replace", "copy", "move":
			q := pointerPath(built, manifest.ScalarString(manifest.MappingGet(op, "path")))
			if len(q) >= 1 && len(q) <= depth && hasPrefix(p, q) {
				loc, set, removed = here, true, false
			}
		}
		var gone string
		switch name {
		case "remove":
			gone = manifest.ScalarString(manifest.MappingGet(op, "path"))
		case "move":
			gone = manifest.ScalarString(manifest.MappingGet(op, "from"))
		}
		if gone != "" {
			if q := pointerPath(built, gone); len(q) > depth && hasPrefix(p, q) {
				loc, set, removed = here, false, true
			}
		}
	}
	return loc, set, removed
}

func hasPrefix(p, q manifest.Path) bool {
	if len(q) > len(p) {
		return false
	}
	for i := range q {
		if q[i] != p[i] {
			return false
		}
	}
	return true
}

// pointerPath turns a JSON pointer into a path, reading a numeric token as
// an index where the built object has a list there (and "-", the end of a
// list, as its last item).
func pointerPath(built *yaml.Node, ptr string) manifest.Path {
	if ptr == "" || ptr[0] != '/' {
		return nil
	}
	var p manifest.Path
	cur := manifest.Resolve(built)
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		isSeq := cur != nil && cur.Kind == yaml.SequenceNode
		n, err := strconv.Atoi(tok)
		switch {
		case isSeq && tok == "-":
			p = append(p, manifest.Segment{Index: len(cur.Content) - 1, IsIndex: true})
		case err == nil && n >= 0 && (isSeq || cur == nil):
			p = append(p, manifest.Segment{Index: n, IsIndex: true})
		default:
			p = append(p, manifest.Segment{Key: tok})
		}
		if cur != nil {
			_, cur = stepInto(cur, p[len(p)-1])
		}
	}
	return p
}

// stepInto resolves one segment in n: at stands for the entry (the key node
// of a mapping entry, the item of a list) and val is its value.
func stepInto(n *yaml.Node, seg manifest.Segment) (at, val *yaml.Node) {
	n = manifest.Resolve(n)
	if n == nil {
		return nil, nil
	}
	if seg.IsIndex {
		if n.Kind != yaml.SequenceNode || seg.Index < 0 || seg.Index >= len(n.Content) {
			return nil, nil
		}
		return n.Content[seg.Index], manifest.Resolve(n.Content[seg.Index])
	}
	chain := manifest.Chain(n, manifest.Path{seg})
	if len(chain) < 2 {
		return nil, nil
	}
	return chain[1], manifest.MappingGet(n, seg.Key)
}

// mergeKeys identify list items across the built object, its source and its
// patches, as strategic merge matches them.
var mergeKeys = []string{"name", "containerPort", "port", "mountPath", "devicePath", "ip"}

// follow walks p in other, translating list indexes of the built object
// into the other document's: an item is found by its merge key (a container
// by name), so a patch or source that orders lists differently still
// matches. It returns the entries reached (see stepInto) and their values.
func follow(built *yaml.Node, p manifest.Path, other *yaml.Node) (at, vals []*yaml.Node) {
	at, vals, _ = followPath(built, p, other)
	return at, vals
}

// translatePath returns p as a path of other (see follow), and whether all
// of p exists there; when it does not, the part that does.
func translatePath(built *yaml.Node, p manifest.Path, other *yaml.Node) (manifest.Path, bool) {
	_, _, q := followPath(built, p, other)
	return q, len(q) == len(p)
}

func followPath(built *yaml.Node, p manifest.Path, other *yaml.Node) (at, vals []*yaml.Node, q manifest.Path) {
	b, o := manifest.Resolve(built), manifest.Resolve(other)
	for _, seg := range p {
		if o == nil {
			break
		}
		var bNext *yaml.Node
		oseg := seg
		if seg.IsIndex {
			if b != nil && b.Kind == yaml.SequenceNode && seg.Index >= 0 && seg.Index < len(b.Content) {
				bNext = manifest.Resolve(b.Content[seg.Index])
				j := matchItem(bNext, o, seg.Index)
				if j < 0 {
					break
				}
				oseg.Index = j
			}
		} else if b != nil {
			_, bNext = stepInto(b, seg)
		}
		a, v := stepInto(o, oseg)
		if a == nil {
			break
		}
		at, vals, q = append(at, a), append(vals, v), append(q, oseg)
		b, o = bNext, v
	}
	return at, vals, q
}

// matchItem finds the item of list o that stands for item (index idx of the
// built list): by merge key when item has one, else by position.
func matchItem(item, o *yaml.Node, idx int) int {
	if o.Kind != yaml.SequenceNode {
		return -1
	}
	if item != nil && item.Kind == yaml.MappingNode {
		for _, k := range mergeKeys {
			want := manifest.ScalarString(manifest.MappingGet(item, k))
			if want == "" {
				continue
			}
			for j, c := range o.Content {
				if manifest.ScalarString(manifest.MappingGet(c, k)) == want {
					return j
				}
			}
			return -1
		}
	}
	if idx < len(o.Content) {
		return idx
	}
	return -1
}

// locate points a generated object's field at the generator entry, or for a
// data key at the literal, file or env line that provided it.
func (g *genSource) locate(p manifest.Path) manifest.Location {
	entry := manifest.Location{File: g.kf.display, Line: g.entry.Line, Column: g.entry.Column}
	if len(p) < 2 || p[1].IsIndex {
		return entry
	}
	switch p[0].Key {
	case "data", "binaryData", "stringData":
	default:
		return entry
	}
	key := p[1].Key
	for _, n := range seqScalars(manifest.MappingGet(g.entry, "literals")) {
		if k, _, ok := strings.Cut(n.Value, "="); ok && strings.TrimSpace(k) == key {
			return manifest.Location{File: g.kf.display, Line: n.Line, Column: n.Column}
		}
	}
	for _, n := range seqScalars(manifest.MappingGet(g.entry, "files")) {
		k, path, ok := strings.Cut(n.Value, "=")
		if !ok {
			k, path = filepath.Base(n.Value), n.Value
		}
		if strings.TrimSpace(k) == key && path != "" {
			return manifest.Location{File: g.kf.display, Line: n.Line, Column: n.Column}
		}
	}
	envs := seqScalars(manifest.MappingGet(g.entry, "envs"))
	if n := manifest.MappingGet(g.entry, "env"); n != nil && n.Kind == yaml.ScalarNode {
		envs = append(envs, n)
	}
	for _, n := range envs {
		if loc, ok := g.envLine(n.Value, key); ok {
			return loc
		}
	}
	return entry
}

// envLine finds key=value for key in an env file of the generator.
func (g *genSource) envLine(name, key string) (manifest.Location, bool) {
	abs := filepath.Join(g.kf.dir, name)
	f, err := os.Open(abs)
	if err != nil {
		return manifest.Location{}, false
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return manifest.Location{}, false
	}
	data, err := readLimited(f, g.max)
	if err != nil {
		return manifest.Location{}, false
	}
	for i, l := range strings.Split(string(data), "\n") {
		t := strings.TrimLeft(l, " \t")
		if k, _, ok := strings.Cut(t, "="); ok && strings.TrimSpace(k) == key && !strings.HasPrefix(t, "#") {
			return manifest.Location{File: DisplayPath(abs), Line: i + 1, Column: len(l) - len(t) + 1}, true
		}
	}
	return manifest.Location{}, false
}
