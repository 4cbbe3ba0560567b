package render

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/kready/kready/manifest"
)

// kustFile is one kustomization file, parsed with positions.
type kustFile struct {
	dir       string // absolute, lexical (symlinks not resolved)
	path      string // absolute path of the kustomization file
	display   string
	data      []byte
	root      *yaml.Node // top-level mapping; nil when the file is empty
	component bool
	// userOrigin is set when the file itself asks for origin annotations,
	// which kubectl would then apply, so they stay on the objects.
	userOrigin bool
	err        *Error

	patchOnce sync.Once
	patches   []*kustPatch

	helmOnce sync.Once
	helm     []*helmEntry
}

// kustCache holds the kustomization files of one KustomizeUnits call, so a
// base shared by several overlays is read and parsed once.
type kustCache struct {
	maxSize int64
	mu      sync.Mutex
	files   map[string]*kustFile // by absolute directory; nil value: no kustomization there

	srcMu   sync.Mutex
	sources map[string]*sourceFile

	helmOpt     HelmOptions // the command line's, for kubeVersion, apiVersions and timeout
	helmMu      sync.Mutex
	helmRenders map[string]*helmRender // by virtual file and release namespace
}

func newKustCache(maxSize int64) *kustCache {
	return &kustCache{maxSize: maxSize, files: map[string]*kustFile{}, sources: map[string]*sourceFile{}}
}

// kustomizationFile returns the kustomization file name in dir, or "".
func kustomizationFile(dir string) string {
	for _, name := range kustomizationNames {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && fi.Mode().IsRegular() {
			return name
		}
	}
	return ""
}

// load returns the kustomization in dir (absolute, cleaned), or nil when dir
// holds none.
func (c *kustCache) load(dir string) *kustFile {
	c.mu.Lock()
	kf, seen := c.files[dir]
	c.mu.Unlock()
	if seen {
		return kf
	}
	if name := kustomizationFile(dir); name != "" {
		kf = parseKustFile(dir, name, c.maxSize)
	}
	c.mu.Lock()
	if prev, ok := c.files[dir]; ok {
		kf = prev // another build parsed it meanwhile; keep one copy
	} else {
		c.files[dir] = kf
	}
	c.mu.Unlock()
	return kf
}

func parseKustFile(dir, name string, maxSize int64) *kustFile {
	p := filepath.Join(dir, name)
	kf := &kustFile{dir: dir, path: p, display: DisplayPath(p)}
	f, err := os.Open(p)
	if err != nil {
		kf.err = &Error{File: kf.display, Message: cleanOSError(err)}
		return kf
	}
	defer f.Close()
	kf.data, err = readLimited(f, maxSize)
	if err != nil {
		kf.err = &Error{File: kf.display, Message: err.Error()}
		return kf
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(kf.data, &doc); err != nil {
		kf.err = yamlError(kf.display, err)
		return kf
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return kf
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return kf
	}
	if root.Kind != yaml.MappingNode {
		kf.err = &Error{File: kf.display, Line: root.Line, Message: "a kustomization must be a mapping"}
		return kf
	}
	kf.root = root
	kf.component = manifest.ScalarString(manifest.MappingGet(root, "kind")) == "Component"
	for _, v := range seqScalars(manifest.MappingGet(root, "buildMetadata")) {
		if v.Value == "originAnnotations" {
			kf.userOrigin = true
		}
	}
	return kf
}

// refKind says what a kustomization entry may name.
type refKind int

const (
	refFile      refKind = iota // a file the kustomization reads (root-only)
	refFileOrDir                // a resource file or a base directory
	refDir                      // a component directory
	refAux                      // a directory of generator/transformer configs, or a file
	refRemote                   // only checked for being remote (chart repositories, chart homes)
)

// kustRef is one path or URL a kustomization names.
type kustRef struct {
	field string // as messages name it: "resources", "patches path", …
	value string
	node  *yaml.Node
	kind  refKind
}

// refs lists every entry of the kustomization that names a path or URL, in
// file order of fields as kustomize reads them.
func (kf *kustFile) refs() []kustRef {
	if kf.root == nil {
		return nil
	}
	var out []kustRef
	add := func(field string, n *yaml.Node, kind refKind) {
		if n == nil || n.Kind != yaml.ScalarNode || n.Value == "" {
			return
		}
		out = append(out, kustRef{field: field, value: strings.TrimSpace(n.Value), node: n, kind: kind})
	}
	for i := 0; i+1 < len(kf.root.Content); i += 2 {
		key, val := kf.root.Content[i].Value, kf.root.Content[i+1]
		switch key {
		case "resources", "bases":
			for _, n := range seqScalars(val) {
				add(key, n, refFileOrDir)
			}
		case "components":
			for _, n := range seqScalars(val) {
				add(key, n, refDir)
			}
		case "crds", "configurations":
			for _, n := range seqScalars(val) {
				add(key, n, refFile)
			}
		case "generators", "transformers", "validators":
			for _, n := range seqScalars(val) {
				if !strings.Contains(n.Value, "\n") { // inline plugin configs hold no path
					add(key, n, refAux)
				}
			}
		case "patchesStrategicMerge":
			for _, n := range seqScalars(val) {
				if !strings.Contains(n.Value, "\n") {
					add(key, n, refFile)
				}
			}
		case "patches", "patchesJson6902", "replacements":
			for _, m := range seqMappings(val) {
				add(key+" path", manifest.MappingGet(m, "path"), refFile)
			}
		case "openapi":
			add("openapi path", manifest.MappingGet(val, "path"), refFile)
		case "configMapGenerator", "secretGenerator":
			for _, m := range seqMappings(val) {
				for _, n := range seqScalars(manifest.MappingGet(m, "files")) {
					if _, p, ok := strings.Cut(n.Value, "="); ok {
						// key=path: the path is what gets read.
						c := *n
						c.Value = p
						add(key+" files", &c, refFile)
						continue
					}
					add(key+" files", n, refFile)
				}
				for _, n := range seqScalars(manifest.MappingGet(m, "envs")) {
					add(key+" envs", n, refFile)
				}
				add(key+" env", manifest.MappingGet(m, "env"), refFile)
			}
		case "helmCharts":
			// Chart repositories are refused by the helmCharts check itself.
			for _, m := range seqMappings(val) {
				add("helmCharts valuesFile", manifest.MappingGet(m, "valuesFile"), refFile)
				for _, n := range seqScalars(manifest.MappingGet(m, "additionalValuesFiles")) {
					add("helmCharts additionalValuesFiles", n, refFile)
				}
			}
		case "helmChartInflationGenerator":
			for _, m := range seqMappings(val) {
				add("helmChartInflationGenerator values", manifest.MappingGet(m, "values"), refFile)
				add("helmChartInflationGenerator chartHome", manifest.MappingGet(m, "chartHome"), refRemote)
			}
		case "helmGlobals":
			add("helmGlobals chartHome", manifest.MappingGet(val, "chartHome"), refRemote)
			add("helmGlobals configHome", manifest.MappingGet(val, "configHome"), refRemote)
		}
	}
	return out
}

func seqScalars(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	var out []*yaml.Node
	for _, c := range n.Content {
		if c.Kind == yaml.ScalarNode {
			out = append(out, c)
		}
	}
	return out
}

func seqMappings(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	var out []*yaml.Node
	for _, c := range n.Content {
		if c.Kind == yaml.MappingNode {
			out = append(out, c)
		}
	}
	return out
}

var (
	scpLike   = regexp.MustCompile(`^[A-Za-z0-9._~-]+@[A-Za-z0-9.-]+:`)
	remoteRef = regexp.MustCompile(`\?(.*&)?(ref|version|timeout|submodules)=`)
)

// isRemote tells whether a kustomization entry names something kustomize
// would fetch over the network (HTTP or a git clone) rather than read from
// disk. It errs towards refusing: an entry that only looks remote is not a
// usable local path either.
func isRemote(dir, v string) bool {
	lower := strings.ToLower(v)
	switch {
	case strings.Contains(lower, "://"), strings.HasPrefix(lower, "git::"), scpLike.MatchString(v):
		return true
	}
	first := strings.SplitN(v, "/", 2)[0]
	hostLike := strings.HasPrefix(lower, "github.com/") || strings.HasPrefix(lower, "github.com:") ||
		remoteRef.MatchString(v) || (!strings.HasPrefix(first, ".") && strings.Contains(first, ".") && strings.Contains(v, "//"))
	if !hostLike || filepath.IsAbs(v) {
		return false
	}
	// kustomize reads an existing local file before trying a repository.
	_, err := os.Stat(filepath.Join(dir, v))
	return err != nil
}

// kustInst is one use of a kustomization in a build: the same base reached
// twice is two instances, as kustomize builds it twice.
type kustInst struct {
	kf    *kustFile
	bases []*kustInst // directories among resources/bases, in order
	comps []*kustInst // components, in order
	files []string    // resource files, absolute and lexical
	// all holds every resource file and kustomization file whose objects
	// end up in this instance's accumulator.
	all map[string]bool
}

// kustScan checks the kustomization tree of one entry point before kustomize
// runs, so remote and out-of-bounds references are refused with the file and
// line that name them.
type kustScan struct {
	c        *kustCache
	boundary string // a base outside it is refused ("" means none)
	problems []*Error
	seen     map[string]bool
	stack    []string
	nodes    int
}

// Limits on a kustomization tree, so a hostile diamond of bases cannot make
// the scan explode.
const (
	maxKustDepth = 100
	maxKustNodes = 20_000
)

func (s *kustScan) problem(kf *kustFile, n *yaml.Node, format string, args ...any) {
	e := &Error{File: kf.display, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line = n.Line
	}
	key := e.Error()
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	if s.seen[key] {
		return
	}
	s.seen[key] = true
	s.problems = append(s.problems, e)
}

// scan walks the tree under kf and returns its instance.
func (s *kustScan) scan(kf *kustFile) *kustInst {
	inst := &kustInst{kf: kf, all: map[string]bool{kf.path: true}}
	if kf.err != nil {
		s.problems = append(s.problems, kf.err)
		return inst
	}
	s.nodes++
	if s.nodes > maxKustNodes {
		s.problem(kf, nil, "kustomization tree has more than %d kustomizations", maxKustNodes)
		return inst
	}
	if len(s.stack) >= maxKustDepth {
		s.problem(kf, nil, "kustomizations nested more than %d deep", maxKustDepth)
		return inst
	}
	real := resolvedPath(kf.dir)
	for _, d := range s.stack {
		if d == real {
			s.problem(kf, nil, "cycle: this kustomization includes itself through its bases")
			return inst
		}
	}
	s.stack = append(s.stack, real)
	defer func() { s.stack = s.stack[:len(s.stack)-1] }()

	for _, r := range kf.refs() {
		if isRemote(kf.dir, r.value) {
			s.problem(kf, r.node, "remote resource refused (offline): %s entry %q", r.field, r.value)
			continue
		}
		if r.kind == refRemote {
			continue
		}
		abs := r.value
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(kf.dir, abs)
		}
		fi, err := os.Stat(abs)
		if err != nil {
			s.problem(kf, r.node, "%s entry %q: %s", r.field, r.value, cleanOSError(err))
			continue
		}
		if fi.IsDir() && r.kind != refFile {
			child := s.dir(kf, r, abs)
			if child == nil {
				continue
			}
			switch r.kind {
			case refDir:
				if !child.kf.component {
					s.problem(kf, r.node, "components entry %q is not a Component (kind: Component)", r.value)
				}
				inst.comps = append(inst.comps, child)
			case refFileOrDir:
				if child.kf.component {
					s.problem(kf, r.node, "%s entry %q is a Component: list it under components", r.field, r.value)
				}
				inst.bases = append(inst.bases, child)
			}
			continue
		}
		if r.kind == refDir {
			s.problem(kf, r.node, "components entry %q is not a directory", r.value)
			continue
		}
		if !fi.Mode().IsRegular() {
			s.problem(kf, r.node, "%s entry %q is not a regular file", r.field, r.value)
			continue
		}
		if !within(resolvedPath(abs), resolvedPath(kf.dir)) {
			s.problem(kf, r.node, "%s entry %q is outside the kustomization's directory (kustomize loads files only from in or below it)", r.field, r.value)
			continue
		}
		if r.kind == refFileOrDir {
			inst.files = append(inst.files, abs)
			inst.all[abs] = true
		}
	}
	s.scanHelm(kf, inst)
	for _, ch := range append(append([]*kustInst(nil), inst.bases...), inst.comps...) {
		for f := range ch.all {
			inst.all[f] = true
		}
	}
	return inst
}

// dir follows a directory entry: a base, a component, or a directory of
// plugin configs.
func (s *kustScan) dir(kf *kustFile, r kustRef, abs string) *kustInst {
	if s.boundary != "" && !within(resolvedPath(abs), s.boundary) {
		s.problem(kf, r.node, "%s entry %q is outside the repository %s (refused)", r.field, r.value, DisplayPath(s.boundary))
		return nil
	}
	child := s.c.load(filepath.Clean(abs))
	if child == nil {
		s.problem(kf, r.node, "%s entry %q is a directory without a kustomization file", r.field, r.value)
		return nil
	}
	return s.scan(child)
}

// resolvedPath is p with symlinks resolved, or p cleaned when it cannot be.
func resolvedPath(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return filepath.Clean(p)
}

// within tells whether p is dir or inside it.
func within(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, string(filepath.Separator))+string(filepath.Separator))
}

// repositoryRoot is the nearest directory at or above dir holding .git, or "".
func repositoryRoot(dir string) string {
	d := resolvedPath(dir)
	for {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return ""
		}
		d = parent
	}
}

// discoverKustomizations lists the directories under root (root included)
// that hold a kustomization, sorted, skipping hidden directories and charts
// as the plain walker does.
func discoverKustomizations(root string) []string {
	var dirs []string
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			if d != nil && d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if p != root && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if p != root && isRegular(filepath.Join(p, "Chart.yaml")) {
			return filepath.SkipDir
		}
		for _, name := range kustomizationNames {
			if isRegular(filepath.Join(p, name)) {
				dirs = append(dirs, p)
				break
			}
		}
		return nil
	})
	sort.Strings(dirs)
	return dirs
}
