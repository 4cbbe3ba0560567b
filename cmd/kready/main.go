// Command kready lints Kubernetes manifests, Helm charts and Kustomize
// overlays for production readiness. This package wires flags only.
package main

import (
	"os"
	"runtime/debug"

	"github.com/kready/kready/render"
)

func main() {
	tuneGC()
	// kready works offline: refuse HTTP and git transport as a backstop behind
	// the checks that refuse remote references before rendering.
	render.DisableNetwork()
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
}

// tuneGC trades memory for speed in a short-lived process: parsed YAML trees
// are garbage-heavy, so collect less often, but stay under a soft cap.
// GOGC and GOMEMLIMIT, when set, win.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(300)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(768 << 20)
	}
}
