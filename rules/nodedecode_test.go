package rules

import (
	"os"
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/kready/kready/manifest"
	"github.com/kready/kready/render"
)

// viewTypes are the typed views rules decode objects into.
var viewTypes = []reflect.Type{
	reflect.TypeFor[corev1.Pod](), reflect.TypeFor[corev1.Service](), reflect.TypeFor[corev1.ServiceAccount](),
	reflect.TypeFor[corev1.ConfigMap](), reflect.TypeFor[corev1.LimitRange](), reflect.TypeFor[appsv1.Deployment](),
	reflect.TypeFor[policyv1.PodDisruptionBudget](), reflect.TypeFor[autoscalingv2.HorizontalPodAutoscaler](),
	reflect.TypeFor[networkingv1.Ingress](), reflect.TypeFor[networkingv1.NetworkPolicy](),
	reflect.TypeFor[rbacv1.ClusterRole](), reflect.TypeFor[rbacv1.ClusterRoleBinding](),
}

// Typed views decoded from nodes must equal those decoded from JSON, for
// every object kready reads from the fixtures and the corpus.
func TestDecodeNodeMatchesJSON(t *testing.T) {
	inputs := []string{"../fixtures"}
	if _, err := os.Stat("../../shared/corpus"); err == nil {
		inputs = append(inputs, "../../shared/corpus/plain", "../../shared/corpus/helm", "../../shared/corpus/kustomize")
	}
	opt := render.Options{Helm: render.HelmOptions{KubeVersion: "1.31"}}
	var node, total int
	for _, u := range render.Load(inputs, opt) {
		for _, o := range u.Objects {
			total++
			var fromJSON, fromNode struct {
				Spec struct {
					Replicas *int32                 `json:"replicas"`
					Template corev1.PodTemplateSpec `json:"template"`
				} `json:"spec"`
				Metadata manifest.Ref `json:"metadata"`
			}
			decodeLenient(o.JSON, &fromJSON)
			if !decodeNode(o.Node, &fromNode) {
				continue
			}
			node++
			if !reflect.DeepEqual(fromJSON, fromNode) {
				t.Errorf("%s:%d %s: node decoding differs from JSON decoding", o.Source.File, o.Source.Line, o.Ref())
			}
			for _, typ := range viewTypes {
				pj, pn := reflect.New(typ), reflect.New(typ)
				decodeLenient(o.JSON, pj.Interface())
				if decodeNode(o.Node, pn.Interface()) && !reflect.DeepEqual(pj.Interface(), pn.Interface()) {
					t.Errorf("%s:%d %s: node decoding differs from JSON decoding (as %s)", o.Source.File, o.Source.Line, o.Ref(), typ)
				}
			}
		}
	}
	t.Logf("%d of %d objects decoded from nodes", node, total)
	if node == 0 {
		t.Fatal("nothing decoded from nodes")
	}
}

func TestDecodeNodeTypeMismatches(t *testing.T) {
	for _, doc := range []string{
		"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: 80\n      image: yes\n      ports: [{containerPort: \"80\"}, {containerPort: 1.5}, {containerPort: 99999999999}]\n      resources: {limits: {cpu: 2, memory: 1Gi}}\n",
		"apiVersion: v1\nkind: Pod\nspec:\n  hostNetwork: on\n  containers: {a: b}\n  volumes: [null, {name: x, emptyDir: {sizeLimit: 1Gi}}]\n",
		"apiVersion: v1\nkind: Pod\nmetadata: {labels: {a: 1, b: true}}\nspec: {containers: [{name: a, env: [{name: X, value: 0644}]}]}\n",
	} {
		s := subjectFromYAML(t, "x.yaml", "", doc)
		var pj, pn corev1.Pod
		decodeLenient(s.Object.JSON, &pj)
		if !decodeNode(s.Object.Node, &pn) {
			continue
		}
		if !reflect.DeepEqual(pj, pn) {
			t.Errorf("%q:\njson %+v\nnode %+v", doc, pj.Spec, pn.Spec)
		}
	}
}
