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
// and a clean case (clean*.yaml) in which it runs and stays silent.
func TestEveryRuleHasFixtures(t *testing.T) {
	for _, r := range All() {
		dir := "../fixtures/plain/" + r.ID
		bad, _ := os.ReadFile(dir + "/bad.yaml")
		if !regexp.MustCompile(`#\s*want:[a-z0-9, -]*\b` + regexp.QuoteMeta(r.ID) + `\b`).Match(bad) {
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
