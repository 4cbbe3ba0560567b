package main

import (
	"bufio"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"
	"go.yaml.in/yaml/v3"

	"github.com/kready/kready/render"
	"github.com/kready/kready/report"
)

// renderCommand prints the objects kready would lint, each with the place a
// person edits, so a surprising finding can be checked against its input.
func renderCommand(code *int) *cli.Command {
	return &cli.Command{
		Name:      "render",
		Usage:     "print every object kready would lint, as YAML with its source (charts rendered offline)",
		ArgsUsage: "PATH...",
		Flags:     inputFlags(),
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usageError("render needs at least one path (a directory, a file, or - for stdin)")
			}
			units := render.Load(c.Args().Slice(), loadOptions(c))
			failed, err := writeObjects(c.App.Writer, c.App.ErrWriter, units)
			if err != nil {
				return cli.Exit("kready: writing output: "+err.Error(), exitError)
			}
			if failed {
				*code = exitError
			}
			return nil
		},
	}
}

// writeObjects writes every object as a YAML document preceded by its
// source and every error to errw; it reports whether there were errors.
func writeObjects(w, errw io.Writer, units []*render.Unit) (bool, error) {
	bw := bufio.NewWriter(w)
	first := true
	failed := false
	for _, u := range units {
		var errs []*render.Error
		if u.Err != nil {
			errs = append(errs, u.Err)
		}
		errs = append(errs, u.Errors...)
		for _, e := range errs {
			failed = true
			fmt.Fprintf(errw, "%s: error: %s\n", report.Sanitize(errorPosition(e)), report.Sanitize(e.Message))
		}
		for _, o := range u.Objects {
			if !first {
				bw.WriteString("---\n")
			}
			first = false
			loc, _ := o.Locator.Locate(nil)
			fmt.Fprintf(bw, "# Source: %s:%d\n", loc.File, loc.Line)
			enc := yaml.NewEncoder(bw)
			enc.SetIndent(2)
			if err := enc.Encode(o.Node); err != nil {
				return failed, err
			}
			if err := enc.Close(); err != nil {
				return failed, err
			}
		}
	}
	return failed, bw.Flush()
}

func errorPosition(e *render.Error) string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	return e.File
}
