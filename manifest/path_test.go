package manifest

import (
	"reflect"
	"testing"
)

func TestParsePathSegments(t *testing.T) {
	tests := []struct {
		in   string
		want Path
	}{
		{"", nil},
		{"spec", Path{{Key: "spec"}}},
		{
			"spec.template.spec.containers[1].securityContext.runAsNonRoot",
			Path{{Key: "spec"}, {Key: "template"}, {Key: "spec"}, {Key: "containers"}, {Index: 1, IsIndex: true},
				{Key: "securityContext"}, {Key: "runAsNonRoot"}},
		},
		{
			`metadata.labels["app.kubernetes.io/name"]`,
			Path{{Key: "metadata"}, {Key: "labels"}, {Key: "app.kubernetes.io/name"}},
		},
		{
			`items[0].spec.containers[12]`,
			Path{{Key: "items"}, {Index: 0, IsIndex: true}, {Key: "spec"}, {Key: "containers"}, {Index: 12, IsIndex: true}},
		},
		{`[3]`, Path{{Index: 3, IsIndex: true}}},
		{`[""]`, Path{{Key: ""}}},
		// A bracketed key may hold a "]" or an escaped quote: the quoted
		// string, not the first "]", ends it.
		{`data["a]b"].x`, Path{{Key: "data"}, {Key: "a]b"}, {Key: "x"}}},
		{`data["say \"hi\""]`, Path{{Key: "data"}, {Key: `say "hi"`}}},
	}
	for _, tt := range tests {
		if got := ParsePath(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParsePath(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
}

func TestPathStringRoundTrip(t *testing.T) {
	paths := []Path{
		{{Key: "spec"}, {Key: "template"}, {Key: "spec"}, {Key: "containers"}, {Index: 1, IsIndex: true},
			{Key: "securityContext"}, {Key: "runAsNonRoot"}},
		{{Key: "metadata"}, {Key: "labels"}, {Key: "app.kubernetes.io/name"}},
		{{Key: "metadata"}, {Key: "annotations"}, {Key: "kubectl.kubernetes.io/last-applied-configuration"}},
		{{Key: "app.kubernetes.io/name"}, {Key: "x"}},
		{{Index: 0, IsIndex: true}, {Key: "a"}},
		{{Key: "items"}, {Index: 0, IsIndex: true}, {Index: 7, IsIndex: true}},
		{{Key: "data"}, {Key: ""}},
		{{Key: "data"}, {Key: "with space"}},
		{{Key: "data"}, {Key: `quote"inside`}},
		{{Key: "data"}, {Key: "a[0]"}},
		{{Key: "data"}, {Key: "a]b"}},
		{{Key: "data"}, {Key: "0"}},
	}
	for _, p := range paths {
		s := p.String()
		if got := ParsePath(s); !reflect.DeepEqual(got, p) {
			t.Errorf("ParsePath(%q) = %#v, want %#v (round trip of String)", s, got, p)
		}
	}
}

func TestPathStringForm(t *testing.T) {
	tests := []struct {
		p    Path
		want string
	}{
		{Path{{Key: "spec"}, {Key: "containers"}, {Index: 0, IsIndex: true}, {Key: "image"}}, "spec.containers[0].image"},
		{Path{{Key: "metadata"}, {Key: "labels"}, {Key: "app.kubernetes.io/name"}}, `metadata.labels["app.kubernetes.io/name"]`},
		{Path{{Key: "a.b"}}, `["a.b"]`},
		{Path{{Index: 2, IsIndex: true}}, "[2]"},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.p, got, tt.want)
		}
	}
}

// Key and Index must copy: rules extend one base path many times, and a
// shared backing array would make one finding's path overwrite another's.
func TestPathKeyIndexDoNotAlias(t *testing.T) {
	base := make(Path, 0, 8).Key("spec", "containers")
	a := base.Index(0).Key("image")
	b := base.Index(1).Key("resources")
	if got := a.String(); got != "spec.containers[0].image" {
		t.Errorf("a = %q after building b", got)
	}
	if got := b.String(); got != "spec.containers[1].resources" {
		t.Errorf("b = %q", got)
	}
	if got := base.String(); got != "spec.containers" {
		t.Errorf("base = %q", got)
	}
}
