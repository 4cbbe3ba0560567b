package rules

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kready/kready/manifest"
)

var availabilityRules = []*Rule{
	{
		ID:       "missing-pdb",
		Category: "availability",
		Severity: Warning,
		Summary:  "Replicated Deployment or StatefulSet has no PodDisruptionBudget",
		Doc: Doc{
			Why: "Node drains, cluster upgrades and the cluster autoscaler evict pods through the " +
				"eviction API, which only holds back when a PodDisruptionBudget says how many pods must " +
				"stay up. Without one, a drain of the nodes hosting every replica can take them all down " +
				"together, and the redundancy the replica count was meant to buy is gone at the moment " +
				"it matters. Checked for Deployments and StatefulSets that run two or more pods (by " +
				"spec.replicas or a HorizontalPodAutoscaler's minReplicas), against PodDisruptionBudgets " +
				"in the same namespace and unit.",
			Fix: "Add a PodDisruptionBudget in the workload's namespace whose selector matches its pod " +
				"labels, with maxUnavailable: 1 (or a percentage) so that drains proceed one pod at a time.",
			Bad: "kind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  template:\n" +
				"    metadata:\n      labels:\n        app: web\n",
			Good: "kind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  maxUnavailable: 1\n" +
				"  selector:\n    matchLabels:\n      app: web\n",
			Helm: "podDisruptionBudget:\n  enabled: true\n  maxUnavailable: 1\n",
		},
		CheckSet: missingPDB,
	},
	{
		ID:       "pdb-selects-nothing",
		Category: "availability",
		Severity: Warning,
		Summary:  "PodDisruptionBudget selects no pod template in the unit",
		Doc: Doc{
			Why: "A PodDisruptionBudget whose selector matches no pods protects nothing: drains go ahead " +
				"as if it did not exist, while readers of the manifests believe the workload is covered. " +
				"The usual cause is a label renamed in the workload but not in the budget, or a budget " +
				"left in another namespace. Only pod templates in the same unit and namespace are " +
				"considered, so a budget for pods created elsewhere (by an operator) is reported too.",
			Fix: "Make spec.selector match the labels of the pod template it is meant to protect, in the " +
				"same namespace, or delete the budget.",
			Bad: "kind: PodDisruptionBudget\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels:\n" +
				"      app: web-frontend   # the pods are labelled app: web\n",
			Good: "kind: PodDisruptionBudget\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels:\n" +
				"      app: web\n",
			Helm: "podDisruptionBudget:\n  enabled: true\n  maxUnavailable: 1\n# the chart selects its own pods: keep podLabels and selectorLabels in step\npodLabels:\n  app.kubernetes.io/name: web\n",
		},
		CheckSet: pdbSelectsNothing,
	},
	{
		ID:       "pdb-blocks-eviction",
		Category: "availability",
		Severity: Error,
		Summary:  "PodDisruptionBudget allows no eviction at all",
		Doc: Doc{
			Why: "A budget with maxUnavailable 0, minAvailable 100%, or a minAvailable at or above the " +
				"number of pods it selects never allows a voluntary eviction. Every node drain then " +
				"hangs on those pods until someone deletes the budget by hand, which stalls cluster " +
				"upgrades and stops the cluster autoscaler from removing nodes. Percentages are rounded " +
				"up as the disruption controller does (minAvailable 60% of 2 pods is 2). For a workload " +
				"scaled by a HorizontalPodAutoscaler, its minReplicas is the pod count that matters.",
			Fix: "Use maxUnavailable: 1 (or a percentage above 0), or a minAvailable below the replica " +
				"count; raise the replicas if the service cannot lose a pod.",
			Bad:  "kind: PodDisruptionBudget\nspec:\n  minAvailable: 2   # the Deployment runs 2 replicas\n",
			Good: "kind: PodDisruptionBudget\nspec:\n  maxUnavailable: 1\n",
			Helm: "podDisruptionBudget:\n  maxUnavailable: 1\n",
		},
		CheckSet: pdbBlocksEviction,
	},
	{
		ID:       "pdb-unhealthy-eviction-policy",
		Category: "availability",
		Severity: Info,
		Summary:  "PodDisruptionBudget does not let unhealthy pods be evicted",
		Doc: Doc{
			Why: "By default (IfHealthyBudget) a pod that is running but not ready counts against the " +
				"budget and may only be evicted while the budget still has room. A workload stuck in a " +
				"crash loop or a failed rollout then blocks node drains even though its broken pods " +
				"serve nothing. AlwaysAllow lets such pods be evicted while still protecting healthy ones.",
			Fix:  "Set spec.unhealthyPodEvictionPolicy: AlwaysAllow (Kubernetes 1.27 and later).",
			Bad:  "kind: PodDisruptionBudget\nspec:\n  maxUnavailable: 1\n",
			Good: "kind: PodDisruptionBudget\nspec:\n  maxUnavailable: 1\n  unhealthyPodEvictionPolicy: AlwaysAllow\n",
			Helm: "podDisruptionBudget:\n  unhealthyPodEvictionPolicy: AlwaysAllow\n",
		},
		CheckSet: pdbUnhealthyEvictionPolicy,
	},
	{
		ID:       "hpa-target-missing",
		Category: "availability",
		Severity: Warning,
		Summary:  "HorizontalPodAutoscaler targets an object not defined in the unit",
		Doc: Doc{
			Why: "An autoscaler whose scaleTargetRef names no existing object does nothing, and says so " +
				"only in its status. A typo in the name or kind, or a workload renamed without its " +
				"autoscaler, leaves the service at a fixed size. The target is looked up by kind and " +
				"name in the autoscaler's namespace within the unit; a target created elsewhere is " +
				"reported too, hence a warning.",
			Fix: "Make scaleTargetRef's kind and name match the Deployment or StatefulSet it scales, in " +
				"the same namespace.",
			Bad: "kind: HorizontalPodAutoscaler\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n" +
				"    kind: Deployment\n    name: web-frontend   # the Deployment is named web\n",
			Good: "kind: HorizontalPodAutoscaler\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n" +
				"    kind: Deployment\n    name: web\n",
			Helm: "autoscaling:\n  enabled: true\n  # the chart points scaleTargetRef at its own Deployment; keep the names in step\nfullnameOverride: web\n",
		},
		CheckSet: hpaTargetMissing,
	},
	{
		ID:       "hpa-min-exceeds-max",
		Category: "availability",
		Severity: Error,
		Summary:  "HorizontalPodAutoscaler minReplicas exceeds maxReplicas",
		Doc: Doc{
			Why: "The API server rejects an autoscaler whose minReplicas is above its maxReplicas, so " +
				"the apply fails, usually because the two values come from different values files.",
			Fix:  "Make minReplicas at most maxReplicas.",
			Bad:  "spec:\n  minReplicas: 5\n  maxReplicas: 3\n",
			Good: "spec:\n  minReplicas: 3\n  maxReplicas: 5\n",
			Helm: "autoscaling:\n  minReplicas: 3\n  maxReplicas: 5\n",
		},
		CheckSet: hpaMinExceedsMax,
	},
	{
		ID:       "hpa-single-replica",
		Category: "availability",
		Severity: Warning,
		Summary:  "HorizontalPodAutoscaler may scale down to a single pod",
		Doc: Doc{
			Why: "With minReplicas 1 (the default when unset) the autoscaler shrinks the workload to one " +
				"pod whenever load is low, typically at night, when a node drain or a crash of that " +
				"one pod is a full outage and the first requests after it wait for a cold start.",
			Fix:  "Set minReplicas to 2 or more.",
			Bad:  "spec:\n  maxReplicas: 10\n",
			Good: "spec:\n  minReplicas: 2\n  maxReplicas: 10\n",
			Helm: "autoscaling:\n  minReplicas: 2\n",
		},
		CheckSet: hpaSingleReplica,
	},
	{
		ID:       "hpa-metric-without-request",
		Category: "availability",
		Severity: Error,
		Summary:  "HorizontalPodAutoscaler scales on utilization of a resource a container does not request",
		Doc: Doc{
			Why: "Utilization is usage divided by request. When any container the metric covers has no " +
				"request for that resource, the autoscaler cannot compute it, reports " +
				"FailedGetResourceMetric and stops scaling altogether. A limit alone implies an equal " +
				"request, and so do pod-level resources and a LimitRange default in the same namespace " +
				"and unit. An autoscaler without metrics scales on CPU utilization by default.",
			Fix: "Set resources.requests for that resource on every container of the target (sidecars " +
				"included), or use an AverageValue target instead of Utilization.",
			Bad: "metrics:\n  - type: Resource\n    resource:\n      name: cpu\n      target:\n" +
				"        type: Utilization\n        averageUtilization: 70\n# and a container without requests.cpu\n",
			Good: "containers:\n  - name: app\n    resources:\n      requests:\n        cpu: 250m\n",
			Helm: "resources:\n  requests:\n    cpu: 250m\n",
		},
		CheckSet: hpaMetricWithoutRequest,
	},
	{
		ID:       "hpa-replicas-conflict",
		Category: "availability",
		Severity: Warning,
		Summary:  "Workload scaled by a HorizontalPodAutoscaler also sets spec.replicas",
		Doc: Doc{
			Why: "When both the manifest and an autoscaler own the replica count, every apply writes the " +
				"manifest's number back, scaling the workload up or down regardless of load until the " +
				"autoscaler corrects it. A deploy during a traffic peak can cut capacity in half.",
			Fix: "Remove spec.replicas from a workload that an autoscaler scales (charts usually wrap " +
				"it in a condition on autoscaling being disabled).",
			Bad:  "kind: Deployment\nspec:\n  replicas: 3\n",
			Good: "kind: Deployment\nspec:\n  selector: ...\n",
			Helm: "{{- if not .Values.autoscaling.enabled }}\nreplicas: {{ .Values.replicaCount }}\n{{- end }}\n",
		},
		CheckSet: hpaReplicasConflict,
	},
	{
		ID:       "single-replica",
		Category: "availability",
		Severity: Info,
		Summary:  "Deployment or StatefulSet runs a single replica",
		Doc: Doc{
			Why: "One pod is a single point of failure: a node drain, an eviction, a crash or an " +
				"unlucky rollout is a full outage of the service. Workloads scaled by a " +
				"HorizontalPodAutoscaler (or a KEDA ScaledObject) in the unit are not reported, nor " +
				"are ones explicitly scaled to zero; Jobs, CronJobs and DaemonSets are never checked.",
			Fix: "Run at least two replicas (and add a PodDisruptionBudget), or accept the risk for " +
				"workloads that must not run twice, such as singletons holding a lock.",
			Bad:  "kind: Deployment\nspec:\n  replicas: 1\n",
			Good: "kind: Deployment\nspec:\n  replicas: 2\n",
			Helm: "replicaCount: 2\n",
		},
		CheckSet: singleReplica,
	},
	{
		ID:       "missing-topology-spread",
		Category: "availability",
		Severity: Info,
		Summary:  "Replicated workload does not spread its pods across nodes or zones",
		Doc: Doc{
			Why: "Without topologySpreadConstraints or pod anti-affinity the scheduler may place " +
				"several or all replicas on one node or in one zone, so losing that node or zone takes " +
				"the whole service down despite its replica count. Clusters apply soft default spreading, " +
				"which gives way under pressure and is not visible in the manifest.",
			Fix: "Add topologySpreadConstraints over kubernetes.io/hostname (and topology.kubernetes.io/zone " +
				"in multi-zone clusters) with a labelSelector matching the pods.",
			Bad: "template:\n  spec:\n    containers: ...\n",
			Good: "template:\n  spec:\n    topologySpreadConstraints:\n      - maxSkew: 1\n" +
				"        topologyKey: kubernetes.io/hostname\n        whenUnsatisfiable: ScheduleAnyway\n" +
				"        labelSelector:\n          matchLabels:\n            app: web\n",
			Helm: "topologySpreadConstraints:\n  - maxSkew: 1\n    topologyKey: kubernetes.io/hostname\n" +
				"    whenUnsatisfiable: ScheduleAnyway\n",
		},
		CheckSet: missingTopologySpread,
	},
	{
		ID:       "rolling-update-unsafe",
		Category: "availability",
		Severity: Warning,
		Summary:  "Replicated Deployment's update strategy takes every pod down at once",
		Doc: Doc{
			Why: "Strategy Recreate stops every old pod before starting a new one, and a RollingUpdate " +
				"with maxUnavailable 100% (or at least the replica count) may do the same: each rollout " +
				"is then an outage lasting as long as the new pods take to become ready. Checked for " +
				"Deployments with two or more replicas or scaled by an autoscaler (whose minReplicas is " +
				"the count compared).",
			Fix: "Use a RollingUpdate with a maxUnavailable below the replica count (the default 25% is " +
				"safe); keep Recreate only where two versions must never run together, and know that " +
				"each rollout is then downtime.",
			Bad:  "strategy:\n  type: Recreate\n",
			Good: "strategy:\n  type: RollingUpdate\n  rollingUpdate:\n    maxUnavailable: 0\n    maxSurge: 1\n",
			Helm: "strategy:\n  type: RollingUpdate\n  rollingUpdate:\n    maxUnavailable: 0\n    maxSurge: 1\n",
		},
		CheckSet: rollingUpdateUnsafe,
	},
}

// availHPAView reads autoscaling/v1 and v2 autoscalers alike: they share
// these fields, and pointers tell an unset count from zero.
type availHPAView struct {
	Spec struct {
		ScaleTargetRef                 autoscalingv2.CrossVersionObjectReference `json:"scaleTargetRef"`
		MinReplicas                    *int32                                    `json:"minReplicas"`
		MaxReplicas                    *int32                                    `json:"maxReplicas"`
		Metrics                        []autoscalingv2.MetricSpec                `json:"metrics"`
		TargetCPUUtilizationPercentage *int32                                    `json:"targetCPUUtilizationPercentage"`
	} `json:"spec"`
}

// availScaledObjectView reads a KEDA ScaledObject's target; KEDA creates the
// HorizontalPodAutoscaler at run time, so the unit never holds it.
type availScaledObjectView struct {
	Spec struct {
		ScaleTargetRef struct {
			Kind string `json:"kind"`
			Name string `json:"name"`
		} `json:"scaleTargetRef"`
	} `json:"spec"`
}

// availIndex maps each workload to the autoscalers that target it, and pod
// templates to their namespace and labels, built once per check so lookups
// stay constant time.
type availIndex struct {
	set        *Set
	hpaOf      map[objectKey][]*Subject
	autoscaled map[objectKey]bool
	podsByNS   map[string][]*Subject
	podsByPair map[availPair][]*Subject
}

// availPair is one label of a pod template in a namespace.
type availPair struct{ namespace, key, value string }

func newAvailIndex(s *Set) *availIndex {
	x := &availIndex{set: s, hpaOf: map[objectKey][]*Subject{}, autoscaled: map[objectKey]bool{}}
	for _, h := range s.OfKind("HorizontalPodAutoscaler") {
		ref := As[availHPAView](h).Spec.ScaleTargetRef
		k := objectKey{ref.Kind, Namespace(h), ref.Name}
		x.hpaOf[k] = append(x.hpaOf[k], h)
		x.autoscaled[k] = true
	}
	for _, so := range s.OfKind("ScaledObject") {
		ref := As[availScaledObjectView](so).Spec.ScaleTargetRef
		kind := ref.Kind
		if kind == "" {
			kind = "Deployment" // KEDA's default target kind
		}
		x.autoscaled[objectKey{kind, Namespace(so), ref.Name}] = true
	}
	return x
}

func availKey(s *Subject) objectKey { return objectKey{s.Object.Kind, Namespace(s), s.Object.Name} }

func availRef(s *Subject) string { return s.Object.Kind + "/" + s.Object.Name }

var (
	availSpecReplicas = manifest.Path{{Key: "spec"}, {Key: "replicas"}}
	availMetaName     = manifest.Path{{Key: "metadata"}, {Key: "name"}}
)

// availControllers are the kinds whose replica count these rules judge.
func (x *availIndex) controllers() []*Subject {
	var out []*Subject
	for _, w := range x.set.OfKind("Deployment", "StatefulSet") {
		if w.Pod != nil {
			out = append(out, w)
		}
	}
	return out
}

// availReplicas is spec.replicas, 1 when unset as the API defaults it.
func availReplicas(w *Subject) (n int, set bool) {
	if p := w.SpecReplicas(); p != nil {
		return int(*p), true
	}
	return 1, false
}

func availMinReplicas(h *Subject) int {
	if p := As[availHPAView](h).Spec.MinReplicas; p != nil {
		return int(*p)
	}
	return 1
}

// hpa returns the autoscaler with the lowest minReplicas among those that
// target w (two autoscalers on one target fight; the lower floor is the
// one a drain can meet), or nil.
func (x *availIndex) hpa(w *Subject) *Subject {
	var best *Subject
	for _, h := range x.hpaOf[availKey(w)] {
		if best == nil || availMinReplicas(h) < availMinReplicas(best) {
			best = h
		}
	}
	return best
}

// floor is the fewest pods w runs: the autoscaler's minReplicas when one
// scales it, else spec.replicas.
func (x *availIndex) floor(w *Subject) (n int, hpa *Subject) {
	if h := x.hpa(w); h != nil {
		return availMinReplicas(h), h
	}
	n, _ = availReplicas(w)
	return n, nil
}

// replicated reports whether w runs two or more pods by its own count or by
// its autoscaler's floor.
func (x *availIndex) replicated(w *Subject) bool {
	if n, _ := availReplicas(w); n >= 2 {
		return true
	}
	h := x.hpa(w)
	return h != nil && availMinReplicas(h) >= 2
}

// indexPods groups pod templates by namespace and by label, once.
func (x *availIndex) indexPods() {
	if x.podsByNS != nil {
		return
	}
	x.podsByNS, x.podsByPair = map[string][]*Subject{}, map[availPair][]*Subject{}
	for _, w := range x.set.Workloads() {
		ns := Namespace(w)
		x.podsByNS[ns] = append(x.podsByNS[ns], w)
		for k, v := range w.Pod.Meta.Labels {
			p := availPair{ns, k, v}
			x.podsByPair[p] = append(x.podsByPair[p], w)
		}
	}
}

// selectPods matches ls against the pod templates of ns, trying only those
// that carry the rarest of its matchLabels (Set.PodsSelectedBy would scan
// every object of the unit for each budget).
func (x *availIndex) selectPods(ns string, ls *metav1.LabelSelector) (targets []*Subject, invalid bool) {
	sel := Selector(ls)
	if sel == nil {
		return nil, true
	}
	x.indexPods()
	candidates := x.podsByNS[ns]
	for k, v := range ls.MatchLabels {
		if c := x.podsByPair[availPair{ns, k, v}]; len(c) < len(candidates) {
			candidates = c
		}
	}
	for _, w := range candidates {
		if sel.Matches(labels.Set(w.Pod.Meta.Labels)) {
			targets = append(targets, w)
		}
	}
	return targets, false
}

// pdbTargets returns the workloads whose pod templates pdb selects in its
// namespace; invalid is set when the selector cannot be parsed.
func (x *availIndex) pdbTargets(pdb *Subject) (targets []*Subject, invalid bool) {
	ls := As[policyv1.PodDisruptionBudget](pdb).Spec.Selector
	if ls == nil {
		return nil, false
	}
	ns := Namespace(pdb)
	if len(ls.MatchLabels) == 0 && len(ls.MatchExpressions) == 0 {
		if pdb.Object.APIVersion == "policy/v1beta1" {
			return nil, false // in v1beta1 an empty selector selected nothing
		}
		x.indexPods()
		return x.podsByNS[ns], false
	}
	return x.selectPods(ns, ls)
}

func missingPDB(s *Set) []Result {
	x := newAvailIndex(s)
	covered := map[*Subject]bool{}
	for _, pdb := range s.OfKind("PodDisruptionBudget") {
		ts, _ := x.pdbTargets(pdb)
		for _, t := range ts {
			covered[t] = true
		}
	}
	var out []Result
	for _, w := range x.controllers() {
		if covered[w] || !x.replicated(w) {
			continue
		}
		n, set := availReplicas(w)
		path, runs := availSpecReplicas, fmt.Sprintf("runs %d replicas", n)
		if !set {
			path = availMetaName
		}
		if n < 2 {
			h := x.hpa(w)
			runs = fmt.Sprintf("is scaled by HorizontalPodAutoscaler/%s to at least %d replicas", h.Object.Name, availMinReplicas(h))
		}
		out = append(out, Result{
			Object: w.Object,
			Path:   path,
			Message: fmt.Sprintf("%s %s but no PodDisruptionBudget in namespace %q selects its pods in this unit: "+
				"a node drain may evict them all at once", availRef(w), runs, Namespace(w)),
		})
	}
	return out
}

func pdbSelectsNothing(s *Set) []Result {
	x := newAvailIndex(s)
	var out []Result
	for _, pdb := range s.OfKind("PodDisruptionBudget") {
		ts, invalid := x.pdbTargets(pdb)
		if len(ts) > 0 {
			continue
		}
		msg := fmt.Sprintf("selector matches no pod template in namespace %q in this unit: the budget protects nothing", Namespace(pdb))
		switch {
		case invalid:
			msg = "selector is not a valid label selector: the budget protects nothing"
		case As[policyv1.PodDisruptionBudget](pdb).Spec.Selector == nil:
			msg = "has no selector, so it selects no pods: the budget protects nothing"
		}
		out = append(out, Result{Object: pdb.Object, Path: manifest.Path{{Key: "spec"}, {Key: "selector"}}, Message: msg})
	}
	return out
}

// availPercent reads an int-or-percent value as a number and whether it was
// a percentage; ok is false for values Kubernetes rejects ("2", "lots").
func availPercent(v *intstr.IntOrString) (n int, percent, ok bool) {
	n, err := intstr.GetScaledValueFromIntOrPercent(v, 100, true)
	return n, v.Type == intstr.String, err == nil
}

// podCount sums the fewest pods the targets run; ok is false when one of
// them has no fixed count (a DaemonSet, a Job) or there are none.
func (x *availIndex) podCount(targets []*Subject) (total int, parts []string, ok bool) {
	for _, t := range targets {
		switch t.Object.Kind {
		case "Deployment", "StatefulSet", "ReplicaSet", "ReplicationController":
			n, h := x.floor(t)
			total += n
			if h != nil {
				parts = append(parts, fmt.Sprintf("%s: %d, the minReplicas of HorizontalPodAutoscaler/%s", availRef(t), n, h.Object.Name))
			} else {
				parts = append(parts, fmt.Sprintf("%s: %d", availRef(t), n))
			}
		case "Pod":
			total++
			parts = append(parts, availRef(t)+": 1")
		default:
			return 0, nil, false
		}
	}
	return total, parts, len(targets) > 0
}

func pdbBlocksEviction(s *Set) []Result {
	x := newAvailIndex(s)
	var out []Result
	for _, pdb := range s.OfKind("PodDisruptionBudget") {
		spec := As[policyv1.PodDisruptionBudget](pdb).Spec
		if mu := spec.MaxUnavailable; mu != nil {
			if n, _, ok := availPercent(mu); ok && n == 0 {
				out = append(out, Result{
					Object: pdb.Object,
					Path:   manifest.Path{{Key: "spec"}, {Key: "maxUnavailable"}},
					Message: fmt.Sprintf("maxUnavailable %s allows no eviction: node drains hang on these pods "+
						"until the budget is deleted", mu.String()),
				})
			}
		}
		ma := spec.MinAvailable
		if ma == nil {
			continue
		}
		path := manifest.Path{{Key: "spec"}, {Key: "minAvailable"}}
		n, percent, ok := availPercent(ma)
		if !ok {
			continue
		}
		if percent && n >= 100 {
			out = append(out, Result{
				Object: pdb.Object, Path: path,
				Message: fmt.Sprintf("minAvailable %s allows no eviction: node drains hang on these pods until "+
					"the budget is deleted", ma.String()),
			})
			continue
		}
		targets, _ := x.pdbTargets(pdb)
		total, parts, known := x.podCount(targets)
		if !known || total == 0 {
			continue
		}
		need, err := intstr.GetScaledValueFromIntOrPercent(ma, total, true)
		if err != nil || need < total {
			continue
		}
		out = append(out, Result{
			Object: pdb.Object, Path: path,
			Message: fmt.Sprintf("minAvailable %s requires %d pods to stay up and the budget selects %d (%s): no "+
				"eviction is ever allowed, so node drains hang", ma.String(), need, total, strings.Join(parts, "; ")),
		})
	}
	return out
}

func pdbUnhealthyEvictionPolicy(s *Set) []Result {
	var out []Result
	for _, pdb := range s.OfKind("PodDisruptionBudget") {
		p := As[policyv1.PodDisruptionBudget](pdb).Spec.UnhealthyPodEvictionPolicy
		if p != nil && *p == policyv1.AlwaysAllow {
			continue
		}
		msg := "sets no unhealthyPodEvictionPolicy, so running but unready pods count against the budget " +
			"and can block drains: set AlwaysAllow"
		if p != nil {
			msg = fmt.Sprintf("unhealthyPodEvictionPolicy %s lets running but unready pods block drains: set AlwaysAllow", *p)
		}
		out = append(out, Result{
			Object:  pdb.Object,
			Path:    manifest.Path{{Key: "spec"}, {Key: "unhealthyPodEvictionPolicy"}},
			Message: msg,
		})
	}
	return out
}

func hpaTargetMissing(s *Set) []Result {
	var out []Result
	for _, h := range s.OfKind("HorizontalPodAutoscaler") {
		ref := As[availHPAView](h).Spec.ScaleTargetRef
		if ref.Kind == "" || ref.Name == "" || s.Find(ref.Kind, Namespace(h), ref.Name) != nil {
			continue
		}
		out = append(out, Result{
			Object: h.Object,
			Path:   manifest.Path{{Key: "spec"}, {Key: "scaleTargetRef"}, {Key: "name"}},
			Message: fmt.Sprintf("scaleTargetRef %s/%s is not defined in namespace %q in this unit: "+
				"unless it is created elsewhere, the autoscaler scales nothing", ref.Kind, ref.Name, Namespace(h)),
		})
	}
	return out
}

func hpaMinExceedsMax(s *Set) []Result {
	var out []Result
	for _, h := range s.OfKind("HorizontalPodAutoscaler") {
		spec := As[availHPAView](h).Spec
		if spec.MinReplicas == nil || spec.MaxReplicas == nil || *spec.MinReplicas <= *spec.MaxReplicas {
			continue
		}
		out = append(out, Result{
			Object: h.Object,
			Path:   manifest.Path{{Key: "spec"}, {Key: "minReplicas"}},
			Message: fmt.Sprintf("minReplicas %d exceeds maxReplicas %d: the API server rejects the autoscaler",
				*spec.MinReplicas, *spec.MaxReplicas),
		})
	}
	return out
}

func hpaSingleReplica(s *Set) []Result {
	var out []Result
	for _, h := range s.OfKind("HorizontalPodAutoscaler") {
		p := As[availHPAView](h).Spec.MinReplicas
		if p != nil && *p >= 2 {
			continue
		}
		msg := "minReplicas is unset (1): at low load the workload runs a single pod, and losing it is an outage"
		if p != nil {
			msg = fmt.Sprintf("minReplicas %d: at low load the workload runs fewer than two pods, and losing one is an outage", *p)
		}
		out = append(out, Result{Object: h.Object, Path: manifest.Path{{Key: "spec"}, {Key: "minReplicas"}}, Message: msg})
	}
	return out
}

// availUtilization is one utilization target of an autoscaler.
type availUtilization struct {
	path      manifest.Path
	resource  corev1.ResourceName
	container string // a ContainerResource metric's container; "" for all
	label     string
}

// availUtilizations lists h's cpu and memory utilization targets, including
// the CPU default an autoscaler without metrics gets.
func availUtilizations(h *Subject) []availUtilization {
	spec := As[availHPAView](h).Spec
	base := manifest.Path{{Key: "spec"}}
	switch h.Object.APIVersion {
	case "autoscaling/v1":
		label := "the default CPU utilization target"
		if spec.TargetCPUUtilizationPercentage != nil {
			label = "the CPU utilization target"
		}
		return []availUtilization{{base.Key("targetCPUUtilizationPercentage"), corev1.ResourceCPU, "", label}}
	case "autoscaling/v2", "autoscaling/v2beta2":
		if len(spec.Metrics) == 0 {
			return []availUtilization{{base.Key("metrics"), corev1.ResourceCPU, "", "the default CPU utilization target (no metrics are set)"}}
		}
	}
	var out []availUtilization
	for i, m := range spec.Metrics {
		var name corev1.ResourceName
		var target autoscalingv2.MetricTarget
		container := ""
		switch {
		case m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil:
			name, target = m.Resource.Name, m.Resource.Target
		case m.Type == autoscalingv2.ContainerResourceMetricSourceType && m.ContainerResource != nil:
			name, target, container = m.ContainerResource.Name, m.ContainerResource.Target, m.ContainerResource.Container
		default:
			continue
		}
		if target.Type != autoscalingv2.UtilizationMetricType || (name != corev1.ResourceCPU && name != corev1.ResourceMemory) {
			continue
		}
		out = append(out, availUtilization{base.Key("metrics").Index(i), name, container, fmt.Sprintf("the %s utilization metric", name)})
	}
	return out
}

// availLimitRangeDefaults lists, per namespace, the resources for which a
// LimitRange gives containers a request at admission (defaultRequest, else
// default, else max is what Kubernetes fills in).
func availLimitRangeDefaults(s *Set) map[string]map[corev1.ResourceName]bool {
	out := map[string]map[corev1.ResourceName]bool{}
	for _, lr := range s.OfKind("LimitRange") {
		ns := Namespace(lr)
		for _, item := range As[corev1.LimitRange](lr).Spec.Limits {
			if item.Type != corev1.LimitTypeContainer {
				continue
			}
			for _, l := range []corev1.ResourceList{item.DefaultRequest, item.Default, item.Max} {
				for res := range l {
					if out[ns] == nil {
						out[ns] = map[corev1.ResourceName]bool{}
					}
					out[ns][res] = true
				}
			}
		}
	}
	return out
}

// availScaledContainers are the containers whose requests the autoscaler sums:
// regular containers and restartable (sidecar) init containers.
func availScaledContainers(p *Pod) []Container {
	var out []Container
	for _, c := range p.Containers(true, false) {
		if !c.Init || (c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways) {
			out = append(out, c)
		}
	}
	return out
}

func hpaMetricWithoutRequest(s *Set) []Result {
	var out []Result
	defaults := availLimitRangeDefaults(s)
	for _, h := range s.OfKind("HorizontalPodAutoscaler") {
		ref := As[availHPAView](h).Spec.ScaleTargetRef
		t := s.Find(ref.Kind, Namespace(h), ref.Name)
		if t == nil || t.Pod == nil {
			continue
		}
		for _, u := range availUtilizations(h) {
			if podLevelSet(t.Pod, u.resource, true) || defaults[Namespace(h)][u.resource] {
				continue
			}
			found := false
			for _, c := range availScaledContainers(t.Pod) {
				if u.container != "" && c.Name != u.container {
					continue
				}
				found = true
				_, req := c.Resources.Requests[u.resource]
				_, lim := c.Resources.Limits[u.resource] // a limit alone implies the request
				if req || lim {
					continue
				}
				out = append(out, Result{
					Object: h.Object, Path: u.path,
					Message: fmt.Sprintf("%s needs a %s request, but %s of %s has none: the autoscaler cannot "+
						"compute utilization and stops scaling", u.label, u.resource, c.Describe(), availRef(t)),
				})
			}
			if u.container != "" && !found {
				out = append(out, Result{
					Object: h.Object, Path: u.path,
					Message: fmt.Sprintf("%s names container %q, which %s does not have: the autoscaler cannot "+
						"compute utilization and stops scaling", u.label, u.container, availRef(t)),
				})
			}
		}
	}
	return out
}

func hpaReplicasConflict(s *Set) []Result {
	var out []Result
	seen := map[*Subject]bool{}
	for _, h := range s.OfKind("HorizontalPodAutoscaler") {
		ref := As[availHPAView](h).Spec.ScaleTargetRef
		t := s.Find(ref.Kind, Namespace(h), ref.Name)
		if t == nil || seen[t] || t.SpecReplicas() == nil {
			continue
		}
		seen[t] = true
		out = append(out, Result{
			Object: t.Object,
			Path:   availSpecReplicas,
			Message: fmt.Sprintf("spec.replicas is set while HorizontalPodAutoscaler/%s scales %s: every apply "+
				"resets the replica count the autoscaler chose", h.Object.Name, availRef(t)),
		})
	}
	return out
}

func singleReplica(s *Set) []Result {
	x := newAvailIndex(s)
	var out []Result
	for _, w := range x.controllers() {
		if x.autoscaled[availKey(w)] {
			continue
		}
		n, set := availReplicas(w)
		if n >= 2 || n < 1 { // zero replicas is a workload switched off on purpose
			continue
		}
		msg := fmt.Sprintf("%s runs a single replica: a node drain, eviction or crash is an outage", availRef(w))
		if !set {
			msg = fmt.Sprintf("%s sets no replicas, so it runs a single pod: a node drain, eviction or crash is an outage", availRef(w))
		}
		out = append(out, Result{Object: w.Object, Path: availSpecReplicas, Message: msg})
	}
	return out
}

func missingTopologySpread(s *Set) []Result {
	x := newAvailIndex(s)
	var out []Result
	for _, w := range x.controllers() {
		if !x.replicated(w) {
			continue
		}
		spec := w.Pod.Spec
		if len(spec.TopologySpreadConstraints) > 0 {
			continue
		}
		if a := spec.Affinity; a != nil && a.PodAntiAffinity != nil &&
			(len(a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution) > 0 ||
				len(a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution) > 0) {
			continue
		}
		out = append(out, Result{
			Object: w.Object,
			Path:   w.Pod.SpecPath.Key("topologySpreadConstraints"),
			Message: fmt.Sprintf("%s is replicated but sets neither topologySpreadConstraints nor pod anti-affinity: "+
				"its replicas may share one node or zone", availRef(w)),
		})
	}
	return out
}

func rollingUpdateUnsafe(s *Set) []Result {
	x := newAvailIndex(s)
	var out []Result
	for _, w := range s.OfKind("Deployment") {
		if n, _ := availReplicas(w); n < 2 && x.hpa(w) == nil {
			continue
		}
		floor, _ := x.floor(w)
		st := w.DeploymentStrategy()
		strategy := manifest.Path{{Key: "spec"}, {Key: "strategy"}}
		if st.Type == appsv1.RecreateDeploymentStrategyType {
			out = append(out, Result{
				Object: w.Object, Path: strategy.Key("type"),
				Message: fmt.Sprintf("strategy Recreate stops every replica of %s before starting new ones: "+
					"each rollout is an outage", availRef(w)),
			})
			continue
		}
		if st.RollingUpdate == nil || st.RollingUpdate.MaxUnavailable == nil {
			continue
		}
		mu := st.RollingUpdate.MaxUnavailable
		// The deployment controller rounds maxUnavailable down, so only 100% or more reaches every pod.
		n, percent, ok := availPercent(mu)
		if !ok || (percent && n < 100) || (!percent && (floor < 1 || n < floor)) {
			continue
		}
		out = append(out, Result{
			Object: w.Object, Path: strategy.Key("rollingUpdate", "maxUnavailable"),
			Message: fmt.Sprintf("maxUnavailable %s lets a rollout take all %d pods of %s down at once",
				mu.String(), floor, availRef(w)),
		})
	}
	return out
}
