package render

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// DefaultMaxFileSize is the largest input file kready reads.
const DefaultMaxFileSize = 64 << 20

// Options control discovery and loading.
type Options struct {
	Stdin       io.Reader // read for the argument "-"
	MaxFileSize int64     // 0 means DefaultMaxFileSize
	Helm        HelmOptions
}

// chart and kustomization markers make a directory a unit of its own.
var kustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// StdinName is how findings name standard input.
const StdinName = "<stdin>"

// Load discovers the units under args (directories, files, or "-") and loads
// the plain ones. Every argument yields at least one unit or an error unit.
func Load(args []string, opt Options) []*Unit {
	if opt.MaxFileSize <= 0 {
		opt.MaxFileSize = DefaultMaxFileSize
	}
	var units []*Unit
	for _, arg := range args {
		units = append(units, loadArg(arg, opt)...)
	}
	// Charts are found first and rendered together, a few at a time.
	var charts []*Unit
	for _, u := range units {
		if u.chartSource != "" {
			charts = append(charts, u)
		}
	}
	parallel(len(charts), func(i int) {
		loadHelm(charts[i], charts[i].chartSource, opt)
		charts[i].chartSource = ""
	})
	sort.SliceStable(units, func(i, j int) bool { return units[i].Path < units[j].Path })
	return units
}

func loadArg(arg string, opt Options) []*Unit {
	if arg == "-" {
		u := &Unit{Path: StdinName, Kind: Plain}
		if opt.Stdin == nil {
			u.Err = &Error{File: StdinName, Message: "no standard input"}
			return []*Unit{u}
		}
		data, err := readLimited(opt.Stdin, opt.MaxFileSize)
		if err != nil {
			u.Err = &Error{File: StdinName, Message: err.Error()}
			return []*Unit{u}
		}
		u.Objects, u.Errors, u.Skipped = decodeStream(StdinName, data)
		return []*Unit{u}
	}
	display := DisplayPath(arg)
	info, err := os.Stat(arg)
	if err != nil {
		return []*Unit{{Path: display, Kind: Plain, Err: &Error{File: display, Message: cleanOSError(err)}}}
	}
	if !info.IsDir() {
		if strings.HasSuffix(arg, ".tgz") || strings.HasSuffix(arg, ".tar.gz") {
			return []*Unit{helmUnit(arg, display)}
		}
		u := &Unit{Path: display, Kind: Plain}
		loadFiles(u, []string{arg}, opt)
		return []*Unit{u}
	}
	if k, ok := unitKind(arg); ok && k == Helm {
		return []*Unit{helmUnit(arg, display)}
	}
	return walkDir(arg, display, opt)
}

// unitKind tells whether dir is a chart or a kustomization.
func unitKind(dir string) (Kind, bool) {
	if isRegular(filepath.Join(dir, "Chart.yaml")) {
		return Helm, true
	}
	for _, name := range kustomizationNames {
		if isRegular(filepath.Join(dir, name)) {
			return Kustomize, true
		}
	}
	return "", false
}

func isRegular(p string) bool {
	fi, err := os.Lstat(p)
	return err == nil && fi.Mode().IsRegular()
}

// helmUnit is a chart unit to be rendered from src (a directory or .tgz).
func helmUnit(src, display string) *Unit {
	return &Unit{Path: display, Kind: Helm, chartSource: src}
}

// walkDir collects the plain manifests under dir into one unit and reports
// every chart and kustomization entry point found as a unit of its own. A
// directory named on the command line that is itself a kustomization is
// always built. Files in a kustomization's directory, and files elsewhere
// that a kustomization reads, are the kustomization's, never plain manifests;
// a chart that a kustomization's helmCharts render is not a unit of its own.
func walkDir(dir, display string, opt Options) []*Unit {
	plain := &Unit{Path: display, Kind: Plain}
	_, explicit := unitKind(dir)
	others, kustomized := KustomizeUnits(dir, explicit, opt)
	readByKustomize := make(map[string]bool, len(kustomized))
	for _, f := range kustomized {
		readByKustomize[f] = true
	}
	var files []string
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		plain.Err = &Error{File: display, Message: cleanOSError(err)}
		return []*Unit{plain}
	}
	root, _ = filepath.Abs(root)
	var owned []string // directories owned by a kustomization: their files are not plain
	// WalkDir does not descend into a root that is itself a symlink; the
	// user named this directory, so walk it through a trailing separator,
	// which resolves the link (children keep the path the user gave).
	walkRoot := dir
	if fi, err := os.Lstat(dir); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		walkRoot = dir + string(filepath.Separator)
	}
	if explicit {
		owned = append(owned, strings.TrimSuffix(walkRoot, string(filepath.Separator))+string(filepath.Separator))
	}
	walkErr := filepath.WalkDir(walkRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			plain.Errors = append(plain.Errors, &Error{File: DisplayPath(p), Message: cleanOSError(err)})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		name := d.Name()
		if d.IsDir() {
			if p == walkRoot {
				return nil
			}
			if strings.HasPrefix(name, ".") {
				return fs.SkipDir
			}
			if k, ok := unitKind(p); ok {
				if abs, err := filepath.Abs(p); err == nil && k == Helm && readByKustomize[abs] {
					return fs.SkipDir // a kustomization's helmCharts render it
				}
				if k == Helm {
					others = append(others, helmUnit(p, DisplayPath(p)))
					return fs.SkipDir // subcharts belong to their parent
				}
				owned = append(owned, p+string(filepath.Separator))
			}
			return nil
		}
		if !isManifestName(name) || strings.HasPrefix(name, ".") {
			return nil
		}
		for _, o := range owned {
			if strings.HasPrefix(p, o) {
				return nil
			}
		}
		if abs, err := filepath.Abs(p); err == nil && readByKustomize[abs] {
			return nil
		}
		switch {
		case d.Type().IsRegular():
			files = append(files, p)
		case d.Type()&fs.ModeSymlink != 0:
			if reason := symlinkProblem(p, root); reason != "" {
				plain.Skipped = append(plain.Skipped, Skip{File: DisplayPath(p), Reason: reason})
				return nil
			}
			files = append(files, p)
		default:
			plain.Skipped = append(plain.Skipped, Skip{File: DisplayPath(p), Reason: "not a regular file"})
		}
		return nil
	})
	if walkErr != nil {
		plain.Errors = append(plain.Errors, &Error{File: display, Message: cleanOSError(walkErr)})
	}
	loadFiles(plain, files, opt)
	var units []*Unit
	if len(files) > 0 || len(plain.Errors) > 0 || len(plain.Skipped) > 0 || len(others) == 0 && !explicit {
		units = append(units, plain)
	}
	return append(units, others...)
}

// symlinkProblem explains why a symlink found while walking is not followed,
// or returns "" when it points at a regular file inside root.
func symlinkProblem(p, root string) string {
	target, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "broken symlink"
	}
	target, _ = filepath.Abs(target)
	if target != root && !strings.HasPrefix(target, root+string(filepath.Separator)) {
		return "symlink leaves the linted directory"
	}
	fi, err := os.Stat(target)
	if err != nil || !fi.Mode().IsRegular() {
		return "symlink to something other than a regular file"
	}
	return ""
}

func isManifestName(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// loadFiles decodes files in parallel and appends their objects to u in file
// order, so results do not depend on scheduling.
func loadFiles(u *Unit, files []string, opt Options) {
	results := make([]Unit, len(files))
	parallel(len(files), func(i int) { results[i] = loadFile(files[i], opt) })
	for i := range results {
		u.Objects = append(u.Objects, results[i].Objects...)
		u.Errors = append(u.Errors, results[i].Errors...)
		u.Skipped = append(u.Skipped, results[i].Skipped...)
	}
}

func loadFile(path string, opt Options) (r Unit) {
	display := DisplayPath(path)
	f, err := os.Open(path)
	if err != nil {
		r.Errors = []*Error{{File: display, Message: cleanOSError(err)}}
		return
	}
	defer f.Close()
	data, err := readLimited(f, opt.MaxFileSize)
	if err != nil {
		r.Errors = []*Error{{File: display, Message: err.Error()}}
		return
	}
	if len(bytes.TrimSpace(data)) == 0 {
		r.Skipped = []Skip{{File: display, Reason: "empty file"}}
		return
	}
	r.Objects, r.Errors, r.Skipped = decodeStream(display, data)
	return
}

// readLimited reads all of r, refusing inputs larger than limit before they
// are held in memory whole.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	if f, ok := r.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > limit {
			return nil, fmt.Errorf("file is %d bytes, over the %d-byte limit", fi.Size(), limit)
		}
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read: %s", cleanOSError(err))
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("input is over the %d-byte limit", limit)
	}
	return data, nil
}

// cleanOSError drops the path an *fs.PathError repeats, since callers name
// the file themselves.
func cleanOSError(err error) string {
	var pe *fs.PathError
	if e, ok := err.(*fs.PathError); ok {
		pe = e
		return pe.Err.Error()
	}
	return err.Error()
}

var workDir = sync.OnceValue(func() string {
	wd, _ := os.Getwd()
	return wd
})

// DisplayPath renders p as the user would type it relative to the working
// directory, with forward slashes.
func DisplayPath(p string) string {
	if p == StdinName {
		return p
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	wd := workDir()
	if wd == "" {
		return filepath.ToSlash(p)
	}
	rel, err := filepath.Rel(wd, abs)
	if err != nil {
		return filepath.ToSlash(abs)
	}
	return filepath.ToSlash(rel)
}
