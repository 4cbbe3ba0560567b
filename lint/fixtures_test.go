package lint_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/kready/kready/lint"
	"github.com/kready/kready/render"
	"github.com/kready/kready/rules"
)

// The fixture harness: every directory under fixtures/plain is linted as one
// unit, and its findings must equal the `# want: rule-id` comments written on
// the lines they point at — no missing, no extra. Rules that are off by
// default run in a fixture directory when a want names them or a line says
// `# enable: rule-id`.

// In templates the comment may be a template comment: {{/* want: rule-id */}}.
// `# related: rule-id` marks a line (a values file line, a patch line) that a
// finding of that rule must list among its related locations.
var (
	wantRe    = regexp.MustCompile(`(?:#|/\*)\s*want:\s*([a-z0-9, -]+)`)
	relatedRe = regexp.MustCompile(`(?:#|/\*)\s*related:\s*([a-z0-9, -]+)`)
	enableRe  = regexp.MustCompile(`#\s*enable:\s*([a-z0-9, -]+)`)
)

type expectation struct {
	file string
	line int
	rule string
}

func (e expectation) String() string { return fmt.Sprintf("%s:%d %s", e.file, e.line, e.rule) }

// readExpectations collects want and enable comments from every file in dir.
func readExpectations(t *testing.T, dir string) (wants []expectation, enable []string) {
	wants, _, enable = readAllExpectations(t, dir)
	return wants, enable
}

// readAllExpectations also collects related comments.
func readAllExpectations(t *testing.T, dir string) (wants, related []expectation, enable []string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for line := 1; sc.Scan(); line++ {
			text := sc.Text()
			if m := wantRe.FindStringSubmatch(text); m != nil {
				for _, id := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == ' ' }) {
					wants = append(wants, expectation{render.DisplayPath(p), line, id})
					enable = append(enable, id)
				}
			}
			if m := relatedRe.FindStringSubmatch(text); m != nil {
				for _, id := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == ' ' }) {
					related = append(related, expectation{render.DisplayPath(p), line, id})
				}
			}
			if m := enableRe.FindStringSubmatch(text); m != nil {
				enable = append(enable, strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == ' ' })...)
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return wants, related, enable
}

func TestFixtures(t *testing.T) {
	dirs := fixtureDirs(t, "../fixtures/plain")
	covered := map[string]bool{}
	for _, dir := range dirs {
		dir := dir
		t.Run(filepath.Base(dir), func(t *testing.T) {
			wants, enable := readExpectations(t, dir)
			rs := fixtureRules(t, enable)
			for _, r := range rs {
				covered[r.ID] = true
			}
			rep := lint.Run(render.Load([]string{dir}, render.Options{}), rs)
			for _, e := range rep.Errors {
				t.Errorf("unexpected error: %s:%d: %s", e.File, e.Line, e.Message)
			}
			var got []expectation
			for _, f := range rep.Findings {
				if f.Line < 1 {
					t.Errorf("finding without a line: %+v", f)
				}
				got = append(got, expectation{f.File, f.Line, f.Rule})
			}
			compare(t, wants, got, rep)
		})
	}
}

// fixtureRules selects the rules of a fixture directory: the default object
// rules, plus the rules its want and enable comments name. Rules over the
// whole object set (missing-pdb, missing-network-policy…) run only where
// named, so that a fixture about one container field need not carry a PDB,
// a NetworkPolicy and the rest of a production namespace.
func fixtureRules(t *testing.T, enable []string) []*rules.Rule {
	t.Helper()
	rs, err := rules.Select(enable, nil)
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	for _, id := range enable {
		named[id] = true
	}
	out := rs[:0]
	for _, r := range rs {
		if r.CheckSet == nil || named[r.ID] {
			out = append(out, r)
		}
	}
	return out
}

// fixtureDirs lists the fixture units (directories) under root.
func fixtureDirs(t *testing.T, root string) []string {
	t.Helper()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, filepath.Join(root, e.Name()))
		}
	}
	if len(dirs) == 0 {
		t.Fatalf("no fixtures under %s", root)
	}
	return dirs
}

func compare(t *testing.T, wants, got []expectation, rep *lint.Report) {
	t.Helper()
	count := map[expectation]int{}
	for _, w := range wants {
		count[w]++
	}
	for _, g := range got {
		count[g]--
	}
	var missing, extra []string
	for e, n := range count {
		for ; n > 0; n-- {
			missing = append(missing, e.String())
		}
		for ; n < 0; n++ {
			msg := e.String()
			for _, f := range rep.Findings {
				if f.File == e.file && f.Line == e.line && f.Rule == e.rule {
					msg += ": " + f.Message
					break
				}
			}
			extra = append(extra, msg)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, m := range missing {
		t.Errorf("missing finding: %s", m)
	}
	for _, e := range extra {
		t.Errorf("unexpected finding: %s", e)
	}
}
