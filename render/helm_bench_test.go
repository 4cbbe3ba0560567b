package render

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkHelmCorpus renders every corpus chart that renders offline, with
// and without the template line mapping (the second, instrumented render),
// to keep the mapping's cost in view: it must stay under 2× a plain render.
func BenchmarkHelmCorpus(b *testing.B) {
	root := "../../shared/corpus/helm"
	entries, err := os.ReadDir(root)
	if err != nil {
		b.Skip("corpus absent")
	}
	var charts []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != "loki" {
			charts = append(charts, filepath.Join(root, e.Name()))
		}
	}
	opt := Options{Helm: HelmOptions{ReleaseName: "rel", Namespace: "default", KubeVersion: "1.31"}}
	for _, mode := range []struct {
		name   string
		mapped bool
	}{{"without-line-mapping", false}, {"with-line-mapping", true}} {
		b.Run(mode.name, func(b *testing.B) {
			defer func(prev bool) { mapHelmLines = prev }(mapHelmLines)
			mapHelmLines = mode.mapped
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				units := Load(charts, opt)
				for _, u := range units {
					if u.Err != nil {
						b.Fatalf("%s: %s", u.Path, u.Err.Message)
					}
				}
			}
		})
	}
}
