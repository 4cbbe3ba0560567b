package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fatih/color"

	"github.com/kready/kready/lint"
	"github.com/kready/kready/rules"
)

// Text writes one line per finding, `file:line:col: severity rule-id: message
// [Kind/namespace/name]`, then input errors and a summary. With Color, files
// are grouped by a blank line and severities are coloured.
type Text struct {
	Color   bool
	Verbose bool
}

func (t Text) Write(w io.Writer, rep *lint.Report) error {
	bw := bufio.NewWriter(w)
	paint := func(attrs ...color.Attribute) func(string) string {
		if !t.Color {
			return func(s string) string { return s }
		}
		c := color.New(attrs...)
		c.EnableColor()
		return func(s string) string { return c.Sprint(s) }
	}
	bold := paint(color.Bold)
	dim := paint(color.Faint)
	sev := map[rules.Severity]func(string) string{
		rules.Error:   paint(color.FgRed, color.Bold),
		rules.Warning: paint(color.FgYellow),
		rules.Info:    paint(color.FgCyan),
	}
	lastFile := ""
	for i, f := range rep.Findings {
		if t.Color && i > 0 && f.File != lastFile {
			bw.WriteByte('\n')
		}
		lastFile = f.File
		fmt.Fprintf(bw, "%s: %s %s: %s %s", bold(position(f.File, f.Line, f.Column)),
			sev[f.Severity](f.Severity.String()), f.Rule, Sanitize(f.Message),
			dim("["+Sanitize(f.Object.String())+"]"))
		for _, r := range f.Related {
			fmt.Fprintf(bw, " (%s %s)", Sanitize(r.Message), position(r.File, r.Line, 0))
		}
		if len(f.AlsoIn) > 0 {
			fmt.Fprintf(bw, " (also in %s)", Sanitize(strings.Join(f.AlsoIn, ", ")))
		}
		bw.WriteByte('\n')
	}
	if len(rep.Errors) > 0 && len(rep.Findings) > 0 {
		bw.WriteByte('\n')
	}
	for _, e := range rep.Errors {
		fmt.Fprintf(bw, "%s: %s: %s\n", bold(position(e.File, e.Line, 0)), sev[rules.Error]("error"), Sanitize(e.Message))
	}
	if t.Verbose {
		for _, s := range rep.Skipped {
			fmt.Fprintf(bw, "%s: skipped: %s\n", position(s.File, s.Line, 0), Sanitize(s.Reason))
		}
	}
	fmt.Fprintln(bw, summary(rep, t.Verbose))
	return bw.Flush()
}

func position(file string, line, col int) string {
	s := Sanitize(file)
	if line > 0 {
		s += ":" + strconv.Itoa(line)
		if col > 0 {
			s += ":" + strconv.Itoa(col)
		}
	}
	return s
}

// summary is the last line: counts by severity, errors, units and objects.
func summary(rep *lint.Report, verbose bool) string {
	counts := map[rules.Severity]int{}
	for _, f := range rep.Findings {
		counts[f.Severity]++
	}
	var parts []string
	for _, s := range []rules.Severity{rules.Error, rules.Warning, rules.Info} {
		if counts[s] > 0 {
			parts = append(parts, plural(counts[s], s.String()))
		}
	}
	line := plural(len(rep.Findings), "finding")
	if len(parts) > 0 {
		line += " (" + strings.Join(parts, ", ") + ")"
	}
	line += " in " + plural(len(rep.Units), "unit") + ", " + plural(rep.Objects, "object")
	switch len(rep.Errors) {
	case 0:
		line += "; no input errors"
	case 1:
		line += "; 1 input error"
	default:
		line += "; " + strconv.Itoa(len(rep.Errors)) + " input errors"
	}
	if len(rep.Skipped) > 0 {
		line += ", " + strconv.Itoa(len(rep.Skipped)) + " skipped"
		if !verbose {
			line += " (--verbose lists them)"
		}
	}
	return line
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if word == "info" {
		return strconv.Itoa(n) + " info"
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// Sanitize makes untrusted text safe for a terminal or CI log: control
// characters (newlines, ANSI escapes) are shown escaped, never interpreted.
func Sanitize(s string) string {
	// Invalid UTF-8 is unsafe too: file names can hold any bytes, and a lone
	// 0x9b is the 8-bit form of the escape that starts ANSI sequences.
	clean := utf8.ValidString(s)
	for _, r := range s {
		if !clean {
			break
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			clean = false
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
