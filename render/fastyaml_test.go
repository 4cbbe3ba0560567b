package render

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// sameTree compares what kready reads from a node tree: kind, style, tag,
// value and position of every node.
func sameTree(a, b *yaml.Node, path string) error {
	if a.Kind != b.Kind || a.Style != b.Style || a.ShortTag() != b.ShortTag() || a.Value != b.Value ||
		a.Line != b.Line || a.Column != b.Column || len(a.Content) != len(b.Content) {
		return fmt.Errorf("%s: fast {kind %d style %d tag %s value %q at %d:%d, %d children} vs yaml.v3 {kind %d style %d tag %s value %q at %d:%d, %d children}",
			path, a.Kind, a.Style, a.ShortTag(), a.Value, a.Line, a.Column, len(a.Content),
			b.Kind, b.Style, b.ShortTag(), b.Value, b.Line, b.Column, len(b.Content))
	}
	for i := range a.Content {
		if err := sameTree(a.Content[i], b.Content[i], fmt.Sprintf("%s/%d", path, i)); err != nil {
			return err
		}
	}
	return nil
}

// checkFast parses every document of data both ways; where the fast path
// accepts a document its tree must equal yaml.v3's.
func checkFast(t *testing.T, name string, data []byte) (fast, total int) {
	t.Helper()
	for _, c := range splitDocuments(data) {
		var want yaml.Node
		if err := yaml.Unmarshal(c.data, &want); err != nil || want.Kind == 0 {
			if got, ok := fastParse(c.data); ok {
				t.Errorf("%s:%d: fast path accepted what yaml.v3 rejects (%v): %v", name, c.lineOffset+1, err, got)
			}
			continue
		}
		total++
		got, ok := fastParse(c.data)
		if !ok {
			continue
		}
		fast++
		if err := sameTree(got, &want, name); err != nil {
			t.Errorf("%s (document at line %d): %v", name, c.lineOffset+1, err)
		}
	}
	return fast, total
}

func TestFastParseCases(t *testing.T) {
	for _, src := range []string{
		"a: 1\nb:\n  c: [x]\n",
		"a: 1\nb: {a: 1}\n",
		"a: |\n  x\n",
		"a: &x 1\nb: *x\n",
		"a:\n- 1\n- two\nb: 'it''s'\nc: \"q\"\n",
		"list:\n  - name: a\n    image: x:1\n    ports:\n      - containerPort: 80\n  - name: b\n",
		"a: 1\n  b: 2\n",
		"a: b\n  continued\n",
		"---\napiVersion: v1 # c\n# x\nkind: Pod\n",
		"a:\nb: 1\n",
		"'quoted key': 1\n\"k\": yes\non: off\n",
		"- a\n- b: 1\n  c: 2\n",
		"a: 0644\nb: 1e3\nc: .inf\nd: ~\ne: null\nf: 2024-01-01\n",
		"a: b: c\n",
		"a: \"x\\ty\"\n",
		"a:\r\n  b: 1\r\n",
		"ключ: 1\n",
		"a: значение\n",
		"r: {requests: {cpu: 50m, memory: 64Mi}, limits: {cpu: \"1\"}}\n",
		"p: [{name: http, port: 80}, {name: b}]\nq: [a, 'b', \"c\"]\n",
		"u: {a: http://x:80/y, b: x:y}\n",
		"t: {a: 1,}\n",
		"- {name: a, image: x:1}\n- [1, 2]\n",
		"e: {a: , b: 1}\n",
		"f: [a, [b, {c: d}]]\n",
	} {
		checkFast(t, fmt.Sprintf("%q", src), []byte(src))
	}
}

// Every YAML file of the corpus and the fixtures, parsed both ways.
func TestFastParseMatchesYAMLv3OnCorpus(t *testing.T) {
	var fast, total int
	for _, root := range []string{"../fixtures", "../../shared/corpus"} {
		_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil || strings.Contains(p, "/templates/") {
				return nil
			}
			f, n := checkFast(t, p, data)
			fast, total = fast+f, total+n
			return nil
		})
	}
	t.Logf("fast path took %d of %d documents", fast, total)
}

// FuzzFastParse: whatever the fast path accepts, yaml.v3 accepts too and
// builds the same tree.
func FuzzFastParse(f *testing.F) {
	for _, s := range []string{
		"a: 1\nb:\n  c: [x]\n", "a:\n- 1\n- two\nb: 'it''s'\n", "- {name: a, image: x:1}\n- [1, 2]\n",
		"list:\n  - name: a\n    ports:\n      - containerPort: 80\n", "---\nk: v # c\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := fastParse(data)
		if !ok {
			return
		}
		var want yaml.Node
		if err := yaml.Unmarshal(data, &want); err != nil {
			t.Fatalf("fast path accepted %q, yaml.v3 rejects it: %v", data, err)
		}
		if err := sameTree(got, &want, ""); err != nil {
			t.Fatalf("%q: %v", data, err)
		}
	})
}
