package report

import (
	"encoding/json"
	"io"

	"github.com/kready/kready/lint"
)

// JSONVersion is the version of the JSON contract (docs/json.md). Fields may
// be added within a version; none are removed or renamed.
const JSONVersion = 1

// JSON writes the versioned JSON contract.
type JSON struct{}

type jsonReport struct {
	Version  int           `json:"version"`
	Findings []jsonFinding `json:"findings"`
	Errors   []jsonError   `json:"errors"`
	Units    []jsonUnit    `json:"units"`
	Summary  jsonSummary   `json:"summary"`
}

type jsonFinding struct {
	Rule     string         `json:"rule"`
	Severity string         `json:"severity"`
	Message  string         `json:"message"`
	File     string         `json:"file"`
	Line     int            `json:"line"`
	Column   int            `json:"column"`
	Path     string         `json:"path"`
	Object   jsonObject     `json:"object"`
	Unit     string         `json:"unit"`
	Related  []jsonLocation `json:"related"`
}

type jsonObject struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
}

type jsonLocation struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

type jsonError struct {
	Unit    string `json:"unit"`
	File    string `json:"file"`
	Line    int    `json:"line"`
	Message string `json:"message"`
}

type jsonUnit struct {
	Path    string `json:"path"`
	Kind    string `json:"kind"`
	Objects int    `json:"objects"`
	Error   string `json:"error"`
}

type jsonSummary struct {
	Units    int `json:"units"`
	Objects  int `json:"objects"`
	Findings int `json:"findings"`
	Errors   int `json:"errors"`
	Skipped  int `json:"skipped"`
}

func (JSON) Write(w io.Writer, rep *lint.Report) error {
	out := jsonReport{
		Version:  JSONVersion,
		Findings: make([]jsonFinding, 0, len(rep.Findings)),
		Errors:   make([]jsonError, 0, len(rep.Errors)),
		Units:    make([]jsonUnit, 0, len(rep.Units)),
		Summary: jsonSummary{
			Units: len(rep.Units), Objects: rep.Objects, Findings: len(rep.Findings),
			Errors: len(rep.Errors), Skipped: len(rep.Skipped),
		},
	}
	for _, f := range rep.Findings {
		jf := jsonFinding{
			Rule: f.Rule, Severity: f.Severity.String(), Message: f.Message,
			File: f.File, Line: f.Line, Column: f.Column, Path: f.Path,
			Object:  jsonObject(f.Object),
			Unit:    f.Unit,
			Related: make([]jsonLocation, 0, len(f.Related)),
		}
		for _, r := range f.Related {
			jf.Related = append(jf.Related, jsonLocation{File: r.File, Line: r.Line, Column: r.Column, Message: r.Message})
		}
		out.Findings = append(out.Findings, jf)
	}
	for _, e := range rep.Errors {
		out.Errors = append(out.Errors, jsonError(e))
	}
	for _, u := range rep.Units {
		out.Units = append(out.Units, jsonUnit{Path: u.Path, Kind: string(u.Kind), Objects: u.Objects, Error: u.Error})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
