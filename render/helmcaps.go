package render

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"sync"

	"helm.sh/helm/v3/pkg/chartutil"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
)

// DefaultKubeVersion is the newest Kubernetes minor the vendored k8s.io/api
// (v0.37) knows; charts render for it unless --kube-version says otherwise.
const DefaultKubeVersion = "1.37"

var kubeVersionRe = regexp.MustCompile(`^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?$`)

// kubeVersion is a parsed --kube-version.
type kubeVersion struct {
	major, minor, patch int
}

// parseKubeVersion accepts "1.31", "v1.31" and "1.31.2".
func parseKubeVersion(s string) (kubeVersion, error) {
	m := kubeVersionRe.FindStringSubmatch(s)
	if m == nil {
		return kubeVersion{}, fmt.Errorf("--kube-version %q is not a Kubernetes version (want MAJOR.MINOR or MAJOR.MINOR.PATCH, e.g. 1.31)", s)
	}
	var v kubeVersion
	var err error
	for i, p := range []*int{&v.major, &v.minor, &v.patch} {
		if m[i+1] == "" {
			continue
		}
		if *p, err = strconv.Atoi(m[i+1]); err != nil {
			return kubeVersion{}, fmt.Errorf("--kube-version %q: %v", s, err)
		}
	}
	return v, nil
}

func (v kubeVersion) String() string { return fmt.Sprintf("v%d.%d.%d", v.major, v.minor, v.patch) }

// atLeast reports whether v is major.minor or newer.
func (v kubeVersion) atLeast(major, minor int) bool {
	return v.major > major || v.major == major && v.minor >= minor
}

// helmCapabilities builds what templates see as .Capabilities for a target
// version: the API versions that exist in that version (removed beta APIs
// absent, so charts pick the GA ones) plus the user's --api-versions.
func helmCapabilities(kube string, extra []string) (*chartutil.Capabilities, error) {
	if kube == "" {
		kube = DefaultKubeVersion
	}
	v, err := parseKubeVersion(kube)
	if err != nil {
		return nil, err
	}
	caps := chartutil.DefaultCapabilities.Copy()
	caps.KubeVersion = chartutil.KubeVersion{
		Version: v.String(),
		Major:   strconv.Itoa(v.major),
		Minor:   strconv.Itoa(v.minor),
	}
	base := apiVersionsFor(v)
	set := make(chartutil.VersionSet, 0, len(base)+len(extra))
	set = append(set, base...)
	set = append(set, extra...)
	caps.APIVersions = set
	return caps, nil
}

// lifecycle is implemented by the prerelease types of k8s.io/api.
type (
	removedIn    interface{ APILifecycleRemoved() (int, int) }
	introducedIn interface{ APILifecycleIntroduced() (int, int) }
)

// metaPkg holds the kinds (ListOptions, WatchEvent, ...) registered in every
// group version; they are not API resources.
var metaPkg = reflect.TypeFor[metav1.ListOptions]().PkgPath()

var apiVersionCache sync.Map // kubeVersion (without patch) → chartutil.VersionSet

// apiVersionsFor lists "group/version" and "group/version/Kind" for every
// kind registered in client-go's scheme (and CRDs' apiextensions.k8s.io/v1)
// that exists in Kubernetes v.
func apiVersionsFor(v kubeVersion) chartutil.VersionSet {
	key := kubeVersion{major: v.major, minor: v.minor}
	if cached, ok := apiVersionCache.Load(key); ok {
		return cached.(chartutil.VersionSet)
	}
	known := map[schema.GroupVersionKind]reflect.Type{}
	for gvk, t := range scheme.Scheme.AllKnownTypes() {
		known[gvk] = t
	}
	// Helm registers apiextensions into the same scheme; do it on a private
	// scheme too so the list does not depend on Helm's init order.
	crdScheme := runtime.NewScheme()
	_ = apiextensionsv1.AddToScheme(crdScheme)
	for gvk, t := range crdScheme.AllKnownTypes() {
		known[gvk] = t
	}
	seen := map[string]bool{}
	for gvk, t := range known {
		if gvk.Version == runtime.APIVersionInternal || t.PkgPath() == metaPkg {
			continue // watch events and option kinds exist in every group
		}
		obj := reflect.New(t).Interface()
		if r, ok := obj.(removedIn); ok {
			if major, minor := r.APILifecycleRemoved(); (major != 0 || minor != 0) && key.atLeast(major, minor) {
				continue
			}
		}
		if in, ok := obj.(introducedIn); ok {
			if major, minor := in.APILifecycleIntroduced(); !key.atLeast(major, minor) {
				continue
			}
		}
		gv := gvk.GroupVersion().String()
		seen[gv] = true
		seen[gv+"/"+gvk.Kind] = true
	}
	out := make(chartutil.VersionSet, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	apiVersionCache.Store(key, out)
	return out
}
