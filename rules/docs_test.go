package rules

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/rules.md from the rule values")

// docs/rules.md is generated from the rule values; a stale copy fails here.
func TestRulesDoc(t *testing.T) {
	var buf bytes.Buffer
	WriteMarkdown(&buf, All())
	const path = "../docs/rules.md"
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	have, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run: go test ./rules -run TestRulesDoc -update)", err)
	}
	if !bytes.Equal(have, buf.Bytes()) {
		t.Fatal("docs/rules.md is stale: run go test ./rules -run TestRulesDoc -update")
	}
}

var kebab = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// Every rule is complete: a kebab-case ID, a severity, one-line summary,
// a why, a fix and a failing and passing example, and exactly one check.
func TestRuleValues(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range All() {
		if !kebab.MatchString(r.ID) {
			t.Errorf("%s: ID is not kebab-case", r.ID)
		}
		if seen[r.ID] {
			t.Errorf("%s: duplicate ID", r.ID)
		}
		seen[r.ID] = true
		if r.Severity < Info || r.Severity > Error {
			t.Errorf("%s: no severity", r.ID)
		}
		if r.Category == "" {
			t.Errorf("%s: no category", r.ID)
		}
		if r.Summary == "" || strings.Contains(r.Summary, "\n") || strings.HasSuffix(r.Summary, ".") {
			t.Errorf("%s: summary must be one line without a final period: %q", r.ID, r.Summary)
		}
		if r.Doc.Why == "" || r.Doc.Fix == "" || r.Doc.Bad == "" || r.Doc.Good == "" {
			t.Errorf("%s: doc needs Why, Fix, Bad and Good", r.ID)
		}
		checks := 0
		for _, set := range []bool{r.Check != nil, r.CheckSet != nil, r.Renderer != ""} {
			if set {
				checks++
			}
		}
		if checks != 1 {
			t.Errorf("%s: needs exactly one of Check, CheckSet and Renderer", r.ID)
		}
	}
}

// Every rule has a fixture directory with a failing case (a want naming it)
// and a clean case in which it runs and stays silent: bad.yaml and
// clean*.yaml under fixtures/plain/<rule-id>/, or, for rules a renderer
// detects in its sources, chart (or overlay) directories bad/ and clean*/
// under fixtures/<renderer>/<rule-id>/.
func TestEveryRuleHasFixtures(t *testing.T) {
	for _, r := range All() {
		want := regexp.MustCompile(`#\s*want:[a-z0-9, -]*\b` + regexp.QuoteMeta(r.ID) + `\b`)
		if r.Renderer != "" {
			checkRendererFixtures(t, r, want)
			continue
		}
		dir := "../fixtures/plain/" + r.ID
		bad, _ := os.ReadFile(dir + "/bad.yaml")
		if !want.Match(bad) {
			t.Errorf("%s: %s/bad.yaml has no `# want: %s`", r.ID, dir, r.ID)
		}
		cleans, _ := filepath.Glob(dir + "/clean*.yaml")
		if len(cleans) == 0 {
			t.Errorf("%s: no clean case in %s/clean*.yaml", r.ID, dir)
		}
		for _, c := range cleans {
			data, _ := os.ReadFile(c)
			if r.Optional && !regexp.MustCompile(`#\s*enable:[a-z0-9, -]*\b`+regexp.QuoteMeta(r.ID)+`\b`).Match(data) && !bytes.Contains(bad, []byte(r.ID)) {
				t.Errorf("%s: optional rule is not enabled in %s", r.ID, c)
			}
		}
	}
}

// checkRendererFixtures looks for fixtures/<renderer>/<rule-id>/bad/ holding
// a file with a want naming the rule, and at least one clean*/ directory.
func checkRendererFixtures(t *testing.T, r *Rule, want *regexp.Regexp) {
	t.Helper()
	dir := "../fixtures/" + r.Renderer + "/" + r.ID
	found := false
	err := filepath.WalkDir(dir+"/bad", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || found {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		found = want.Match(data)
		return nil
	})
	if err != nil || !found {
		t.Errorf("%s: no file under %s/bad has `# want: %s` (%v)", r.ID, dir, r.ID, err)
	}
	cleans, _ := filepath.Glob(dir + "/clean*")
	n := 0
	for _, c := range cleans {
		if fi, err := os.Stat(c); err == nil && fi.IsDir() {
			n++
		}
	}
	if n == 0 {
		t.Errorf("%s: no clean case in %s/clean*/", r.ID, dir)
	}
}
