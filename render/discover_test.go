package render_test

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/kready/kready/render"
)

func cm(name string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n"
}

// objectNames lists "file-relative-to-dir: name" for every object of u.
func objectNames(t *testing.T, dir string, u *render.Unit) []string {
	t.Helper()
	var out []string
	for _, o := range u.Objects {
		out = append(out, relTo(t, dir, o.Source.File)+": "+o.Name)
	}
	sort.Strings(out)
	return out
}

// relTo turns a display path back into a slash path relative to dir.
func relTo(t *testing.T, dir, display string) string {
	t.Helper()
	rel, err := filepath.Rel(render.DisplayPath(dir), display)
	if err != nil {
		t.Fatalf("rel %s: %v", display, err)
	}
	return filepath.ToSlash(rel)
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("symlinks unavailable: %v", err)
	}
}

func TestWalkPicksManifestFilesAndSkipsHidden(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"a.yaml":                   cm("a"),
		"b.YML":                    cm("b"),
		"c.json":                   `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}`,
		"notes.txt":                cm("txt"),
		"README.md":                cm("md"),
		"yaml":                     cm("no-extension"),
		".hidden.yaml":             cm("hidden-file"),
		".git/config.yaml":         cm("git"),
		".github/workflows/ci.yml": cm("ci"),
		"sub/e.yaml":               cm("e"),
		"sub/deeper/f.yml":         cm("f"),
		"sub/.cache/g.yaml":        cm("cache"),
	})
	u := loadOne(t, []string{dir}, render.Options{})
	want := []string{"a.yaml: a", "b.YML: b", "c.json: c", "sub/deeper/f.yml: f", "sub/e.yaml: e"}
	if got := objectNames(t, dir, u); !reflect.DeepEqual(got, want) {
		t.Errorf("objects = %q, want %q", got, want)
	}
	if len(u.Errors)+len(u.Skipped) != 0 || u.Err != nil {
		t.Errorf("unexpected errors/skips:%s", describeUnits([]*render.Unit{u}))
	}
}

// Objects come out in walk (lexical) order whatever the parallelism.
func TestWalkOrderIsDeterministic(t *testing.T) {
	files := map[string]string{}
	for _, n := range []string{"m", "b", "z", "a", "k", "c", "y", "d"} {
		files[n+".yaml"] = cm(n) + "---\n" + cm(n+"2")
	}
	dir := writeTree(t, files)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var first []string
	for _, procs := range []int{1, 4, 8} {
		runtime.GOMAXPROCS(procs)
		u := loadOne(t, []string{dir}, render.Options{})
		var got []string
		for _, o := range u.Objects {
			got = append(got, o.Name)
		}
		if first == nil {
			first = got
			want := []string{"a", "a2", "b", "b2", "c", "c2", "d", "d2", "k", "k2", "m", "m2", "y", "y2", "z", "z2"}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("order = %v, want %v", got, want)
			}
		} else if !reflect.DeepEqual(got, first) {
			t.Errorf("GOMAXPROCS=%d: order %v differs from %v", procs, got, first)
		}
	}
}

func TestWalkSymlinks(t *testing.T) {
	outside := writeTree(t, map[string]string{"secret.yaml": cm("outside")})
	dir := writeTree(t, map[string]string{
		"real.yaml":    cm("real"),
		"sub/s.yaml":   cm("sub"),
		"sub/t.notyml": "x",
	})
	symlink(t, "real.yaml", filepath.Join(dir, "link-inside.yaml"))
	symlink(t, filepath.Join(outside, "secret.yaml"), filepath.Join(dir, "link-outside.yaml"))
	symlink(t, "missing.yaml", filepath.Join(dir, "broken.yaml"))
	symlink(t, "sub", filepath.Join(dir, "dirlink.yaml"))
	symlink(t, "sub", filepath.Join(dir, "dirlink"))
	symlink(t, outside, filepath.Join(dir, "outlink"))

	u := loadOne(t, []string{dir}, render.Options{})
	// Directory symlinks are not followed, so sub/s.yaml is read once; a
	// file symlink inside the directory is read under its own name.
	want := []string{"link-inside.yaml: real", "real.yaml: real", "sub/s.yaml: sub"}
	if got := objectNames(t, dir, u); !reflect.DeepEqual(got, want) {
		t.Errorf("objects = %q, want %q", got, want)
	}
	var skips []string
	for _, s := range u.Skipped {
		skips = append(skips, relTo(t, dir, s.File)+": "+s.Reason)
	}
	wantSkips := []string{
		"broken.yaml: broken symlink",
		"dirlink.yaml: symlink to something other than a regular file",
		"link-outside.yaml: symlink leaves the linted directory",
	}
	if !reflect.DeepEqual(skips, wantSkips) {
		t.Errorf("skips = %q, want %q", skips, wantSkips)
	}
	if len(u.Errors) != 0 {
		t.Errorf("errors: %v", u.Errors)
	}
}

// A directory named on the command line through a symlink is linted like
// the directory itself: only symlinks found while walking are distrusted.
func TestSymlinkedDirectoryArgument(t *testing.T) {
	real := writeTree(t, map[string]string{"a.yaml": cm("a"), "sub/b.yaml": cm("b")})
	elsewhere := t.TempDir()
	if err := os.WriteFile(filepath.Join(elsewhere, "x.yaml"), []byte(cm("elsewhere")), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(elsewhere, "manifests")
	symlink(t, real, link)
	// Inside the linked tree, links are still judged against its real root.
	symlink(t, "a.yaml", filepath.Join(real, "same.yaml"))
	symlink(t, filepath.Join(elsewhere, "x.yaml"), filepath.Join(real, "out.yaml"))
	u := loadOne(t, []string{link}, render.Options{})
	if got, want := objectNames(t, link, u), []string{"a.yaml: a", "same.yaml: a", "sub/b.yaml: b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("objects = %q, want %q%s", got, want, describeUnits([]*render.Unit{u}))
	}
	if len(u.Skipped) != 1 || relTo(t, link, u.Skipped[0].File) != "out.yaml" || u.Skipped[0].Reason != "symlink leaves the linted directory" {
		t.Errorf("skips = %+v", u.Skipped)
	}
	if u.Path != render.DisplayPath(link) {
		t.Errorf("unit path = %s, want the path as given", u.Path)
	}
}

func TestChartAndKustomizationDirectoriesAreUnits(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"plain/app.yaml":              cm("plain"),
		"top.yaml":                    cm("top"),
		"chart/Chart.yaml":            "apiVersion: v2\nname: c\nversion: 0.1.0\n",
		"chart/values.yaml":           "replicas: 1\n",
		"chart/templates/cm.yaml":     cm("templated"),
		"chart/charts/sub/Chart.yaml": "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
		"kust/kustomization.yaml":     "resources: [cm.yaml]\n",
		"kust/cm.yaml":                cm("kustomized"),
		"kust/base/cm.yaml":           cm("kustomized-base"),
		"kust2/Kustomization":         "resources: []\n",
		"kust2/x.yaml":                cm("k2"),
		"kust3/kustomization.yml":     "resources: []\n",
	})
	units := render.Load([]string{dir}, render.Options{})
	type unitSummary struct {
		Path string
		Kind render.Kind
		Err  string
	}
	var got []unitSummary
	for _, u := range units {
		s := unitSummary{Path: relTo(t, dir, u.Path), Kind: u.Kind}
		if u.Err != nil {
			s.Err = u.Err.Message
			if u.Err.File != u.Path {
				t.Errorf("unit %s: Err names %s", u.Path, u.Err.File)
			}
		}
		got = append(got, s)
	}
	want := []unitSummary{
		{".", render.Plain, ""},
		{"chart", render.Helm, ""},
		{"kust", render.Kustomize, ""},
		{"kust2", render.Kustomize, ""},
		{"kust3", render.Kustomize, ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("units =\n %+v\nwant\n %+v", got, want)
	}
	if len(units) > 0 {
		// Files of a chart or kustomization are theirs, not plain manifests.
		if names, want := objectNames(t, dir, units[0]), []string{"plain/app.yaml: plain", "top.yaml: top"}; !reflect.DeepEqual(names, want) {
			t.Errorf("plain objects = %q, want %q", names, want)
		}
	}
	for _, u := range units[1:] {
		if want := map[string]int{"kust": 1, "kust2": 0, "kust3": 0}[relTo(t, dir, u.Path)]; u.Kind == render.Kustomize && len(u.Objects) != want {
			t.Errorf("kustomization %s has %d objects, want %d", u.Path, len(u.Objects), want)
		}
	}
}

func TestUnitArguments(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"chart/Chart.yaml":             "apiVersion: v2\nname: c\nversion: 0.1.0\n",
		"chart/templates/a.yaml":       cm("a"),
		"only/kust/kustomization.yaml": "resources: []\n",
		"pkg.tgz":                      "not really gzip",
	})
	for _, tt := range []struct {
		arg  string
		kind render.Kind
	}{
		{filepath.Join(dir, "chart"), render.Helm},
		{filepath.Join(dir, "only", "kust"), render.Kustomize},
		{filepath.Join(dir, "pkg.tgz"), render.Helm},
	} {
		u := loadOne(t, []string{tt.arg}, render.Options{})
		if u.Kind != tt.kind || u.Path != render.DisplayPath(tt.arg) {
			t.Errorf("%s: unit %s %s %v", tt.arg, u.Path, u.Kind, u.Err)
		}
		if tt.kind == render.Kustomize && u.Err != nil {
			t.Errorf("%s: unit %s %s %v", tt.arg, u.Path, u.Kind, u.Err)
		}
		if strings.HasSuffix(tt.arg, ".tgz") && (u.Err == nil || !strings.Contains(u.Err.Message, "gzip")) {
			t.Errorf("%s: a file that is not gzip must be refused: %v", tt.arg, u.Err)
		}
	}
	// A directory holding only a kustomization yields just that unit.
	units := render.Load([]string{filepath.Join(dir, "only")}, render.Options{})
	if len(units) != 1 || units[0].Kind != render.Kustomize {
		t.Errorf("only/: %s", describeUnits(units))
	}
}

func TestLoadMissingPathAndEmptyDir(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "does-not-exist")
	u := loadOne(t, []string{missing}, render.Options{})
	if u.Err == nil {
		t.Fatal("missing path: no error")
	}
	if u.Err.File != render.DisplayPath(missing) || u.Err.Message != "no such file or directory" && runtime.GOOS != "windows" {
		t.Errorf("missing path: Err = %#v", u.Err)
	}
	if got := u.Err.Error(); got != render.DisplayPath(missing)+": "+u.Err.Message {
		t.Errorf("Error() = %q", got)
	}
	empty := loadOne(t, []string{dir}, render.Options{})
	if empty.Err != nil || len(empty.Objects)+len(empty.Errors)+len(empty.Skipped) != 0 || empty.Kind != render.Plain {
		t.Errorf("empty dir:%s", describeUnits([]*render.Unit{empty}))
	}
}

func TestLoadSortsUnitsByPath(t *testing.T) {
	root := writeTree(t, map[string]string{"b/x.yaml": cm("b"), "a/x.yaml": cm("a"), "c/x.yaml": cm("c")})
	units := render.Load([]string{filepath.Join(root, "c"), filepath.Join(root, "a"), filepath.Join(root, "b")}, render.Options{})
	var got []string
	for _, u := range units {
		got = append(got, relTo(t, root, u.Path))
	}
	if want := []string{"a", "b", "c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("unit order = %v, want %v", got, want)
	}
}

func TestMaxFileSizeRefusesBeforeReading(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"big.yaml":   cm("big") + "data:\n  x: \"" + strings.Repeat("x", 2000) + "\"\n",
		"small.yaml": cm("small"),
	})
	u := loadOne(t, []string{dir}, render.Options{MaxFileSize: 500})
	if got := objectNames(t, dir, u); !reflect.DeepEqual(got, []string{"small.yaml: small"}) {
		t.Errorf("objects = %q", got)
	}
	if len(u.Errors) != 1 {
		t.Fatalf("errors:%s", describeUnits([]*render.Unit{u}))
	}
	e := u.Errors[0]
	// "file is N bytes" comes from the size check made before reading;
	// a read would have said "input is over".
	fi, _ := os.Stat(filepath.Join(dir, "big.yaml"))
	if relTo(t, dir, e.File) != "big.yaml" || e.Message != "file is "+strconv.FormatInt(fi.Size(), 10)+" bytes, over the 500-byte limit" {
		t.Errorf("error = %+v", e)
	}
}
