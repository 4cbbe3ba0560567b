package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"text/tabwriter"

	"github.com/fatih/color"
	"github.com/urfave/cli/v2"

	"github.com/kready/kready/lint"
	"github.com/kready/kready/render"
	"github.com/kready/kready/report"
	"github.com/kready/kready/rules"
)

// version is set at release time with -ldflags "-X main.version=...".
var version = ""

// Exit codes: findings at or above the threshold give 1, any error gives 2.
const (
	exitClean    = 0
	exitFindings = 1
	exitError    = 2
)

// run executes the CLI and returns the process exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	code := exitClean
	app := &cli.App{
		Name:      "kready",
		Usage:     "production-readiness linter for Kubernetes manifests, Helm charts and Kustomize overlays",
		Reader:    stdin,
		Writer:    stdout,
		ErrWriter: stderr,
		// Usage errors exit 2, like every other error.
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return cli.Exit("kready: "+err.Error(), exitError)
		},
		ExitErrHandler:       func(*cli.Context, error) {},
		HideHelpCommand:      true,
		EnableBashCompletion: false,
		Commands: []*cli.Command{
			lintCommand(&code),
			renderCommand(&code),
			rulesCommand(),
			explainCommand(),
			versionCommand(),
		},
		CommandNotFound: func(c *cli.Context, name string) {
			fmt.Fprintf(stderr, "kready: unknown command %q (see kready --help)\n", name)
			code = exitError
		},
	}
	if err := app.Run(hoistFlags(args, app.Commands)); err != nil {
		var ec cli.ExitCoder
		if errors.As(err, &ec) {
			if msg := err.Error(); msg != "" {
				fmt.Fprintln(stderr, msg)
			}
			return ec.ExitCode()
		}
		fmt.Fprintln(stderr, "kready:", err)
		return exitError
	}
	return code
}

func usageError(format string, a ...any) error {
	return cli.Exit("kready: "+fmt.Sprintf(format, a...), exitError)
}

func lintCommand(code *int) *cli.Command {
	return &cli.Command{
		Name:      "lint",
		Usage:     "lint manifests, charts and overlays under the given paths (- for stdin)",
		ArgsUsage: "PATH...",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "text", Usage: "output format: text or json"},
			&cli.StringFlag{Name: "fail-on", Value: "warning", Usage: "exit 1 on findings at or above: error, warning, info or none"},
			&cli.StringSliceFlag{Name: "enable", Usage: "also run this rule (repeatable; for rules off by default)"},
			&cli.StringSliceFlag{Name: "disable", Usage: "do not run this rule (repeatable)"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "also list skipped documents and files"},
			&cli.BoolFlag{Name: "no-color", Usage: "never colour output (NO_COLOR is honoured too)"},
		}, inputFlags()...),
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usageError("lint needs at least one path (a directory, a file, or - for stdin)")
			}
			threshold, err := parseThreshold(c.String("fail-on"))
			if err != nil {
				return usageError("%v", err)
			}
			rs, err := rules.Select(c.StringSlice("enable"), c.StringSlice("disable"))
			if err != nil {
				return usageError("%v", err)
			}
			w, err := report.New(c.String("output"), report.Options{
				Color:   useColor(c.App.Writer, c.Bool("no-color")),
				Verbose: c.Bool("verbose"),
			})
			if err != nil {
				return usageError("%v", err)
			}
			units := render.Load(c.Args().Slice(), loadOptions(c))
			rep := lint.Run(units, rs)
			if err := w.Write(c.App.Writer, rep); err != nil {
				return cli.Exit("kready: writing output: "+err.Error(), exitError)
			}
			*code = rep.ExitCode(threshold)
			return nil
		},
	}
}

// inputFlags are the flags that decide how inputs render, shared by lint
// and render. Values flags apply to every chart.
func inputFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "values", Aliases: []string{"f"}, Usage: "Helm values file (repeatable; later files win)"},
		&cli.GenericFlag{Name: "set", Value: &rawList{}, Usage: "set a Helm value: key=value[,key=value] (repeatable)"},
		&cli.GenericFlag{Name: "set-string", Value: &rawList{}, Usage: "set a Helm value as a string (repeatable)"},
		&cli.GenericFlag{Name: "set-file", Value: &rawList{}, Usage: "set a Helm value from a file: key=path (repeatable)"},
		&cli.GenericFlag{Name: "set-json", Value: &rawList{}, Usage: "set a Helm value from JSON: key=json (repeatable)"},
		&cli.StringFlag{Name: "release-name", Value: render.DefaultReleaseName, Usage: "Helm release name"},
		&cli.StringFlag{Name: "namespace", Aliases: []string{"n"}, Value: render.DefaultNamespace, Usage: "Helm release namespace"},
		&cli.StringFlag{Name: "kube-version", Value: render.DefaultKubeVersion, Usage: "Kubernetes version charts render for (.Capabilities)"},
		&cli.StringSliceFlag{Name: "api-versions", Usage: "extra API version for .Capabilities.APIVersions, e.g. monitoring.coreos.com/v1 (repeatable)"},
		&cli.BoolFlag{Name: "skip-tests", Usage: "leave out Helm test hooks"},
	}
}

// rawList collects every occurrence of a flag unsplit: --set values carry
// their own commas ({a,b} lists, escaped \,).
type rawList []string

func (l *rawList) Set(s string) error {
	*l = append(*l, s)
	return nil
}

func (l *rawList) String() string { return strings.Join(*l, " ") }

func rawValues(c *cli.Context, name string) []string {
	if l, ok := c.Generic(name).(*rawList); ok && l != nil {
		return append([]string(nil), *l...)
	}
	return nil
}

// loadOptions turns the input flags into render options.
func loadOptions(c *cli.Context) render.Options {
	return render.Options{
		Stdin: c.App.Reader,
		Helm: render.HelmOptions{
			ValuesFiles: c.StringSlice("values"),
			Set:         rawValues(c, "set"),
			SetString:   rawValues(c, "set-string"),
			SetFile:     rawValues(c, "set-file"),
			SetJSON:     rawValues(c, "set-json"),
			ReleaseName: c.String("release-name"),
			Namespace:   c.String("namespace"),
			KubeVersion: c.String("kube-version"),
			APIVersions: c.StringSlice("api-versions"),
			SkipTests:   c.Bool("skip-tests"),
		},
	}
}

func parseThreshold(s string) (rules.Severity, error) {
	if s == "none" {
		return 0, nil
	}
	sev, err := rules.ParseSeverity(s)
	if err != nil {
		return 0, fmt.Errorf("--fail-on: %v (or none)", err)
	}
	return sev, nil
}

// useColor colours only a terminal, and never when NO_COLOR is set.
func useColor(w io.Writer, disabled bool) bool {
	if disabled || os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && f == os.Stdout && !color.NoColor
}

func rulesCommand() *cli.Command {
	return &cli.Command{
		Name:  "rules",
		Usage: "list every rule with its default severity and summary",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "text", Usage: "output format: text, json or markdown"},
		},
		Action: func(c *cli.Context) error {
			all := rules.All()
			switch c.String("output") {
			case "text":
				tw := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tCATEGORY\tSEVERITY\tDEFAULT\tSUMMARY")
				for _, r := range all {
					def := "on"
					if r.Optional {
						def = "off"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Category, r.Severity, def, r.Summary)
				}
				return tw.Flush()
			case "json":
				type jsonRule struct {
					ID       string `json:"id"`
					Category string `json:"category"`
					Severity string `json:"severity"`
					Enabled  bool   `json:"enabledByDefault"`
					Summary  string `json:"summary"`
				}
				out := make([]jsonRule, 0, len(all))
				for _, r := range all {
					out = append(out, jsonRule{r.ID, r.Category, r.Severity.String(), !r.Optional, r.Summary})
				}
				enc := json.NewEncoder(c.App.Writer)
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"version": report.JSONVersion, "rules": out})
			case "markdown":
				rules.WriteMarkdown(c.App.Writer, all)
				return nil
			}
			return usageError("unknown output format %q (want text, json or markdown)", c.String("output"))
		},
	}
}

func explainCommand() *cli.Command {
	return &cli.Command{
		Name:      "explain",
		Usage:     "explain a rule: why it matters and how to fix it",
		ArgsUsage: "RULE",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageError("explain needs exactly one rule ID (see kready rules)")
			}
			r, ok := rules.ByID(c.Args().First())
			if !ok {
				return usageError("unknown rule %q (see kready rules)", c.Args().First())
			}
			rules.WriteExplain(c.App.Writer, r)
			return nil
		},
	}
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version",
		Action: func(c *cli.Context) error {
			fmt.Fprintf(c.App.Writer, "kready %s\n", currentVersion())
			return nil
		},
	}
}

func currentVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// hoistFlags lets flags follow paths (`kready lint ./deploy -o json`): the
// CLI library stops reading flags at the first argument, so the flags of a
// command are moved in front of its paths, which follow a "--".
func hoistFlags(args []string, cmds []*cli.Command) []string {
	if len(args) < 2 {
		return args
	}
	var cmd *cli.Command
	for _, c := range cmds {
		if c.HasName(args[1]) {
			cmd = c
		}
	}
	if cmd == nil || len(cmd.Flags) == 0 {
		return args
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	var flags, paths []string
	rest := args[2:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		switch {
		case a == "--":
			paths = append(paths, rest[i+1:]...)
			i = len(rest)
		case a == "-" || !strings.HasPrefix(a, "-"):
			paths = append(paths, a)
		default:
			flags = append(flags, a)
			if name := strings.TrimLeft(a, "-"); !strings.Contains(name, "=") && takesValue[name] && i+1 < len(rest) {
				flags = append(flags, rest[i+1])
				i++
			}
		}
	}
	out := append(append([]string{}, args[:2]...), flags...)
	if len(paths) == 0 {
		return out
	}
	return append(append(out, "--"), paths...)
}
