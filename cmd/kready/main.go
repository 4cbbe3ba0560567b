// Command kready lints Kubernetes manifests, Helm charts and Kustomize
// overlays for production readiness. This package wires flags only.
package main

import (
	"os"
	"runtime/debug"
)

func main() {
	tuneGC()
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
