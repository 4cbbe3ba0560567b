package main

import (
	"os"
	"regexp"
	"testing"
)

// The design card pins these modules; a drifted go.mod (for example after a
// stray `go mod tidy` or `go get -u`) must fail the build.
var pinned = map[string]string{
	"helm.sh/helm/v3":           "v3.22.0",
	"sigs.k8s.io/kustomize/api": "v0.21.2",
	"sigs.k8s.io/yaml":          "v1.6.0",
	"github.com/urfave/cli/v2":  "v2.27.7",
	"github.com/fatih/color":    "v1.19.0",
}

func TestGoModPins(t *testing.T) {
	data, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	for mod, want := range pinned {
		re := regexp.MustCompile(`(?m)^\s*(?:require\s+)?` + regexp.QuoteMeta(mod) + `\s+(\S+)`)
		m := re.FindSubmatch(data)
		if m == nil {
			t.Errorf("go.mod does not require %s (want %s)", mod, want)
			continue
		}
		if got := string(m[1]); got != want {
			t.Errorf("go.mod requires %s %s, want %s", mod, got, want)
		}
	}
	if regexp.MustCompile(`(?m)^replace\b`).Match(data) {
		t.Error("go.mod has a replace directive; the pinned modules resolve without one")
	}
}
