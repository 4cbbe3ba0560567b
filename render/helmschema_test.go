package render

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/kready/kready/manifest"
)

// schemaTestChart builds a chart in memory from a schema and extra files.
func schemaTestChart(name, schema string, files map[string]string) *chart.Chart {
	ch := &chart.Chart{Metadata: &chart.Metadata{APIVersion: "v2", Name: name, Version: "0.1.0"}}
	if schema != "" {
		ch.Schema = []byte(schema)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		ch.Files = append(ch.Files, &chart.File{Name: n, Data: []byte(files[n])})
	}
	return ch
}

// schemaLoadChart loads a chart from in-memory files the way Helm loads a
// directory, and coalesces its default values with user values.
func schemaLoadChart(t *testing.T, files map[string]string, user string) (*chart.Chart, map[string]any) {
	t.Helper()
	var buffered []*loader.BufferedFile
	for n, data := range files {
		buffered = append(buffered, &loader.BufferedFile{Name: n, Data: []byte(data)})
	}
	ch, err := loader.LoadFiles(buffered)
	if err != nil {
		t.Fatal(err)
	}
	u := map[string]any{}
	if err := sigsyaml.Unmarshal([]byte(user), &u); err != nil {
		t.Fatal(err)
	}
	vals, err := chartutil.CoalesceValues(ch, u)
	if err != nil {
		t.Fatal(err)
	}
	return ch, vals
}

// schemaValues decodes YAML the way Helm reads values files.
func schemaValues(t *testing.T, s string) map[string]any {
	t.Helper()
	v := map[string]any{}
	if err := sigsyaml.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// schemaProblemStrings renders problems as "scope|path|message", remote ones
// as "remote file:line|message".
func schemaProblemStrings(ps []schemaProblem) []string {
	var out []string
	for _, p := range ps {
		s := fmt.Sprintf("%s|%s|%s", strings.Join(p.Scope, "/"), p.Path, p.Message)
		if p.Remote {
			s = fmt.Sprintf("remote %s:%d|%s", p.SchemaFile, p.SchemaLine, p.Message)
		}
		out = append(out, s)
	}
	return out
}

// schemaExpect compares problems with their expected renderings, in order.
func schemaExpect(t *testing.T, got []schemaProblem, want ...string) {
	t.Helper()
	// The location contract: schema problems carry a schema line, value
	// problems a path and no schema line.
	for _, p := range got {
		inSchema := p.Remote || strings.HasPrefix(p.Message, p.SchemaFile+" ") && p.SchemaFile != ""
		if inSchema != (p.SchemaLine >= 1) || (len(p.Path) > 0 && p.SchemaLine != 0) {
			t.Errorf("problem %+v breaks the location contract", p)
		}
	}
	g := schemaProblemStrings(got)
	if !slices.Equal(g, want) {
		t.Errorf("problems:\n  %s\nwant:\n  %s", strings.Join(g, "\n  "), strings.Join(want, "\n  "))
	}
}

// schemaLineOf returns the 1-based line of the first line of text containing sub.
func schemaLineOf(t *testing.T, text, sub string) int {
	t.Helper()
	for i, l := range strings.Split(text, "\n") {
		if strings.Contains(l, sub) {
			return i + 1
		}
	}
	t.Fatalf("%q not in text", sub)
	return 0
}

const schemaWebSchema = `{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "required": ["name"],
  "properties": {
    "name": {"type": "string"},
    "replicaCount": {"type": "integer", "minimum": 1},
    "image": {
      "type": "object",
      "properties": {"tag": {"type": "string"}}
    },
    "service": {
      "type": "object",
      "properties": {"type": {"enum": ["ClusterIP", "NodePort"]}}
    },
    "ports": {
      "type": "array",
      "items": {
        "type": "object",
        "required": ["port"],
        "properties": {"port": {"type": "integer"}}
      }
    }
  }
}`

func TestValuesSchemaViolations(t *testing.T) {
	ch := schemaTestChart("web", schemaWebSchema, nil)
	vals := schemaValues(t, `
replicaCount: 3
image:
  tag: 1.2
service:
  type: LoadBalancer
ports:
  - port: 80
  - port: http
`)
	got := validateValuesSchemas(ch, vals)
	schemaExpect(t, got,
		"|image.tag|got number, want string",
		"|name|missing required property",
		"|ports[1].port|got string, want integer",
		"|service.type|value must be one of 'ClusterIP', 'NodePort'",
	)
	want := manifest.Path{{Key: "ports"}, {Index: 1, IsIndex: true}, {Key: "port"}}
	for _, p := range got {
		if p.Path.String() == "ports[1].port" && !slices.Equal(p.Path, want) {
			t.Errorf("ports path segments = %#v, want %#v", p.Path, want)
		}
		if p.SchemaFile != "values.schema.json" || p.Remote || p.Scope != nil {
			t.Errorf("problem %+v: want top chart, values.schema.json, not remote", p)
		}
	}
}

// Values reach the validator as float64, int64, int or json.Number depending
// on who decoded them; an integer schema accepts 3 in every form.
func TestValuesSchemaNumbersNormalised(t *testing.T) {
	schema := `{"properties": {"n": {"type": "integer"}, "big": {"type": "integer"}}}`
	ch := schemaTestChart("n", schema, nil)
	for _, v := range []any{float64(3), int64(3), 3, json.Number("3"), float32(3), uint8(3)} {
		if got := validateValuesSchemas(ch, map[string]any{"n": v, "big": int64(9007199254740993)}); len(got) != 0 {
			t.Errorf("n=%v (%T): %v", v, v, schemaProblemStrings(got))
		}
	}
	schemaExpect(t, validateValuesSchemas(ch, map[string]any{"n": 3.5}), "|n|got number, want integer")
	// Values files decoded by sigs.k8s.io/yaml give float64; a large integer
	// written in YAML stays an integer.
	schemaExpect(t, validateValuesSchemas(ch, schemaValues(t, "n: 3\nbig: 12345678901\n")))
}

func TestValuesSchemaSubchartScopedValues(t *testing.T) {
	files := map[string]string{
		"Chart.yaml":  "apiVersion: v2\nname: shop\nversion: 1.0.0\ndependencies:\n  - name: redis\n    version: 1.0.0\n",
		"values.yaml": "replicas: 2\nredis:\n  auth:\n    enabled: true\n",
		"values.schema.json": `{"type": "object", "properties": {"replicas": {"type": "integer"},
			"redis": {"type": "object"}}}`,
		"charts/redis/Chart.yaml":  "apiVersion: v2\nname: redis\nversion: 1.0.0\n",
		"charts/redis/values.yaml": "auth:\n  enabled: false\n",
		"charts/redis/values.schema.json": `{
  "type": "object",
  "properties": {
    "auth": {"type": "object", "properties": {"enabled": {"type": "boolean"}}},
    "replicas": {"type": "string"}
  },
  "required": ["auth"]
}`,
	}
	ch, vals := schemaLoadChart(t, files, "redis:\n  auth:\n    enabled: \"yes\"\n")
	// The parent's replicas (an integer) must not be checked against the
	// subchart's schema, which wants a string there.
	schemaExpect(t, validateValuesSchemas(ch, vals), "redis|auth.enabled|got string, want boolean")

	// Defaults alone are valid.
	ch, vals = schemaLoadChart(t, files, "")
	schemaExpect(t, validateValuesSchemas(ch, vals))

	// Like Helm, a subchart with no values key is not checked, and values
	// that are not a map are reported at the parent's key.
	sub := schemaTestChart("cache", `{"required": ["size"]}`, nil)
	parent := schemaTestChart("app", "", nil)
	parent.AddDependency(sub)
	schemaExpect(t, validateValuesSchemas(parent, map[string]any{}))
	schemaExpect(t, validateValuesSchemas(parent, map[string]any{"cache": "big"}),
		`|cache|values for subchart "cache" must be a map, got string`)
	schemaExpect(t, validateValuesSchemas(parent, map[string]any{"cache": map[string]any{}}),
		"cache|size|missing required property")
}

func TestValuesSchemaLocalRelativeRef(t *testing.T) {
	files := map[string]string{
		"Chart.yaml":  "apiVersion: v2\nname: web\nversion: 1.0.0\n",
		"values.yaml": "image:\n  repository: ghcr.io/acme/web\n  tag: \"1.4.2\"\n",
		"values.schema.json": `{
  "type": "object",
  "properties": {
    "image": {"$ref": "schemas/image.json"},
    "probe": {"$ref": "./schemas/image.json#/definitions/port"}
  }
}`,
		"schemas/image.json": `{
  "type": "object",
  "required": ["repository"],
  "properties": {"tag": {"$ref": "common.json#/definitions/tag"}},
  "definitions": {"port": {"type": "integer"}}
}`,
		"schemas/common.json": `{"definitions": {
  "tag": {"type": "string", "pattern": "^[0-9.]+$"},
  "digest": {"$ref": "https://schemas.example.com/digest.json"}
}}`,
	}
	// A remote $ref inside a local target is reported in that file.
	remote := `remote schemas/common.json:3|$ref "https://schemas.example.com/digest.json" points outside the chart; kready does not fetch it, so the schema behind it was not checked`
	ch, vals := schemaLoadChart(t, files, "")
	schemaExpect(t, validateValuesSchemas(ch, vals), remote)

	ch, vals = schemaLoadChart(t, files, "image:\n  repository: null\n  tag: latest\nprobe: http\n")
	// A null user value deletes the default, so repository goes missing.
	got := validateValuesSchemas(ch, vals)
	schemaExpect(t, got,
		remote,
		"|image.repository|missing required property",
		`|image.tag|does not match pattern "^[0-9.]+$"`,
		"|probe|got string, want integer",
	)
	var schemaFiles []string
	for _, p := range got {
		schemaFiles = append(schemaFiles, p.SchemaFile)
	}
	if want := []string{"schemas/common.json", "schemas/image.json", "schemas/common.json", "schemas/image.json"}; !slices.Equal(schemaFiles, want) {
		t.Errorf("schema files %q, want %q", schemaFiles, want)
	}
}

// A remote $ref is refused before compiling, reported at its line, and the
// rest of the schema is still checked; the server never hears from kready.
func TestValuesSchemaRemoteRefNotFetched(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, `{"type": "string"}`)
	}))
	defer srv.Close()
	dir := t.TempDir()
	// If this file were read, "local" would fail as not a string.
	if err := os.WriteFile(filepath.Join(dir, "evil.json"), []byte(`{"type": "string"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	schema := `{
  "type": "object",
  "properties": {
    "remote": {"$ref": "` + srv.URL + `/defs.json#/definitions/x"},
    "secure": {"$ref": "https://user:token@schemas.example.com/defs.json?sig=abc"},
    "passwd": {"$ref": "file:///etc/passwd"},
    "local": {"$ref": "file://` + filepath.ToSlash(dir) + `/evil.json"},
    "zero": {"$ref": "/dev/zero"},
    "up": {"$ref": "../../../etc/hostname"},
    "missing": {"$ref": "schemas/nope.json"},
    "net": {"$ref": "//evil.example.com/x.json"},
    "list": {"allOf": [{"type": "object"},
      {"$ref": "https://schemas.example.com/list.json"}]},
    "replicas": {"type": "integer"}
  }
}`
	ch := schemaTestChart("web", schema, nil)
	start := time.Now()
	got := validateValuesSchemas(ch, map[string]any{
		"remote": 1, "secure": 1, "passwd": 1, "local": 1, "zero": 1, "up": 1, "missing": 1, "net": 1, "list": map[string]any{},
		"replicas": "two",
	})
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v", d)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the schema server received %d requests", n)
	}
	line := func(sub string) int { return schemaLineOf(t, schema, sub) }
	schemaExpect(t, got,
		fmt.Sprintf(`remote values.schema.json:%d|$ref "%s/defs.json#/definitions/x" points outside the chart; kready does not fetch it, so the schema behind it was not checked`, line(`"remote"`), srv.URL),
		fmt.Sprintf(`remote values.schema.json:%d|$ref "https://REDACTED@schemas.example.com/defs.json?…" points outside the chart; kready does not fetch it, so the schema behind it was not checked`, line(`"secure"`)),
		fmt.Sprintf(`remote values.schema.json:%d|$ref "file:///etc/passwd" points outside the chart; kready does not read it, so the schema behind it was not checked`, line(`"passwd"`)),
		fmt.Sprintf(`remote values.schema.json:%d|$ref "file://%s/evil.json" points outside the chart; kready does not read it, so the schema behind it was not checked`, line(`"local"`), filepath.ToSlash(dir)),
		fmt.Sprintf(`remote values.schema.json:%d|$ref "/dev/zero" points outside the chart; kready does not read it, so the schema behind it was not checked`, line(`"zero"`)),
		fmt.Sprintf(`remote values.schema.json:%d|$ref "../../../etc/hostname" points outside the chart; kready does not read it, so the schema behind it was not checked`, line(`"up"`)),
		fmt.Sprintf(`remote values.schema.json:%d|$ref "schemas/nope.json" names schemas/nope.json, which is not a file of the chart, so the schema behind it was not checked`, line(`"missing"`)),
		fmt.Sprintf(`remote values.schema.json:%d|$ref "//evil.example.com/x.json" points outside the chart; kready does not fetch it, so the schema behind it was not checked`, line(`"net"`)),
		fmt.Sprintf(`remote values.schema.json:%d|$ref "https://schemas.example.com/list.json" points outside the chart; kready does not fetch it, so the schema behind it was not checked`, line(`list.json`)),
		"|replicas|got string, want integer",
	)
	for _, p := range got {
		if strings.Contains(p.Message, "token") || strings.Contains(p.Message, "sig=abc") {
			t.Errorf("credentials printed: %s", p.Message)
		}
	}
}

// References that only look remote are served without a loader: the
// meta-schemas the library embeds and URLs a schema declares with $id.
func TestValuesSchemaMetaAndIDRefsAreLocal(t *testing.T) {
	schema := `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://charts.example.com/web.schema.json",
  "type": "object",
  "properties": {
    "meta": {"$ref": "http://json-schema.org/draft-07/schema#"},
    "image": {"$ref": "#/$defs/image"},
    "self": {"$ref": "https://charts.example.com/web.schema.json#/$defs/image"},
    "sibling": {"$ref": "other.json"}
  },
  "$defs": {"image": {"type": "string"}}
}`
	ch := schemaTestChart("web", schema, map[string]string{"other.json": `{"type": "string"}`})
	got := validateValuesSchemas(ch, map[string]any{"meta": map[string]any{"type": "string"}, "image": 1, "self": 2})
	// "other.json" resolves against the $id, to a remote URL, not to the
	// chart file of that name.
	schemaExpect(t, got,
		fmt.Sprintf(`remote values.schema.json:%d|$ref "other.json" points outside the chart; kready does not fetch it, so the schema behind it was not checked`, schemaLineOf(t, schema, `"sibling"`)),
		"|image|got number, want string",
		"|self|got number, want string",
	)
}

func TestValuesSchemaCustomMetaSchemaRefused(t *testing.T) {
	schema := "{\n  \"$schema\": \"https://schemas.example.com/meta.json\",\n  \"properties\": {\"a\": {\"type\": \"string\"}}\n}"
	got := validateValuesSchemas(schemaTestChart("web", schema, nil), map[string]any{"a": 1})
	schemaExpect(t, got,
		`remote values.schema.json:2|$schema "https://schemas.example.com/meta.json" is not a meta-schema kready knows and is not fetched; the schema was checked with the default draft`,
		"|a|got number, want string",
	)
}

// A chain of 1000 definitions each referring to the next is compiled and
// checked quickly; schemas whose references fan out exponentially and
// self-referencing cycles are stopped without running away.
func TestValuesSchemaRefChainsBounded(t *testing.T) {
	defs := map[string]any{}
	for i := 0; i < 1000; i++ {
		defs[fmt.Sprintf("d%d", i)] = map[string]any{"$ref": fmt.Sprintf("#/definitions/d%d", i+1)}
	}
	defs["d1000"] = map[string]any{"type": "string"}
	chain, _ := json.Marshal(map[string]any{"properties": map[string]any{"x": map[string]any{"$ref": "#/definitions/d0"}}, "definitions": defs})

	fan := map[string]any{}
	for i := 0; i < 60; i++ {
		next := map[string]any{"$ref": fmt.Sprintf("#/definitions/f%d", i+1)}
		fan[fmt.Sprintf("f%d", i)] = map[string]any{"anyOf": []any{next, next}, "allOf": []any{next}}
	}
	fan["f60"] = map[string]any{"type": "string"}
	fanout, _ := json.Marshal(map[string]any{"properties": map[string]any{"x": map[string]any{"$ref": "#/definitions/f0"}}, "definitions": fan})

	for _, tc := range []struct {
		name, schema string
		want         []string
	}{
		{"chain", string(chain), []string{"|x|got number, want string"}},
		{"fan-out", string(fanout), []string{fmt.Sprintf("||values.schema.json was not checked: its $refs fan out to more than %d schema evaluations for these values", schemaMaxCost)}},
		{"nested", strings.Repeat(`{"properties": {"x": `, 100) + `{"type": "string"}` + strings.Repeat("}}", 100), nil},
		{"too-nested", strings.Repeat(`{"properties": {"x": `, 2000) + `{"type": "string"}` + strings.Repeat("}}", 2000),
			[]string{fmt.Sprintf("||values.schema.json was not checked: with more than %d subschemas or too deep a nesting, it cannot be compiled in bounded time", schemaMaxNodes)}},
		{"too-wide", schemaWide(schemaMaxNodes), []string{fmt.Sprintf("||values.schema.json was not checked: with more than %d subschemas or too deep a nesting, it cannot be compiled in bounded time", schemaMaxNodes)}},
		{"wide", schemaWide(schemaMaxNodes - 10), []string{"|x|got number, want string"}},
		{"cycle", `{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "properties": {"x": {"$ref": "#/$defs/a"}}}`, []string{"|x|both"}},
		{"self", `{"properties": {"x": {"$ref": "#"}}, "$ref": "#"}`, []string{"||both"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			got := validateValuesSchemas(schemaTestChart("deep", tc.schema, nil), map[string]any{"x": 5})
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v, want well under 1s", d)
			}
			g := schemaProblemStrings(got)
			if tc.name == "cycle" || tc.name == "self" {
				// Helm's validator fails such schemas with a reference cycle
				// error, in the library's words; kready reports the same.
				if len(g) == 0 || !strings.HasPrefix(g[0], tc.want[0]) || !strings.Contains(g[0], "reference cycle") {
					t.Errorf("problems %q, want a reference-cycle problem at %q", g, tc.want[0])
				}
				return
			}
			if !slices.Equal(g, tc.want) {
				t.Errorf("problems:\n  %s\nwant:\n  %s", strings.Join(g, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

// schemaWide is a schema of n+1 objects: the root, its properties and n-1
// properties, the last of them x, a string.
func schemaWide(n int) string {
	var b strings.Builder
	b.WriteString(`{"properties": {`)
	for i := 0; i < n-2; i++ {
		fmt.Fprintf(&b, `"p%d": {"type": "string"}, `, i)
	}
	b.WriteString(`"x": {"type": "string"}}}`)
	return b.String()
}

func TestValuesSchemaNotJSON(t *testing.T) {
	for _, tc := range []struct {
		schema string
		line   int
	}{
		{"{\n  \"type\": \"object\",\n  \"properties\": {,\n}", 3},
		{"", 1},
		{"{\"type\": \"object\"} trailing", 1},
		{strings.Repeat("[", 100000), 1},
	} {
		ch := schemaTestChart("web", "", nil)
		ch.Schema = []byte(tc.schema)
		got := validateValuesSchemas(ch, map[string]any{"a": 1})
		if len(got) != 1 {
			t.Fatalf("%q: problems %v, want one", tc.schema, schemaProblemStrings(got))
		}
		p := got[0]
		if p.Remote || p.SchemaFile != "values.schema.json" || !strings.HasPrefix(p.Message, "values.schema.json is not valid JSON") || p.SchemaLine != tc.line {
			t.Errorf("%q: got %+v", tc.schema, p)
		}
	}
	// A local $ref target that is not JSON names that file.
	ch := schemaTestChart("web", `{"properties": {"a": {"$ref": "defs.json"}}}`, map[string]string{"defs.json": "{nope"})
	got := validateValuesSchemas(ch, map[string]any{"a": 1})
	schemaExpect(t, got, "||defs.json (referenced from values.schema.json) is not valid JSON (line 1): invalid character 'n' looking for beginning of object key string")
	if len(got) == 1 && got[0].SchemaFile != "defs.json" {
		t.Errorf("SchemaFile = %q, want defs.json", got[0].SchemaFile)
	}
}

func TestValuesSchemaNoSchemaNoProblems(t *testing.T) {
	schemaExpect(t, validateValuesSchemas(schemaTestChart("web", "", nil), map[string]any{"anything": []any{1, "x"}}))
	schemaExpect(t, validateValuesSchemas(nil, nil))
}

// Messages name what is wrong without echoing the value: a pattern or format
// failure on a password must not print it.
func TestValuesSchemaMessagesDoNotPrintValues(t *testing.T) {
	schema := `{"properties": {
  "password": {"type": "string", "pattern": "^[a-z]{4}$"},
  "email": {"type": "string", "format": "email"},
  "mode": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
  "size": {"oneOf": [{"type": "string", "pattern": "^[0-9]+Gi$"}, {"type": "integer", "minimum": 1}]},
  "strict": {"type": "object", "additionalProperties": false, "properties": {"a": {}}}
}}`
	vals := map[string]any{
		"password": "hunter2-S3cr3tValue",
		"email":    "S3cr3tValue",
		"mode":     true,
		"size":     "S3cr3tValueGi",
		"strict":   map[string]any{"a": 1, "b": 2},
	}
	got := validateValuesSchemas(schemaTestChart("web", schema, nil), vals)
	schemaExpect(t, got,
		"|mode|got boolean, want string or integer",
		`|password|does not match pattern "^[a-z]{4}$"`,
		`|size|matches none of the oneOf alternatives: does not match pattern "^[0-9]+Gi$"; got string, want integer`,
		"|strict.b|property not allowed by the schema",
	)
	for _, p := range got {
		if strings.Contains(p.Message, "S3cr3t") {
			t.Errorf("value printed: %s", p.Message)
		}
	}
}

// The shared corpus: every chart loads and validates without a panic, and
// every chart but loki accepts its own default values.
func TestValuesSchemaCorpus(t *testing.T) {
	const dir = "../../shared/corpus/helm"
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Skipf("corpus not present at %s", dir)
	}
	checked := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			ch, err := loader.Load(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Skipf("not loadable: %v", err)
			}
			vals, err := chartutil.CoalesceValues(ch, map[string]any{})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			got := validateValuesSchemas(ch, vals)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
			checked++
			if e.Name() == "loki" {
				t.Logf("loki: %d problems with default values", len(got))
				return
			}
			for _, s := range schemaProblemStrings(got) {
				t.Errorf("default values: %s", s)
			}
		})
	}
	if checked == 0 {
		t.Fatal("no corpus chart checked")
	}
}

// schemaValuesLine finds the line of path in a values file, or of its
// deepest existing ancestor, the way findings are located.
func schemaValuesLine(t *testing.T, data []byte, p manifest.Path) int {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 {
		t.Fatalf("values: %v", err)
	}
	n, line := doc.Content[0], 1
	for _, seg := range p {
		var next *yaml.Node
		switch {
		case seg.IsIndex && n.Kind == yaml.SequenceNode && seg.Index < len(n.Content):
			next = n.Content[seg.Index]
			line = next.Line
		case !seg.IsIndex && n.Kind == yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == seg.Key {
					next, line = n.Content[i+1], n.Content[i].Line
				}
			}
		}
		if next == nil {
			break
		}
		n = next
	}
	return line
}

// The fixture charts: every problem lands on a line whose want names its
// rule, and every want is met.
func TestValuesSchemaFixtures(t *testing.T) {
	wantRe := regexp.MustCompile(`#\s*want:\s*([a-z0-9, -]+)`)
	dirs, _ := filepath.Glob("../fixtures/helm/values-schema-*/*")
	if len(dirs) < 4 {
		t.Fatalf("fixture charts missing: %v", dirs)
	}
	for _, dir := range dirs {
		t.Run(strings.TrimPrefix(dir, "../fixtures/helm/"), func(t *testing.T) {
			var want []string
			err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				data, err := os.ReadFile(p)
				for i, l := range strings.Split(string(data), "\n") {
					if m := wantRe.FindStringSubmatch(l); m != nil {
						rel, _ := filepath.Rel(dir, p)
						for _, id := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == ' ' }) {
							want = append(want, fmt.Sprintf("%s:%d %s", filepath.ToSlash(rel), i+1, id))
						}
					}
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			ch, err := loader.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			vals, err := chartutil.CoalesceValues(ch, map[string]any{})
			if err != nil {
				t.Fatal(err)
			}
			valuesYAML, err := os.ReadFile(filepath.Join(dir, "values.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range validateValuesSchemas(ch, vals) {
				if p.Remote {
					got = append(got, fmt.Sprintf("%s:%d values-schema-remote-ref", p.SchemaFile, p.SchemaLine))
					continue
				}
				got = append(got, fmt.Sprintf("values.yaml:%d values-schema-violation", schemaValuesLine(t, valuesYAML, p.Path)))
			}
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("findings %q, want %q", got, want)
			}
			if strings.HasSuffix(dir, "bad") && len(want) == 0 {
				t.Error("a bad fixture without wants")
			}
		})
	}
}
