// Command kready lints Kubernetes manifests, Helm charts and Kustomize
// overlays for production readiness. This package wires flags only.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
}
