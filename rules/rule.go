// Package rules holds kready's production-readiness rules. A rule is a value:
// an ID, a default severity, a summary, its documentation and a check. Checks
// are pure: they read typed views of objects and return field paths and
// messages. They know nothing of YAML, files or output.
package rules

import (
	"fmt"
	"strings"

	"github.com/kready/kready/manifest"
)

// Severity orders findings; a run fails on findings at or above a threshold.
type Severity int

const (
	Info Severity = iota + 1
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity reads "info", "warning" or "error".
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(s) {
	case "info":
		return Info, nil
	case "warning":
		return Warning, nil
	case "error":
		return Error, nil
	}
	return 0, fmt.Errorf("unknown severity %q (want info, warning or error)", s)
}

// Rule is one check with its documentation.
type Rule struct {
	ID       string // stable, kebab-case
	Category string // resources, probes, security, images, secrets, ...
	Severity Severity
	Summary  string // one line
	// Optional rules are off unless enabled.
	Optional bool
	Doc      Doc
	// Check inspects one object. Exactly one of Check and CheckSet is set.
	Check func(*Subject) []Result
	// CheckSet inspects every object of a unit together (PDB ↔ Deployment);
	// its results must name their Object.
	CheckSet func(*Set) []Result
	// Renderer names the renderer ("helm", "kustomize") that detects this
	// rule's findings while reading sources, for rules that are about the
	// sources rather than the rendered objects. Such rules have no check.
	Renderer string
}

// Doc is what `kready explain` and docs/rules.md print.
type Doc struct {
	Why  string // why it matters in production
	Fix  string // what to do
	Bad  string // a manifest excerpt that fails
	Good string // the same excerpt fixed
	Helm string // the fix as chart values, where charts usually expose it
}

// Result is one problem a check found: the field to edit and what is wrong.
// A missing field is reported at the path where it belongs; the locator
// resolves it to the nearest existing ancestor.
type Result struct {
	Object  *manifest.Object // set by set checks; filled in for object checks
	Path    manifest.Path
	Message string
}
