package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/types"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/kustomize/kyaml/yaml/merge2"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/kready/kready/manifest"
)

// A kustomization's helmCharts entries are rendered by kready's own Helm
// renderer, in-process and offline, before kustomize runs. Each entry's
// objects are served to kustomize as a file that exists only in kustFS (the
// virtual file, in the kustomization's directory, never written), and the
// kustomization kustomize reads lists that file among its resources instead
// of the entry. Kustomize then prefixes, labels and patches the objects as
// it would its own Helm output; the objects keep the template and values
// lines of the render for locating.

// helmGeneratedAnnotation marks objects as Helm output for kustomize, whose
// namespace transformer then leaves them alone (it does for its own Helm
// output); kustomize removes it from what it builds.
const helmGeneratedAnnotation = "internal.config.kubernetes.io/helm-generated"

// virtualPrefix starts the name of every virtual file.
const virtualPrefix = ".kready-helm-"

// helmEntry is one chart a kustomization inflates: a helmCharts entry, or a
// deprecated helmChartInflationGenerator entry converted as kustomize does.
type helmEntry struct {
	kf      *kustFile
	field   string     // "helmCharts" or "helmChartInflationGenerator"
	node    *yaml.Node // the entry's mapping
	chart   types.HelmChart
	err     string     // why the entry cannot be decoded, or ""
	inlineK *yaml.Node // the valuesInline (valuesLocal) key, for locating values
	inlineV *yaml.Node
	dir     string // the chart's directory, absolute and lexical
	virtual string // the file standing for its objects, absolute and lexical
}

// label names the entry in messages.
func (e *helmEntry) label() string {
	return fmt.Sprintf("%s entry %q", e.field, e.chart.Name)
}

// chartRel is the chart's directory as the kustomization names it.
func (e *helmEntry) chartRel() string {
	if rel, err := filepath.Rel(e.kf.dir, e.dir); err == nil {
		return filepath.ToSlash(rel)
	}
	return DisplayPath(e.dir)
}

// helmEntries returns the charts kf inflates, in the order kustomize
// generates them: helmCharts, then helmChartInflationGenerator.
func (kf *kustFile) helmEntries() []*helmEntry {
	kf.helmOnce.Do(func() { kf.helm = parseHelmEntries(kf) })
	return kf.helm
}

func parseHelmEntries(kf *kustFile) []*helmEntry {
	if kf.root == nil {
		return nil
	}
	var out []*helmEntry
	for _, n := range seqMappings(manifest.MappingGet(kf.root, "helmCharts")) {
		e := &helmEntry{kf: kf, field: "helmCharts", node: n}
		if err := decodeKustomizeField(n, &e.chart); err != nil {
			e.err = err.Error()
		}
		e.inlineK, e.inlineV = mappingEntry(n, "valuesInline")
		out = append(out, e)
	}
	legacyHome := ""
	for _, n := range seqMappings(manifest.MappingGet(kf.root, "helmChartInflationGenerator")) {
		e := &helmEntry{kf: kf, field: "helmChartInflationGenerator", node: n}
		var args types.HelmChartArgs
		if err := decodeKustomizeField(n, &args); err != nil {
			e.err = err.Error()
		}
		charts, globals := types.SplitHelmParameters([]types.HelmChartArgs{args})
		e.chart = charts[0]
		if globals.ChartHome != "" {
			legacyHome = globals.ChartHome // the last one wins, as in kustomize
		}
		e.inlineK, e.inlineV = mappingEntry(n, "valuesLocal")
		out = append(out, e)
	}
	home := types.HelmDefaultHome
	if g := manifest.MappingGet(kf.root, "helmGlobals"); g != nil {
		var globals types.HelmGlobals
		if decodeKustomizeField(g, &globals) == nil && globals.ChartHome != "" {
			home = globals.ChartHome
		}
	} else if legacyHome != "" {
		home = legacyHome
	}
	if !filepath.IsAbs(home) {
		home = filepath.Join(kf.dir, home)
	}
	for i, e := range out {
		e.dir = filepath.Join(home, e.chart.Name)
		e.virtual = filepath.Join(kf.dir, fmt.Sprintf("%s%d-%s.yaml", virtualPrefix, i, unsafeNameChars.ReplaceAllString(e.chart.Name, "_")))
	}
	return out
}

var unsafeNameChars = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// decodeKustomizeField decodes a part of a kustomization the way kustomize
// does: as JSON, field names matched without case, unknown fields refused.
func decodeKustomizeField(n *yaml.Node, v any) error {
	js, err := manifest.ToJSON(n)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// mappingEntry returns the key and value nodes of key in mapping m.
func mappingEntry(m *yaml.Node, key string) (k, v *yaml.Node) {
	for i := 0; m != nil && i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			k, v = m.Content[i], m.Content[i+1]
		}
	}
	return k, v
}

// scanHelm checks the charts kf inflates before anything renders: chart
// repositories are refused (pulling needs the network), and each chart must
// be vendored where kustomize looks for it. Their virtual files join the
// instance's files, so overlay patches are matched against their objects.
func (s *kustScan) scanHelm(kf *kustFile, inst *kustInst) {
	for _, key := range []string{"helmCharts", "helmChartInflationGenerator"} {
		n := manifest.MappingGet(kf.root, key)
		if n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null") {
			continue
		}
		if n.Kind != yaml.SequenceNode {
			s.problem(kf, n, "%s must be a list of charts", key)
			continue
		}
		for _, item := range n.Content {
			if manifest.Resolve(item) == nil || manifest.Resolve(item).Kind != yaml.MappingNode {
				s.problem(kf, item, "%s entries must be mappings", key)
			}
		}
	}
	if g := manifest.MappingGet(kf.root, "helmGlobals"); g != nil {
		var globals types.HelmGlobals
		if err := decodeKustomizeField(g, &globals); err != nil {
			s.problem(kf, g, "helmGlobals: %v", err)
		}
	}
	for _, e := range kf.helmEntries() {
		inst.all[e.virtual] = true
		repoKey := "repo"
		if e.field == "helmChartInflationGenerator" {
			repoKey = "chartRepoUrl"
		}
		switch {
		case e.err != "":
			s.problem(kf, e.node, "%s entry: %s", e.field, e.err)
		case e.chart.Repo != "":
			n := manifest.MappingGet(e.node, repoKey)
			if n == nil {
				n = e.node
			}
			s.problem(kf, n, "remote resource refused (offline): %s %s %q of chart %q needs the network to pull the chart; vendor the chart under %s and drop %s to have it rendered",
				e.field, repoKey, e.chart.Repo, e.chart.Name, e.chartRel(), repoKey)
		case e.chart.Name == "":
			s.problem(kf, e.node, "%s entry without a chart name", e.field)
		case e.chart.ValuesMerge != "" && e.chart.ValuesMerge != "merge" && e.chart.ValuesMerge != "override" && e.chart.ValuesMerge != "replace":
			s.problem(kf, manifest.MappingGet(e.node, "valuesMerge"), "%s: valuesMerge must be merge, override or replace, not %q", e.label(), e.chart.ValuesMerge)
		default:
			s.checkChartDir(kf, e)
		}
	}
}

// checkChartDir checks that an entry's chart is vendored in its chart home,
// inside the repository, and that the values kustomize reads by default are
// readable.
func (s *kustScan) checkChartDir(kf *kustFile, e *helmEntry) {
	if s.boundary != "" && !within(resolvedPath(e.dir), s.boundary) {
		s.problem(kf, e.node, "%s: chart directory %s is outside the repository %s (refused)", e.label(), e.chartRel(), DisplayPath(s.boundary))
		return
	}
	fi, err := os.Stat(e.dir)
	switch {
	case err != nil:
		s.problem(kf, e.node, "%s: chart directory %s not found: kready renders only charts vendored there and never pulls them", e.label(), e.chartRel())
		return
	case !fi.IsDir():
		s.problem(kf, e.node, "%s: %s is not a chart directory", e.label(), e.chartRel())
		return
	case !isRegular(filepath.Join(e.dir, "Chart.yaml")):
		s.problem(kf, e.node, "%s: chart directory %s has no Chart.yaml", e.label(), e.chartRel())
		return
	}
	if e.chart.ValuesFile != "" {
		return // checked as a file the kustomization reads
	}
	values := filepath.Join(e.dir, "values.yaml")
	switch {
	case !isRegular(values):
		s.problem(kf, e.node, "%s: kustomize reads the chart's values.yaml when valuesFile is not set, and %s/values.yaml is missing", e.label(), e.chartRel())
	case !within(resolvedPath(values), resolvedPath(kf.dir)):
		s.problem(kf, e.node, "%s: kustomize reads the chart's values.yaml when valuesFile is not set, and %s/values.yaml is outside the kustomization's directory", e.label(), e.chartRel())
	}
}

// helmRender is one entry's chart rendered with one release namespace.
type helmRender struct {
	once  sync.Once
	entry *helmEntry
	ns    string
	objs  []*manifest.Object // with template and values locators
	text  []byte             // the virtual file kustomize reads
	unit  *Unit              // the render's errors, skips and findings
}

// kustHelm holds what one build needs of its rendered charts.
type kustHelm struct {
	renders map[string]*helmRender // by virtual file, absolute and lexical
	files   map[string][]byte      // virtual file text, by real path
	kusts   map[string][]byte      // rewritten kustomization text, by real path
}

// virtualFile returns the text of the virtual file at p.
func (h *kustHelm) virtualFile(p string) ([]byte, bool) {
	if h == nil || !strings.HasPrefix(filepath.Base(p), virtualPrefix) {
		return nil, false
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, false
	}
	data, ok := h.files[abs]
	return data, ok
}

// kustomization returns the text kustomize reads for the kustomization file
// at real path p, when its charts were replaced by virtual files.
func (h *kustHelm) kustomization(real string) ([]byte, bool) {
	if h == nil {
		return nil, false
	}
	data, ok := h.kusts[real]
	return data, ok
}

// render returns the render whose virtual file is abs (lexical), or nil.
func (h *kustHelm) render(abs string) *helmRender {
	if h == nil {
		return nil
	}
	return h.renders[abs]
}

// describe replaces virtual file names in a kustomize message with the
// entries they stand for.
func (h *kustHelm) describe(msg string) string {
	if h == nil {
		return msg
	}
	for abs, r := range h.renders {
		desc := fmt.Sprintf("the objects of %s (%s:%d)", r.entry.label(), r.entry.kf.display, r.entry.node.Line)
		base := filepath.Base(abs)
		for _, p := range []string{filepath.Join(resolvedPath(r.entry.kf.dir), base), abs, base} {
			msg = strings.ReplaceAll(msg, p, desc)
		}
	}
	return msg
}

// renderHelmCharts renders every chart that the kustomizations of a build
// inflate. Each renders with the release namespace kustomize would give it:
// the entry's own, else its kustomization's namespace, else the nearest
// including kustomization's. A render's errors, skips and findings go into
// u; when a chart fails, u.Err is set and nil is returned.
func (c *kustCache) renderHelmCharts(u *Unit, inst *kustInst) *kustHelm {
	type use struct {
		e  *helmEntry
		ns string
	}
	var uses []use
	var errs []*Error
	seen := map[string]string{}
	var walk func(in *kustInst, inherited string)
	walk = func(in *kustInst, inherited string) {
		own := manifest.ScalarString(manifest.MappingGet(in.kf.root, "namespace"))
		for _, e := range in.kf.helmEntries() {
			ns := e.chart.Namespace
			if ns == "" {
				ns = own
			}
			if ns == "" {
				ns = inherited
			}
			if prev, ok := seen[e.virtual]; ok {
				if prev != ns {
					errs = append(errs, &Error{File: e.kf.display, Line: e.node.Line, Message: fmt.Sprintf(
						"%s: this build includes the kustomization twice, with release namespaces %q and %q; kready renders a chart once per build (refused)", e.label(), prev, ns)})
				}
				continue
			}
			seen[e.virtual] = ns
			uses = append(uses, use{e, ns})
		}
		if own != "" {
			inherited = own
		}
		for _, ch := range append(append([]*kustInst(nil), in.bases...), in.comps...) {
			walk(ch, inherited)
		}
	}
	walk(inst, "")
	if len(uses) == 0 && len(errs) == 0 {
		return nil
	}
	h := &kustHelm{renders: map[string]*helmRender{}, files: map[string][]byte{}, kusts: map[string][]byte{}}
	byKust := map[*kustFile][]string{}
	for _, us := range uses {
		r := c.helmRender(us.e, us.ns)
		if r.unit.Err != nil {
			errs = append(errs, r.unit.Err)
		}
		u.Errors = append(u.Errors, r.unit.Errors...)
		u.Skipped = append(u.Skipped, r.unit.Skipped...)
		u.Findings = append(u.Findings, r.unit.Findings...)
		h.renders[us.e.virtual] = r
		h.files[filepath.Join(resolvedPath(us.e.kf.dir), filepath.Base(us.e.virtual))] = r.text
		byKust[us.e.kf] = append(byKust[us.e.kf], filepath.Base(us.e.virtual))
	}
	if len(errs) > 0 {
		u.Err, u.Errors = errs[0], append(errs[1:], u.Errors...)
		return nil
	}
	for kf, names := range byKust {
		text, err := withoutHelmCharts(kf.data, names)
		if err != nil {
			u.Err = &Error{File: kf.display, Message: err.Error()}
			return nil
		}
		h.kusts[resolvedPath(kf.path)] = text
	}
	return h
}

// helmRender renders an entry's chart once per KustomizeUnits call and
// namespace: overlays sharing a base share its renders, which are read-only
// once made.
func (c *kustCache) helmRender(e *helmEntry, ns string) *helmRender {
	key := e.virtual + "\x00" + ns
	c.helmMu.Lock()
	if c.helmRenders == nil {
		c.helmRenders = map[string]*helmRender{}
	}
	r := c.helmRenders[key]
	if r == nil {
		r = &helmRender{entry: e, ns: ns}
		c.helmRenders[key] = r
	}
	c.helmMu.Unlock()
	r.once.Do(func() { r.run(c.maxSize, c.helmOpt) })
	return r
}

// run renders the chart as `helm template` would with the arguments
// kustomize passes for the entry, offline and in-process.
func (r *helmRender) run(maxSize int64, base HelmOptions) {
	e := r.entry
	r.unit = &Unit{Path: DisplayPath(e.dir), Kind: Helm}
	in, err := helmValues(e, maxSize)
	if err != nil {
		r.unit.Err = err
		return
	}
	h := HelmOptions{
		ReleaseName: e.chart.ReleaseName,
		Namespace:   r.ns,
		KubeVersion: base.KubeVersion,
		APIVersions: append(append([]string(nil), base.APIVersions...), e.chart.ApiVersions...),
		SkipTests:   e.chart.SkipTests,
		Timeout:     base.Timeout,
	}
	if e.chart.KubeVersion != "" {
		h.KubeVersion = e.chart.KubeVersion
	}
	renderChart(r.unit, e.dir, Options{MaxFileSize: maxSize, Helm: h}, in)
	if u := r.unit; u.Err != nil {
		err := *u.Err
		err.Message = fmt.Sprintf("%s (rendering %s at %s:%d)", err.Message, e.label(), e.kf.display, e.node.Line)
		u.Err, u.Objects = &err, nil
		return
	}
	r.objs = r.unit.Objects
	var b bytes.Buffer
	for _, o := range r.objs {
		doc, err := helmGenerated(o)
		if err != nil {
			r.unit.Err = &Error{File: o.Source.File, Line: o.Source.Line, Message: fmt.Sprintf("%s %s: %v (rendering %s at %s:%d)", o.Kind, o.Name, err, e.label(), e.kf.display, e.node.Line)}
			return
		}
		b.WriteString("---\n")
		b.Write(doc)
	}
	r.text = b.Bytes()
}

// helmGenerated encodes a rendered object for kustomize, marked as Helm
// output. Objects whose node holds aliases or repeated keys are encoded from
// their JSON, which has neither.
func helmGenerated(o *manifest.Object) ([]byte, error) {
	root := o.Node
	if len(o.Duplicates) > 0 || hasAlias(root, 0) {
		var doc yaml.Node
		if err := yaml.Unmarshal(o.JSON, &doc); err != nil || len(doc.Content) == 0 {
			return nil, fmt.Errorf("cannot encode the object: %v", err)
		}
		root = doc.Content[0]
	}
	// Copy the path down to the annotations, so the render's own node (its
	// locator's tree) stays as rendered.
	top := *root
	top.Content = append([]*yaml.Node(nil), root.Content...)
	md := withKey(&top, "metadata")
	ann := withKey(md, "annotations")
	ann.Content = append(ann.Content,
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: helmGeneratedAnnotation},
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "true", Style: yaml.DoubleQuotedStyle})
	return yaml.Marshal(&top)
}

// withKey replaces the mapping at key of m (a copy) by a copy of it, or adds
// an empty one, and returns it.
func withKey(m *yaml.Node, key string) *yaml.Node {
	for i := len(m.Content) - 2; i >= 0; i -= 2 {
		if m.Content[i].Value == key && m.Content[i+1].Kind == yaml.MappingNode {
			c := *m.Content[i+1]
			c.Content = append([]*yaml.Node(nil), c.Content...)
			m.Content[i+1] = &c
			return &c
		}
	}
	for i := len(m.Content) - 2; i >= 0; i -= 2 {
		if m.Content[i].Value == key {
			// null or empty: replaced, as kubectl would read no value there.
			c := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			m.Content[i+1] = c
			return c
		}
	}
	c := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, c)
	return c
}

func hasAlias(n *yaml.Node, depth int) bool {
	if n == nil || depth > 10_000 {
		return false
	}
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return true
	}
	for _, c := range n.Content {
		if hasAlias(c, depth+1) {
			return true
		}
	}
	return false
}

// helmValues computes the user-supplied values kustomize would hand to helm
// for an entry: the values file (the chart's values.yaml unless valuesFile
// names another) combined with valuesInline per valuesMerge, then each
// additionalValuesFiles file on top. The texts they came from are listed for
// locating, valuesInline as its lines in the kustomization file.
func helmValues(e *helmEntry, maxSize int64) (*chartInputs, *Error) {
	c := e.chart
	in := &chartInputs{crds: c.IncludeCRDs, skipHooks: c.SkipHooks}
	errAt := func(key string, format string, args ...any) *Error {
		n := manifest.MappingGet(e.node, key)
		if n == nil {
			n = e.node
		}
		return &Error{File: e.kf.display, Line: n.Line, Message: fmt.Sprintf("%s: ", e.label()) + fmt.Sprintf(format, args...)}
	}
	valuesKey := "valuesFile"
	if e.field == "helmChartInflationGenerator" {
		valuesKey = "values"
	}
	path := c.ValuesFile
	explicit := path != ""
	if !explicit {
		path = filepath.Join(e.dir, "values.yaml")
	} else if !filepath.IsAbs(path) {
		path = filepath.Join(e.kf.dir, path)
	}
	data, err := readUserFile(path, maxSize)
	if err != nil {
		return nil, errAt(valuesKey, "values file %s: %v", DisplayPath(path), err)
	}
	if e := checkValuesText(path, data); e != nil {
		return nil, e
	}
	var file, inline *valuesSource
	if explicit {
		file = &valuesSource{Display: DisplayPath(path), Data: data}
	}
	if e.inlineV != nil && len(c.ValuesInline) > 0 {
		inline = &valuesSource{Display: e.kf.display, Data: inlineValuesText(e.kf.data, e.inlineK, e.inlineV)}
	}
	merged := data
	order := []*valuesSource{file}
	inlineKey := "valuesInline"
	if e.field == "helmChartInflationGenerator" {
		inlineKey = "valuesLocal"
	}
	if len(c.ValuesInline) > 0 {
		mode := c.ValuesMerge
		if mode == "" {
			mode = "override"
		}
		if mode == "replace" {
			order = []*valuesSource{inline}
			if merged, err = sigsyaml.Marshal(c.ValuesInline); err != nil {
				return nil, errAt(inlineKey, "%s: %v", inlineKey, err)
			}
		} else {
			if mode == "override" {
				order = []*valuesSource{file, inline}
			} else {
				order = []*valuesSource{inline, file}
			}
			if merged, err = mergeInlineValues(data, c.ValuesInline, mode); err != nil {
				return nil, errAt(valuesKey, "values file %s: %v", DisplayPath(path), err)
			}
		}
	}
	values := map[string]interface{}{}
	if err := sigsyaml.Unmarshal(merged, &values); err != nil {
		return nil, errAt(valuesKey, "malformed values file %s: %v", DisplayPath(path), err)
	}
	for _, f := range c.AdditionalValuesFiles {
		p := f
		if !filepath.IsAbs(p) {
			p = filepath.Join(e.kf.dir, p)
		}
		data, err := readUserFile(p, maxSize)
		if err != nil {
			return nil, errAt("additionalValuesFiles", "values file %s: %v", DisplayPath(p), err)
		}
		if e := checkValuesText(p, data); e != nil {
			return nil, e
		}
		cur := map[string]interface{}{}
		if err := sigsyaml.Unmarshal(data, &cur); err != nil {
			return nil, &Error{File: DisplayPath(p), Message: "malformed values file: " + err.Error()}
		}
		values = mergeValues(values, cur)
		order = append(order, &valuesSource{Display: DisplayPath(p), Data: data})
	}
	in.values = values
	for _, s := range order {
		if s != nil {
			in.sources = append(in.sources, *s)
		}
	}
	return in, nil
}

// checkValuesText reports a values file that helm could not read, at its
// line where the parser gives one.
func checkValuesText(p string, data []byte) *Error {
	var v map[string]interface{}
	err := sigsyaml.Unmarshal(data, &v)
	if err == nil {
		return nil
	}
	e := &Error{File: DisplayPath(p), Message: "malformed values file: " + err.Error()}
	if m := sigsLineRe.FindStringSubmatch(err.Error()); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Message = "malformed values file: " + m[2]
	}
	return e
}

// mergeInlineValues combines a values file with valuesInline as kustomize
// does (kyaml's merge2): in override mode valuesInline wins, in merge mode
// the file does; a null removes the key.
func mergeInlineValues(file []byte, inline map[string]interface{}, mode string) ([]byte, error) {
	fileNode, err := kyaml.Parse(string(file))
	if err != nil {
		return nil, fmt.Errorf("cannot be merged with valuesInline (kustomize fails on it too): %v", err)
	}
	inlineNode, err := kyaml.FromMap(inline)
	if err != nil {
		return nil, err
	}
	var out *kyaml.RNode
	if mode == "override" {
		out, err = merge2.Merge(inlineNode, fileNode.Copy(), kyaml.MergeOptions{})
	} else {
		out, err = merge2.Merge(fileNode, inlineNode.Copy(), kyaml.MergeOptions{})
	}
	if err != nil {
		return nil, err
	}
	s, err := out.String()
	return []byte(s), err
}

// inlineValuesText is the kustomization text with every line blanked but
// those of the valuesInline value (and the part of the key's line before a
// flow value), so it parses as that mapping with its lines and columns in
// the kustomization file.
func inlineValuesText(data []byte, key, val *yaml.Node) []byte {
	if key == nil || val == nil {
		return nil
	}
	lines := strings.SplitAfter(string(data), "\n")
	indent := key.Column - 1
	end := val.Line
	for i := key.Line; i < len(lines); i++ {
		l := strings.TrimRight(lines[i], "\r\n")
		t := strings.TrimLeft(l, " ")
		if t == "" {
			continue
		}
		if len(l)-len(t) <= indent {
			break
		}
		end = i + 1
	}
	var b strings.Builder
	for n := 1; n <= len(lines); n++ {
		l := strings.TrimRight(lines[n-1], "\r\n")
		switch {
		case n < val.Line || n > end:
		case n == val.Line:
			r := []rune(l)
			if col := val.Column - 1; col <= len(r) {
				b.WriteString(strings.Repeat(" ", col) + string(r[col:]))
			}
		default:
			b.WriteString(l)
		}
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// withoutHelmCharts rewrites a kustomization for kustomize: its helmCharts
// and helmChartInflationGenerator entries removed and the virtual files
// standing for them appended to resources (kustomize generates chart objects
// after reading resources, so they come last there too).
func withoutHelmCharts(data []byte, files []string) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("cannot rewrite the kustomization: %v", err)
	}
	root := doc.Content[0]
	kept := make([]*yaml.Node, 0, len(root.Content))
	var resources *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		switch root.Content[i].Value {
		case "helmCharts", "helmChartInflationGenerator":
			continue
		case "resources":
			resources = root.Content[i+1]
		}
		kept = append(kept, root.Content[i], root.Content[i+1])
	}
	root.Content = kept
	items := make([]*yaml.Node, len(files))
	for i, f := range files {
		items[i] = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: f}
	}
	switch {
	case resources == nil:
		root.Content = append(root.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "resources"},
			&yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: items})
	case resources.Kind == yaml.SequenceNode:
		resources.Content = append(resources.Content, items...)
	case resources.Kind == yaml.ScalarNode && resources.ShortTag() == "!!null":
		*resources = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: items}
	default:
		return nil, fmt.Errorf("resources must be a list")
	}
	return yaml.Marshal(&doc)
}
