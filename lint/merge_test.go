package lint_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/kready/kready/lint"
	"github.com/kready/kready/render"
	"github.com/kready/kready/rules"
)

// A base linted through two overlays is reported once, with the other
// overlay in AlsoIn; findings of one unit are never merged.
func TestSharedSourceReportedOnce(t *testing.T) {
	dir := t.TempDir()
	doc := "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      image: a:1\n"
	if err := os.WriteFile(filepath.Join(dir, "base.yaml"), []byte(doc+"---\n"+doc), 0o644); err != nil {
		t.Fatal(err)
	}
	rule, _ := rules.ByID("missing-readiness-probe")
	base := render.Load([]string{dir}, render.Options{})[0]
	var units []*render.Unit
	for _, name := range []string{"overlays/prod", "overlays/dev", "overlays/staging"} {
		u := *base
		u.Path = name
		units = append(units, &u)
	}
	rep := lint.Run(units, []*rules.Rule{rule})
	if len(rep.Findings) != 2 {
		t.Fatalf("want the two findings of one unit, got %d: %+v", len(rep.Findings), rep.Findings)
	}
	for _, f := range rep.Findings {
		if f.Unit != "overlays/dev" || !reflect.DeepEqual(f.AlsoIn, []string{"overlays/prod", "overlays/staging"}) {
			t.Errorf("unit %s alsoIn %v", f.Unit, f.AlsoIn)
		}
	}
	if rep.Findings[0].Line == rep.Findings[1].Line {
		t.Error("the two documents' findings must keep their own lines")
	}
}
