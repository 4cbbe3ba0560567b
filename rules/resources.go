package rules

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

var resourceRules = []*Rule{
	{
		ID:       "missing-cpu-request",
		Category: "resources",
		Severity: Warning,
		Summary:  "Container has no CPU request",
		Doc: Doc{
			Why: "The scheduler places pods by their requests. A container without a CPU request is " +
				"scheduled as if it needed nothing, lands on busy nodes and is the first to be starved " +
				"under contention (BestEffort or Burstable QoS). A CPU limit alone implies an equal request.",
			Fix: "Set resources.requests.cpu to what the container uses under normal load (measure it; " +
				"start from the p95 of observed usage).",
			Bad: "containers:\n  - name: app\n    image: ghcr.io/acme/app:1.4.2\n",
			Good: "containers:\n  - name: app\n    image: ghcr.io/acme/app:1.4.2\n    resources:\n" +
				"      requests:\n        cpu: 250m\n        memory: 256Mi\n",
			Helm: "resources:\n  requests:\n    cpu: 250m\n    memory: 256Mi\n",
		},
		Check: containerRequestCheck(corev1.ResourceCPU, "CPU"),
	},
	{
		ID:       "missing-memory-request",
		Category: "resources",
		Severity: Warning,
		Summary:  "Container has no memory request",
		Doc: Doc{
			Why: "Without a memory request the scheduler can pack the pod onto a node that cannot hold " +
				"its working set; under memory pressure the kubelet evicts pods that exceed their " +
				"requests first. A memory limit alone implies an equal request.",
			Fix:  "Set resources.requests.memory to the container's steady-state working set.",
			Bad:  "containers:\n  - name: app\n    image: ghcr.io/acme/app:1.4.2\n",
			Good: "containers:\n  - name: app\n    image: ghcr.io/acme/app:1.4.2\n    resources:\n      requests:\n        memory: 256Mi\n",
			Helm: "resources:\n  requests:\n    memory: 256Mi\n",
		},
		Check: containerRequestCheck(corev1.ResourceMemory, "memory"),
	},
	{
		ID:       "missing-memory-limit",
		Category: "resources",
		Severity: Warning,
		Summary:  "Container has no memory limit",
		Doc: Doc{
			Why: "A container without a memory limit can grow until the node runs out of memory; the " +
				"kernel's OOM killer then picks victims among every pod on the node, not just the leaking one.",
			Fix: "Set resources.limits.memory. Setting it equal to the request gives predictable " +
				"behaviour: the container is OOM-killed alone when it exceeds what it asked for.",
			Bad:  "resources:\n  requests:\n    memory: 256Mi\n",
			Good: "resources:\n  requests:\n    memory: 256Mi\n  limits:\n    memory: 256Mi\n",
			Helm: "resources:\n  limits:\n    memory: 256Mi\n",
		},
		Check: containerLimitCheck(corev1.ResourceMemory, "memory"),
	},
	{
		ID:       "missing-cpu-limit",
		Category: "resources",
		Severity: Warning,
		Summary:  "Container has no CPU limit",
		Doc: Doc{
			Why: "Without a CPU limit a busy container can take every idle cycle on its node, and " +
				"capacity planning loses its upper bound. The trade-off: a CPU limit is enforced by CFS " +
				"throttling, which adds latency to bursty, latency-sensitive services even when the node " +
				"is idle. Many teams deliberately run without CPU limits and rely on requests; if yours " +
				"does, disable this rule rather than setting a limit that throttles.",
			Fix: "Set resources.limits.cpu with headroom over the request (for example 2-4× for bursty " +
				"services), or disable the rule if you run without CPU limits on purpose.",
			Bad:  "resources:\n  requests:\n    cpu: 250m\n",
			Good: "resources:\n  requests:\n    cpu: 250m\n  limits:\n    cpu: \"1\"\n",
			Helm: "resources:\n  limits:\n    cpu: \"1\"\n",
		},
		Check: containerLimitCheck(corev1.ResourceCPU, "CPU"),
	},
	{
		ID:       "limit-below-request",
		Category: "resources",
		Severity: Error,
		Summary:  "A resource limit is lower than its request",
		Doc: Doc{
			Why: "The API server rejects a container whose limit is below its request, so the rollout " +
				"fails at apply time, often in the middle of a release.",
			Fix:  "Raise the limit to at least the request, or lower the request.",
			Bad:  "resources:\n  requests:\n    memory: 1Gi\n  limits:\n    memory: 512Mi\n",
			Good: "resources:\n  requests:\n    memory: 512Mi\n  limits:\n    memory: 512Mi\n",
			Helm: "resources:\n  requests:\n    memory: 512Mi\n  limits:\n    memory: 512Mi\n",
		},
		Check: limitBelowRequest,
	},
}

// resourceContainers are the containers resource rules look at: regular and
// init containers (ephemeral containers cannot have resources).
func resourceContainers(s *Subject) []Container {
	if s.Pod == nil {
		return nil
	}
	return s.Pod.Containers(true, false)
}

func containerRequestCheck(name corev1.ResourceName, label string) func(*Subject) []Result {
	return func(s *Subject) []Result {
		var out []Result
		for _, c := range resourceContainers(s) {
			if podLevelSet(s.Pod, name, true) {
				continue
			}
			_, req := c.Resources.Requests[name]
			_, lim := c.Resources.Limits[name] // a limit alone implies the request
			if req || lim {
				continue
			}
			out = append(out, Result{
				Path:    c.Path.Key("resources", "requests", string(name)),
				Message: fmt.Sprintf("%s has no %s request", c.Describe(), label),
			})
		}
		return out
	}
}

func containerLimitCheck(name corev1.ResourceName, label string) func(*Subject) []Result {
	return func(s *Subject) []Result {
		var out []Result
		for _, c := range resourceContainers(s) {
			if podLevelSet(s.Pod, name, false) {
				continue
			}
			if _, ok := c.Resources.Limits[name]; ok {
				continue
			}
			out = append(out, Result{
				Path:    c.Path.Key("resources", "limits", string(name)),
				Message: fmt.Sprintf("%s has no %s limit", c.Describe(), label),
			})
		}
		return out
	}
}

// podLevelSet reports whether pod-level resources (spec.resources) cover name.
func podLevelSet(p *Pod, name corev1.ResourceName, request bool) bool {
	if p.Spec.Resources == nil {
		return false
	}
	if _, ok := p.Spec.Resources.Limits[name]; ok {
		return true
	}
	if request {
		_, ok := p.Spec.Resources.Requests[name]
		return ok
	}
	return false
}

func limitBelowRequest(s *Subject) []Result {
	var out []Result
	for _, c := range resourceContainers(s) {
		for _, name := range sortedResourceNames(c.Resources.Limits) {
			lim := c.Resources.Limits[name]
			req, ok := c.Resources.Requests[name]
			if !ok || lim.Cmp(req) >= 0 {
				continue
			}
			out = append(out, Result{
				Path: c.Path.Key("resources", "limits", string(name)),
				Message: fmt.Sprintf("%s: %s limit %s is below its request %s", c.Describe(), name,
					lim.String(), req.String()),
			})
		}
	}
	return out
}
