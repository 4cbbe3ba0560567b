package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"path"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"helm.sh/helm/v3/pkg/chart"

	"github.com/kready/kready/manifest"
)

// Values schema checks. Helm's own check (chartutil.ValidateAgainstSchema) is
// skipped when kready renders because it fetches http(s) $refs and reads
// file:// paths from the host. kready validates instead with the same library
// (jsonschema/v6, same default draft, same base URL file:///values.schema.json)
// but serves only the chart's own files: every $ref is classified before
// compiling, and those that point at the network, at the host's disk or
// outside the chart are replaced by an always-true schema and reported.

const (
	schemaFileName = "values.schema.json"
	// schemaMaxBytes caps the schema files read for one chart (loki's, the
	// largest in the corpus, is 0.6 MB).
	schemaMaxBytes = 8 << 20
	// schemaMaxFiles caps the chart files one schema may pull in by $ref.
	schemaMaxFiles = 64
	// schemaMaxCost caps the estimated schema evaluations for one validation
	// (about 0.3 s of failing checks here; the corpus peaks at 2,590), so
	// schemas that fan out through $refs cannot make validation explode.
	schemaMaxCost = 200_000
	// schemaMaxNodes and schemaMaxNesting bound compile time, which the
	// library spends quadratically in the number of subschemas (10,000 take
	// about 1 s here) and in their depth (2,000 nested levels took 43 s). The
	// nesting cost is the sum of every object's and array's depth squared.
	// The corpus peaks at 3,295 nodes and a nesting cost of 147,444 (loki).
	schemaMaxNodes   = 8_000
	schemaMaxNesting = 5_000_000
	// schemaUncheckedURL names the permissive schema refused $refs point at.
	schemaUncheckedURL = "urn:kready:unchecked"
)

// schemaProblem is one finding about a chart's values and its
// values.schema.json.
type schemaProblem struct {
	Scope      []string      // chart path from the top chart: nil for the top chart, ["redis"] for a subchart
	Path       manifest.Path // instance location inside that chart's values (e.g. image.tag, resources.limits)
	Message    string        // what is wrong, never printing instance strings
	SchemaFile string        // chart-relative schema file concerned (values.schema.json or a local $ref target); "" for a subchart's values that are not a map
	SchemaLine int           // ≥ 1 when the problem lies in SchemaFile (the refused $ref, a syntax error, 1 for the whole file), else 0
	Remote     bool          // a $ref to http(s)/file or outside the chart was refused
}

// validateValuesSchemas checks coalesced values against the values.schema.json
// of ch and of every subchart, as helm install does, without touching the
// network or the disk.
//
// Contract for the renderer: call it with the chart after
// chartutil.ProcessDependenciesWithMerge (so disabled subcharts are gone and
// aliased ones carry their alias as name) and with the values Helm would
// validate, i.e. chartutil.CoalesceValues(ch, userValues); subchart values
// sit under the subchart's name. Every problem belongs to rule
// values-schema-violation except Remote ones (values-schema-remote-ref).
//   - A problem with SchemaLine ≥ 1 lies in the schema (refused $ref, not
//     JSON, not compilable, too large to check): locate it at
//     SchemaFile:SchemaLine.
//   - Any other problem is about a value: Path is relative to the values of
//     the chart named by Scope, so prefix Scope to find its values-file line
//     (a missing property is reported where it belongs; locate it at its
//     nearest existing ancestor; an empty Path is the values as a whole).
//     Messages do not repeat the path: a finding should read
//     "image.tag: got number, want string".
//
// Problems are sorted by scope, path, schema position and message.
func validateValuesSchemas(ch *chart.Chart, values map[string]any) []schemaProblem {
	var out []schemaProblem
	schemaWalkCharts(ch, values, nil, &out)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if c := strings.Compare(strings.Join(a.Scope, "\x00"), strings.Join(b.Scope, "\x00")); c != 0 {
			return c < 0
		}
		if c := strings.Compare(a.Path.String(), b.Path.String()); c != 0 {
			return c < 0
		}
		if a.SchemaFile != b.SchemaFile {
			return a.SchemaFile < b.SchemaFile
		}
		if a.SchemaLine != b.SchemaLine {
			return a.SchemaLine < b.SchemaLine
		}
		return a.Message < b.Message
	})
	return out
}

// schemaWalkCharts validates ch and recurses into its subcharts the way Helm
// does: a subchart is checked only when its parent's values hold a key for it.
func schemaWalkCharts(ch *chart.Chart, values map[string]any, scope []string, out *[]schemaProblem) {
	if ch == nil {
		return
	}
	if ch.Schema != nil {
		for _, p := range schemaCheckChart(ch, values) {
			p.Scope = scope
			*out = append(*out, p)
		}
	}
	for _, sub := range ch.Dependencies() {
		if sub == nil {
			continue
		}
		name := sub.Name()
		raw, ok := values[name]
		if !ok || raw == nil {
			continue
		}
		subValues, ok := schemaAsMap(raw)
		if !ok {
			*out = append(*out, schemaProblem{
				Scope:   scope,
				Path:    manifest.Path{}.Key(name),
				Message: fmt.Sprintf("values for subchart %q must be a map, got %s", name, schemaTypeName(raw)),
			})
			continue
		}
		schemaWalkCharts(sub, subValues, append(append([]string(nil), scope...), name), out)
	}
}

// schemaAsMap accepts the map types values come in (plain maps and
// chartutil.Values, a named map type).
func schemaAsMap(v any) (map[string]any, bool) {
	if m, ok := v.(map[string]any); ok {
		return m, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Map && rv.Type().Key().Kind() == reflect.String && rv.Type().Elem().Kind() == reflect.Interface {
		m := make(map[string]any, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			m[it.Key().String()] = it.Value().Interface()
		}
		return m, true
	}
	return nil, false
}

// schemaDoc is one schema file of the chart, decoded.
type schemaDoc struct {
	file string // chart-relative path
	url  string // the URL it is registered under: file:///<file>
	raw  []byte
	doc  any
	refs []*schemaRef
}

// schemaRef is one $ref, $dynamicRef or $schema keyword found in a doc.
type schemaRef struct {
	doc     *schemaDoc
	obj     map[string]any // the schema object holding the keyword
	keyword string
	value   string
	base    *url.URL // base URL the value resolves against
	ptr     []string // JSON pointer tokens of obj inside doc
}

// schemaScan loads one chart's schema files and classifies their references.
// It is also the compiler's loader: it serves the chart files it loaded and
// refuses every other URL.
type schemaScan struct {
	files    map[string][]byte     // chart files by chart-relative path
	docs     []*schemaDoc          // in load order; the first is values.schema.json
	byURL    map[string]*schemaDoc // loaded files by the URL the compiler asks for
	failed   map[string]bool       // files that were referenced but could not be loaded
	ids      map[string]*schemaDoc // resource URLs (fragment-less) the compiler will know, by declaring file
	bytes    int                   // schema bytes read so far
	size     schemaSize            // objects and arrays read so far
	problems []schemaProblem
	refused  []schemaRefused // reported references, to locate
}

// schemaCheckChart validates one chart's values against its own schema.
func schemaCheckChart(ch *chart.Chart, values map[string]any) (problems []schemaProblem) {
	s := &schemaScan{files: schemaChartFiles(ch), byURL: map[string]*schemaDoc{}, failed: map[string]bool{}, ids: map[string]*schemaDoc{}}
	defer func() {
		// The validator is third-party code run on hostile input: a panic is
		// reported against the schema instead of taking the run down.
		if r := recover(); r != nil {
			problems = append(s.problems, schemaProblem{SchemaFile: schemaFileName, SchemaLine: 1, Message: fmt.Sprintf("%s could not be checked: the validator failed: %v", schemaFileName, r)})
		}
	}()
	rootURL := (&url.URL{Scheme: "file", Path: "/" + schemaFileName}).String()
	if s.load(schemaFileName, rootURL, ch.Schema, "") == nil {
		return s.problems
	}
	// Every chart file reachable by relative $ref is loaded first, so that
	// the $ids they declare are known when references are classified.
	for i := 0; i < len(s.docs); i++ {
		d := s.docs[i]
		s.scanRefs(d)
		for _, r := range d.refs {
			if file, target, ok := s.chartFile(r); ok && !s.failed[target] {
				if _, loaded := s.byURL[target]; !loaded {
					if data, exists := s.files[file]; exists && s.load(file, target, data, d.file) == nil {
						s.failed[target] = true
					}
				}
			}
		}
	}
	for _, d := range s.docs {
		for _, r := range d.refs {
			s.classify(r)
		}
	}
	s.locateRefused()
	if !s.onlyRemote() {
		return s.problems
	}

	c := jsonschema.NewCompiler()
	c.UseLoader(s)
	sch, err := c.Compile(rootURL)
	if err != nil {
		return append(s.problems, schemaProblem{SchemaFile: schemaFileName, SchemaLine: 1, Message: fmt.Sprintf("%s could not be compiled: %s", schemaFileName, schemaShorten(err.Error(), 300))})
	}

	inst, err := schemaJSONValue(values)
	if err != nil {
		return append(s.problems, schemaProblem{SchemaFile: schemaFileName, Message: fmt.Sprintf("values could not be checked against %s: %v", schemaFileName, err)})
	}
	if schemaCost(sch, schemaDepth(inst)) > schemaMaxCost {
		return append(s.problems, schemaProblem{SchemaFile: schemaFileName, SchemaLine: 1, Message: fmt.Sprintf("%s was not checked: its $refs fan out to more than %d schema evaluations for these values", schemaFileName, schemaMaxCost)})
	}
	err = sch.Validate(inst)
	if err == nil {
		return s.problems
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return append(s.problems, schemaProblem{SchemaFile: schemaFileName, SchemaLine: 1, Message: fmt.Sprintf("%s could not be checked: %s", schemaFileName, schemaShorten(err.Error(), 300))})
	}
	seen := map[string]bool{}
	for _, p := range s.leaves(ve, inst) {
		key := p.Path.String() + "\x00" + p.Message
		if !seen[key] {
			seen[key] = true
			s.problems = append(s.problems, p)
		}
	}
	return s.problems
}

// Load serves the compiler the chart files loaded for this schema and the
// permissive stand-in for refused references; any other URL is refused.
func (s *schemaScan) Load(u string) (any, error) {
	if d, ok := s.byURL[u]; ok {
		return d.doc, nil
	}
	if u == schemaUncheckedURL {
		return map[string]any{}, nil
	}
	return nil, fmt.Errorf("%s is not a file of the chart; kready does not fetch schemas", schemaShowURL(u))
}

// onlyRemote reports whether every problem so far is a refused $ref, which
// leaves the rest of the schema checkable.
func (s *schemaScan) onlyRemote() bool {
	for _, p := range s.problems {
		if !p.Remote {
			return false
		}
	}
	return true
}

// schemaChartFiles indexes the files of one chart by chart-relative path.
func schemaChartFiles(ch *chart.Chart) map[string][]byte {
	files := map[string][]byte{}
	for _, set := range [][]*chart.File{ch.Raw, ch.Files} {
		for _, f := range set {
			if f == nil {
				continue
			}
			name := path.Clean(strings.TrimPrefix(f.Name, "/"))
			if _, ok := files[name]; !ok {
				files[name] = f.Data
			}
		}
	}
	files[schemaFileName] = ch.Schema
	return files
}

// load decodes one schema file of the chart and queues it for scanning; from
// names the file whose $ref asked for it, for messages.
func (s *schemaScan) load(file, u string, data []byte, from string) *schemaDoc {
	what := file
	if from != "" {
		what = fmt.Sprintf("%s (referenced from %s)", file, from)
	}
	if len(s.docs) >= schemaMaxFiles {
		s.problems = append(s.problems, schemaProblem{SchemaFile: file, SchemaLine: 1, Message: fmt.Sprintf("%s was not read: the schema pulls in more than %d files", what, schemaMaxFiles)})
		return nil
	}
	if s.bytes+len(data) > schemaMaxBytes {
		s.problems = append(s.problems, schemaProblem{SchemaFile: file, SchemaLine: 1, Message: fmt.Sprintf("%s was not read: the chart's schema files exceed %d MiB", what, schemaMaxBytes>>20)})
		return nil
	}
	s.bytes += len(data)
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		line := schemaSyntaxLine(data, err)
		msg := fmt.Sprintf("%s is not valid JSON: %v", what, err)
		if line > 0 {
			msg = fmt.Sprintf("%s is not valid JSON (line %d): %v", what, line, err)
		}
		s.problems = append(s.problems, schemaProblem{SchemaFile: file, SchemaLine: max(line, 1), Message: msg})
		return nil
	}
	if !s.size.add(doc, 1) {
		s.problems = append(s.problems, schemaProblem{SchemaFile: file, SchemaLine: 1, Message: fmt.Sprintf("%s was not checked: with more than %d subschemas or too deep a nesting, it cannot be compiled in bounded time", what, schemaMaxNodes)})
		return nil
	}
	d := &schemaDoc{file: file, url: u, raw: data, doc: doc}
	s.docs = append(s.docs, d)
	s.byURL[u] = d
	s.ids[u] = d
	return d
}

// schemaSize counts the objects and arrays of a chart's schema files and
// their nesting cost, against schemaMaxNodes and schemaMaxNesting.
type schemaSize struct {
	nodes, nesting int
}

// add counts v, found at depth, and reports whether the limits still hold.
func (z *schemaSize) add(v any, depth int) bool {
	var children []any
	switch t := v.(type) {
	case map[string]any:
		for _, c := range t {
			children = append(children, c)
		}
	case []any:
		children = t
	default:
		return true
	}
	z.nodes++
	z.nesting += depth * depth
	if z.nodes > schemaMaxNodes || z.nesting > schemaMaxNesting {
		return false
	}
	for _, c := range children {
		if !z.add(c, depth+1) {
			return false
		}
	}
	return true
}

// schemaSyntaxLine finds the line of a JSON syntax error, 0 if unknown.
func schemaSyntaxLine(data []byte, err error) int {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	off := int64(-1)
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		off = int64(len(data))
	}
	if off < 0 {
		return 0
	}
	off = min(off, int64(len(data)))
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// scanRefs records every reference keyword of d and the resource URLs its
// $id keywords declare.
func (s *schemaScan) scanRefs(d *schemaDoc) {
	base, _ := url.Parse(d.url)
	draft4 := false
	if root, ok := d.doc.(map[string]any); ok {
		if v, ok := root["$schema"].(string); ok {
			draft4 = strings.Contains(v, "draft-04") || strings.Contains(v, "draft-03")
		}
	}
	s.walk(d, d.doc, base, nil, draft4)
}

// schemaNameMaps are keywords whose value maps names to subschemas.
var schemaNameMaps = map[string]bool{
	"properties": true, "patternProperties": true, "definitions": true,
	"$defs": true, "dependentSchemas": true, "dependencies": true,
}

// schemaData are keywords whose value is instance data, never a schema.
var schemaData = map[string]bool{
	"enum": true, "const": true, "default": true, "examples": true,
}

// walk records the references and $ids of one schema value; data keywords
// are skipped and name maps are entered by name.
func (s *schemaScan) walk(d *schemaDoc, v any, base *url.URL, ptr []string, draft4 bool) {
	switch v := v.(type) {
	case []any:
		for i, e := range v {
			s.walk(d, e, base, schemaPtr(ptr, strconv.Itoa(i)), draft4)
		}
	case map[string]any:
		idKey := "$id"
		if draft4 {
			idKey = "id"
		}
		if id, ok := v[idKey].(string); ok && id != "" && !strings.HasPrefix(id, "#") {
			if u, err := base.Parse(schemaNoFragment(id)); err == nil {
				base = u
				s.ids[u.String()] = d
			}
		}
		for _, kw := range []string{"$ref", "$dynamicRef", "$schema"} {
			if val, ok := v[kw].(string); ok {
				d.refs = append(d.refs, &schemaRef{doc: d, obj: v, keyword: kw, value: val, base: base, ptr: ptr})
			}
		}
		for k, child := range v {
			switch {
			case schemaData[k]:
			case schemaNameMaps[k]:
				if m, ok := child.(map[string]any); ok {
					for name, sub := range m {
						s.walk(d, sub, base, schemaPtr(ptr, k, name), draft4)
					}
				}
			default:
				s.walk(d, child, base, schemaPtr(ptr, k), draft4)
			}
		}
	}
}

// schemaPtr extends a pointer without sharing the caller's backing array.
func schemaPtr(ptr []string, toks ...string) []string {
	out := make([]string, 0, len(ptr)+len(toks))
	return append(append(out, ptr...), toks...)
}

// schemaNoFragment cuts a URL at its fragment.
func schemaNoFragment(s string) string {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		return s[:i]
	}
	return s
}

// schemaMetaPaths are the meta-schemas jsonschema/v6 embeds: references to
// them never reach a loader.
var schemaMetaPaths = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range strings.Fields(`
		schema draft-04/schema draft-06/schema draft-07/schema draft/2019-09/schema
		draft/2019-09/meta/applicator draft/2019-09/meta/content draft/2019-09/meta/core
		draft/2019-09/meta/format draft/2019-09/meta/meta-data draft/2019-09/meta/validation
		draft/2020-12/schema draft/2020-12/meta/applicator draft/2020-12/meta/content
		draft/2020-12/meta/core draft/2020-12/meta/format-annotation
		draft/2020-12/meta/format-assertion draft/2020-12/meta/meta-data
		draft/2020-12/meta/unevaluated draft/2020-12/meta/validation`) {
		m[p] = true
	}
	return m
}()

// schemaIsMeta reports whether u names a meta-schema the library embeds.
func schemaIsMeta(u *url.URL) bool {
	return (u.Scheme == "http" || u.Scheme == "https") && u.Host == "json-schema.org" && u.User == nil &&
		u.RawQuery == "" && schemaMetaPaths[strings.TrimPrefix(u.Path, "/")]
}

// target resolves a reference the way the compiler does; ok is false for
// fragment-only references and values that are not URLs.
func (r *schemaRef) target() (ref, target *url.URL, ok bool) {
	if r.value == "" || strings.HasPrefix(r.value, "#") {
		return nil, nil, false
	}
	ref, err := url.Parse(schemaNoFragment(r.value))
	if err != nil {
		return nil, nil, false
	}
	return ref, r.base.ResolveReference(ref), true
}

// chartFile names the chart file a relative reference from a chart file
// points at; ok is false when it is not such a reference or leaves the chart.
func (s *schemaScan) chartFile(r *schemaRef) (file, target string, ok bool) {
	ref, t, ok := r.target()
	if !ok || r.keyword == "$schema" || r.base.Scheme != "file" || ref.Scheme != "" || ref.Host != "" || ref.Opaque != "" || strings.HasPrefix(ref.Path, "/") {
		return "", "", false
	}
	file = path.Join(path.Dir(strings.TrimPrefix(r.base.Path, "/")), ref.Path)
	if file == ".." || strings.HasPrefix(file, "../") {
		return "", "", false
	}
	return file, t.String(), true
}

// classify accepts a reference the compiler can resolve without a loader or
// from the loaded chart files, and refuses any other: it is rewritten to the
// permissive schema and reported.
func (s *schemaScan) classify(r *schemaRef) {
	if r.value == "" || strings.HasPrefix(r.value, "#") {
		return
	}
	_, target, ok := r.target()
	if !ok {
		s.refuse(r, fmt.Sprintf("%s %q is not a valid URL, so the schema behind it was not checked", r.keyword, schemaShowURL(r.value)))
		return
	}
	if s.ids[target.String()] != nil || schemaIsMeta(target) {
		return
	}
	if r.keyword == "$schema" {
		s.refuse(r, fmt.Sprintf("$schema %q is not a meta-schema kready knows and is not fetched; the schema was checked with the default draft", schemaShowURL(r.value)))
		return
	}
	if file, t, ok := s.chartFile(r); ok {
		if s.failed[t] {
			s.refuse(r, "")
			return
		}
		s.refuse(r, fmt.Sprintf("%s %q names %s, which is not a file of the chart, so the schema behind it was not checked", r.keyword, schemaShowURL(r.value), file))
		return
	}
	how := "read"
	if target.Scheme == "http" || target.Scheme == "https" || target.Host != "" {
		how = "fetch"
	}
	s.refuse(r, fmt.Sprintf("%s %q points outside the chart; kready does not %s it, so the schema behind it was not checked", r.keyword, schemaShowURL(r.value), how))
}

// refuse rewrites a reference to the permissive schema and, when msg is not
// empty, reports it at the keyword's line.
func (s *schemaScan) refuse(r *schemaRef, msg string) {
	if r.keyword == "$schema" {
		delete(r.obj, "$schema")
	} else {
		r.obj[r.keyword] = schemaUncheckedURL
	}
	if msg != "" {
		s.problems = append(s.problems, schemaProblem{SchemaFile: r.doc.file, Message: msg, Remote: true})
		s.refused = append(s.refused, schemaRefused{r, len(s.problems) - 1})
	}
}

// schemaRefused ties a reported reference to its problem, whose line is filled
// in by locateRefused.
type schemaRefused struct {
	ref     *schemaRef
	problem int
}

// locateRefused sets the schema line of every refused reference, reading
// each document once.
func (s *schemaScan) locateRefused() {
	want := map[*schemaDoc]map[string]bool{}
	for _, rr := range s.refused {
		d := rr.ref.doc
		if want[d] == nil {
			want[d] = map[string]bool{}
		}
		want[d][schemaKeyPath(rr.ref.ptr, rr.ref.keyword)] = true
	}
	lines := map[*schemaDoc]map[string]int{}
	for d, w := range want {
		lines[d] = schemaKeyLines(d.raw, w)
	}
	for _, rr := range s.refused {
		s.problems[rr.problem].SchemaLine = max(lines[rr.ref.doc][schemaKeyPath(rr.ref.ptr, rr.ref.keyword)], 1)
	}
}

// schemaShowURL drops credentials and query strings from a URL before it is
// printed, and shortens very long ones.
func schemaShowURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		if u.User != nil {
			u.User = url.User("REDACTED")
		}
		if u.RawQuery != "" {
			u.RawQuery = "…"
		}
		s = u.String()
	}
	if r := []rune(s); len(r) > 120 {
		s = string(r[:120]) + "…"
	}
	return s
}

// schemaKeyPath names a key inside a JSON document: the pointer tokens of
// its object, then the key.
func schemaKeyPath(ptr []string, key string) string {
	return strings.Join(append(schemaPtr(ptr), key), "\x00")
}

// schemaKeyLines finds, in one pass over a JSON document, the line of every
// wanted reference keyword (named by schemaKeyPath; the last one when keys
// repeat, as decoding keeps the last). encoding/json tokens are used, not a
// YAML parser: YAML rejects valid JSON escapes such as "\/".
func schemaKeyLines(data []byte, want map[string]bool) map[string]int {
	type frame struct {
		object bool
		key    string // object: last key read
		index  int    // array: elements started so far
		want   bool   // object: next string token is a key
	}
	lines := map[string]int{}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []frame
	line, lastOff := 1, 0
	// next advances the innermost container past a value that starts now.
	next := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].object {
				stack[n-1].want = true
			} else {
				stack[n-1].index++
			}
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return lines
		}
		off := int(dec.InputOffset())
		line += bytes.Count(data[lastOff:off], []byte("\n"))
		lastOff = off
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				next()
				stack = append(stack, frame{object: t == '{', want: t == '{'})
			} else {
				stack = stack[:len(stack)-1]
			}
		case string:
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].want {
				stack[n-1].key, stack[n-1].want = t, false
				if t == "$ref" || t == "$dynamicRef" || t == "$schema" {
					toks := make([]string, 0, n)
					for _, f := range stack[:n-1] {
						if f.object {
							toks = append(toks, f.key)
						} else {
							toks = append(toks, strconv.Itoa(f.index-1))
						}
					}
					if k := schemaKeyPath(toks, t); want[k] {
						lines[k] = line
					}
				}
				continue
			}
			next()
		default:
			next()
		}
	}
}

// schemaShorten cuts a message to n runes.
func schemaShorten(msg string, n int) string {
	if r := []rune(msg); len(r) > n {
		return string(r[:n]) + "…"
	}
	return msg
}

// schemaJSONValue converts values to the types the validator understands:
// every number becomes a json.Number (so an integer schema accepts 3 whether
// it was decoded as int64, float64 or json.Number), maps get string keys.
func schemaJSONValue(v any) (any, error) {
	switch t := v.(type) {
	case nil, bool, string, json.Number:
		return t, nil
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			c, err := schemaJSONValue(e)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			c, err := schemaJSONValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case int:
		return json.Number(strconv.FormatInt(int64(t), 10)), nil
	case int8:
		return json.Number(strconv.FormatInt(int64(t), 10)), nil
	case int16:
		return json.Number(strconv.FormatInt(int64(t), 10)), nil
	case int32:
		return json.Number(strconv.FormatInt(int64(t), 10)), nil
	case int64:
		return json.Number(strconv.FormatInt(t, 10)), nil
	case uint:
		return json.Number(strconv.FormatUint(uint64(t), 10)), nil
	case uint8:
		return json.Number(strconv.FormatUint(uint64(t), 10)), nil
	case uint16:
		return json.Number(strconv.FormatUint(uint64(t), 10)), nil
	case uint32:
		return json.Number(strconv.FormatUint(uint64(t), 10)), nil
	case uint64:
		return json.Number(strconv.FormatUint(t, 10)), nil
	case float32:
		return schemaJSONValue(float64(t))
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			// Left as is: the validator reports it as not a JSON value.
			return t, nil
		}
		return json.Number(strconv.FormatFloat(t, 'g', -1, 64)), nil
	}
	if m, ok := schemaAsMap(v); ok {
		return schemaJSONValue(m)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Map {
		out := make(map[string]any, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			c, err := schemaJSONValue(it.Value().Interface())
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(it.Key().Interface())] = c
		}
		return out, nil
	}
	// Anything else (time.Time, typed slices) takes its JSON form.
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("value of type %T cannot be written as JSON", v)
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(data))
}

// schemaDepth is the nesting depth of a JSON value.
func schemaDepth(v any) int {
	deepest := 0
	switch t := v.(type) {
	case map[string]any:
		for _, e := range t {
			deepest = max(deepest, schemaDepth(e)+1)
		}
	case []any:
		for _, e := range t {
			deepest = max(deepest, schemaDepth(e)+1)
		}
	}
	return deepest
}

// schemaCost bounds the schema evaluations one validation can make for an
// instance of the given depth: subschemas applied to the same value add up,
// subschemas applied to children take one level of depth. A $ref cycle that
// does not descend counts once, as the validator stops it.
func schemaCost(root *jsonschema.Schema, depth int) int {
	type key struct {
		s *jsonschema.Schema
		d int
	}
	memo := map[key]int{}
	busy := map[key]bool{}
	var cost func(s *jsonschema.Schema, d int) int
	cost = func(s *jsonschema.Schema, d int) int {
		if s == nil || d < 0 {
			return 0
		}
		k := key{s, d}
		if c, ok := memo[k]; ok {
			return c
		}
		if busy[k] {
			return 1
		}
		busy[k] = true
		total := 1
		add := func(c *jsonschema.Schema, d int) {
			if total <= schemaMaxCost {
				total += cost(c, d)
			}
		}
		same := []*jsonschema.Schema{s.Ref, s.RecursiveRef, s.Not, s.If, s.Then, s.Else, s.ContentSchema}
		if s.DynamicRef != nil {
			same = append(same, s.DynamicRef.Ref)
		}
		same = append(append(append(same, s.AllOf...), s.AnyOf...), s.OneOf...)
		for _, name := range schemaSortedKeys(s.DependentSchemas) {
			same = append(same, s.DependentSchemas[name])
		}
		for _, name := range schemaSortedKeys(s.Dependencies) {
			if c, ok := s.Dependencies[name].(*jsonschema.Schema); ok {
				same = append(same, c)
			}
		}
		for _, c := range same {
			add(c, d)
		}
		child := []*jsonschema.Schema{s.PropertyNames, s.UnevaluatedProperties, s.Contains, s.Items2020, s.UnevaluatedItems}
		for _, name := range schemaSortedKeys(s.Properties) {
			child = append(child, s.Properties[name])
		}
		for _, c := range s.PatternProperties {
			child = append(child, c)
		}
		child = append(child, s.PrefixItems...)
		for _, v := range []any{s.AdditionalProperties, s.AdditionalItems, s.Items} {
			switch v := v.(type) {
			case *jsonschema.Schema:
				child = append(child, v)
			case []*jsonschema.Schema:
				child = append(child, v...)
			}
		}
		for _, c := range child {
			add(c, d-1)
		}
		delete(busy, k)
		total = min(total, schemaMaxCost+1)
		memo[k] = total
		return total
	}
	return cost(root, depth)
}

func schemaSortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var schemaPrinter = message.NewPrinter(language.English)

// leaves turns a validation error tree into one problem per leaf cause;
// anyOf/oneOf failures become one problem listing their alternatives.
func (s *schemaScan) leaves(e *jsonschema.ValidationError, inst any) []schemaProblem {
	var out []schemaProblem
	switch k := e.ErrorKind.(type) {
	case *kind.AnyOf:
		out = []schemaProblem{s.alternatives(e, inst, "anyOf")}
	case *kind.OneOf:
		if len(k.Subschemas) == 0 {
			out = []schemaProblem{s.alternatives(e, inst, "oneOf")}
		}
	}
	if out == nil && len(e.Causes) > 0 {
		for _, c := range e.Causes {
			out = append(out, s.leaves(c, inst)...)
		}
		return out
	}
	if out == nil {
		out = schemaLeafProblems(e, inst)
	}
	// Name the file holding the failing subschema: a local $ref target
	// rather than values.schema.json when the check lives there.
	file := schemaFileName
	if d := s.ids[schemaNoFragment(e.SchemaURL)]; d != nil {
		file = d.file
	}
	for i := range out {
		out[i].SchemaFile = file
	}
	return out
}

// alternatives reports a value that matched none of anyOf/oneOf: as a single
// type error when every alternative only wanted another type, else with the
// first reasons of the alternatives.
func (s *schemaScan) alternatives(e *jsonschema.ValidationError, inst any, keyword string) schemaProblem {
	at := schemaInstancePath(e.InstanceLocation, inst)
	var got string
	var wants, reasons []string
	onlyTypes := len(e.Causes) > 0
	seen := map[string]bool{}
	for _, c := range e.Causes {
		if t, ok := schemaTypeLeaf(c); ok && len(c.InstanceLocation) == len(e.InstanceLocation) {
			got = t.Got
			wants = append(wants, t.Want...)
		} else {
			onlyTypes = false
		}
		for _, p := range s.leaves(c, inst) {
			reason := p.Message
			if rel := p.Path[min(len(at), len(p.Path)):]; len(rel) > 0 {
				reason = rel.String() + ": " + reason
			}
			if !seen[reason] {
				seen[reason] = true
				reasons = append(reasons, reason)
			}
		}
	}
	if onlyTypes {
		return schemaProblem{Path: at, Message: fmt.Sprintf("got %s, want %s", got, strings.Join(schemaUnique(wants), " or "))}
	}
	const shown = 3
	more := ""
	if len(reasons) > shown {
		more = fmt.Sprintf("; and %d more", len(reasons)-shown)
		reasons = reasons[:shown]
	}
	return schemaProblem{Path: at, Message: fmt.Sprintf("matches none of the %s alternatives: %s%s", keyword, strings.Join(reasons, "; "), more)}
}

// schemaTypeLeaf returns the type error e is, or wraps through $ref and
// groups of one.
func schemaTypeLeaf(e *jsonschema.ValidationError) (*kind.Type, bool) {
	for len(e.Causes) == 1 {
		switch e.ErrorKind.(type) {
		case *kind.Reference, *kind.Group, *kind.AllOf:
			e = e.Causes[0]
			continue
		}
		break
	}
	t, ok := e.ErrorKind.(*kind.Type)
	return t, ok && len(e.Causes) == 0
}

func schemaUnique(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// schemaLeafProblems words one leaf error. Messages never repeat instance
// strings (a pattern or format failure could be a password); missing and
// extra properties get one problem each at the property's own path.
func schemaLeafProblems(e *jsonschema.ValidationError, inst any) []schemaProblem {
	at := schemaInstancePath(e.InstanceLocation, inst)
	one := func(msg string) []schemaProblem { return []schemaProblem{{Path: at, Message: msg}} }
	each := func(names []string, msg func(string) string) []schemaProblem {
		var out []schemaProblem
		for _, n := range names {
			out = append(out, schemaProblem{Path: at.Key(n), Message: msg(n)})
		}
		return out
	}
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		return each(k.Missing, func(string) string { return "missing required property" })
	case *kind.AdditionalProperties:
		return each(k.Properties, func(string) string { return "property not allowed by the schema" })
	case *kind.Dependency:
		return each(k.Missing, func(string) string { return fmt.Sprintf("required when %q is set", k.Prop) })
	case *kind.DependentRequired:
		return each(k.Missing, func(string) string { return fmt.Sprintf("required when %q is set", k.Prop) })
	case *kind.FalseSchema:
		return one("not allowed by the schema")
	case *kind.Pattern:
		return one(fmt.Sprintf("does not match pattern %q", k.Want))
	case *kind.Format:
		return one(fmt.Sprintf("is not a valid %s", k.Want))
	case *kind.ContentEncoding:
		return one(fmt.Sprintf("is not %s encoded", k.Want))
	case *kind.ContentMediaType:
		return one(fmt.Sprintf("is not valid %s", k.Want))
	case *kind.PropertyNames:
		return []schemaProblem{{Path: at.Key(k.Property), Message: "property name not allowed by the schema"}}
	case *kind.InvalidJsonValue:
		return one(fmt.Sprintf("is not a JSON value (%s)", schemaTypeName(k.Value)))
	}
	return one(schemaShorten(e.ErrorKind.LocalizedString(schemaPrinter), 300))
}

// schemaInstancePath converts a validator instance location to a Path,
// using indexes where the value at that point is an array.
func schemaInstancePath(loc []string, inst any) manifest.Path {
	p := manifest.Path{}
	cur := inst
	for _, tok := range loc {
		if arr, ok := cur.([]any); ok {
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 {
				p = p.Index(i)
				if i < len(arr) {
					cur = arr[i]
				} else {
					cur = nil
				}
				continue
			}
		}
		p = p.Key(tok)
		if m, ok := cur.(map[string]any); ok {
			cur = m[tok]
		} else {
			cur = nil
		}
	}
	return p
}

// schemaTypeName names a value's JSON type for messages.
func schemaTypeName(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32:
		return "number"
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return strconv.FormatFloat(t, 'g', -1, 64)
		}
		return "number"
	case []any:
		return "array"
	}
	if _, ok := schemaAsMap(v); ok {
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
