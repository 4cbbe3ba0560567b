package report

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/kready/kready/lint"
	"github.com/kready/kready/manifest"
	"github.com/kready/kready/render"
	"github.com/kready/kready/rules"
)

func sampleReport() *lint.Report {
	return &lint.Report{
		Findings: []lint.Finding{
			{
				Rule: "missing-memory-limit", Severity: rules.Warning, Message: `container "app" has no memory limit`,
				Location: manifest.Location{File: "deploy/web.yaml", Line: 38, Column: 13},
				Path:     "spec.template.spec.containers[0].resources.limits.memory",
				Object:   manifest.Ref{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"},
				Unit:     "deploy",
			},
			{
				Rule: "host-pid", Severity: rules.Error, Message: "pod shares the node's process namespace",
				Location: manifest.Location{File: "deploy/web.yaml", Line: 50, Column: 7},
				Path:     "spec.hostPID",
				Object:   manifest.Ref{APIVersion: "v1", Kind: "Pod", Name: "agent"},
				Unit:     "deploy",
				Related:  []manifest.Location{{File: "values.yaml", Line: 3, Column: 1, Message: "value from values.yaml"}},
			},
			{
				Rule: "missing-startup-probe", Severity: rules.Info, Message: `container "app" has no startup probe`,
				Location: manifest.Location{File: "other.yaml", Line: 4, Column: 0},
				Object:   manifest.Ref{Kind: "Deployment", Name: "other"},
				Unit:     "other.yaml",
			},
		},
		Errors: []lint.Error{
			{Unit: "deploy", File: "deploy/broken.yaml", Line: 9, Message: "malformed YAML: mapping values are not allowed in this context"},
			{Unit: "chart", File: "chart", Message: "helm units are not supported yet"},
		},
		Units: []lint.UnitSummary{
			{Path: "chart", Kind: render.Helm, Error: "helm units are not supported yet"},
			{Path: "deploy", Kind: render.Plain, Objects: 2},
			{Path: "other.yaml", Kind: render.Plain, Objects: 1},
		},
		Skipped: []lint.Skipped{{Unit: "deploy", Skip: render.Skip{File: "deploy/empty.yaml", Reason: "empty file"}}},
		Objects: 3,
	}
}

func write(t *testing.T, w Writer, rep *lint.Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := w.Write(&buf, rep); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestJSONContractShape(t *testing.T) {
	out := write(t, JSON{}, sampleReport())
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, out)
	}
	if got, want := keys(doc), []string{"errors", "findings", "summary", "units", "version"}; !reflect.DeepEqual(got, want) {
		t.Errorf("top-level keys = %v, want %v", got, want)
	}
	if doc["version"] != float64(1) || JSONVersion != 1 {
		t.Errorf("version = %v", doc["version"])
	}
	findings := doc["findings"].([]any)
	if len(findings) != 3 {
		t.Fatalf("%d findings", len(findings))
	}
	wantFinding := []string{"alsoIn", "column", "file", "line", "message", "object", "path", "related", "rule", "severity", "unit"}
	for i, f := range findings {
		f := f.(map[string]any)
		if got := keys(f); !reflect.DeepEqual(got, wantFinding) {
			t.Errorf("finding %d keys = %v, want %v", i, got, wantFinding)
		}
		if got := keys(f["object"].(map[string]any)); !reflect.DeepEqual(got, []string{"apiVersion", "kind", "name", "namespace"}) {
			t.Errorf("finding %d object keys = %v", i, got)
		}
		// related is always an array, never null.
		if _, ok := f["related"].([]any); !ok {
			t.Errorf("finding %d related = %#v, want an array", i, f["related"])
		}
	}
	first := findings[0].(map[string]any)
	if first["rule"] != "missing-memory-limit" || first["severity"] != "warning" || first["file"] != "deploy/web.yaml" ||
		first["line"] != float64(38) || first["column"] != float64(13) || first["unit"] != "deploy" ||
		first["path"] != "spec.template.spec.containers[0].resources.limits.memory" ||
		first["object"].(map[string]any)["namespace"] != "shop" || len(first["related"].([]any)) != 0 {
		t.Errorf("finding 0 = %v", first)
	}
	related := findings[1].(map[string]any)["related"].([]any)
	if len(related) != 1 || !reflect.DeepEqual(related[0], map[string]any{"file": "values.yaml", "line": float64(3), "column": float64(1), "message": "value from values.yaml"}) {
		t.Errorf("related = %v", related)
	}
	if findings[1].(map[string]any)["severity"] != "error" || findings[2].(map[string]any)["severity"] != "info" {
		t.Errorf("severities = %v, %v", findings[1], findings[2])
	}
	errs := doc["errors"].([]any)
	if len(errs) != 2 || !reflect.DeepEqual(errs[0], map[string]any{
		"unit": "deploy", "file": "deploy/broken.yaml", "line": float64(9),
		"message": "malformed YAML: mapping values are not allowed in this context",
	}) {
		t.Errorf("errors = %v", errs)
	}
	units := doc["units"].([]any)
	if len(units) != 3 || !reflect.DeepEqual(units[0], map[string]any{"path": "chart", "kind": "helm", "objects": float64(0), "error": "helm units are not supported yet"}) {
		t.Errorf("units = %v", units)
	}
	wantSummary := map[string]any{"units": float64(3), "objects": float64(3), "findings": float64(3), "errors": float64(2), "skipped": float64(1)}
	if !reflect.DeepEqual(doc["summary"], wantSummary) {
		t.Errorf("summary = %v, want %v", doc["summary"], wantSummary)
	}
}

func TestJSONEmptyReportHasEmptyArrays(t *testing.T) {
	out := write(t, JSON{}, &lint.Report{})
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, out)
	}
	for _, k := range []string{"findings", "errors", "units"} {
		if string(doc[k]) != "[]" {
			t.Errorf("%s = %s, want []", k, doc[k])
		}
	}
	if string(doc["summary"]) != `{"units":0,"objects":0,"findings":0,"errors":0,"skipped":0}` {
		t.Errorf("summary = %s", doc["summary"])
	}
	if !strings.HasSuffix(out, "}\n") {
		t.Errorf("output does not end with a newline: %q", out)
	}
}

func TestTextFormat(t *testing.T) {
	out := write(t, Text{}, sampleReport())
	want := `deploy/web.yaml:38:13: warning missing-memory-limit: container "app" has no memory limit [Deployment/shop/web]
deploy/web.yaml:50:7: error host-pid: pod shares the node's process namespace [Pod/agent] (value from values.yaml values.yaml:3)
other.yaml:4: info missing-startup-probe: container "app" has no startup probe [Deployment/other]

deploy/broken.yaml:9: error: malformed YAML: mapping values are not allowed in this context
chart: error: helm units are not supported yet
3 findings (1 error, 1 warning, 1 info) in 3 units, 3 objects; 2 input errors, 1 skipped (--verbose lists them)
`
	if out != want {
		t.Errorf("text output:\n%s\nwant:\n%s", out, want)
	}
	verbose := write(t, Text{Verbose: true}, sampleReport())
	if !strings.Contains(verbose, "\ndeploy/empty.yaml: skipped: empty file\n") || !strings.HasSuffix(verbose, "2 input errors, 1 skipped\n") {
		t.Errorf("verbose output:\n%s", verbose)
	}
}

func TestTextSummaryLine(t *testing.T) {
	for _, tt := range []struct {
		rep  *lint.Report
		want string
	}{
		{&lint.Report{}, "0 findings in 0 units, 0 objects; no input errors\n"},
		{&lint.Report{Units: []lint.UnitSummary{{Path: "."}}, Objects: 1}, "0 findings in 1 unit, 1 object; no input errors\n"},
		{&lint.Report{
			Findings: []lint.Finding{{Severity: rules.Warning, Location: manifest.Location{File: "a", Line: 1}}, {Severity: rules.Warning, Location: manifest.Location{File: "a", Line: 2}}},
			Errors:   []lint.Error{{File: "b", Message: "m"}},
			Units:    []lint.UnitSummary{{Path: "."}, {Path: "x"}},
			Objects:  5,
		}, "1 input error"},
	} {
		out := write(t, Text{}, tt.rep)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		last := lines[len(lines)-1] + "\n"
		if strings.HasSuffix(tt.want, "\n") && last != tt.want || !strings.Contains(last, strings.TrimSuffix(tt.want, "\n")) {
			t.Errorf("summary = %q, want %q", last, tt.want)
		}
	}
	out := write(t, Text{}, &lint.Report{
		Findings: []lint.Finding{{Severity: rules.Warning, Location: manifest.Location{File: "a", Line: 1}}, {Severity: rules.Warning, Location: manifest.Location{File: "a", Line: 2}}},
		Units:    []lint.UnitSummary{{Path: "."}, {Path: "x"}},
		Objects:  5,
	})
	if !strings.HasSuffix(out, "\n2 findings (2 warnings) in 2 units, 5 objects; no input errors\n") {
		t.Errorf("output = %q", out)
	}
}

// Object names, messages and file names come from untrusted input: none may
// inject terminal escapes or fake extra lines (CI log commands).
func TestTextSanitizesUntrustedText(t *testing.T) {
	rep := &lint.Report{
		Findings: []lint.Finding{{
			Rule: "missing-memory-limit", Severity: rules.Warning,
			Message:  "container \"\x1b[31mred\x1b[0m\" has no memory limit\n::set-env name=X::y",
			Location: manifest.Location{File: "evil\x1b]0;title\x07.yaml", Line: 3, Column: 5},
			Object:   manifest.Ref{Kind: "Deployment", Namespace: "ns\r", Name: "web\n::set-env name=PATH::/tmp\x1b[2J\u009b31m"},
			Related:  []manifest.Location{{File: "v\n.yaml", Line: 1, Message: "from\x1b[1m values"}},
		}},
		Errors:  []lint.Error{{File: "bad\n.yaml", Line: 1, Message: "malformed YAML: found \x1b[5mblink\x00"}},
		Skipped: []lint.Skipped{{Skip: render.Skip{File: "s\x1b.yaml", Reason: "not\na mapping"}}},
	}
	for _, w := range []Writer{Text{}, Text{Verbose: true}} {
		out := write(t, w, rep)
		for _, c := range []string{"\x1b", "\r", "\x07", "\x00", "\u009b"} {
			if strings.Contains(out, c) {
				t.Errorf("output holds raw %q:\n%q", c, out)
			}
		}
		// Finding, blank line, error, (skip), summary: nothing more.
		wantLines := 4
		if w.(Text).Verbose {
			wantLines = 5
		}
		if lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n"); len(lines) != wantLines {
			t.Errorf("%d lines, want %d (an injected newline made a line):\n%s", len(lines), wantLines, out)
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "::") {
				t.Errorf("a line starts with a workflow command: %q", line)
			}
		}
		if !strings.Contains(out, `\x1b[31mred`) || !strings.Contains(out, `web\n::set-env`) {
			t.Errorf("escaped text not shown:\n%s", out)
		}
	}
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"plain text":         "plain text",
		"üñíçødé ✓":          "üñíçødé ✓",
		"a\nb":               `a\nb`,
		"a\tb":               `a\tb`,
		"\x1b[31mred":        `\x1b[31mred`,
		"del\x7f":            `del\x7f`,
		"c1\u0085next":       `c1\u0085next`,
		"csi\u009b31m":       `csi\u009b31m`,
		"nul\x00":            `nul\x00`,
		"bell\a":             `bell\a`,
		"mixed é\x1b":        `mixed é\x1b`,
		"raw byte \x9b31m":   `raw byte \x9b31m`,
		"bad utf8 \xff\xfe.": `bad utf8 \xff\xfe.`,
	} {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestColor(t *testing.T) {
	plain := write(t, Text{Color: false}, sampleReport())
	if strings.Contains(plain, "\x1b") {
		t.Errorf("colour off, but escape codes in output:\n%q", plain)
	}
	colored := write(t, Text{Color: true}, sampleReport())
	if !strings.Contains(colored, "\x1b[") {
		t.Errorf("colour on, but no escape codes:\n%q", colored)
	}
	// Colour is decoration only: stripped of escapes the findings read the
	// same (grouping by file adds blank lines).
	stripped := regexpEscapes(colored)
	for _, line := range strings.Split(plain, "\n") {
		if line != "" && !strings.Contains(stripped, line) {
			t.Errorf("coloured output lacks %q", line)
		}
	}
}

// regexpEscapes removes SGR escape sequences.
func regexpEscapes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] == ';' || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			if j < len(s) && s[j] == 'm' {
				i = j
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func TestNew(t *testing.T) {
	for _, f := range []string{"", "text", "json"} {
		if _, err := New(f, Options{}); err != nil {
			t.Errorf("New(%q): %v", f, err)
		}
	}
	w, _ := New("text", Options{Color: true, Verbose: true})
	if w != (Text{Color: true, Verbose: true}) {
		t.Errorf("New(text) = %#v", w)
	}
	if _, err := New("yaml", Options{}); err == nil || !strings.Contains(err.Error(), `"yaml"`) {
		t.Errorf("New(yaml) err = %v", err)
	}
}
