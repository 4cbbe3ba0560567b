// Package report writes a lint.Report in one format per writer. A writer
// never decides severity or filters findings; it only renders.
package report

import (
	"fmt"
	"io"

	"github.com/kready/kready/lint"
)

// Writer renders a report.
type Writer interface {
	Write(w io.Writer, rep *lint.Report) error
}

// Formats lists the names accepted by New.
var Formats = []string{"text", "json"}

// Options tune writers that have something to tune.
type Options struct {
	Color   bool // text: ANSI colours and grouping
	Verbose bool // text: also list skipped documents and files
}

// New returns the writer for a format name.
func New(format string, opt Options) (Writer, error) {
	switch format {
	case "text", "":
		return Text{Color: opt.Color, Verbose: opt.Verbose}, nil
	case "json":
		return JSON{}, nil
	}
	return nil, fmt.Errorf("unknown output format %q (want one of %v)", format, Formats)
}
