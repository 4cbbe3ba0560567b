package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// toJSON converts the first document of src and checks the result is valid
// JSON whenever conversion succeeds.
func toJSON(t *testing.T, src string) (string, error) {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(src), &root); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	out, err := ToJSON(&root)
	if err == nil && !json.Valid(out) {
		t.Fatalf("ToJSON(%q) produced invalid JSON: %s", src, out)
	}
	return string(out), err
}

func TestToJSONScalars(t *testing.T) {
	tests := []struct{ yaml, json string }{
		// YAML 1.1 booleans, as kubectl reads them.
		{"a: yes", `{"a":true}`},
		{"a: on", `{"a":true}`},
		{"a: off", `{"a":false}`},
		{"a: No", `{"a":false}`},
		{"a: TRUE", `{"a":true}`},
		// Quoted, they are strings.
		{`a: "yes"`, `{"a":"yes"}`},
		{`a: 'on'`, `{"a":"on"}`},
		{"a: |\n  yes\n", `{"a":"yes\n"}`},
		// Keys are never converted.
		{"yes: 1", `{"yes":1}`},
		// Integers in other bases become decimal numbers.
		{"mode: 0644", `{"mode":420}`},
		{"mode: 0o644", `{"mode":420}`},
		{"a: 0x1F", `{"a":31}`},
		{"a: -42", `{"a":-42}`},
		{"a: 1_000", `{"a":1000}`},
		// Beyond int64: still a JSON number, no panic.
		{"a: 9223372036854775808", `{"a":9223372036854775808}`},
		{"a: 18446744073709551615", `{"a":18446744073709551615}`},
		// Floats JSON cannot hold stay strings.
		{"a: 1e400", `{"a":"1e400"}`},
		{"a: .nan", `{"a":".nan"}`},
		{"a: -.inf", `{"a":"-.inf"}`},
		{"a: 1.5", `{"a":1.5}`},
		{"a: 2.0", `{"a":2}`},
		// Timestamps stay strings.
		{"a: 2024-01-02", `{"a":"2024-01-02"}`},
		{"a: 2024-01-02T03:04:05Z", `{"a":"2024-01-02T03:04:05Z"}`},
		// Nulls.
		{"a: ~", `{"a":null}`},
		{"a:", `{"a":null}`},
		{"a: null", `{"a":null}`},
		// Strings that need escaping.
		{`a: "quote \" and \\ and \t"`, `{"a":"quote \" and \\ and \t"}`},
		{"a: é", `{"a":"é"}`},
		{"a: !custom 5", `{"a":"5"}`},
		{"a: [1, b, {c: d}]", `{"a":[1,"b",{"c":"d"}]}`},
	}
	for _, tt := range tests {
		got, err := toJSON(t, tt.yaml)
		if err != nil {
			t.Errorf("ToJSON(%q): %v", tt.yaml, err)
			continue
		}
		// Compare decoded values so escaping choices do not matter, and the
		// raw text for numbers, which decoding would round.
		if !jsonEqual(got, tt.json) {
			t.Errorf("ToJSON(%q) = %s, want %s", tt.yaml, got, tt.json)
		}
	}
}

func jsonEqual(a, b string) bool {
	var x, y any
	da, db := json.NewDecoder(strings.NewReader(a)), json.NewDecoder(strings.NewReader(b))
	da.UseNumber()
	db.UseNumber()
	if da.Decode(&x) != nil || db.Decode(&y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func TestToJSONKeepsKeyOrder(t *testing.T) {
	got, err := toJSON(t, "b: 1\na: 2\nc: 3\n")
	if err != nil || got != `{"b":1,"a":2,"c":3}` {
		t.Errorf("got %s, %v", got, err)
	}
}

func TestToJSONMergeKeys(t *testing.T) {
	tests := []struct{ name, yaml, json string }{
		{"merge with explicit override", `
base: &base {image: a, pullPolicy: Always}
c:
  <<: *base
  image: b
`, `{"base":{"image":"a","pullPolicy":"Always"},"c":{"image":"b","pullPolicy":"Always"}}`},
		{"explicit key before the merge still wins", `
base: &base {image: a}
c:
  image: b
  <<: *base
`, `{"base":{"image":"a"},"c":{"image":"b"}}`},
		// YAML merge: of several sources the earlier one wins, as in kubectl
		// (and as Locate resolves it).
		{"earlier source wins", `
a: &a {x: 1}
b: &b {x: 2, y: 2}
c:
  <<: [*a, *b]
`, `{"a":{"x":1},"b":{"x":2,"y":2},"c":{"x":1,"y":2}}`},
		{"nested merge: source's own keys win over its merges", `
a: &a {x: 1, y: 1}
b: &b
  <<: *a
  x: 2
c:
  <<: *b
`, `{"a":{"x":1,"y":1},"b":{"x":2,"y":1},"c":{"x":2,"y":1}}`},
		{"inline merge", "c:\n  <<: {x: 1}\n  y: 2\n", `{"c":{"x":1,"y":2}}`},
		{"quoted << is an ordinary key", "c:\n  \"<<\": 1\n", `{"c":{"<<":1}}`},
	}
	for _, tt := range tests {
		got, err := toJSON(t, tt.yaml)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !jsonEqual(got, tt.json) {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.json)
		}
	}
}

// For every field the merged JSON holds, Locate must point at the node the
// value came from: the two must agree on which merge source wins.
func TestToJSONAndLocateAgreeOnMergeSources(t *testing.T) {
	src := "a: &a {x: 1}\nb: &b {x: 2}\nc:\n  <<: [*a, *b]\n"
	got, err := toJSON(t, src)
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ C struct{ X int } }
	if err := json.Unmarshal([]byte(got), &v); err != nil {
		t.Fatal(err)
	}
	loc, _ := locator(t, src).Locate(ParsePath("c.x"))
	wantLine := map[int]int{1: 1, 2: 2}[v.C.X]
	if loc.Line != wantLine {
		t.Errorf("JSON has c.x = %d (from line %d) but Locate points at line %d", v.C.X, wantLine, loc.Line)
	}
}

// A key given twice: the last value wins (kubectl and Helm without strict
// validation), the duplicate is reported, and Locate points at the winner.
func TestToJSONDuplicateKey(t *testing.T) {
	src := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels: {}\n  name: b\nspec:\n  containers:\n    - {name: c, image: x1, image: y1}\n"
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(src), &root); err != nil {
		t.Fatal(err)
	}
	out, dups, err := ToJSONWithDuplicates(&root)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Metadata struct{ Name string }
		Spec     struct{ Containers []struct{ Image string } }
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if v.Metadata.Name != "b" || v.Spec.Containers[0].Image != "y1" {
		t.Errorf("last value must win: %s", out)
	}
	var got []string
	for _, p := range dups {
		got = append(got, p.String())
	}
	if strings.Join(got, " ") != "metadata.name spec.containers[0].image" {
		t.Errorf("duplicates = %v", got)
	}
	if loc, _ := locator(t, src).Locate(ParsePath("metadata.name")); loc.Line != 6 {
		t.Errorf("Locate(metadata.name) = line %d, want 6 (the key that wins)", loc.Line)
	}
}

func TestToJSONNonScalarKey(t *testing.T) {
	_, err := toJSON(t, "a: 1\n? [x, y]\n: 2\n")
	var at *ErrorAt
	if !errors.As(err, &at) || at.Line != 2 || !strings.Contains(at.Message, "not a scalar") {
		t.Errorf("err = %v, want a non-scalar key error on line 2", err)
	}
}

// billionLaughs builds the classic alias bomb: levels of nine aliases each.
func billionLaughs(levels int) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nl0: &l0 [lol]\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [", i, i)
		for j := 0; j < 9; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*l%d", i-1)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func TestToJSONAliasBomb(t *testing.T) {
	start := time.Now()
	_, err := toJSON(t, billionLaughs(9))
	elapsed := time.Since(start)
	var at *ErrorAt
	if !errors.As(err, &at) || !strings.Contains(at.Message, "excessive aliasing") {
		t.Errorf("err = %v, want excessive aliasing", err)
	}
	if elapsed > time.Second {
		t.Errorf("alias bomb took %v, want well under 1s", elapsed)
	}
}

// A merge-key bomb multiplies through "<<" rather than plain aliases.
func TestToJSONMergeBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("m0: &m0 {a: 1, b: 2, c: 3}\n")
	for i := 1; i <= 12; i++ {
		fmt.Fprintf(&b, "m%d: &m%d\n  <<: [", i, i)
		for j := 0; j < 9; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*m%d", i-1)
		}
		b.WriteString("]\n")
	}
	start := time.Now()
	_, err := toJSON(t, b.String())
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("merge bomb took %v, want well under 1s", elapsed)
	}
	if err == nil || !strings.Contains(err.Error(), "excessive aliasing") {
		t.Errorf("err = %v, want excessive aliasing", err)
	}
}

// Moderate aliasing is ordinary YAML and must still convert.
func TestToJSONModerateAliasing(t *testing.T) {
	got, err := toJSON(t, billionLaughs(3))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(got, `"lol"`); n != 1+9+81+729 {
		t.Errorf("got %d lols, want %d", n, 1+9+81+729)
	}
}

func TestToJSONDocumentNode(t *testing.T) {
	out, err := ToJSON(&yaml.Node{Kind: yaml.DocumentNode})
	if err != nil || string(out) != "null" {
		t.Errorf("empty document = %s, %v; want null", out, err)
	}
}
