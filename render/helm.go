package render

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/template/parse"
	"time"

	"go.yaml.in/yaml/v3"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/ignore"
	"helm.sh/helm/v3/pkg/strvals"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/kready/kready/manifest"
)

// HelmOptions are the `helm template` inputs kready renders every chart
// with.
type HelmOptions struct {
	ValuesFiles []string // -f, in order: later files win
	Set         []string // --set
	SetString   []string // --set-string
	SetFile     []string // --set-file key=path
	SetJSON     []string // --set-json
	ReleaseName string   // "" means DefaultReleaseName
	Namespace   string   // "" means DefaultNamespace
	KubeVersion string   // "1.31", "v1.31" or "1.31.2"; "" means DefaultKubeVersion
	APIVersions []string // added to .Capabilities.APIVersions
	SkipTests   bool     // drop test hooks, like helm template --skip-tests
	// Timeout bounds one chart's render; 0 means DefaultRenderTimeout.
	Timeout time.Duration
}

const (
	DefaultReleaseName   = "release-name"
	DefaultNamespace     = "default"
	DefaultRenderTimeout = 60 * time.Second
)

// maxChartEntries bounds the files and directories read for one chart, so
// directory symlinks fanning out cannot make a walk endless.
const maxChartEntries = 100_000

// loadHelm renders one chart (a directory or a .tgz) into u. Nothing is
// fetched and nothing is written; any failure, panic included, becomes the
// unit's error.
func loadHelm(u *Unit, src string, opt Options) {
	renderChart(u, src, opt, nil)
}

// chartInputs are the inputs of a chart that a kustomization's helmCharts
// entry renders, in place of the command line's values flags.
type chartInputs struct {
	values    map[string]interface{} // user-supplied values, already merged
	sources   []valuesSource         // the texts those values came from, lowest precedence first
	crds      bool                   // include crds/ files (helm template --include-crds)
	skipHooks bool                   // leave hooks out (helm template --no-hooks)
}

// renderChart renders a chart into u with the values of in, or with those of
// opt.Helm when in is nil (crds/ files are then always included).
func renderChart(u *Unit, src string, opt Options, in *chartInputs) {
	defer func() {
		if p := recover(); p != nil {
			u.Objects = nil
			u.Err = &Error{File: u.Path, Message: fmt.Sprintf("internal error while rendering the chart: %v", p)}
		}
	}()
	h := opt.Helm
	caps, err := helmCapabilities(h.KubeVersion, h.APIVersions)
	if err != nil {
		u.Err = &Error{File: u.Path, Message: err.Error()}
		return
	}
	root := u.Path
	var files []*loader.BufferedFile
	isArchive := false
	if fi, err := os.Stat(src); err == nil && !fi.IsDir() {
		isArchive = true
		root += "#"
	} else {
		var e *Error
		if files, e = readChartDir(src, u.Path, opt.MaxFileSize); e != nil {
			u.Err = e
			return
		}
	}
	var (
		user        map[string]interface{}
		valuesFiles []valuesSource
		e           *Error
	)
	if in != nil {
		user, valuesFiles = copyValues(in.values).(map[string]interface{}), in.sources
	} else if user, valuesFiles, e = userValues(h, u.Path, opt.MaxFileSize); e != nil {
		u.Err = e
		return
	}
	var (
		ch    *chart.Chart
		roots map[*chart.File]string
		vals  chartutil.Values
	)
	// Helm reports warnings through the standard logger; they become verbose
	// notes of this unit instead of raw lines on stderr.
	logged := captureStdLog(func() {
		if isArchive {
			ch, err = loader.Load(src)
		} else {
			ch, err = loader.LoadFiles(files)
		}
		if err != nil {
			e = loaderError(err, root, src)
			return
		}
		roots = map[*chart.File]string{}
		locateCharts(ch, root, roots)
		if errs := append(missingDependencies(ch, roots), badImportValues(ch, roots)...); len(errs) > 0 {
			e, u.Errors = errs[0], append(u.Errors, errs[1:]...)
			return
		}
		if err = chartutil.ProcessDependenciesWithMerge(ch, user); err != nil {
			e = &Error{File: u.Path, Message: "processing dependencies: " + err.Error()}
			return
		}
		// Helm's schema check can fetch remote $refs; values schemas are
		// validated offline elsewhere.
		vals, err = chartutil.ToRenderValuesWithSchemaValidation(ch, user, chartutil.ReleaseOptions{
			Name:      orDefault(h.ReleaseName, DefaultReleaseName),
			Namespace: orDefault(h.Namespace, DefaultNamespace),
			IsInstall: true,
			Revision:  1,
		}, caps, true)
		if err != nil {
			e = &Error{File: u.Path, Message: "computing values: " + err.Error()}
		}
	})
	for _, l := range logged {
		u.Skipped = append(u.Skipped, Skip{File: u.Path, Reason: "helm: " + l})
	}
	if e != nil {
		u.Err = e
		return
	}
	charts := chartTree(ch)
	u.Findings = append(u.Findings, kubeVersionFindings(charts, roots, caps.KubeVersion.Version)...)
	u.Findings = append(u.Findings, schemaFindings(charts, roots, vals, valuesSources(valuesFiles, charts, roots), u.Path)...)

	timeout := h.Timeout
	if timeout <= 0 {
		timeout = DefaultRenderTimeout
	}
	render := func(c *chart.Chart) (map[string]string, error) {
		return renderWithin(timeout, func() (map[string]string, error) { return renderTemplates(c, vals) })
	}
	rendered, err := render(ch)
	if err != nil {
		u.Err = templateError(err, charts, roots, u.Path)
		return
	}

	display := map[string]string{} // template name → display path
	for _, c := range charts {
		for _, t := range c.Templates {
			if t != nil {
				display[path.Join(c.ChartFullPath(), t.Name)] = joinDisplay(roots[chartID(c)], t.Name)
			}
		}
	}
	if in == nil || in.crds {
		u.Objects = append(u.Objects, crdObjects(u, charts, roots)...)
	}
	names := make([]string, 0, len(rendered))
	for name := range rendered {
		names = append(names, name)
	}
	sort.Strings(names)
	perTemplate := map[string][]*manifest.Object{}
	for _, name := range names {
		text := rendered[name]
		if strings.HasSuffix(name, "NOTES.txt") || strings.HasPrefix(path.Base(name), "_") || strings.TrimSpace(text) == "" {
			continue
		}
		file := display[name]
		if file == "" {
			file = name
		}
		objs, errs, skips := decodeRendered(file, text)
		// Lines of rendered output are not lines of the template file, so they
		// go into the message rather than into Line.
		for _, e := range errs {
			msg := strings.TrimPrefix(e.Message, "malformed YAML: ")
			if e.Line > 0 {
				msg = fmt.Sprintf("line %d of the rendered output: %s", e.Line, msg)
				e.Line = 0
			}
			e.Message = "rendered template is not valid YAML: " + msg
			u.Errors = append(u.Errors, e)
		}
		for _, s := range skips {
			if s.Line > 0 {
				s.Reason = fmt.Sprintf("line %d of the rendered output: %s", s.Line, s.Reason)
				s.Line = 0
			}
			u.Skipped = append(u.Skipped, s)
		}
		kept := objs[:0]
		for _, o := range objs {
			if reason := hookDrop(o, h.SkipTests, in != nil && in.skipHooks); reason != "" {
				u.Skipped = append(u.Skipped, Skip{File: file, Reason: fmt.Sprintf("%s %s: %s", o.Kind, o.Name, reason)})
				continue
			}
			kept = append(kept, o)
		}
		if len(kept) > 0 {
			perTemplate[name] = kept
		}
	}
	if len(perTemplate) == 0 {
		return
	}
	if mapHelmLines {
		if err := mapTemplates(ch, render, rendered, display, valuesSources(valuesFiles, charts, roots), names, perTemplate); err != nil {
			u.Skipped = append(u.Skipped, Skip{File: u.Path, Reason: "template lines unavailable, findings point at rendered lines: " + err.Error()})
		}
	}
	for _, name := range names {
		u.Objects = append(u.Objects, perTemplate[name]...)
	}
}

// mapHelmLines turns the template line mapping off, for the benchmark that
// measures what the second render costs.
var mapHelmLines = true

// mapTemplates points each object at its template lines through the line
// mapper. When the mapper fails (or panics) every object keeps its
// rendered-output locator: objects are never dropped for want of lines.
func mapTemplates(ch *chart.Chart, render renderFunc, rendered, display map[string]string, values []valuesSource, names []string, perTemplate map[string][]*manifest.Object) (err error) {
	type saved struct {
		loc manifest.Locator
		src manifest.Source
	}
	before := map[*manifest.Object]saved{}
	for _, objs := range perTemplate {
		for _, o := range objs {
			before[o] = saved{o.Locator, o.Source}
		}
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error in the line mapper: %v", p)
		}
		if err != nil {
			for o, s := range before {
				o.Locator, o.Source = s.loc, s.src
			}
		}
	}()
	m, err := newTemplateMapper(ch, render, rendered, display, values)
	if err != nil {
		return err
	}
	for _, name := range names {
		if objs := perTemplate[name]; len(objs) > 0 {
			m.attach(name, objs)
		}
	}
	return nil
}

// decodeRendered splits a rendered template into documents where Helm does
// (a line starting with "---", even "---# comment", which YAML itself would
// not split on) and decodes them with lines of the rendered text.
func decodeRendered(file, text string) ([]*manifest.Object, []*Error, []Skip) {
	var b strings.Builder
	var inserted []int // lines of the normalized text that were split off a separator
	line := 0
	for rest := text; rest != ""; {
		l := rest
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			l, rest = rest[:i+1], rest[i+1:]
		} else {
			rest = ""
		}
		line++
		if !strings.HasPrefix(l, "---") || len(l) == 3 || strings.ContainsRune(" \t\r\n", rune(l[3])) {
			b.WriteString(l)
			continue
		}
		if l[3] == '#' {
			b.WriteString("--- " + l[3:])
			continue
		}
		b.WriteString("---\n" + l[3:])
		line++
		inserted = append(inserted, line)
	}
	objs, errs, skips := decodeStream(file, []byte(b.String()))
	if len(inserted) == 0 {
		return objs, errs, skips
	}
	orig := func(n int) int {
		return n - sort.SearchInts(inserted, n+1)
	}
	for _, o := range objs {
		renumber(o.Node, orig, 0)
		o.Source.Line = orig(o.Source.Line)
		o.Locator = manifest.NodeLocator{File: file, Root: o.Node}
	}
	for _, e := range errs {
		e.Line = orig(e.Line)
	}
	for i := range skips {
		skips[i].Line = orig(skips[i].Line)
	}
	return objs, errs, skips
}

// renumber maps the line of every node of a tree (aliases are not followed:
// their targets are renumbered where they are defined).
func renumber(n *yaml.Node, orig func(int) int, depth int) {
	n.Line = orig(n.Line)
	if depth > 20_000 {
		return
	}
	for _, c := range n.Content {
		renumber(c, orig, depth+1)
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// renderTemplates runs Helm's engine on a chart with fixed values. Templates
// can mutate the values they are given (sprig's set, merge), so each call
// renders from its own copy.
func renderTemplates(ch *chart.Chart, vals chartutil.Values) (map[string]string, error) {
	own, _ := copyValues(vals).(chartutil.Values)
	return engine.Engine{}.Render(ch, own)
}

// copyValues deep-copies the maps and lists of a values tree.
func copyValues(v interface{}) interface{} {
	switch v := v.(type) {
	case chartutil.Values:
		out := make(chartutil.Values, len(v))
		for k, x := range v {
			out[k] = copyValues(x)
		}
		return out
	case map[string]interface{}:
		out := make(map[string]interface{}, len(v))
		for k, x := range v {
			out[k] = copyValues(x)
		}
		return out
	case []interface{}:
		out := make([]interface{}, len(v))
		for i, x := range v {
			out[i] = copyValues(x)
		}
		return out
	}
	return v
}

// renderWithin runs f with a deadline. A template that never ends cannot be
// interrupted, so its goroutine is abandoned and the chart fails.
func renderWithin(timeout time.Duration, f func() (map[string]string, error)) (map[string]string, error) {
	type result struct {
		out map[string]string
		err error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if p := recover(); p != nil {
				r = result{err: fmt.Errorf("rendering template failed: %v", p)}
			}
			done <- r
		}()
		r.out, r.err = f()
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.out, r.err
	case <-timer.C:
		return nil, errRenderTimeout{timeout}
	}
}

type errRenderTimeout struct{ d time.Duration }

func (e errRenderTimeout) Error() string {
	if e.d%time.Second == 0 {
		return fmt.Sprintf("render did not finish within %ds", int(e.d/time.Second))
	}
	return "render did not finish within " + e.d.String()
}

var stdLogMu sync.Mutex

// captureStdLog runs f with the standard logger writing into a buffer and
// returns the lines written. Concurrent captures take turns.
func captureStdLog(f func()) []string {
	stdLogMu.Lock()
	defer stdLogMu.Unlock()
	var buf bytes.Buffer
	prevOut, prevFlags := log.Writer(), log.Flags()
	log.SetOutput(&buf)
	log.SetFlags(0)
	defer func() {
		// Another capture (kustomize's) may have taken over meanwhile; then
		// it restores the logger, not this one.
		if log.Writer() == io.Writer(&buf) {
			log.SetOutput(prevOut)
			log.SetFlags(prevFlags)
		}
	}()
	f()
	var out []string
	seen := map[string]bool{}
	for _, l := range strings.Split(buf.String(), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || seen[l] || len(out) == 50 {
			continue
		}
		seen[l] = true
		out = append(out, l)
	}
	return out
}

// joinDisplay joins a chart's display root and a chart-relative file name:
// "deploy/web" + "templates/x.yaml", "web-1.0.0.tgz#" + "templates/x.yaml".
func joinDisplay(root, name string) string {
	switch {
	case strings.HasSuffix(root, "#"):
		return root + name
	case root == "." || root == "":
		return name
	}
	return root + "/" + name
}

// chartID identifies a chart across the shallow copies Helm makes for
// aliased dependencies: the copies share the chart's raw files.
func chartID(c *chart.Chart) *chart.File {
	if c == nil || len(c.Raw) == 0 {
		return nil
	}
	return c.Raw[0]
}

// chartTree lists a chart and its (enabled) subcharts, parents first.
func chartTree(ch *chart.Chart) []*chart.Chart {
	out := []*chart.Chart{ch}
	for i := 0; i < len(out); i++ {
		out = append(out, sortedDependencies(out[i])...)
	}
	return out
}

// sortedDependencies orders subcharts by name: Helm adds them in map order,
// and output must not change from run to run.
func sortedDependencies(c *chart.Chart) []*chart.Chart {
	deps := append([]*chart.Chart(nil), c.Dependencies()...)
	sort.SliceStable(deps, func(i, j int) bool { return deps[i].Name() < deps[j].Name() })
	return deps
}

// locateCharts records where each chart of a loaded tree lives on disk, as a
// display root. Helm keeps no paths, so subcharts are found through the
// bytes they share with their parent's raw files (directories) or by their
// archive's Chart.yaml (.tgz).
func locateCharts(c *chart.Chart, root string, out map[*chart.File]string) {
	out[chartID(c)] = root
	for _, sub := range c.Dependencies() {
		subRoot := subchartRoot(c, sub, root)
		locateCharts(sub, subRoot, out)
	}
}

var archiveEntry = regexp.MustCompile(`^charts/[^/]+\.tgz$`)

func subchartRoot(parent, sub *chart.Chart, root string) string {
	if f := rawFile(sub, "Chart.yaml"); f != nil && len(f.Data) > 0 {
		for _, pf := range parent.Raw {
			if len(pf.Data) > 0 && &pf.Data[0] == &f.Data[0] && strings.HasSuffix(pf.Name, "/Chart.yaml") {
				return joinDisplay(root, strings.TrimSuffix(pf.Name, "/Chart.yaml"))
			}
		}
	}
	name, version := sub.Name(), ""
	if sub.Metadata != nil {
		version = sub.Metadata.Version
	}
	if f := rawFile(parent, fmt.Sprintf("charts/%s-%s.tgz", name, version)); f != nil {
		return joinDisplay(root, f.Name) + "#"
	}
	for _, pf := range parent.Raw {
		if !archiveEntry.MatchString(pf.Name) {
			continue
		}
		files, err := loader.LoadArchiveFiles(bytes.NewReader(pf.Data))
		if err != nil {
			continue
		}
		for _, f := range files {
			var md chart.Metadata
			if f.Name == "Chart.yaml" && sigsyaml.Unmarshal(f.Data, &md) == nil && md.Name == name && md.Version == version {
				return joinDisplay(root, pf.Name) + "#"
			}
		}
	}
	return joinDisplay(root, "charts/"+name)
}

func rawFile(c *chart.Chart, name string) *chart.File {
	for _, f := range c.Raw {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// chartYAML parses a chart's Chart.yaml into nodes, for locating its keys.
func chartYAML(c *chart.Chart) *yaml.Node {
	f := rawFile(c, "Chart.yaml")
	if f == nil {
		return nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(f.Data, &doc); err != nil || len(doc.Content) == 0 {
		return nil
	}
	return doc.Content[0]
}

// missingDependencies reports, per chart of the tree, the Chart.yaml
// dependencies that are not vendored under charts/. kready renders offline:
// it never downloads them.
func missingDependencies(top *chart.Chart, roots map[*chart.File]string) []*Error {
	var errs []*Error
	for _, c := range chartTree(top) {
		if c.Metadata == nil {
			continue
		}
		var missing []string
		first := -1
		for i, d := range c.Metadata.Dependencies {
			if d == nil {
				continue
			}
			found := false
			for _, v := range c.Dependencies() {
				if v.Name() == d.Name {
					found = true
					break
				}
			}
			if found {
				continue
			}
			if first < 0 {
				first = i
			}
			desc := d.Name
			if d.Alias != "" && d.Alias != d.Name {
				desc += " (alias " + d.Alias + ")"
			}
			if d.Repository != "" {
				desc += " from " + d.Repository
			}
			missing = append(missing, desc)
		}
		if len(missing) == 0 {
			continue
		}
		file := joinDisplay(roots[chartID(c)], "Chart.yaml")
		e := &Error{File: file, Message: fmt.Sprintf("chart %s: missing %s %s in charts/: vendor %s with `helm dependency build` (kready never downloads charts)",
			c.Name(), plural(len(missing), "dependency", "dependencies"), strings.Join(missing, ", "), plural(len(missing), "it", "them"))}
		if n := chartYAML(c); n != nil {
			loc, _ := manifest.NodeLocator{File: file, Root: n}.Locate(manifest.Path{}.Key("dependencies").Index(first))
			e.Line = loc.Line
		}
		errs = append(errs, e)
	}
	return errs
}

// badImportValues reports import-values entries Helm would silently skip or
// misread: each must be a name, or a map with string child and parent.
func badImportValues(top *chart.Chart, roots map[*chart.File]string) []*Error {
	var errs []*Error
	for _, c := range chartTree(top) {
		if c.Metadata == nil {
			continue
		}
		for i, d := range c.Metadata.Dependencies {
			if d == nil {
				continue
			}
			for j, iv := range d.ImportValues {
				if validImportValue(iv) {
					continue
				}
				file := joinDisplay(roots[chartID(c)], "Chart.yaml")
				e := &Error{File: file, Message: fmt.Sprintf("dependency %s: import-values entry %d must be a name or a map with string child and parent", d.Name, j+1)}
				if n := chartYAML(c); n != nil {
					loc, _ := manifest.NodeLocator{File: file, Root: n}.Locate(manifest.Path{}.Key("dependencies").Index(i).Key("import-values").Index(j))
					e.Line = loc.Line
				}
				errs = append(errs, e)
			}
		}
	}
	return errs
}

func validImportValue(iv interface{}) bool {
	switch v := iv.(type) {
	case string:
		return v != ""
	case map[string]interface{}:
		child, ok1 := v["child"].(string)
		parent, ok2 := v["parent"].(string)
		return ok1 && ok2 && child != "" && parent != ""
	}
	return false
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// kubeVersionFindings reports charts whose kubeVersion constraint excludes
// the target version, at the kubeVersion line of their Chart.yaml.
func kubeVersionFindings(charts []*chart.Chart, roots map[*chart.File]string, target string) []Diagnostic {
	var out []Diagnostic
	seen := map[*chart.File]bool{}
	for _, c := range charts {
		if c.Metadata == nil || c.Metadata.KubeVersion == "" || seen[chartID(c)] {
			continue
		}
		seen[chartID(c)] = true
		if chartutil.IsCompatibleRange(c.Metadata.KubeVersion, target) {
			continue
		}
		file := joinDisplay(roots[chartID(c)], "Chart.yaml")
		d := Diagnostic{
			Rule: "chart-kube-version-mismatch",
			Message: fmt.Sprintf("chart %s requires kubeVersion %q, which excludes Kubernetes %s (the version rendered for; set it with --kube-version)",
				c.Name(), c.Metadata.KubeVersion, target),
			Location: manifest.Location{File: file, Line: 1, Column: 1},
			Path:     "kubeVersion",
			Object:   manifest.Ref{APIVersion: c.Metadata.APIVersion, Kind: "Chart", Name: c.Name()},
		}
		if n := chartYAML(c); n != nil {
			d.Location, _ = manifest.NodeLocator{File: file, Root: n}.Locate(manifest.Path{}.Key("kubeVersion"))
		}
		out = append(out, d)
	}
	return out
}

// crdObjects decodes the crds/ files of the chart and its enabled subcharts
// (helm template --include-crds). They are not templated: their nodes carry
// lines of the real files.
func crdObjects(u *Unit, charts []*chart.Chart, roots map[*chart.File]string) []*manifest.Object {
	var out []*manifest.Object
	for _, c := range charts {
		own := map[*chart.File]bool{}
		for _, f := range c.Files {
			own[f] = true
		}
		for _, crd := range c.CRDObjects() {
			if !own[crd.File] {
				continue // a subchart's: listed with its own chart
			}
			file := joinDisplay(roots[chartID(c)], crd.Name)
			objs, errs, skips := decodeStream(file, crd.File.Data)
			out = append(out, objs...)
			u.Errors = append(u.Errors, errs...)
			u.Skipped = append(u.Skipped, skips...)
		}
	}
	return out
}

// Hook events Helm 3 knows; documents with any other hook are not installed
// (helm template leaves them out too).
var helmHookEvents = map[string]bool{
	"pre-install": true, "post-install": true, "pre-delete": true, "post-delete": true,
	"pre-upgrade": true, "post-upgrade": true, "pre-rollback": true, "post-rollback": true,
	"test": true, "test-success": true,
}

// hookDrop says why a rendered object is left out, or "".
func hookDrop(o *manifest.Object, skipTests, skipHooks bool) string {
	md := manifest.MappingGet(o.Node, "metadata")
	if md == nil {
		return ""
	}
	ann := manifest.MappingGet(md, "annotations")
	if ann == nil {
		return ""
	}
	hn := manifest.MappingGet(ann, "helm.sh/hook")
	if hn == nil {
		return ""
	}
	hooks := manifest.ScalarString(hn)
	if skipHooks {
		return "hook left out (skipHooks)"
	}
	test := false
	for _, ev := range strings.Split(hooks, ",") {
		ev = strings.ToLower(strings.TrimSpace(ev))
		if !helmHookEvents[ev] {
			return fmt.Sprintf("unknown Helm hook %q, which Helm does not install", hooks)
		}
		test = test || ev == "test" || ev == "test-success"
	}
	if test && skipTests {
		return "test hook left out (--skip-tests)"
	}
	return ""
}

// valuesSources lists the values files that fed a render, highest
// precedence first: -f files (last first), the chart's values.yaml, then each
// subchart's values.yaml scoped under its path from the top chart.
func valuesSources(userFiles []valuesSource, charts []*chart.Chart, roots map[*chart.File]string) []valuesSource {
	out := make([]valuesSource, 0, len(userFiles)+len(charts))
	for i := len(userFiles) - 1; i >= 0; i-- {
		out = append(out, userFiles[i])
	}
	top := charts[0]
	var walk func(c *chart.Chart, scope []string)
	walk = func(c *chart.Chart, scope []string) {
		if f := rawFile(c, "values.yaml"); f != nil {
			out = append(out, valuesSource{Display: joinDisplay(roots[chartID(c)], "values.yaml"), Data: f.Data, Scope: scope})
		}
		for _, d := range sortedDependencies(c) {
			walk(d, append(append([]string{}, scope...), d.Name()))
		}
	}
	walk(top, nil)
	return out
}

// userValues merges -f files and --set* flags the way helm template does:
// files in order, then --set-json, --set, --set-string, --set-file.
func userValues(h HelmOptions, unit string, maxSize int64) (map[string]interface{}, []valuesSource, *Error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxFileSize
	}
	base := map[string]interface{}{}
	var files []valuesSource
	for _, f := range h.ValuesFiles {
		display := DisplayPath(f)
		data, err := readUserFile(f, maxSize)
		if err != nil {
			return nil, nil, &Error{File: display, Message: "values file: " + err.Error()}
		}
		cur := map[string]interface{}{}
		if err := sigsyaml.Unmarshal(data, &cur); err != nil {
			e := &Error{File: display, Message: "malformed values file: " + err.Error()}
			if m := sigsLineRe.FindStringSubmatch(err.Error()); m != nil {
				e.Line, _ = strconv.Atoi(m[1])
				e.Message = "malformed values file: " + m[2]
			}
			return nil, nil, e
		}
		base = mergeValues(base, cur)
		files = append(files, valuesSource{Display: display, Data: data})
	}
	flagErr := func(flag, arg string, err error) *Error {
		return &Error{File: unit, Message: fmt.Sprintf("%s %q: %v", flag, arg, err)}
	}
	for _, s := range h.SetJSON {
		if err := strvals.ParseJSON(s, base); err != nil {
			return nil, nil, flagErr("--set-json", s, err)
		}
	}
	for _, s := range h.Set {
		if err := strvals.ParseInto(s, base); err != nil {
			return nil, nil, flagErr("--set", s, err)
		}
	}
	for _, s := range h.SetString {
		if err := strvals.ParseIntoString(s, base); err != nil {
			return nil, nil, flagErr("--set-string", s, err)
		}
	}
	for _, s := range h.SetFile {
		read := func(rs []rune) (interface{}, error) {
			p := string(rs)
			data, err := readUserFile(p, maxSize)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", DisplayPath(p), err)
			}
			return string(data), nil
		}
		if err := strvals.ParseIntoFile(s, base, read); err != nil {
			return nil, nil, flagErr("--set-file", s, err)
		}
	}
	return base, files, nil
}

var sigsLineRe = regexp.MustCompile(`yaml: line (\d+): (.*)$`)

// readUserFile reads a file named on the command line, size-capped and only
// if it is a regular file (a FIFO or device would block or never end).
func readUserFile(p string, maxSize int64) ([]byte, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, errors.New(cleanOSError(err))
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, errors.New(cleanOSError(err))
	}
	defer f.Close()
	return readLimited(f, maxSize)
}

// mergeValues merges b into a copy of a: maps merge key by key, anything
// else in b replaces what a had.
func mergeValues(a, b map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bm, ok := v.(map[string]interface{}); ok {
			if am, ok := out[k].(map[string]interface{}); ok {
				out[k] = mergeValues(am, bm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

var (
	unpackRe     = regexp.MustCompile(`^error unpacking subchart (\S+) in \S+: `)
	cannotLoadRe = regexp.MustCompile(`^cannot load (\S+): (?:error converting YAML to JSON: )?(?:yaml: line (\d+): )?`)
)

// loaderError names the chart file a loader error is about (src is the
// path Helm was given, which its messages repeat).
func loaderError(err error, root, src string) *Error {
	msg := strings.ReplaceAll(err.Error(), "file '"+src+"' ", "")
	for {
		m := unpackRe.FindStringSubmatch(msg)
		if m == nil {
			break
		}
		root = joinDisplay(root, "charts/"+m[1])
		if strings.HasSuffix(m[1], ".tgz") {
			root += "#"
		}
		msg = msg[len(m[0]):]
	}
	if m := cannotLoadRe.FindStringSubmatch(msg); m != nil {
		e := &Error{File: joinDisplay(root, m[1]), Message: "cannot load " + m[1] + ": " + msg[len(m[0]):]}
		if m[2] != "" {
			e.Line, _ = strconv.Atoi(m[2])
			e.Message = "malformed YAML: " + msg[len(m[0]):]
		}
		return e
	}
	if strings.HasPrefix(msg, "validation: ") {
		return &Error{File: joinDisplay(root, "Chart.yaml"), Message: "invalid Chart.yaml: " + strings.TrimPrefix(msg, "validation: ")}
	}
	return &Error{File: strings.TrimSuffix(root, "#"), Message: msg}
}

// A position in a Helm error: "template: NAME:LINE:COL: ",
// "execution error at (NAME:LINE:COL): ", "parse error at (NAME:LINE): ".
var (
	helmPosRe   = regexp.MustCompile(`(?:template: |error at \(|error in \()([^\s():]+)(?::(\d+))?(?::(\d+))?(?:\)|: )`)
	executingRe = regexp.MustCompile(`^executing "[^"]*" `)
)

// templateError turns a render error into its root cause (the last position
// of a chain) with file, line and column (Helm counts columns from 0,
// kready from 1).
func templateError(err error, charts []*chart.Chart, roots map[*chart.File]string, unit string) *Error {
	var to errRenderTimeout
	if errors.As(err, &to) {
		return &Error{File: unit, Message: to.Error()}
	}
	msg := err.Error()
	locs := helmPosRe.FindAllStringSubmatchIndex(msg, -1)
	if len(locs) == 0 {
		return &Error{File: unit, Message: "render failed: " + msg}
	}
	last := locs[len(locs)-1]
	name := msg[last[2]:last[3]]
	line, col := 0, 0
	if last[4] >= 0 {
		line, _ = strconv.Atoi(msg[last[4]:last[5]])
	}
	if last[6] >= 0 {
		col, _ = strconv.Atoi(msg[last[6]:last[7]])
		col++
	}
	rest := strings.TrimLeft(msg[last[1]:], ": ")
	rest = executingRe.ReplaceAllString(rest, "")
	before := msg[:last[0]]
	kind := "template execution failed"
	switch {
	case strings.HasSuffix(before, "parse "):
		kind = "template parse error"
	case strings.HasSuffix(before, "execution "):
		// required/fail inside a helper: Helm names only the include site,
		// so look for the one call that carries this message.
		if n, l, c, ok := findFailCall(charts, rest); ok {
			name, line, col = n, l, c
		}
	}
	e := &Error{File: templateDisplay(name, charts, roots), Line: line}
	if col > 0 {
		e.Message = fmt.Sprintf("%s at column %d: %s", kind, col, rest)
	} else {
		e.Message = kind + ": " + rest
	}
	return e
}

// templateDisplay maps a template name (web/charts/redis/templates/x.yaml)
// to the file a person opens.
func templateDisplay(name string, charts []*chart.Chart, roots map[*chart.File]string) string {
	best, bestRoot := "", ""
	for _, c := range charts {
		p := c.ChartFullPath() + "/"
		if strings.HasPrefix(name, p) && len(p) > len(best) {
			best, bestRoot = p, roots[chartID(c)]
		}
	}
	if best == "" {
		return name
	}
	return joinDisplay(bestRoot, name[len(best):])
}

// findFailCall finds the only `required "msg"` or `fail "msg"` call in the
// chart's templates, returning its template name, line and 1-based column.
func findFailCall(charts []*chart.Chart, msg string) (name string, line, col int, ok bool) {
	found := 0
	for _, c := range charts {
		for _, t := range c.Templates {
			if t == nil {
				continue
			}
			tname := path.Join(c.ChartFullPath(), t.Name)
			text := string(t.Data)
			trees := map[string]*parse.Tree{}
			tr := parse.New(tname)
			tr.Mode = parse.SkipFuncCheck
			if _, err := tr.Parse(text, "", "", trees); err != nil {
				continue
			}
			for _, tree := range trees {
				if tree == nil || tree.Root == nil {
					continue
				}
				walkTemplate(tree.Root, func(cmd *parse.CommandNode) {
					if len(cmd.Args) < 2 {
						return
					}
					id, isID := cmd.Args[0].(*parse.IdentifierNode)
					s, isStr := cmd.Args[1].(*parse.StringNode)
					if !isID || !isStr || (id.Ident != "required" && id.Ident != "fail") || s.Text != msg {
						return
					}
					found++
					off := int(id.Position())
					if off > len(text) {
						return
					}
					name = tname
					line = strings.Count(text[:off], "\n") + 1
					col = off - (strings.LastIndex(text[:off], "\n") + 1) + 1
				})
			}
		}
	}
	return name, line, col, found == 1
}

// walkTemplate calls f on every command of a template tree.
func walkTemplate(n parse.Node, f func(*parse.CommandNode)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walkTemplate(c, f)
		}
	case *parse.ActionNode:
		walkTemplate(n.Pipe, f)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			walkTemplate(c, f)
		}
	case *parse.CommandNode:
		f(n)
		for _, a := range n.Args {
			walkTemplate(a, f)
		}
	case *parse.ChainNode:
		walkTemplate(n.Node, f)
	case *parse.IfNode:
		walkBranch(&n.BranchNode, f)
	case *parse.RangeNode:
		walkBranch(&n.BranchNode, f)
	case *parse.WithNode:
		walkBranch(&n.BranchNode, f)
	case *parse.TemplateNode:
		walkTemplate(n.Pipe, f)
	}
}

func walkBranch(b *parse.BranchNode, f func(*parse.CommandNode)) {
	walkTemplate(b.Pipe, f)
	walkTemplate(b.List, f)
	walkTemplate(b.ElseList, f)
}

// readChartDir reads a chart directory the way Helm's directory loader does
// (.helmignore honoured, symlinks followed, byte-order marks dropped), but
// refuses what Helm would follow blindly: symlinks that leave the chart or
// loop, FIFOs, devices and sockets, and oversized files. Reading here, not
// in Helm, means what was checked is what gets loaded.
func readChartDir(dir, display string, maxFile int64) ([]*loader.BufferedFile, *Error) {
	if maxFile <= 0 || maxFile > loader.MaxDecompressedFileSize {
		maxFile = loader.MaxDecompressedFileSize
	}
	real, err := filepath.EvalSymlinks(dir)
	if err == nil {
		real, err = filepath.Abs(real)
	}
	if err != nil {
		return nil, &Error{File: display, Message: cleanOSError(err)}
	}
	r := &chartReader{root: real, display: display, maxFile: maxFile, maxTotal: loader.MaxDecompressedChartSize, rules: ignore.Empty()}
	if data, e := r.readIgnoreFile(); e != nil {
		return nil, e
	} else if data != nil {
		rules, err := ignore.Parse(bytes.NewReader(data))
		if err != nil {
			return nil, &Error{File: joinDisplay(display, ignore.HelmIgnore), Message: err.Error()}
		}
		r.rules = rules
	}
	r.rules.AddDefaults()
	if e := r.walk(real, "", map[string]bool{real: true}); e != nil {
		return nil, e
	}
	return r.files, nil
}

type chartReader struct {
	root, display     string
	maxFile, maxTotal int64
	total             int64
	entries           int
	rules             *ignore.Rules
	files             []*loader.BufferedFile
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// readIgnoreFile returns the chart's .helmignore, or nil when there is none.
func (r *chartReader) readIgnoreFile() ([]byte, *Error) {
	p := filepath.Join(r.root, ignore.HelmIgnore)
	if _, err := os.Lstat(p); err != nil {
		return nil, nil
	}
	target, _, e := r.resolve(p, ignore.HelmIgnore)
	if e != nil {
		return nil, e
	}
	return r.read(target, ignore.HelmIgnore, false)
}

// resolve follows a path to its real target and checks it stays inside the
// chart and is a regular file or a directory.
func (r *chartReader) resolve(p, rel string) (string, os.FileInfo, *Error) {
	display := joinDisplay(r.display, rel)
	fi, err := os.Lstat(p)
	if err != nil {
		return "", nil, &Error{File: display, Message: cleanOSError(err)}
	}
	target := p
	if fi.Mode()&os.ModeSymlink != 0 {
		t, err := filepath.EvalSymlinks(p)
		if err != nil {
			return "", nil, &Error{File: display, Message: "broken symlink"}
		}
		if t, err = filepath.Abs(t); err != nil {
			return "", nil, &Error{File: display, Message: cleanOSError(err)}
		}
		if t != r.root && !strings.HasPrefix(t, r.root+string(filepath.Separator)) {
			return "", nil, &Error{File: display, Message: "symlink leaves the chart directory; refusing to follow it"}
		}
		if fi, err = os.Lstat(t); err != nil {
			return "", nil, &Error{File: display, Message: cleanOSError(err)}
		}
		target = t
	}
	if !fi.Mode().IsRegular() && !fi.IsDir() {
		return "", nil, &Error{File: display, Message: "not a regular file (a FIFO, device or socket); refusing to read it"}
	}
	return target, fi, nil
}

// walk reads directory realDir, whose entries are named rel+name inside the
// chart. onPath holds the real directories being walked, to stop loops.
func (r *chartReader) walk(realDir, rel string, onPath map[string]bool) *Error {
	entries, err := os.ReadDir(realDir)
	if err != nil {
		return &Error{File: joinDisplay(r.display, strings.TrimSuffix(rel, "/")), Message: cleanOSError(err)}
	}
	for _, ent := range entries {
		r.entries++
		if r.entries > maxChartEntries {
			return &Error{File: r.display, Message: fmt.Sprintf("chart has more than %d files and directories", maxChartEntries)}
		}
		name := rel + ent.Name()
		p := filepath.Join(realDir, ent.Name())
		if fi, err := os.Lstat(p); err == nil && r.rules.Ignore(name, r.infoForIgnore(p, fi)) {
			continue
		}
		target, fi, e := r.resolve(p, name)
		if e != nil {
			return e
		}
		if fi.IsDir() {
			if onPath[target] {
				return &Error{File: joinDisplay(r.display, name), Message: "symlink loop: it points to a directory that contains it"}
			}
			onPath[target] = true
			e := r.walk(target, name+"/", onPath)
			delete(onPath, target)
			if e != nil {
				return e
			}
			continue
		}
		data, e := r.read(target, name, true)
		if e != nil {
			return e
		}
		r.files = append(r.files, &loader.BufferedFile{Name: name, Data: data})
	}
	return nil
}

// infoForIgnore is what Helm's loader matches .helmignore rules against:
// the symlink's target when it resolves, else the link itself.
func (r *chartReader) infoForIgnore(p string, fi os.FileInfo) os.FileInfo {
	if fi.Mode()&os.ModeSymlink == 0 {
		return fi
	}
	if t, err := os.Stat(p); err == nil {
		return t
	}
	return fi
}

// read reads one checked file, within the per-file and per-chart limits.
func (r *chartReader) read(target, rel string, count bool) ([]byte, *Error) {
	display := joinDisplay(r.display, rel)
	f, err := os.Open(target)
	if err != nil {
		return nil, &Error{File: display, Message: cleanOSError(err)}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return nil, &Error{File: display, Message: "not a regular file; refusing to read it"}
	}
	if fi.Size() > r.maxFile {
		return nil, &Error{File: display, Message: fmt.Sprintf("file is %d bytes, over the %d-byte limit for chart files", fi.Size(), r.maxFile)}
	}
	data, err := io.ReadAll(io.LimitReader(f, r.maxFile+1))
	if err != nil {
		return nil, &Error{File: display, Message: "read: " + cleanOSError(err)}
	}
	if int64(len(data)) > r.maxFile {
		return nil, &Error{File: display, Message: fmt.Sprintf("file is over the %d-byte limit for chart files", r.maxFile)}
	}
	if count {
		r.total += int64(len(data))
		if r.total > r.maxTotal {
			return nil, &Error{File: r.display, Message: fmt.Sprintf("chart files add up to more than %d bytes", r.maxTotal)}
		}
	}
	return bytes.TrimPrefix(data, utf8BOM), nil
}
