package lint_test

import (
	"path/filepath"
	"testing"

	"github.com/kready/kready/lint"
	"github.com/kready/kready/render"
)

// The Kustomize fixture harness: each directory under fixtures/kustomize is
// linted as `kready lint fixtures/kustomize/NAME` would lint it (its entry
// points built, shared bases reported once); findings must equal the want
// comments and related patch lines the related comments (see
// fixtures/kustomize/README.md).
func TestKustomizeFixtures(t *testing.T) {
	for _, dir := range fixtureDirs(t, "../fixtures/kustomize") {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			wants, related, enable := readAllExpectations(t, dir)
			rs := fixtureRules(t, enable)
			rep := lint.Run(render.Load([]string{dir}, render.Options{}), rs)
			for _, e := range rep.Errors {
				t.Errorf("unexpected error: %s:%d: %s", e.File, e.Line, e.Message)
			}
			kustomizeUnits := 0
			for _, u := range rep.Units {
				if u.Kind == render.Kustomize {
					kustomizeUnits++
				}
			}
			if kustomizeUnits == 0 {
				t.Fatal("no kustomization was built")
			}
			var got, gotRelated []expectation
			for _, f := range rep.Findings {
				got = append(got, expectation{f.File, f.Line, f.Rule})
				for _, r := range f.Related {
					gotRelated = append(gotRelated, expectation{r.File, r.Line, f.Rule})
				}
			}
			compare(t, wants, got, rep)
			compareSets(t, "related", related, gotRelated)
		})
	}
}
