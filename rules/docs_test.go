package rules

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite docs/rules.md from the rule values")

// docs/rules.md is generated from the rule values; a stale copy fails here.
func TestRulesDoc(t *testing.T) {
	var buf bytes.Buffer
	WriteMarkdown(&buf, All())
	const path = "../docs/rules.md"
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	have, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run: go test ./rules -run TestRulesDoc -update)", err)
	}
	if !bytes.Equal(have, buf.Bytes()) {
		t.Fatal("docs/rules.md is stale: run go test ./rules -run TestRulesDoc -update")
	}
}

var kebab = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// Every rule is complete: a kebab-case ID, a severity, one-line summary,
// a why, a fix and a failing and passing example, and exactly one check.
func TestRuleValues(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range All() {
		if !kebab.MatchString(r.ID) {
			t.Errorf("%s: ID is not kebab-case", r.ID)
		}
		if seen[r.ID] {
			t.Errorf("%s: duplicate ID", r.ID)
		}
		seen[r.ID] = true
		if r.Severity < Info || r.Severity > Error {
			t.Errorf("%s: no severity", r.ID)
		}
		if r.Category == "" {
			t.Errorf("%s: no category", r.ID)
		}
		if r.Summary == "" || strings.Contains(r.Summary, "\n") || strings.HasSuffix(r.Summary, ".") {
			t.Errorf("%s: summary must be one line without a final period: %q", r.ID, r.Summary)
		}
		if r.Doc.Why == "" || r.Doc.Fix == "" || r.Doc.Bad == "" || r.Doc.Good == "" {
			t.Errorf("%s: doc needs Why, Fix, Bad and Good", r.ID)
		}
		checks := 0
		for _, set := range []bool{r.Check != nil, r.CheckSet != nil, r.Renderer != ""} {
			if set {
				checks++
			}
		}
		if checks != 1 {
			t.Errorf("%s: needs exactly one of Check, CheckSet and Renderer", r.ID)
		}
	}
}

// Every rule has a fixture directory with a failing case (a want naming it)
// and a clean case in which it runs and stays silent: bad.yaml and
// clean*.yaml under fixtures/plain/<rule-id>/, or, for rules a renderer
// detects in its sources, chart (or overlay) directories bad/ and clean*/
// under fixtures/<renderer>/<rule-id>/.
func TestEveryRuleHasFixtures(t *testing.T) {
	for _, r := range All() {
		want := regexp.MustCompile(`#\s*want:[a-z0-9, -]*\b` + regexp.QuoteMeta(r.ID) + `\b`)
		if r.Renderer != "" {
			checkRendererFixtures(t, r, want)
			continue
		}
		dir := "../fixtures/plain/" + r.ID
		bad, _ := os.ReadFile(dir + "/bad.yaml")
		if !want.Match(bad) {
			t.Errorf("%s: %s/bad.yaml has no `# want: %s`", r.ID, dir, r.ID)
		}
		cleans, _ := filepath.Glob(dir + "/clean*.yaml")
		if len(cleans) == 0 {
			t.Errorf("%s: no clean case in %s/clean*.yaml", r.ID, dir)
		}
		for _, c := range cleans {
			data, _ := os.ReadFile(c)
			if r.Optional && !regexp.MustCompile(`#\s*enable:[a-z0-9, -]*\b`+regexp.QuoteMeta(r.ID)+`\b`).Match(data) && !bytes.Contains(bad, []byte(r.ID)) {
				t.Errorf("%s: optional rule is not enabled in %s", r.ID, c)
			}
		}
	}
}

// checkRendererFixtures looks for fixtures/<renderer>/<rule-id>/bad/ holding
// a file with a want naming the rule, and at least one clean*/ directory.
func checkRendererFixtures(t *testing.T, r *Rule, want *regexp.Regexp) {
	t.Helper()
	dir := "../fixtures/" + r.Renderer + "/" + r.ID
	found := false
	err := filepath.WalkDir(dir+"/bad", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || found {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		found = want.Match(data)
		return nil
	})
	if err != nil || !found {
		t.Errorf("%s: no file under %s/bad has `# want: %s` (%v)", r.ID, dir, r.ID, err)
	}
	cleans, _ := filepath.Glob(dir + "/clean*")
	n := 0
	for _, c := range cleans {
		if fi, err := os.Stat(c); err == nil && fi.IsDir() {
			n++
		}
	}
	if n == 0 {
		t.Errorf("%s: no clean case in %s/clean*/", r.ID, dir)
	}
}

// catalogue is every rule with its category, default severity, kind of check
// and whether it runs by default: changing any of them is a visible change
// for users (configs, CI thresholds), so it must be made here on purpose.
var catalogue = []struct {
	id, category string
	severity     Severity
	kind         string // object, set or renderer
	enabled      bool
}{
	{"capabilities-not-dropped", "security", Warning, "object", true},
	{"chart-kube-version-mismatch", "helm", Error, "renderer", true},
	{"cluster-admin-binding", "rbac", Error, "object", true},
	{"configmap-ref-missing", "secrets", Warning, "set", true},
	{"dangerous-capability", "security", Error, "object", true},
	{"default-service-account", "rbac", Info, "set", true},
	{"docker-socket-mount", "security", Error, "object", true},
	{"duplicate-key", "yaml", Error, "object", true},
	{"host-ipc", "security", Error, "object", true},
	{"host-network", "security", Warning, "object", true},
	{"host-path-volume", "security", Warning, "object", true},
	{"host-pid", "security", Error, "object", true},
	{"host-port", "security", Warning, "object", true},
	{"hpa-metric-without-request", "availability", Error, "set", true},
	{"hpa-min-exceeds-max", "availability", Error, "set", true},
	{"hpa-replicas-conflict", "availability", Warning, "set", true},
	{"hpa-single-replica", "availability", Warning, "set", true},
	{"hpa-target-missing", "availability", Warning, "set", true},
	{"identical-liveness-readiness", "probes", Warning, "object", true},
	{"image-not-pinned-by-digest", "images", Info, "object", false},
	{"image-tag-latest", "images", Warning, "object", true},
	{"ingress-backend-missing", "networking", Warning, "set", true},
	{"ingress-without-tls", "networking", Warning, "object", true},
	{"limit-below-request", "resources", Error, "object", true},
	{"loadbalancer-unrestricted", "networking", Info, "object", true},
	{"missing-cpu-limit", "resources", Warning, "object", true},
	{"missing-cpu-request", "resources", Warning, "object", true},
	{"missing-liveness-probe", "probes", Warning, "object", true},
	{"missing-memory-limit", "resources", Warning, "object", true},
	{"missing-memory-request", "resources", Warning, "object", true},
	{"missing-network-policy", "networking", Warning, "set", true},
	{"missing-pdb", "availability", Warning, "set", true},
	{"missing-readiness-probe", "probes", Warning, "object", true},
	{"missing-seccomp-profile", "security", Warning, "object", true},
	{"missing-startup-probe", "probes", Info, "object", false},
	{"missing-topology-spread", "availability", Info, "set", true},
	{"namespace-without-pod-security", "security", Warning, "object", true},
	{"network-policy-selects-nothing", "networking", Warning, "set", true},
	{"pdb-blocks-eviction", "availability", Error, "set", true},
	{"pdb-selects-nothing", "availability", Warning, "set", true},
	{"pdb-unhealthy-eviction-policy", "availability", Info, "set", true},
	{"plaintext-secret", "secrets", Warning, "object", true},
	{"privilege-escalation-allowed", "security", Warning, "object", true},
	{"privileged-container", "security", Error, "object", true},
	{"probe-port-not-exposed", "probes", Warning, "object", true},
	{"rbac-pod-exec", "rbac", Warning, "object", true},
	{"rbac-secrets-read", "rbac", Warning, "object", true},
	{"rbac-wildcard", "rbac", Warning, "object", true},
	{"rolling-update-unsafe", "availability", Warning, "set", true},
	{"run-as-root", "security", Warning, "object", true},
	{"secret-in-env", "secrets", Error, "object", true},
	{"secret-ref-missing", "secrets", Warning, "set", true},
	{"sensitive-configmap-key", "secrets", Warning, "object", true},
	{"service-account-missing", "rbac", Warning, "set", true},
	{"service-account-token-automount", "secrets", Info, "set", true},
	{"service-selects-nothing", "networking", Warning, "set", true},
	{"service-target-port-missing", "networking", Error, "set", true},
	{"single-replica", "availability", Info, "set", true},
	{"values-schema-remote-ref", "helm", Warning, "renderer", true},
	{"values-schema-violation", "helm", Error, "renderer", true},
	{"writable-root-filesystem", "security", Warning, "object", true},
}

func TestRuleCatalogue(t *testing.T) {
	want := map[string]bool{}
	for _, c := range catalogue {
		want[c.id] = true
		r, ok := ByID(c.id)
		if !ok {
			t.Errorf("%s is not registered", c.id)
			continue
		}
		kind := "object"
		if r.CheckSet != nil {
			kind = "set"
		}
		if r.Renderer != "" {
			kind = "renderer"
		}
		if r.Category != c.category || r.Severity != c.severity || kind != c.kind || r.Optional == c.enabled {
			t.Errorf("%s: category %q severity %s kind %s enabled %v; catalogue says %q %s %s %v",
				c.id, r.Category, r.Severity, kind, !r.Optional, c.category, c.severity, c.kind, c.enabled)
		}
	}
	for _, r := range All() {
		if !want[r.ID] {
			t.Errorf("%s is registered but not in the catalogue", r.ID)
		}
	}
}

// Every example in a rule's doc is YAML a user can paste: it parses (keys may
// repeat where the example shows two places, and Helm examples may be
// template text), uses spaces and ends in a newline; every rule has a Helm
// example.
func TestRuleDocExamples(t *testing.T) {
	for _, r := range All() {
		for name, text := range map[string]string{"Bad": r.Doc.Bad, "Good": r.Doc.Good, "Helm": r.Doc.Helm} {
			if text == "" {
				t.Errorf("%s: Doc.%s is empty", r.ID, name)
				continue
			}
			var v yaml.Node
			var err error
			if !strings.Contains(text, "{{") {
				err = yaml.Unmarshal([]byte(text), &v)
			}
			if err != nil || !strings.HasSuffix(text, "\n") || strings.Contains(text, "\t") {
				t.Errorf("%s: Doc.%s is not YAML with spaces ending in a newline: %v", r.ID, name, err)
			}
		}
	}
}
