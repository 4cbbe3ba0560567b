package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/kready/kready/lint"
)

// JSONVersion is the version of the JSON contract (docs/json.md). Fields may
// be added within a version; none are removed or renamed.
const JSONVersion = 1

// JSON writes the versioned JSON contract.
type JSON struct{}

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
	AlsoIn   []string       `json:"alsoIn"`
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

// Write streams the report: one compact JSON object per line for each
// finding, error and unit, so large reports stay cheap to write and to grep.
func (JSON) Write(w io.Writer, rep *lint.Report) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	fmt.Fprintf(bw, "{\n  \"version\": %d,\n", JSONVersion)
	section(bw, "findings", len(rep.Findings), func(i int) any {
		f := rep.Findings[i]
		jf := jsonFinding{
			Rule: f.Rule, Severity: f.Severity.String(), Message: f.Message,
			File: f.File, Line: f.Line, Column: f.Column, Path: f.Path,
			Object:  jsonObject(f.Object),
			Unit:    f.Unit,
			Related: make([]jsonLocation, 0, len(f.Related)),
			AlsoIn:  append([]string{}, f.AlsoIn...),
		}
		for _, r := range f.Related {
			jf.Related = append(jf.Related, jsonLocation{File: r.File, Line: r.Line, Column: r.Column, Message: r.Message})
		}
		return jf
	})
	section(bw, "errors", len(rep.Errors), func(i int) any { return jsonError(rep.Errors[i]) })
	section(bw, "units", len(rep.Units), func(i int) any {
		u := rep.Units[i]
		return jsonUnit{Path: u.Path, Kind: string(u.Kind), Objects: u.Objects, Error: u.Error}
	})
	sum, err := marshal(jsonSummary{
		Units: len(rep.Units), Objects: rep.Objects, Findings: len(rep.Findings),
		Errors: len(rep.Errors), Skipped: len(rep.Skipped),
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(bw, "  \"summary\": %s\n}\n", sum)
	return bw.Flush()
}

// section writes `"name": [ ... ],` with one element per line.
func section(w *bufio.Writer, name string, n int, elem func(i int) any) {
	fmt.Fprintf(w, "  %q: [", name)
	for i := 0; i < n; i++ {
		b, err := marshal(elem(i))
		if err != nil {
			b = []byte("null")
		}
		if i > 0 {
			w.WriteByte(',')
		}
		w.WriteString("\n    ")
		w.Write(b)
	}
	if n > 0 {
		w.WriteString("\n  ")
	}
	w.WriteString("],\n")
}

// marshal encodes v compactly without HTML escaping, so paths such as
// <stdin> stay readable.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
