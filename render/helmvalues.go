package render

import (
	"strconv"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"

	"github.com/kready/kready/manifest"
)

// schemaFindings validates the values a chart renders with against the
// values.schema.json of the chart and its subcharts (offline, see
// helmschema.go) and locates each problem: at the schema line for problems in
// a schema, else at the values file line that set the value (the last -f
// file, else the chart's values.yaml, else a parent's), or at its nearest
// existing parent for a missing property.
func schemaFindings(charts []*chart.Chart, roots map[*chart.File]string, vals chartutil.Values, sources []valuesSource, unit string) []Diagnostic {
	values, _ := vals["Values"].(chartutil.Values)
	problems := validateValuesSchemas(charts[0], map[string]any(values))
	if len(problems) == 0 {
		return nil
	}
	files := loadValuesFiles(sources)
	byScope := map[string]*chart.Chart{}
	var walk func(c *chart.Chart, scope string)
	walk = func(c *chart.Chart, scope string) {
		byScope[scope] = c
		for _, d := range sortedDependencies(c) {
			walk(d, scope+"/"+d.Name())
		}
	}
	walk(charts[0], "")
	var out []Diagnostic
	for _, p := range problems {
		d := Diagnostic{Rule: "values-schema-violation", Message: p.Message}
		if p.Remote {
			d.Rule = "values-schema-remote-ref"
		}
		scopeKey := ""
		for _, s := range p.Scope {
			scopeKey += "/" + s
		}
		keys := append(append([]string{}, p.Scope...), pathKeysOf(p.Path)...)
		if len(p.Path) > 0 {
			d.Path = manifest.Path(append(scopePath(p.Scope), p.Path...)).String()
			d.Message = p.Path.String() + ": " + p.Message
		}
		switch c := byScope[scopeKey]; {
		case p.SchemaLine >= 1 && c != nil:
			d.Location = manifest.Location{File: joinDisplay(roots[chartID(c)], p.SchemaFile), Line: p.SchemaLine, Column: 1}
		default:
			loc, ok := locateValue(files, keys)
			if !ok {
				loc = manifest.Location{File: unit, Line: 0}
				if c != nil {
					loc = manifest.Location{File: joinDisplay(roots[chartID(c)], "values.yaml"), Line: 1, Column: 1}
				}
			}
			d.Location = loc
		}
		out = append(out, d)
	}
	return out
}

func scopePath(scope []string) manifest.Path {
	var p manifest.Path
	for _, s := range scope {
		p = p.Key(s)
	}
	return p
}

// pathKeysOf renders a values path as keys; indexes become their digits,
// which the values lookup reads as sequence indexes.
func pathKeysOf(p manifest.Path) []string {
	out := make([]string, 0, len(p))
	for _, s := range p {
		if s.IsIndex {
			out = append(out, strconv.Itoa(s.Index))
			continue
		}
		out = append(out, s.Key)
	}
	return out
}

// locateValue finds the values file line of keys, or of their nearest
// existing ancestor when no file sets them.
func locateValue(files []*valuesFile, keys []string) (manifest.Location, bool) {
	for n := len(keys); n >= 1; n-- {
		m := &templateMapper{values: files}
		if loc, ok := m.valuesLocation(keys[:n], keys); ok {
			loc.Message = ""
			return loc, true
		}
	}
	return manifest.Location{}, false
}
