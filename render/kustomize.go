package render

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/openapi"
	"sigs.k8s.io/kustomize/kyaml/resid"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/kready/kready/manifest"
)

// originAnnotation is the annotation kustomize writes when asked for origins.
const originAnnotation = "config.kubernetes.io/origin"

// KustomizeUnits builds the kustomizations under the directory root.
//
// Entry points are the kustomizations under root that no other kustomization
// under root uses as a resource, base, component, generator, transformer or
// validator directory; a Component (kind: Component) is never one. When
// explicit is set (the user named this kustomization directory itself) root
// is built even if it is a Component; other entry points under it are built
// too. Each entry point becomes one unit (Kind Kustomize, Path the
// directory's display path), built in-process with kustomize's defaults:
// plugins, KRM functions and Helm inflation disabled, files loaded only from
// in or below each kustomization. Before kustomize runs, the whole tree of an
// entry point is checked: a remote reference (a chart repository included),
// a base outside the repository (the nearest ancestor holding .git), a file
// outside its kustomization's directory, a missing file or a chart not
// vendored in its chart home makes the unit fail with the kustomization
// file and line that name it. Charts of helmCharts entries are rendered by
// kready's Helm renderer (see kustomize_helm.go); a chart that fails to
// render fails the unit at its template line. Kustomize's own errors fail
// only their unit.
//
// Call it once per directory argument, not once per kustomization found:
// entry points are decided over the whole tree. Units come in directory
// order; a directory without kustomizations yields none.
//
// owned lists the files that kustomizations under root read (the
// kustomization files themselves, resources, patches, generator inputs,
// configurations…), as absolute cleaned paths built from the absolute root
// with symlinks not resolved, so filepath.Abs of a walked path compares
// equal. The plain walker must not lint them again. It also lists the chart
// directories that helmCharts entries render: they are not charts of their
// own.
func KustomizeUnits(root string, explicit bool, opt Options) (units []*Unit, owned []string) {
	if opt.MaxFileSize <= 0 {
		opt.MaxFileSize = DefaultMaxFileSize
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return []*Unit{{Path: DisplayPath(root), Kind: Kustomize, Err: &Error{File: DisplayPath(root), Message: err.Error()}}}, nil
	}
	abs = filepath.Clean(abs)
	c := newKustCache(opt.MaxFileSize)
	c.helmOpt = opt.Helm
	var all []*kustFile
	for _, d := range discoverKustomizations(abs) {
		if kf := c.load(d); kf != nil {
			all = append(all, kf)
		}
	}
	rootKF := c.load(abs)
	if explicit && rootKF == nil {
		if name := kustomizationFile(abs); name == "" {
			return []*Unit{{Path: DisplayPath(abs), Kind: Kustomize, Err: &Error{File: DisplayPath(abs), Message: "no kustomization.yaml, kustomization.yml or Kustomization in this directory"}}}, nil
		}
	}
	used := map[string]bool{}
	for _, kf := range all {
		for _, r := range kf.refs() {
			if r.kind == refFile || r.kind == refRemote || isRemote(kf.dir, r.value) {
				continue
			}
			p := r.value
			if !filepath.IsAbs(p) {
				p = filepath.Join(kf.dir, p)
			}
			if fi, err := os.Stat(p); err == nil && fi.IsDir() {
				used[resolvedPath(p)] = true
			}
		}
	}
	var entries []*kustFile
	for _, kf := range all {
		isRoot := kf == rootKF
		if (explicit && isRoot) || (kf.err == nil && !kf.component && !used[resolvedPath(kf.dir)]) ||
			(kf.err != nil && !used[resolvedPath(kf.dir)]) {
			entries = append(entries, kf)
		}
	}
	boundary := repositoryRoot(abs)
	units = make([]*Unit, len(entries))
	scans := make([]*kustScan, len(entries))
	insts := make([]*kustInst, len(entries))
	weight := make([]int64, len(entries))
	parallel(len(entries), func(i int) {
		scans[i] = &kustScan{c: c, boundary: boundary}
		defer func() {
			if r := recover(); r != nil {
				insts[i] = &kustInst{kf: entries[i], all: map[string]bool{}}
				scans[i].problems = append(scans[i].problems, &Error{File: entries[i].display, Message: fmt.Sprintf("reading the kustomization tree failed: %v", r)})
			}
		}()
		insts[i] = scans[i].scan(entries[i])
		for f := range insts[i].all {
			if fi, err := os.Stat(f); err == nil {
				weight[i] += fi.Size()
			}
		}
	})
	// Largest builds first, so the last one to finish is a small one.
	order := make([]int, len(entries))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return weight[order[a]] > weight[order[b]] })
	release := captureKustomizeOutput()
	parallel(len(order), func(k int) {
		i := order[k]
		units[i] = buildKustomization(entries[i], scans[i], insts[i], c)
	})
	release()

	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			owned = append(owned, p)
		}
	}
	c.mu.Lock()
	files := make([]*kustFile, 0, len(c.files))
	for _, kf := range c.files {
		if kf != nil {
			files = append(files, kf)
		}
	}
	c.mu.Unlock()
	for _, kf := range files {
		add(kf.path)
		for _, e := range kf.helmEntries() {
			if e.chart.Repo == "" && e.chart.Name != "" {
				if fi, err := os.Stat(e.dir); err == nil && fi.IsDir() {
					add(filepath.Clean(e.dir))
				}
			}
		}
		for _, r := range kf.refs() {
			if r.kind != refFile && r.kind != refFileOrDir && r.kind != refAux {
				continue
			}
			if isRemote(kf.dir, r.value) {
				continue
			}
			p := r.value
			if !filepath.IsAbs(p) {
				p = filepath.Join(kf.dir, p)
			}
			if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
				add(filepath.Clean(p))
			}
		}
	}
	sort.Strings(owned)
	return units, owned
}

// buildKustomization builds one scanned entry point into a unit.
func buildKustomization(kf *kustFile, scan *kustScan, inst *kustInst, c *kustCache) (u *Unit) {
	u = &Unit{Path: DisplayPath(kf.dir), Kind: Kustomize}
	defer func() {
		if r := recover(); r != nil {
			u.Objects = nil
			u.Err = &Error{File: kf.display, Message: fmt.Sprintf("kustomize failed: %v", r)}
		}
	}()
	if len(scan.problems) > 0 {
		u.Err = scan.problems[0]
		u.Errors = scan.problems[1:]
		return u
	}
	charts := c.renderHelmCharts(u, inst)
	if u.Err != nil {
		return u
	}
	m, err := runKrusty(kf, inst, c.maxSize, scan.boundary, charts)
	if err != nil {
		u.Err = kustomizeError(kf, inst, c, charts, err)
		return u
	}
	for _, res := range m {
		u.Objects = append(u.Objects, kustomizeObject(res, kf, inst, c, charts))
	}
	return u
}

// schemaLock serialises builds that set their own OpenAPI schema: kustomize
// keeps the schema in process-wide state.
var schemaLock sync.RWMutex

func runKrusty(kf *kustFile, inst *kustInst, maxSize int64, boundary string, charts *kustHelm) ([]*resource.Resource, error) {
	fs := &kustFS{FileSystem: filesys.MakeFsOnDisk(), root: resolvedPath(kf.dir), boundary: boundary, maxSize: maxSize, helm: charts}
	if usesOpenAPI(inst) {
		schemaLock.Lock()
		defer func() {
			openapi.ResetOpenAPI() // later builds must not inherit this schema
			schemaLock.Unlock()
		}()
	} else {
		schemaLock.RLock()
		defer schemaLock.RUnlock()
	}
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fs, kf.dir)
	if err != nil {
		return nil, err
	}
	return m.Resources(), nil
}

func usesOpenAPI(inst *kustInst) bool {
	if inst.kf.root != nil && manifest.MappingGet(inst.kf.root, "openapi") != nil {
		return true
	}
	for _, ch := range append(append([]*kustInst(nil), inst.bases...), inst.comps...) {
		if usesOpenAPI(ch) {
			return true
		}
	}
	return false
}

// kustomizeError turns a failed build into the unit's error. A YAML syntax
// error in one of the tree's files is reported at its line; otherwise
// kustomize's message is kept, with absolute paths shortened and virtual
// files named by the helmCharts entries they stand for.
func kustomizeError(kf *kustFile, inst *kustInst, c *kustCache, charts *kustHelm, err error) *Error {
	files := make([]string, 0, len(inst.all))
	for f := range inst.all {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		if sf := c.source(f); sf.err != nil {
			return sf.err
		}
	}
	return &Error{File: kf.display, Message: "kustomize: " + shortenPaths(charts.describe(err.Error()))}
}

// shortenPaths rewrites absolute paths under the working directory in a
// message as the user would type them.
func shortenPaths(msg string) string {
	wd := workDir()
	if wd == "" || wd == string(filepath.Separator) {
		return msg
	}
	for _, prefix := range []string{resolvedPath(wd), wd} {
		msg = strings.ReplaceAll(msg, prefix+string(filepath.Separator), "")
	}
	return msg
}

// sourceFile is a resource file as parsed for locating: its objects with
// node trees.
type sourceFile struct {
	once sync.Once
	objs []*manifest.Object
	err  *Error // the first YAML syntax error, if any
}

// source parses a resource file once per KustomizeUnits call.
func (c *kustCache) source(abs string) *sourceFile {
	c.srcMu.Lock()
	sf := c.sources[abs]
	if sf == nil {
		sf = &sourceFile{}
		c.sources[abs] = sf
	}
	c.srcMu.Unlock()
	sf.once.Do(func() {
		display := DisplayPath(abs)
		f, err := os.Open(abs)
		if err != nil {
			return
		}
		defer f.Close()
		if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
			return
		}
		data, err := readLimited(f, c.maxSize)
		if err != nil {
			return
		}
		sf.objs, sf.err = sourceObjects(display, data)
	})
	return sf
}

// sourceObjects reads the documents of a resource file for locating only:
// unlike decodeStream it keeps documents that kubectl would refuse
// (duplicate keys), since kustomize built them, and converts nothing to JSON.
func sourceObjects(file string, data []byte) (objs []*manifest.Object, syntax *Error) {
	doc := 0
	for _, c := range splitDocuments(data) {
		roots, err := decodeChunk(file, c)
		if err != nil && syntax == nil {
			syntax = err
		}
		for _, root := range roots {
			if n := manifest.Resolve(root); n != nil && n.Kind == yaml.MappingNode {
				objs = append(objs, sourceDocument(file, doc, n)...)
			}
			doc++
		}
		if err != nil {
			doc++ // the broken document keeps its number
		}
	}
	return objs, syntax
}

// sourceDocument lists the objects of one document: itself, or the items of
// a List, which kustomize builds as objects of their own.
func sourceDocument(file string, doc int, n *yaml.Node) []*manifest.Object {
	kind := manifest.ScalarString(manifest.MappingGet(n, "kind"))
	if items := manifest.MappingGet(n, "items"); strings.HasSuffix(kind, "List") && items != nil && items.Kind == yaml.SequenceNode {
		var out []*manifest.Object
		for i, item := range items.Content {
			if item.Kind == yaml.MappingNode {
				if o := newObject(file, doc, i, item); o != nil {
					out = append(out, o)
				}
			}
		}
		return out
	}
	if o := newObject(file, doc, -1, n); o != nil {
		return []*manifest.Object{o}
	}
	return nil
}

// kustomizeObject turns a built resource into an object whose Node and JSON
// are what kubectl would apply and whose Locator points into the sources.
func kustomizeObject(res *resource.Resource, kf *kustFile, inst *kustInst, c *kustCache, charts *kustHelm) *manifest.Object {
	origin, _ := res.GetOrigin()
	var chart *helmRender
	if origin != nil && origin.Path != "" {
		chart = charts.render(filepath.Join(kf.dir, filepath.FromSlash(origin.Path)))
	}
	if chart != nil && kf.userOrigin {
		// Name the entry as kustomize's own Helm inflation does, not the
		// virtual file.
		o := resource.Origin{Repo: origin.Repo, Ref: origin.Ref,
			ConfiguredIn: path.Join(path.Dir(origin.Path), filepath.Base(chart.entry.kf.path)),
			ConfiguredBy: kyaml.ResourceIdentifier{TypeMeta: kyaml.TypeMeta{APIVersion: "builtin", Kind: "HelmChartInflationGenerator"}}}
		if s, err := o.String(); err == nil {
			_ = res.PipeE(kyaml.SetAnnotation(originAnnotation, s))
		}
	}
	node := res.YNode()
	if !kf.userOrigin {
		dropAnnotation(node, originAnnotation)
	}
	o := &manifest.Object{
		APIVersion: res.GetApiVersion(),
		Kind:       res.GetKind(),
		Name:       res.GetName(),
		Namespace:  res.GetNamespace(),
		Node:       node,
	}
	if js, err := res.MarshalJSON(); err == nil {
		o.JSON = js
	}
	loc := &kustomizeLocator{built: node, fall: manifest.Location{File: kf.display, Line: 1, Column: 1}}
	subject := &patchSubject{res: res, gvk: res.GetGvk(), builtName: o.Name, builtNS: o.Namespace}
	var scope string // the file whose objects this one is among, for finding its patches
	switch {
	case chart != nil:
		scope = chart.entry.virtual
		if src := pickSource(chart.objs, o); src != nil {
			loc.helm, loc.src = src.Locator, src.Node
			o.Source = src.Source
			subject.origName, subject.origNS = src.Name, src.Namespace
		}
	case origin != nil && origin.Path != "":
		abs := filepath.Join(kf.dir, filepath.FromSlash(origin.Path))
		scope = abs
		if src := pickSource(c.source(abs).objs, o); src != nil {
			loc.file, loc.src = src.Source.File, src.Node
			o.Source = src.Source
			subject.origName, subject.origNS = src.Name, src.Namespace
		}
	case origin != nil && origin.ConfiguredIn != "":
		abs := filepath.Join(kf.dir, filepath.FromSlash(origin.ConfiguredIn))
		scope = abs
		if gkf := c.load(filepath.Dir(abs)); gkf != nil {
			if entry := pickGenerator(gkf, origin.ConfiguredBy.Kind, o); entry != nil {
				loc.gen = &genSource{kf: gkf, entry: entry, max: c.maxSize}
				o.Source = manifest.Source{File: gkf.display, Item: -1, Line: entry.Line}
				subject.origName = manifest.ScalarString(manifest.MappingGet(entry, "name"))
				subject.origNS = manifest.ScalarString(manifest.MappingGet(entry, "namespace"))
			}
		}
	}
	if o.Source.File == "" {
		// A patch that replaced metadata.annotations took the origin with it
		// (kustomize then names the patch transformer as the object's
		// origin): look for the document among the files of the build.
		if src, file := findSource(inst, c, o); src != nil {
			loc.file, loc.src, scope = src.Source.File, src.Node, file
			o.Source = src.Source
			subject.origName, subject.origNS = src.Name, src.Namespace
		}
	}
	if o.Source.File == "" {
		o.Source = manifest.Source{File: kf.display, Item: -1, Line: 1}
	}
	if subject.origName == "" {
		subject.origName, subject.origNS = o.Name, o.Namespace
	}
	subject.namespaces = []string{
		resid.NewResIdWithNamespace(subject.gvk, subject.origName, subject.origNS).EffectiveNamespace(),
		resid.NewResIdWithNamespace(subject.gvk, o.Name, o.Namespace).EffectiveNamespace(),
	}
	if scope != "" {
		var candidates []*kustPatch
		seen := map[*kustPatch]bool{}
		inst.patchesFor(scope, c.maxSize, &candidates, seen)
		for _, p := range candidates {
			for _, d := range p.matching(subject) {
				loc.patches = append(loc.patches, appliedPatch{patch: p, doc: d})
			}
		}
	}
	o.Locator = loc
	return o
}

// patchesFor appends, in the order kustomize applies them, the patches
// whose kustomization's accumulator holds objects of file: bases first (they
// are built before the overlay patches them), then components (which patch
// the accumulator of the kustomization that lists them), then its own.
func (in *kustInst) patchesFor(file string, maxSize int64, out *[]*kustPatch, seen map[*kustPatch]bool) {
	for _, b := range in.bases {
		if b.all[file] {
			b.patchesFor(file, maxSize, out, seen)
		}
	}
	for _, comp := range in.comps {
		comp.patchesFor(file, maxSize, out, seen)
	}
	for _, p := range in.kf.kustPatches(maxSize) {
		if !seen[p] {
			seen[p] = true
			*out = append(*out, p)
		}
	}
}

// pickSource finds the document a built object came from among the objects
// of its origin file: same kind, and the name the built one was made from
// (kustomize only adds prefixes and suffixes to it).
func pickSource(objs []*manifest.Object, built *manifest.Object) *manifest.Object {
	best, _ := bestSource(objs, built)
	sameKind := 0
	for _, s := range objs {
		if s.Kind == built.Kind {
			sameKind++
		}
	}
	if best == nil && sameKind == 0 && len(objs) == 1 {
		return objs[0] // a patch changed its kind
	}
	if best == nil {
		for _, s := range objs {
			if s.Kind == built.Kind {
				return s // renamed by a patch: the first of its kind
			}
		}
	}
	return best
}

// bestSource scores the objects of the same kind by how the built name was
// made from theirs: equal first, then the longest name it contains.
func bestSource(objs []*manifest.Object, built *manifest.Object) (best *manifest.Object, score int) {
	score = -1
	for _, s := range objs {
		if s.Kind != built.Kind {
			continue
		}
		sc := -1
		switch {
		case s.Name == built.Name:
			sc = 1 << 20
		case s.Name != "" && strings.Contains(built.Name, s.Name):
			sc = len(s.Name) << 1
		}
		if sc >= 0 && s.Namespace == built.Namespace {
			sc++
		}
		if sc > score {
			best, score = s, sc
		}
	}
	return best, score
}

// findSource looks for the source of an object whose origin is unknown
// among the resource files of the build, by kind and name.
func findSource(inst *kustInst, c *kustCache, built *manifest.Object) (*manifest.Object, string) {
	files := make([]string, 0, len(inst.all))
	for f := range inst.all {
		if !isKustomizationName(filepath.Base(f)) {
			files = append(files, f)
		}
	}
	sort.Strings(files)
	var best *manifest.Object
	var bestFile string
	score := -1
	for _, f := range files {
		if s, sc := bestSource(c.source(f).objs, built); sc > score {
			best, bestFile, score = s, f, sc
		}
	}
	return best, bestFile
}

// pickGenerator finds the configMapGenerator/secretGenerator entry of kf that
// made a generated object: its name is the entry's name with prefixes,
// suffixes and a content hash added.
func pickGenerator(kf *kustFile, by string, built *manifest.Object) *yaml.Node {
	field := "configMapGenerator"
	if by == "SecretGenerator" || (by == "" && built.Kind == "Secret") {
		field = "secretGenerator"
	}
	var best *yaml.Node
	score := -1
	for _, e := range seqMappings(manifest.MappingGet(kf.root, field)) {
		name := manifest.ScalarString(manifest.MappingGet(e, "name"))
		if name == "" || !strings.Contains(built.Name, name) {
			continue
		}
		sc := len(name) << 1
		if manifest.ScalarString(manifest.MappingGet(e, "namespace")) == built.Namespace {
			sc++
		}
		if sc > score {
			best, score = e, sc
		}
	}
	return best
}

// dropAnnotation removes key from metadata.annotations, and the annotations
// map itself when that leaves it empty (kubectl would not send an empty one).
func dropAnnotation(obj *yaml.Node, key string) {
	md := manifest.MappingGet(obj, "metadata")
	if md == nil || md.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(md.Content); i += 2 {
		if md.Content[i].Value != "annotations" {
			continue
		}
		ann := md.Content[i+1]
		if ann.Kind != yaml.MappingNode {
			return
		}
		for j := 0; j+1 < len(ann.Content); j += 2 {
			if ann.Content[j].Value == key {
				ann.Content = append(ann.Content[:j:j], ann.Content[j+2:]...)
				break
			}
		}
		if len(ann.Content) == 0 {
			md.Content = append(md.Content[:i:i], md.Content[i+2:]...)
		}
		return
	}
}

// kustomizeOutput captures what kustomize prints while builds run: std log
// lines and the deprecation notices it writes straight to os.Stderr ("#
// Warning: 'bases' is deprecated…"). They advise on the kustomization format,
// not on what is deployed, so they are kept out of kready's output; other
// stderr lines written meanwhile are passed on.
var kustomizeOutput struct {
	sync.Mutex
	users   int
	prevLog io.Writer
	stderr  *os.File // the real standard error while captured
	pipe    *os.File // write end standing in for os.Stderr
	done    chan struct{}
	sink    *logSink
}

// logSink keeps the captured lines, bounded.
type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		if len(s.lines) < 1000 {
			s.lines = append(s.lines, l)
		}
	}
	return len(p), nil
}

func captureKustomizeOutput() (release func()) {
	o := &kustomizeOutput
	o.Lock()
	defer o.Unlock()
	if o.users == 0 {
		o.sink = &logSink{}
		o.prevLog = log.Writer()
		log.SetOutput(o.sink)
		if r, w, err := os.Pipe(); err == nil {
			o.stderr, o.pipe, o.done = os.Stderr, w, make(chan struct{})
			os.Stderr = w
			go forwardStderr(r, o.stderr, o.sink, o.done)
		}
	}
	o.users++
	var once sync.Once
	return func() {
		once.Do(func() {
			o.Lock()
			defer o.Unlock()
			o.users--
			if o.users > 0 {
				return
			}
			if log.Writer() == io.Writer(o.sink) {
				log.SetOutput(o.prevLog)
			}
			if o.pipe != nil {
				os.Stderr = o.stderr
				_ = o.pipe.Close()
				<-o.done
				o.pipe = nil
			}
		})
	}
}

// forwardStderr sorts captured stderr lines: kustomize's notices are kept,
// anything else goes to the real standard error.
func forwardStderr(r *os.File, stderr *os.File, sink *logSink, done chan struct{}) {
	defer close(done)
	defer r.Close()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "# Warning: ") {
			_, _ = sink.Write([]byte(line))
			continue
		}
		_, _ = stderr.WriteString(line + "\n")
	}
	_, _ = io.Copy(stderr, r) // an overlong line ends the scan; keep the pipe drained
}

// kustFS is the file system kustomize reads through: the disk, read-only,
// refusing anything but regular files under the size cap and anything
// outside the repository, and asking for origin annotations when the root
// kustomization is read.
type kustFS struct {
	filesys.FileSystem
	root     string // the entry point's directory, symlinks resolved
	boundary string
	maxSize  int64
	helm     *kustHelm // rendered charts standing for helmCharts entries; may be nil
}

var errReadOnly = errors.New("kready does not write files while building a kustomization")

func (f *kustFS) check(p string) error {
	real := resolvedPath(p)
	if f.boundary != "" && !within(real, f.boundary) {
		return fmt.Errorf("%s is outside the repository %s (refused)", shortenPaths(p), DisplayPath(f.boundary))
	}
	fi, err := os.Stat(real)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", shortenPaths(p))
	}
	if fi.Size() > f.maxSize {
		return fmt.Errorf("%s is %d bytes, over the %d-byte limit", shortenPaths(p), fi.Size(), f.maxSize)
	}
	return nil
}

func (f *kustFS) ReadFile(p string) ([]byte, error) {
	if data, ok := f.helm.virtualFile(p); ok {
		return data, nil
	}
	if err := f.check(p); err != nil {
		return nil, err
	}
	fh, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	data, err := readLimited(fh, f.maxSize)
	if err != nil {
		return nil, err
	}
	if !isKustomizationName(filepath.Base(p)) {
		return data, nil
	}
	real := resolvedPath(p)
	if text, ok := f.helm.kustomization(real); ok {
		data = text
	}
	if filepath.Dir(real) == f.root {
		data = withOriginAnnotations(data)
	}
	return data, nil
}

// CleanedAbs and Exists know the virtual files, which are not on disk.
func (f *kustFS) CleanedAbs(p string) (filesys.ConfirmedDir, string, error) {
	if _, ok := f.helm.virtualFile(p); ok {
		abs, _ := filepath.Abs(p)
		return filesys.ConfirmedDir(filepath.Dir(abs)), filepath.Base(abs), nil
	}
	return f.FileSystem.CleanedAbs(p)
}

func (f *kustFS) Exists(p string) bool {
	if _, ok := f.helm.virtualFile(p); ok {
		return true
	}
	return f.FileSystem.Exists(p)
}

func (f *kustFS) Open(p string) (filesys.File, error) {
	if err := f.check(p); err != nil {
		return nil, err
	}
	return f.FileSystem.Open(p)
}

func (f *kustFS) Create(string) (filesys.File, error) { return nil, errReadOnly }
func (f *kustFS) Mkdir(string) error                  { return errReadOnly }
func (f *kustFS) MkdirAll(string) error               { return errReadOnly }
func (f *kustFS) RemoveAll(string) error              { return errReadOnly }
func (f *kustFS) WriteFile(string, []byte) error      { return errReadOnly }

func isKustomizationName(name string) bool {
	for _, n := range kustomizationNames {
		if n == name {
			return true
		}
	}
	return false
}

// withOriginAnnotations adds originAnnotations to a kustomization's
// buildMetadata, so every built object says which file it came from. Text
// that does not parse is passed on for kustomize to report.
func withOriginAnnotations(data []byte) []byte {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		if err == nil && (len(doc.Content) == 0 || (doc.Content[0].Kind == yaml.ScalarNode && doc.Content[0].ShortTag() == "!!null")) {
			return []byte("buildMetadata: [originAnnotations]\n")
		}
		return data
	}
	root := doc.Content[0]
	bm := manifest.MappingGet(root, "buildMetadata")
	switch {
	case bm == nil:
		root.Content = append(root.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "buildMetadata"},
			&yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!str", Value: "originAnnotations"}}})
	case bm.Kind == yaml.SequenceNode:
		for _, c := range bm.Content {
			if c.Value == "originAnnotations" {
				return data
			}
		}
		bm.Content = append(bm.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "originAnnotations"})
	default:
		return data
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return data
	}
	return out
}
