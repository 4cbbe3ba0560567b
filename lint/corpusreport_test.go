package lint_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kready/kready/lint"
	"github.com/kready/kready/render"
	"github.com/kready/kready/rules"
)

var updateCorpusReport = flag.Bool("update-corpus-report", false, "rewrite docs/CORPUS.md from a run over ../shared/corpus")

// TestCorpusReport lints the whole corpus (plain manifests, every chart with
// kube 1.31, every kustomization entry point) with every rule, optional ones
// included: no rule may panic, and the per-rule counts are what
// docs/CORPUS.md records (rewritten with -update-corpus-report).
func TestCorpusReport(t *testing.T) {
	root := "../../shared/corpus"
	if _, err := os.Stat(root); err != nil {
		t.Skip("corpus absent")
	}
	var ids []string
	for _, r := range rules.All() {
		ids = append(ids, r.ID)
	}
	rs, err := rules.Select(ids, nil)
	if err != nil {
		t.Fatal(err)
	}
	opt := render.Options{Helm: render.HelmOptions{ReleaseName: "rel", Namespace: "default", KubeVersion: "1.31"}}
	counts := map[string]map[string]int{} // rule → input kind → findings
	kinds := []string{"plain", "helm", "kustomize"}
	var units, objects int
	for _, kind := range kinds {
		rep := lint.Run(render.Load([]string{filepath.Join(root, kind)}, opt), rs)
		units += len(rep.Units)
		objects += rep.Objects
		for _, e := range rep.Errors {
			if strings.Contains(e.Message, "internal error") {
				t.Errorf("%s:%d: %s", e.File, e.Line, e.Message)
			}
		}
		for _, f := range rep.Findings {
			if f.Line < 1 {
				t.Errorf("finding without a line: %s %s %s", f.File, f.Rule, f.Message)
			}
			if counts[f.Rule] == nil {
				counts[f.Rule] = map[string]int{}
			}
			counts[f.Rule][kind]++
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "| rule | default | plain | helm | kustomize |\n|---|---|---|---|---|\n")
	for _, r := range rules.All() {
		def := "on"
		if r.Optional {
			def = "off"
		}
		c := counts[r.ID]
		fmt.Fprintf(&b, "| `%s` | %s | %d | %d | %d |\n", r.ID, def, c["plain"], c["helm"], c["kustomize"])
	}
	table := b.String()
	t.Logf("%d units, %d objects\n%s", units, objects, table)
	const path = "../docs/CORPUS.md"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./lint -run TestCorpusReport -update-corpus-report)", err)
	}
	start := bytes.Index(doc, []byte("<!-- counts -->\n"))
	end := bytes.Index(doc, []byte("<!-- /counts -->"))
	if start < 0 || end < start {
		t.Fatal("docs/CORPUS.md lacks the <!-- counts --> markers")
	}
	start += len("<!-- counts -->\n")
	if *updateCorpusReport {
		out := append(append(append([]byte{}, doc[:start]...), table...), doc[end:]...)
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	// Counts move with every rule change; the test asserts that every rule
	// is listed, not that numbers stay put.
	listed := string(doc[start:end])
	var missing []string
	for _, id := range ids {
		if !strings.Contains(listed, "`"+id+"`") {
			missing = append(missing, id)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("docs/CORPUS.md does not list %v (run go test ./lint -run TestCorpusReport -update-corpus-report)", missing)
	}
}
