// Package render turns inputs (plain manifests now; Helm charts and Kustomize
// overlays next) into units of objects that keep their source positions.
// It knows nothing of rules.
package render

import (
	"fmt"

	"github.com/kready/kready/manifest"
)

// Kind is the kind of input a unit was made from.
type Kind string

const (
	Plain     Kind = "plain"
	Helm      Kind = "helm"
	Kustomize Kind = "kustomize"
)

// Unit is one set of objects linted together: the plain files under one
// argument, one chart render or one kustomize build.
type Unit struct {
	Path    string // as the user would type it
	Kind    Kind
	Objects []*manifest.Object
	Errors  []*Error
	Skipped []Skip
	// Err is set when the unit as a whole could not be rendered.
	Err *Error
	// Findings are problems the renderer itself detects about the unit's
	// sources (a chart's kubeVersion constraint, values that break the chart's
	// schema). Their rules are documented in package rules like any other.
	Findings []Diagnostic

	chartSource string // a chart still to be rendered (directory or .tgz)
}

// Diagnostic is a finding produced while rendering, already located.
type Diagnostic struct {
	Rule    string
	Message string
	manifest.Location
	Path    string // the field path concerned, if any (e.g. a values path)
	Object  manifest.Ref
	Related []manifest.Location
}

// Error is a problem with an input, named by file and (where known) line.
type Error struct {
	File    string
	Line    int
	Message string
}

func (e *Error) Error() string {
	switch {
	case e.File == "":
		return e.Message
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Message)
	}
	return e.File + ": " + e.Message
}

// Skip records a document or file that was read but holds nothing to lint,
// so nothing is dropped without a trace.
type Skip struct {
	File   string
	Line   int
	Reason string
}
