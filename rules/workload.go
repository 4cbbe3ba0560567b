package rules

import (
	"encoding/json"
	"errors"
	"reflect"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kready/kready/manifest"
)

// Subject is an object prepared for checks: typed views are decoded once and
// shared by every rule.
type Subject struct {
	Object *manifest.Object
	// Pod is the object's pod template, or nil when it holds none.
	Pod *Pod

	mu    sync.Mutex
	views map[reflect.Type]any // typed views decoded by As
	spec  *workloadSpec        // read with the pod template, for kinds that have one at spec.template
}

// workloadSpec holds the fields of a workload's spec that rules over the
// unit read for every workload, decoded in the same pass as the template.
type workloadSpec struct {
	replicas *int32
	strategy appsv1.DeploymentStrategy
}

// SpecReplicas is the object's spec.replicas, or nil when unset.
func (s *Subject) SpecReplicas() *int32 {
	if s.spec != nil {
		return s.spec.replicas
	}
	return As[replicasView](s).Spec.Replicas
}

// DeploymentStrategy is spec.strategy as a Deployment reads it.
func (s *Subject) DeploymentStrategy() appsv1.DeploymentStrategy {
	if s.spec != nil {
		return s.spec.strategy
	}
	return As[strategyView](s).Spec.Strategy
}

type replicasView struct {
	Spec struct {
		Replicas *int32 `json:"replicas"`
	} `json:"spec"`
}

type strategyView struct {
	Spec struct {
		Strategy appsv1.DeploymentStrategy `json:"strategy"`
	} `json:"spec"`
}

// Pod is a pod spec found in a workload, with the paths that address it.
type Pod struct {
	Spec     corev1.PodSpec
	Meta     metav1.ObjectMeta
	SpecPath manifest.Path // e.g. spec.template.spec
	MetaPath manifest.Path // e.g. spec.template.metadata
	// Batch pods run to completion (Job, CronJob, Pods that never restart):
	// liveness and readiness probes do not apply.
	Batch bool

	all             []Container // regular, then init, then ephemeral
	nRegular, nInit int
}

// Container is one container of a pod with its path.
type Container struct {
	*corev1.Container
	Path      manifest.Path
	Init      bool
	Ephemeral bool
}

// Describe names the container in messages: `container "app"`,
// `init container "setup"`, `ephemeral container "debug"`.
func (c Container) Describe() string {
	switch {
	case c.Init:
		return "init container " + quote(c.Name)
	case c.Ephemeral:
		return "ephemeral container " + quote(c.Name)
	}
	return "container " + quote(c.Name)
}

// Containers lists the pod's containers, then its init containers when init
// is set, then its ephemeral containers when ephemeral is set. The list is
// built once per pod and shared: callers must not modify it.
func (p *Pod) Containers(init, ephemeral bool) []Container {
	if p.all == nil {
		p.buildContainers()
	}
	switch {
	case init && ephemeral:
		return p.all
	case init:
		return p.all[:p.nRegular+p.nInit]
	case ephemeral:
		out := append([]Container{}, p.all[:p.nRegular]...)
		return append(out, p.all[p.nRegular+p.nInit:]...)
	}
	return p.all[:p.nRegular]
}

func (p *Pod) buildContainers() {
	all := make([]Container, 0, len(p.Spec.Containers)+len(p.Spec.InitContainers)+len(p.Spec.EphemeralContainers))
	for i := range p.Spec.Containers {
		all = append(all, Container{Container: &p.Spec.Containers[i], Path: p.SpecPath.Key("containers").Index(i)})
	}
	for i := range p.Spec.InitContainers {
		all = append(all, Container{Container: &p.Spec.InitContainers[i], Path: p.SpecPath.Key("initContainers").Index(i), Init: true})
	}
	for i := range p.Spec.EphemeralContainers {
		c := corev1.Container(p.Spec.EphemeralContainers[i].EphemeralContainerCommon)
		all = append(all, Container{Container: &c, Path: p.SpecPath.Key("ephemeralContainers").Index(i), Ephemeral: true})
	}
	p.all, p.nRegular, p.nInit = all, len(p.Spec.Containers), len(p.Spec.InitContainers)
}

// podShape says where a kind keeps its pod template.
type podShape int

const (
	noPod podShape = iota
	podShapePod
	podShapeTemplate
	podShapeCronJob
	podShapePodTemplate
)

func shapeOf(o *manifest.Object) podShape {
	switch o.Kind {
	case "Pod":
		return podShapePod
	case "CronJob":
		return podShapeCronJob
	case "PodTemplate":
		return podShapePodTemplate
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job":
		return podShapeTemplate
	}
	// Argo Rollouts, OpenKruise and similar keep a pod template at the usual place.
	if c := o.Lookup(manifest.Path{{Key: "spec"}, {Key: "template"}, {Key: "spec"}, {Key: "containers"}}); c != nil {
		return podShapeTemplate
	}
	return noPod
}

// NewSubject decodes the typed views of o. Type mismatches (a string where a
// number belongs) leave that field empty rather than failing the object.
func NewSubject(o *manifest.Object) *Subject {
	s := &Subject{Object: o}
	spec := manifest.Path{{Key: "spec"}}
	var pod *Pod
	switch shapeOf(o) {
	case podShapePod:
		var v struct {
			Metadata metav1.ObjectMeta `json:"metadata"`
			Spec     corev1.PodSpec    `json:"spec"`
		}
		decodeView(o, &v)
		pod = &Pod{Spec: v.Spec, Meta: v.Metadata, SpecPath: spec, MetaPath: manifest.Path{{Key: "metadata"}}}
		pod.Batch = v.Spec.RestartPolicy == corev1.RestartPolicyNever || v.Spec.RestartPolicy == corev1.RestartPolicyOnFailure
	case podShapeTemplate:
		var v struct {
			Spec struct {
				Replicas *int32                    `json:"replicas"`
				Strategy appsv1.DeploymentStrategy `json:"strategy"`
				Template corev1.PodTemplateSpec    `json:"template"`
			} `json:"spec"`
		}
		decodeView(o, &v)
		s.spec = &workloadSpec{replicas: v.Spec.Replicas, strategy: v.Spec.Strategy}
		t := spec.Key("template")
		pod = &Pod{Spec: v.Spec.Template.Spec, Meta: v.Spec.Template.ObjectMeta, SpecPath: t.Key("spec"), MetaPath: t.Key("metadata"), Batch: o.Kind == "Job"}
	case podShapeCronJob:
		var v struct {
			Spec struct {
				JobTemplate struct {
					Spec struct {
						Template corev1.PodTemplateSpec `json:"template"`
					} `json:"spec"`
				} `json:"jobTemplate"`
			} `json:"spec"`
		}
		decodeView(o, &v)
		t := spec.Key("jobTemplate", "spec", "template")
		pod = &Pod{Spec: v.Spec.JobTemplate.Spec.Template.Spec, Meta: v.Spec.JobTemplate.Spec.Template.ObjectMeta, SpecPath: t.Key("spec"), MetaPath: t.Key("metadata"), Batch: true}
	case podShapePodTemplate:
		var v struct {
			Template corev1.PodTemplateSpec `json:"template"`
		}
		decodeView(o, &v)
		t := manifest.Path{{Key: "template"}}
		pod = &Pod{Spec: v.Template.Spec, Meta: v.Template.ObjectMeta, SpecPath: t.Key("spec"), MetaPath: t.Key("metadata")}
	}
	s.Pod = pod
	return s
}

func quote(s string) string { return `"` + s + `"` }

// decodeView fills a typed view of o straight from its node tree when it
// can, else from its JSON.
func decodeView(o *manifest.Object, v any) {
	if o.Node != nil && decodeNode(o.Node, v) {
		return
	}
	reset := reflect.ValueOf(v).Elem()
	reset.Set(reflect.Zero(reset.Type()))
	decodeLenient(o.JSON, v)
}

// decodeLenient decodes data into v. encoding/json skips plain type
// mismatches, but a field whose own parser fails (a quantity "lots", a port
// `true`) aborts the whole decode and would hide every later container. On
// such an error, drop the values those parsers reject and decode again.
func decodeLenient(data []byte, v any) {
	err := json.Unmarshal(data, v)
	var typeErr *json.UnmarshalTypeError
	if err == nil || errors.As(err, &typeErr) {
		return
	}
	var generic any
	if json.Unmarshal(data, &generic) != nil {
		return
	}
	pruneInvalid(generic, "")
	clean, err := json.Marshal(generic)
	if err != nil {
		return
	}
	reset := reflect.ValueOf(v).Elem()
	reset.Set(reflect.Zero(reset.Type()))
	_ = json.Unmarshal(clean, v)
}

// quantityMaps are keys whose values map resource names to quantities.
var quantityMaps = map[string]bool{"limits": true, "requests": true, "overhead": true, "hard": true}

// intOrStringKeys hold an int or a string in Kubernetes types.
var intOrStringKeys = map[string]bool{"port": true, "targetPort": true, "maxUnavailable": true, "maxSurge": true, "minAvailable": true}

// pruneInvalid removes, in place, values that Kubernetes' own JSON parsers
// reject: malformed quantities and non-scalar int-or-string values.
func pruneInvalid(v any, key string) {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			switch {
			case quantityMaps[key]:
				if !validQuantity(child) {
					delete(t, k)
				}
			case k == "sizeLimit" || k == "storage":
				if !validQuantity(child) {
					delete(t, k)
				}
			case intOrStringKeys[k]:
				switch child.(type) {
				case string, float64:
				default:
					delete(t, k)
				}
			default:
				pruneInvalid(child, k)
			}
		}
	case []any:
		for _, child := range t {
			pruneInvalid(child, key)
		}
	}
}

func validQuantity(v any) bool {
	switch q := v.(type) {
	case string:
		_, err := resource.ParseQuantity(q)
		return err == nil
	case float64:
		return true
	}
	return false
}
