package rules

import (
	"fmt"
	"io"
	"strings"
)

// WriteExplain prints a rule's documentation for `kready explain`.
func WriteExplain(w io.Writer, r *Rule) {
	fmt.Fprintf(w, "%s (%s, %s%s)\n\n%s.\n\n", r.ID, r.Category, r.Severity, optionalNote(r), r.Summary)
	section := func(title, body string) {
		if body == "" {
			return
		}
		fmt.Fprintf(w, "%s:\n", title)
		for _, line := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
			fmt.Fprintf(w, "    %s\n", line)
		}
		fmt.Fprintln(w)
	}
	section("Why", wrap(r.Doc.Why, 76))
	section("How to fix", wrap(r.Doc.Fix, 76))
	section("Fails", r.Doc.Bad)
	section("Passes", r.Doc.Good)
	section("Helm values", r.Doc.Helm)
}

// WriteMarkdown writes docs/rules.md.
func WriteMarkdown(w io.Writer, rs []*Rule) {
	fmt.Fprintln(w, "# kready rules")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Generated from the rule values in `rules/` by `go test ./rules -run TestRulesDoc -update`;")
	fmt.Fprintln(w, "`kready explain RULE` prints the same text. Optional rules run only when enabled")
	fmt.Fprintln(w, "(`kready lint --enable RULE`).")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| Rule | Category | Severity | Summary |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, r := range rs {
		fmt.Fprintf(w, "| [`%s`](#%s) | %s | %s%s | %s |\n", r.ID, r.ID, r.Category, r.Severity, optionalNote(r), r.Summary)
	}
	for _, r := range rs {
		fmt.Fprintf(w, "\n## %s\n\n", r.ID)
		fmt.Fprintf(w, "%s. Category: %s. Default severity: %s%s.\n\n", r.Summary, r.Category, r.Severity, optionalNote(r))
		if r.Doc.Why != "" {
			fmt.Fprintf(w, "**Why.** %s\n\n", r.Doc.Why)
		}
		if r.Doc.Fix != "" {
			fmt.Fprintf(w, "**How to fix.** %s\n\n", r.Doc.Fix)
		}
		block := func(title, body string) {
			if body != "" {
				fmt.Fprintf(w, "%s:\n\n```yaml\n%s```\n\n", title, ensureNewline(body))
			}
		}
		block("Fails", r.Doc.Bad)
		block("Passes", r.Doc.Good)
		block("Helm values", r.Doc.Helm)
	}
}

func optionalNote(r *Rule) string {
	if r.Optional {
		return ", off by default"
	}
	return ""
}

func ensureNewline(s string) string {
	if strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

// wrap breaks prose into lines of at most width characters.
func wrap(s string, width int) string {
	var b strings.Builder
	n := 0
	for _, word := range strings.Fields(s) {
		if n > 0 && n+1+len(word) > width {
			b.WriteByte('\n')
			n = 0
		} else if n > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(word)
		n += len(word)
	}
	return b.String()
}
