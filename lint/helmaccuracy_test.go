package lint_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/kready/kready/lint"
	"github.com/kready/kready/manifest"
	"github.com/kready/kready/render"
	"github.com/kready/kready/rules"
)

// Line accuracy of Helm findings on the corpus charts: a finding is accurate
// when the template line it names holds a key of the finding's field path
// (`key:`) or the action that produced the field (toYaml, include, template,
// tpl). The figure is recorded in docs/LOCATIONS.md.

var producingAction = regexp.MustCompile(`\{\{-?\s*(toYaml|include|template|tpl)\b|\|\s*(toYaml|indent|nindent)\b`)

func TestHelmLineAccuracyOnCorpus(t *testing.T) {
	root := "../../shared/corpus/helm"
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Skip("corpus absent")
	}
	rs, _ := rules.Select(nil, nil)
	var total, accurate int
	var lines []string
	kinds := map[string]int{}
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "loki" {
			continue
		}
		dir := filepath.Join(root, e.Name())
		// Default values, then every ci/*.yaml values file of the chart.
		inputs := [][]string{nil}
		ci, _ := filepath.Glob(filepath.Join(dir, "ci", "*.yaml"))
		for _, f := range ci {
			inputs = append(inputs, []string{f})
		}
		n, ok := 0, 0
		for _, values := range inputs {
			opt := render.Options{Helm: render.HelmOptions{ReleaseName: "rel", Namespace: "default", KubeVersion: "1.31", ValuesFiles: values}}
			rep := lint.Run(render.Load([]string{dir}, opt), rs)
			for _, er := range rep.Errors {
				t.Errorf("%s %v: %s:%d: %s", e.Name(), values, er.File, er.Line, er.Message)
			}
			for _, f := range rep.Findings {
				if !strings.Contains(f.File, "/templates/") {
					continue
				}
				src, err := readLines(f.File)
				if err != nil {
					t.Errorf("finding names a file that cannot be read: %s", f.File)
					continue
				}
				n++
				kind := "outside the file"
				if f.Line >= 1 && f.Line <= len(src) {
					kind = lineKind(src[f.Line-1], f.Path, f.Message)
				}
				kinds[kind]++
				if kind != "inexact" && kind != "outside the file" {
					ok++
				} else if testing.Verbose() {
					t.Logf("inexact %s:%d %s %s", f.File, f.Line, f.Rule, f.Path)
				}
			}
		}
		total += n
		accurate += ok
		if n > 0 {
			lines = append(lines, e.Name()+": "+pct(ok, n)+" of "+itoa(n))
		}
	}
	for _, k := range []string{"key", "item", "action", "inexact", "outside the file"} {
		t.Logf("%s: %d", k, kinds[k])
	}
	sort.Strings(lines)
	for _, l := range lines {
		t.Log(l)
	}
	t.Logf("all corpus charts: %d of %d findings at a line naming their field or its producing action (%s)", accurate, total, pct(accurate, total))
	if total == 0 {
		t.Fatal("no findings on the corpus charts")
	}
	if accurate*100 < total*95 {
		t.Errorf("line accuracy %s is below 95%%", pct(accurate, total))
	}
}

var fileLines = map[string][]string{}

func readLines(file string) ([]string, error) {
	if l, ok := fileLines[file]; ok {
		return l, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	fileLines[file] = strings.Split(string(data), "\n")
	return fileLines[file], nil
}

// lineKind classifies a template line against a finding: "key" when it
// holds a key of the field path, "item" when it is the first line of the
// list item (a container) the finding is about, "action" when it holds the
// action that produced the field, else "inexact".
func lineKind(line, path, message string) string {
	trimmed := strings.TrimLeft(strings.TrimSpace(line), "- ")
	p := manifest.ParsePath(path)
	for _, seg := range p {
		if seg.IsIndex {
			continue
		}
		if strings.HasPrefix(trimmed, seg.Key+":") || strings.HasPrefix(trimmed, `"`+seg.Key+`":`) || strings.Contains(line, " "+seg.Key+":") {
			return "key"
		}
	}
	// A missing field of a list item (a container) is reported at the item's
	// first line, as for plain YAML; a literal `- name: x` must be the
	// container the message names.
	if strings.HasPrefix(strings.TrimSpace(line), "- ") && slices.ContainsFunc(p, func(s manifest.Segment) bool { return s.IsIndex }) {
		if name, ok := strings.CutPrefix(trimmed, "name:"); ok && !strings.Contains(name, "{{") {
			name = strings.Trim(strings.TrimSpace(name), `"'`)
			if !strings.Contains(message, `"`+name+`"`) {
				return "inexact"
			}
		}
		return "item"
	}
	if producingAction.MatchString(line) {
		return "action"
	}
	return "inexact"
}

func pct(a, b int) string {
	if b == 0 {
		return "n/a"
	}
	return strings.TrimRight(strings.TrimRight(formatFloat(float64(a)*100/float64(b)), "0"), ".") + "%"
}

func formatFloat(f float64) string {
	s := []byte{}
	whole := int(f)
	frac := int((f-float64(whole))*10 + 0.5)
	if frac == 10 {
		whole, frac = whole+1, 0
	}
	s = append(s, []byte(itoa(whole))...)
	s = append(s, '.')
	s = append(s, byte('0'+frac))
	return string(s)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
