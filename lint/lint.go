// Package lint is the engine: it runs the selected rules over each unit's
// objects, resolves field paths to file locations through each object's
// locator, and sorts the findings.
package lint

import (
	"fmt"
	"runtime"
	"slices"
	"sort"
	"sync"

	"github.com/kready/kready/manifest"
	"github.com/kready/kready/render"
	"github.com/kready/kready/rules"
)

// Finding is one problem at the location a person must edit.
type Finding struct {
	Rule     string
	Severity rules.Severity
	Message  string
	manifest.Location
	Path    string
	Object  manifest.Ref
	Unit    string
	Related []manifest.Location
	// AlsoIn lists the other units whose objects have the same finding at the
	// same source location (a base shared by several overlays).
	AlsoIn []string
}

// Error is an input or internal error, attributed to a unit and file.
type Error struct {
	Unit    string
	File    string
	Line    int
	Message string
}

// UnitSummary describes one unit of the run.
type UnitSummary struct {
	Path    string
	Kind    render.Kind
	Objects int
	Error   string
}

// Skipped is a document or file that held nothing to lint.
type Skipped struct {
	Unit string
	render.Skip
}

// Report is the outcome of a run, in deterministic order.
type Report struct {
	Findings []Finding
	Errors   []Error
	Units    []UnitSummary
	Skipped  []Skipped
	Objects  int
}

// Run lints units with rs. Units are processed in parallel; the report does
// not depend on scheduling.
func Run(units []*render.Unit, rs []*rules.Rule) *Report {
	rep := &Report{}
	per := make([]unitResult, len(units))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, u := range units {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			per[i] = lintUnit(u, rs)
		}()
	}
	wg.Wait()
	for i, u := range units {
		sum := UnitSummary{Path: u.Path, Kind: u.Kind, Objects: len(u.Objects)}
		if u.Err != nil {
			sum.Error = u.Err.Message
			rep.Errors = append(rep.Errors, Error{Unit: u.Path, File: u.Err.File, Line: u.Err.Line, Message: u.Err.Message})
		}
		for _, e := range u.Errors {
			rep.Errors = append(rep.Errors, Error{Unit: u.Path, File: e.File, Line: e.Line, Message: e.Message})
		}
		for _, s := range u.Skipped {
			rep.Skipped = append(rep.Skipped, Skipped{Unit: u.Path, Skip: s})
		}
		rep.Units = append(rep.Units, sum)
		rep.Objects += len(u.Objects)
		rep.Findings = append(rep.Findings, per[i].findings...)
		rep.Errors = append(rep.Errors, per[i].errors...)
	}
	sortReport(rep)
	rep.Errors = dedupErrors(rep.Errors)
	if len(units) > 1 {
		rep.Findings = mergeShared(rep.Findings) // only several units can share a source line
	}
	return rep
}

// dedupErrors keeps one of the errors several units report about the same
// file line (a broken base shared by overlays); errors arrive sorted.
func dedupErrors(es []Error) []Error {
	out := es[:0]
	for _, e := range es {
		if n := len(out); n > 0 && out[n-1].File == e.File && out[n-1].Line == e.Line && out[n-1].Message == e.Message {
			continue
		}
		out = append(out, e)
	}
	return out
}

// mergeShared reports a finding at one source location once when several
// units produce it (a base linted through each overlay that uses it): the
// first unit keeps it and lists the others in AlsoIn. Findings of one unit
// are never merged with each other. The input is sorted and so is the output.
func mergeShared(fs []Finding) []Finding {
	type key struct {
		rule, file, path, message string
		line, column              int
	}
	groups := map[key][]int{}
	for i, f := range fs {
		k := key{f.Rule, f.File, f.Path, f.Message, f.Line, f.Column}
		groups[k] = append(groups[k], i)
	}
	drop := make([]bool, len(fs))
	for _, idx := range groups {
		if len(idx) < 2 {
			continue
		}
		first := fs[idx[0]].Unit
		for _, i := range idx {
			if fs[i].Unit < first {
				first = fs[i].Unit
			}
		}
		var others []string
		for _, i := range idx {
			if u := fs[i].Unit; u != first && !slices.Contains(others, u) {
				others = append(others, u)
			}
		}
		if len(others) == 0 {
			continue
		}
		sort.Strings(others)
		for _, i := range idx {
			if fs[i].Unit == first {
				fs[i].AlsoIn = others
			} else {
				drop[i] = true
			}
		}
	}
	out := fs[:0]
	for i, f := range fs {
		if !drop[i] {
			out = append(out, f)
		}
	}
	return out
}

type unitResult struct {
	findings []Finding
	errors   []Error
}

func lintUnit(u *render.Unit, rs []*rules.Rule) unitResult {
	var res unitResult
	res.findings = renderFindings(u, rs)
	if len(u.Objects) == 0 {
		return res
	}
	subjects := make([]*rules.Subject, len(u.Objects))
	// Objects are independent for object checks: split them into chunks, one
	// per core, and join the chunks in order.
	chunks := min(runtime.GOMAXPROCS(0), len(u.Objects))
	parts := make([]unitResult, chunks)
	var wg sync.WaitGroup
	for c := 0; c < chunks; c++ {
		lo, hi := c*len(u.Objects)/chunks, (c+1)*len(u.Objects)/chunks
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				subjects[i] = rules.NewSubject(u.Objects[i])
				checkObject(u, subjects[i], rs, &parts[c])
			}
		}()
	}
	wg.Wait()
	for _, p := range parts {
		res.findings = append(res.findings, p.findings...)
		res.errors = append(res.errors, p.errors...)
	}
	set := rules.NewSet(subjects)
	for _, r := range rs {
		if r.CheckSet == nil {
			continue
		}
		results, err := safeCheck(func() []rules.Result { return r.CheckSet(set) })
		if err != nil {
			res.errors = append(res.errors, internalError(u, r, nil, err))
			continue
		}
		for _, rr := range results {
			if rr.Object == nil {
				res.errors = append(res.errors, internalError(u, r, nil, fmt.Errorf("result without an object")))
				continue
			}
			res.findings = append(res.findings, finding(u, r, rr))
		}
	}
	return res
}

// renderFindings keeps the renderer's own findings whose rules are selected.
func renderFindings(u *render.Unit, rs []*rules.Rule) []Finding {
	var out []Finding
	for _, d := range u.Findings {
		for _, r := range rs {
			if r.ID == d.Rule {
				out = append(out, Finding{
					Rule: r.ID, Severity: r.Severity, Message: d.Message, Location: d.Location,
					Path: d.Path, Object: d.Object, Unit: u.Path, Related: d.Related,
				})
				break
			}
		}
	}
	return out
}

func checkObject(u *render.Unit, s *rules.Subject, rs []*rules.Rule, res *unitResult) {
	// One deferred recover per object, not per rule: the index says which
	// rule panicked, and the remaining rules still run.
	for next := 0; next < len(rs); {
		next = checkFrom(u, s, rs, next, res)
	}
}

// checkFrom runs object checks from rs[start] on, and returns the index after
// the last rule it handled (a panicking rule is reported and skipped).
func checkFrom(u *render.Unit, s *rules.Subject, rs []*rules.Rule, start int, res *unitResult) (next int) {
	i := start
	defer func() {
		if p := recover(); p != nil {
			res.errors = append(res.errors, internalError(u, rs[i], s.Object, fmt.Errorf("panic: %v", p)))
			next = i + 1
		}
	}()
	for ; i < len(rs); i++ {
		r := rs[i]
		if r.Check == nil {
			continue
		}
		for _, rr := range r.Check(s) {
			rr.Object = s.Object
			res.findings = append(res.findings, finding(u, r, rr))
		}
	}
	return len(rs)
}

func finding(u *render.Unit, r *rules.Rule, rr rules.Result) Finding {
	loc, related := rr.Object.Locator.Locate(rr.Path)
	return Finding{
		Rule:     r.ID,
		Severity: r.Severity,
		Message:  rr.Message,
		Location: loc,
		Path:     rr.Path.String(),
		Object:   rr.Object.Ref(),
		Unit:     u.Path,
		Related:  related,
	}
}

// safeCheck runs a check, turning a panic into an error so one bad rule or
// object never takes down the run.
func safeCheck(f func() []rules.Result) (out []rules.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return f(), nil
}

func internalError(u *render.Unit, r *rules.Rule, o *manifest.Object, err error) Error {
	e := Error{Unit: u.Path, Message: fmt.Sprintf("internal error in rule %s: %v", r.ID, err)}
	if o != nil {
		e.File, e.Line = o.Source.File, o.Source.Line
		e.Message = fmt.Sprintf("internal error in rule %s on %s: %v", r.ID, o.Ref(), err)
	}
	return e
}

func sortReport(rep *Report) {
	sort.SliceStable(rep.Findings, func(i, j int) bool {
		a, b := rep.Findings[i], rep.Findings[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if a.Message != b.Message {
			return a.Message < b.Message
		}
		return a.Unit < b.Unit
	})
	sort.SliceStable(rep.Errors, func(i, j int) bool {
		a, b := rep.Errors[i], rep.Errors[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Message != b.Message {
			return a.Message < b.Message
		}
		return a.Unit < b.Unit
	})
	sort.SliceStable(rep.Units, func(i, j int) bool { return rep.Units[i].Path < rep.Units[j].Path })
}

// Failed reports whether any finding is at or above threshold (0: never).
func (r *Report) Failed(threshold rules.Severity) bool {
	if threshold == 0 {
		return false
	}
	for _, f := range r.Findings {
		if f.Severity >= threshold {
			return true
		}
	}
	return false
}

// ExitCode is 2 when there were errors, 1 when findings reach threshold, else 0.
func (r *Report) ExitCode(threshold rules.Severity) int {
	switch {
	case len(r.Errors) > 0:
		return 2
	case r.Failed(threshold):
		return 1
	}
	return 0
}
