package rules

import (
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Set is the objects of one unit (one chart render, one kustomize build, the
// plain files under one argument), indexed once so that checks relating
// objects stay linear in the size of the unit.
type Set struct {
	Subjects []*Subject
	byKind   map[string][]*Subject
	byName   map[objectKey]*Subject
	podsByNS map[string][]*Subject // workloads by namespace
}

type objectKey struct{ kind, namespace, name string }

// NewSet indexes subjects by kind and by kind/namespace/name.
func NewSet(subjects []*Subject) *Set {
	s := &Set{Subjects: subjects, byKind: map[string][]*Subject{}, byName: map[objectKey]*Subject{}, podsByNS: map[string][]*Subject{}}
	for _, sub := range subjects {
		o := sub.Object
		if sub.Pod != nil {
			s.podsByNS[Namespace(sub)] = append(s.podsByNS[Namespace(sub)], sub)
		}
		s.byKind[o.Kind] = append(s.byKind[o.Kind], sub)
		k := objectKey{o.Kind, Namespace(sub), o.Name}
		if _, dup := s.byName[k]; !dup {
			s.byName[k] = sub
		}
	}
	return s
}

// OfKind returns the subjects of the given kinds, in unit order per kind.
func (s *Set) OfKind(kinds ...string) []*Subject {
	if len(kinds) == 1 {
		return s.byKind[kinds[0]]
	}
	var out []*Subject
	for _, k := range kinds {
		out = append(out, s.byKind[k]...)
	}
	return out
}

// Find returns the object of a kind with a name in a namespace, or nil.
func (s *Set) Find(kind, namespace, name string) *Subject {
	return s.byName[objectKey{kind, normalNamespace(namespace), name}]
}

// Workloads returns the subjects that hold a pod template, in unit order.
func (s *Set) Workloads() []*Subject {
	var out []*Subject
	for _, sub := range s.Subjects {
		if sub.Pod != nil {
			out = append(out, sub)
		}
	}
	return out
}

// PodsSelectedBy returns the workloads in namespace whose pod template labels
// match selector. A nil or empty selector matches nothing here: callers
// decide what an empty selector means for their kind.
func (s *Set) PodsSelectedBy(namespace string, selector labels.Selector) []*Subject {
	if selector == nil || selector.Empty() {
		return nil
	}
	var out []*Subject
	for _, sub := range s.podsByNS[normalNamespace(namespace)] {
		if selector.Matches(labels.Set(sub.Pod.Meta.Labels)) {
			out = append(out, sub)
		}
	}
	return out
}

// Selector converts a LabelSelector; an invalid one yields nil.
func Selector(ls *metav1.LabelSelector) labels.Selector {
	if ls == nil {
		return nil
	}
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return nil
	}
	return sel
}

// MapSelector converts a plain label map (Service, ReplicationController).
func MapSelector(m map[string]string) labels.Selector {
	if len(m) == 0 {
		return nil
	}
	return labels.SelectorFromSet(m)
}

// Namespace is the object's namespace; no namespace and "default" are the
// same namespace (manifests applied without -n land in the default one).
func Namespace(s *Subject) string { return normalNamespace(s.Object.Namespace) }

func normalNamespace(ns string) string {
	if ns == "" {
		return "default"
	}
	return ns
}

// As decodes the subject's object into T once and caches it; for typed views
// of kinds other than workloads (PodDisruptionBudget, Service, Role…).
// Values Kubernetes' parsers reject are dropped, as for pod specs.
func As[T any](s *Subject) *T {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := reflect.TypeFor[T]()
	if v, ok := s.views[t]; ok {
		return v.(*T)
	}
	v := new(T)
	decodeView(s.Object, v)
	if s.views == nil {
		s.views = map[reflect.Type]any{}
	}
	s.views[t] = v
	return v
}
