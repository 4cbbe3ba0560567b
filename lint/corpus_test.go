package lint_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/kready/kready/lint"
	"github.com/kready/kready/render"
	"github.com/kready/kready/rules"
)

// The shared corpus of real-world plain manifests lives next to the
// repository (../shared/corpus/plain from the repository root).
const corpusDir = "../../shared/corpus/plain"

// docCount is an independent count of a file's YAML documents: the start
// line of each, and whether the decoder stopped on a syntax error.
type docCount struct {
	starts []int
	broken bool
}

func countDocuments(t *testing.T, path string) docCount {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c docCount
	if len(bytes.TrimSpace(data)) == 0 {
		return c
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var root yaml.Node
		err := dec.Decode(&root)
		if errors.Is(err, io.EOF) {
			return c
		}
		if err != nil {
			c.broken = true
			return c
		}
		c.starts = append(c.starts, root.Line)
	}
}

var documentRe = regexp.MustCompile(`^document (\d+)\b`)

func TestCorpusPlain(t *testing.T) {
	if fi, err := os.Stat(corpusDir); err != nil || !fi.IsDir() {
		t.Skipf("corpus not present at %s", corpusDir)
	}
	units := render.Load([]string{corpusDir}, render.Options{})
	rep := lint.Run(units, rules.All())

	for _, e := range rep.Errors {
		if strings.HasPrefix(e.Message, "internal error") {
			t.Errorf("%s:%d: %s", e.File, e.Line, e.Message)
		}
	}
	for _, f := range rep.Findings {
		if f.Line < 1 || f.Column < 1 {
			t.Errorf("finding without a position: %+v", f)
		}
		if fi, err := os.Stat(f.File); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("finding names a file that does not exist: %s (%v)", f.File, err)
		}
	}

	// Account for every document of every file: it produced objects, was
	// skipped with a reason, or was lost to an error reported in its file.
	type tally struct {
		objects map[int]bool // document index → has objects
		skipped map[int]bool
		errors  []int // lines of errors in the file
		fileErr bool  // an error with no line, for the whole file
	}
	files := map[string]*tally{}
	get := func(f string) *tally {
		if files[f] == nil {
			files[f] = &tally{objects: map[int]bool{}, skipped: map[int]bool{}}
		}
		return files[f]
	}
	var objects int
	for _, u := range units {
		for _, o := range u.Objects {
			get(o.Source.File).objects[o.Source.Doc] = true
			objects++
		}
	}
	for _, s := range rep.Skipped {
		tl := get(s.File)
		if m := documentRe.FindStringSubmatch(s.Reason); m != nil {
			n, _ := strconv.Atoi(m[1])
			tl.skipped[n-1] = true
		}
	}
	for _, e := range rep.Errors {
		tl := get(e.File)
		if e.Line > 0 {
			tl.errors = append(tl.errors, e.Line)
		} else {
			tl.fileErr = true
		}
	}

	var manifests []string
	err := filepath.WalkDir(corpusDir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != corpusDir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml", ".json":
			if d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
				manifests = append(manifests, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(manifests)

	var totalDocs, skippedDocs, lostDocs int
	for _, p := range manifests {
		file := render.DisplayPath(p)
		c := countDocuments(t, p)
		tl := get(file)
		// Map error lines to the documents that hold them.
		lost := map[int]bool{}
		for _, line := range tl.errors {
			doc := sort.Search(len(c.starts), func(i int) bool { return c.starts[i] > line }) - 1
			lost[max(doc, 0)] = true
		}
		for d := range tl.objects {
			if tl.skipped[d] && !hasListSkip(rep, file, d) {
				t.Errorf("%s: document %d both loaded and skipped", file, d+1)
			}
			if lost[d] {
				t.Errorf("%s: document %d both loaded and lost to an error", file, d+1)
			}
		}
		accounted := map[int]bool{}
		for _, m := range []map[int]bool{tl.objects, tl.skipped, lost} {
			for d := range m {
				accounted[d] = true
			}
		}
		totalDocs += len(c.starts)
		skippedDocs += len(tl.skipped)
		lostDocs += len(lost)
		if c.broken || tl.fileErr {
			// A syntax error hides the documents after it from the
			// independent count; the loader must at least report it.
			if len(tl.errors) == 0 && !tl.fileErr {
				t.Errorf("%s: yaml.v3 cannot read it, but no error was reported", file)
			}
			if len(accounted) < len(c.starts) {
				t.Errorf("%s: %d documents readable, only %d accounted for", file, len(c.starts), len(accounted))
			}
			continue
		}
		if len(accounted) != len(c.starts) {
			t.Errorf("%s: %d documents, but %d with objects + %d skipped + %d lost to errors (%d distinct)",
				file, len(c.starts), len(tl.objects), len(tl.skipped), len(lost), len(accounted))
		}
		for d := range accounted {
			if d < 0 || d >= len(c.starts) {
				t.Errorf("%s: document %d does not exist (the file has %d)", file, d+1, len(c.starts))
			}
		}
	}
	if len(manifests) == 0 {
		t.Fatalf("no manifests under %s", corpusDir)
	}
	byRule := map[string]int{}
	for _, f := range rep.Findings {
		byRule[f.Rule]++
	}
	t.Logf("corpus: %d files, %d documents (%d skipped, %d lost to errors), %d objects, %d findings, %d errors, %d units",
		len(manifests), totalDocs, skippedDocs, lostDocs, objects, len(rep.Findings), len(rep.Errors), len(rep.Units))
	t.Logf("findings by rule: %v", byRule)
	for _, e := range rep.Errors {
		t.Logf("input error: %s:%d: %s", e.File, e.Line, e.Message)
	}
}

// hasListSkip reports whether a skip of document d is about one item of a
// List whose other items loaded.
func hasListSkip(rep *lint.Report, file string, d int) bool {
	prefix := "document " + strconv.Itoa(d+1) + ", "
	for _, s := range rep.Skipped {
		if s.File == file && strings.HasPrefix(s.Reason, prefix) {
			return true
		}
	}
	return false
}
