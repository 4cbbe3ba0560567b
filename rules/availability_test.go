package rules

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/kready/kready/manifest"
)

// availSet builds the unit of a multi-document YAML string, as the plain
// loader would, with every object located in the file "unit.yaml".
func availSet(t *testing.T, src string) *Set {
	t.Helper()
	return setFromYAML(t, src)
}

// availMarker marks a line where a finding must point: `#!Kind/name` names
// the object the finding belongs to.
var availMarker = regexp.MustCompile(`#!(\S+)`)

// availExpect runs rule id over src and requires its findings to be exactly
// the marked lines, each on the marked object. It returns the results.
func availExpect(t *testing.T, id, src string) []Result {
	t.Helper()
	r, ok := ByID(id)
	if !ok {
		t.Fatalf("rule %s is not registered", id)
	}
	if r.CheckSet == nil {
		t.Fatalf("rule %s has no set check", id)
	}
	var want []string
	for i, line := range strings.Split(src, "\n") {
		for _, m := range availMarker.FindAllStringSubmatch(line, -1) {
			want = append(want, fmt.Sprintf("%s unit.yaml:%d", m[1], i+1))
		}
	}
	res := r.CheckSet(availSet(t, src))
	var got []string
	for _, x := range res {
		if x.Object == nil {
			t.Fatalf("%s: result without an object: %+v", id, x)
		}
		loc, _ := x.Object.Locator.Locate(x.Path)
		got = append(got, fmt.Sprintf("%s/%s %s:%d", x.Object.Kind, x.Object.Name, loc.File, loc.Line))
	}
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got  %q\n want %q", id, got, want)
	}
	return res
}

// availMessage finds the message of the result on object name.
func availMessage(t *testing.T, res []Result, name string) string {
	t.Helper()
	for _, r := range res {
		if r.Object.Name == name {
			return r.Message
		}
	}
	t.Fatalf("no result on %s", name)
	return ""
}

func TestAvailabilityMissingPDB(t *testing.T) {
	res := availExpect(t, "missing-pdb", `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 3 #!Deployment/web
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: a:1}]}
---
# Scaled by an HPA with minReplicas 2 and no replicas of its own: the name line.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api #!Deployment/api
  namespace: shop
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: app, image: a:1}]}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  minReplicas: 2
  maxReplicas: 5
---
# An HPA whose minReplicas defaults to 1: one pod at the floor, no budget needed.
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker, namespace: shop}
spec:
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec: {containers: [{name: app, image: a:1}]}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: worker, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: worker}
  maxReplicas: 5
---
# Covered through matchExpressions.
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: cart, tier: backend}}
  template:
    metadata: {labels: {app: cart, tier: backend}}
    spec: {containers: [{name: app, image: a:1}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: backend, namespace: shop}
spec:
  maxUnavailable: 1
  selector:
    matchExpressions:
      - {key: tier, operator: In, values: [backend]}
      - {key: app, operator: NotIn, values: [web]}
---
# The same labels in another namespace's budget do not count.
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: data}
spec:
  replicas: 3 #!StatefulSet/db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: a:1}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: db, namespace: shop}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: db}}
---
# No namespace and "default" are the same namespace.
apiVersion: apps/v1
kind: Deployment
metadata: {name: home}
spec:
  replicas: 2
  selector: {matchLabels: {app: home}}
  template:
    metadata: {labels: {app: home}}
    spec: {containers: [{name: app, image: a:1}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: home, namespace: default}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: home}}
---
# An empty selector in policy/v1 selects every pod of its namespace.
apiVersion: apps/v1
kind: Deployment
metadata: {name: all, namespace: ops}
spec:
  replicas: 2
  selector: {matchLabels: {app: all}}
  template:
    metadata: {labels: {app: all}}
    spec: {containers: [{name: app, image: a:1}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: everything, namespace: ops}
spec:
  maxUnavailable: 1
  selector: {}
---
# Job pods run to completion: no budget is expected.
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: shop}
spec:
  parallelism: 3
  template:
    metadata: {labels: {app: migrate}}
    spec: {restartPolicy: Never, containers: [{name: m, image: a:1}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: shop}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: a, image: a:1}]}
`)
	if m := availMessage(t, res, "api"); !strings.Contains(m, "HorizontalPodAutoscaler/api to at least 2") {
		t.Errorf("HPA-driven message: %s", m)
	}
	if m := availMessage(t, res, "db"); !strings.Contains(m, `namespace "data"`) || !strings.Contains(m, "in this unit") {
		t.Errorf("namespace message: %s", m)
	}
}

func TestAvailabilityPDBSelectsNothing(t *testing.T) {
	res := availExpect(t, "pdb-selects-nothing", `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec: {containers: [{name: app, image: a:1}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: renamed, namespace: shop}
spec:
  maxUnavailable: 1
  selector: #!PodDisruptionBudget/renamed
    matchLabels: {app: web-frontend}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: elsewhere, namespace: other}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: web}} #!PodDisruptionBudget/elsewhere
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: noselector, namespace: shop}
spec: #!PodDisruptionBudget/noselector
  maxUnavailable: 1
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: invalid, namespace: shop}
spec:
  maxUnavailable: 1
  selector: #!PodDisruptionBudget/invalid
    matchExpressions: [{key: app, operator: Near, values: [web]}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: exists, namespace: shop}
spec:
  maxUnavailable: 1
  selector:
    matchExpressions: [{key: tier, operator: Exists}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: exact, namespace: shop}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: web}}
`)
	if m := availMessage(t, res, "elsewhere"); !strings.Contains(m, `namespace "other" in this unit`) {
		t.Errorf("message: %s", m)
	}
	if m := availMessage(t, res, "invalid"); !strings.Contains(m, "not a valid label selector") {
		t.Errorf("message: %s", m)
	}
	if m := availMessage(t, res, "noselector"); !strings.Contains(m, "no selector") {
		t.Errorf("message: %s", m)
	}
}

func TestAvailabilityPDBBlocksEviction(t *testing.T) {
	res := availExpect(t, "pdb-blocks-eviction", `apiVersion: apps/v1
kind: Deployment
metadata: {name: three, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: three}}
  template:
    metadata: {labels: {app: three}}
    spec: {containers: [{name: app, image: a:1}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: two, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: two}}
  template:
    metadata: {labels: {app: two, pair: x}}
    spec: {containers: [{name: app, image: a:1}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: one, namespace: shop}
spec:
  selector: {matchLabels: {app: one}}
  template:
    metadata: {labels: {app: one, pair: x}}
    spec: {containers: [{name: app, image: a:1}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: scaled, namespace: shop}
spec:
  replicas: 5
  selector: {matchLabels: {app: scaled}}
  template:
    metadata: {labels: {app: scaled}}
    spec: {containers: [{name: app, image: a:1}]}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: scaled, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: scaled}
  minReplicas: 2
  maxReplicas: 9
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: shop}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: a, image: a:1}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: zero, namespace: shop}
spec:
  maxUnavailable: 0 #!PodDisruptionBudget/zero
  selector: {matchLabels: {app: three}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: zeropct, namespace: shop}
spec:
  maxUnavailable: "0%" #!PodDisruptionBudget/zeropct
  selector: {matchLabels: {app: three}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: tenpct, namespace: shop}
spec:
  maxUnavailable: "10%"
  selector: {matchLabels: {app: three}}
---
# 100% blocks even without knowing the pods.
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: all, namespace: shop}
spec:
  minAvailable: "100%" #!PodDisruptionBudget/all
  selector: {matchLabels: {app: agent}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: equal, namespace: shop}
spec:
  minAvailable: 3 #!PodDisruptionBudget/equal
  selector: {matchLabels: {app: three}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: below, namespace: shop}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: three}}
---
# 60% of 2 rounds up to 2; 50% of 3 rounds up to 2 of 3.
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: sixty, namespace: shop}
spec:
  minAvailable: "60%" #!PodDisruptionBudget/sixty
  selector: {matchLabels: {app: two}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: half, namespace: shop}
spec:
  minAvailable: "50%"
  selector: {matchLabels: {app: three}}
---
# Two workloads, 2 + 1 pods: 3 is all of them, 2 is not.
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: pair, namespace: shop}
spec:
  minAvailable: 3 #!PodDisruptionBudget/pair
  selector: {matchLabels: {pair: x}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: pairok, namespace: shop}
spec:
  minAvailable: 2
  selector: {matchLabels: {pair: x}}
---
# Unset replicas is one pod.
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: single, namespace: shop}
spec:
  minAvailable: 1 #!PodDisruptionBudget/single
  selector: {matchLabels: {app: one}}
---
# The HPA's floor (2) counts, not spec.replicas (5).
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: hpafloor, namespace: shop}
spec:
  minAvailable: 2 #!PodDisruptionBudget/hpafloor
  selector: {matchLabels: {app: scaled}}
---
# A DaemonSet has no fixed pod count; a non-percent string is invalid.
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: daemon, namespace: shop}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: agent}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: str, namespace: shop}
spec:
  minAvailable: "3"
  selector: {matchLabels: {app: three}}
---
# The same labels in another namespace select nothing.
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: away, namespace: other}
spec:
  minAvailable: 3
  selector: {matchLabels: {app: three}}
`)
	if m := availMessage(t, res, "sixty"); !strings.Contains(m, "minAvailable 60% requires 2 pods to stay up and the budget selects 2 (Deployment/two: 2)") {
		t.Errorf("percentage message: %s", m)
	}
	if m := availMessage(t, res, "hpafloor"); !strings.Contains(m, "minReplicas of HorizontalPodAutoscaler/scaled") {
		t.Errorf("HPA message: %s", m)
	}
}

func TestAvailabilityPDBUnhealthyEvictionPolicy(t *testing.T) {
	availExpect(t, "pdb-unhealthy-eviction-policy", `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: unset}
spec: #!PodDisruptionBudget/unset
  maxUnavailable: 1
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: healthy}
spec:
  maxUnavailable: 1
  unhealthyPodEvictionPolicy: IfHealthyBudget #!PodDisruptionBudget/healthy
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: always}
spec:
  maxUnavailable: 1
  unhealthyPodEvictionPolicy: AlwaysAllow
`)
}

const availTargets = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: a:1, resources: {requests: {cpu: 100m}}}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: a:1, resources: {requests: {cpu: 100m}}}]}
`

func TestAvailabilityHPATargetMissing(t *testing.T) {
	res := availExpect(t, "hpa-target-missing", availTargets+`---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: ghost, namespace: shop}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: ghost #!HorizontalPodAutoscaler/ghost
  minReplicas: 2
  maxReplicas: 3
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: other}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web} #!HorizontalPodAutoscaler/web
  minReplicas: 2
  maxReplicas: 3
---
# db is a StatefulSet, not a Deployment.
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: wrongkind, namespace: shop}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: db #!HorizontalPodAutoscaler/wrongkind
  minReplicas: 2
  maxReplicas: 3
---
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: db, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: db}
  minReplicas: 2
  maxReplicas: 3
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: webhpa, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 3
`)
	if m := availMessage(t, res, "ghost"); !strings.Contains(m, "Deployment/ghost is not defined in namespace \"shop\" in this unit") {
		t.Errorf("message: %s", m)
	}
}

func TestAvailabilityHPAMinExceedsMax(t *testing.T) {
	availExpect(t, "hpa-min-exceeds-max", `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: inverted}
spec:
  scaleTargetRef: {kind: Deployment, name: web}
  minReplicas: 5 #!HorizontalPodAutoscaler/inverted
  maxReplicas: 3
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: equal}
spec:
  scaleTargetRef: {kind: Deployment, name: web}
  minReplicas: 3
  maxReplicas: 3
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: defaultmin}
spec:
  scaleTargetRef: {kind: Deployment, name: web}
  maxReplicas: 1
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: nomax}
spec:
  scaleTargetRef: {kind: Deployment, name: web}
  minReplicas: 4
`)
}

func TestAvailabilityHPASingleReplica(t *testing.T) {
	availExpect(t, "hpa-single-replica", `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: unset}
spec: #!HorizontalPodAutoscaler/unset
  scaleTargetRef: {kind: Deployment, name: web}
  maxReplicas: 3
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: one}
spec:
  scaleTargetRef: {kind: Deployment, name: web}
  minReplicas: 1 #!HorizontalPodAutoscaler/one
  maxReplicas: 3
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: zero}
spec:
  scaleTargetRef: {kind: Deployment, name: web}
  minReplicas: 0 #!HorizontalPodAutoscaler/zero
  maxReplicas: 3
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: two}
spec:
  scaleTargetRef: {kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 3
`)
}

func TestAvailabilityHPAMetricWithoutRequest(t *testing.T) {
	const target = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      initContainers:
        - {name: setup, image: a:1}
        - {name: sidecar, image: a:1, restartPolicy: Always, resources: {requests: {cpu: 10m}}}
      containers:
        - {name: app, image: a:1, resources: {requests: {cpu: 100m}, limits: {memory: 1Gi}}}
        - {name: proxy, image: a:1, resources: {limits: {cpu: 200m}}}
        - {name: log, image: a:1}
---
`
	const hpaHead = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 5
`
	t.Run("resource metrics", func(t *testing.T) {
		// log lacks cpu: finding. memory: app has a limit (implies the request),
		// proxy and log have none. AverageValue needs no request.
		res := availExpect(t, "hpa-metric-without-request", target+hpaHead+`  metrics:
    - type: Resource #!HorizontalPodAutoscaler/web
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
    - type: Resource #!HorizontalPodAutoscaler/web #!HorizontalPodAutoscaler/web #!HorizontalPodAutoscaler/web
      resource: {name: memory, target: {type: Utilization, averageUtilization: 70}}
    - type: Resource
      resource: {name: cpu, target: {type: AverageValue, averageValue: 100m}}
    - type: Pods
      pods: {metric: {name: rps}, target: {type: AverageValue, averageValue: "10"}}
`)
		var names []string
		for _, r := range res {
			names = append(names, r.Message)
		}
		all := strings.Join(names, "\n")
		for _, want := range []string{
			`the cpu utilization metric needs a cpu request, but container "log" of Deployment/web has none`,
			`memory request, but container "proxy"`,
			`memory request, but init container "sidecar"`,
		} {
			if !strings.Contains(all, want) {
				t.Errorf("no message with %q in\n%s", want, all)
			}
		}
		if strings.Contains(all, `"setup"`) || strings.Contains(all, `container "app"`) {
			t.Errorf("a plain init container or a container with a limit was reported:\n%s", all)
		}
	})
	t.Run("container resource", func(t *testing.T) {
		res := availExpect(t, "hpa-metric-without-request", target+hpaHead+`  metrics:
    - type: ContainerResource
      containerResource: {name: cpu, container: app, target: {type: Utilization, averageUtilization: 70}}
    - type: ContainerResource #!HorizontalPodAutoscaler/web
      containerResource: {name: cpu, container: log, target: {type: Utilization, averageUtilization: 70}}
    - type: ContainerResource #!HorizontalPodAutoscaler/web
      containerResource: {name: cpu, container: nope, target: {type: Utilization, averageUtilization: 70}}
`)
		if len(res) == 2 && !strings.Contains(res[1].Message, `names container "nope", which Deployment/web does not have`) {
			t.Errorf("message: %s", res[1].Message)
		}
	})
	t.Run("default metric", func(t *testing.T) {
		availExpect(t, "hpa-metric-without-request", target+`apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec: #!HorizontalPodAutoscaler/web
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 5
---
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: v1, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 5
  targetCPUUtilizationPercentage: 60 #!HorizontalPodAutoscaler/v1
`)
	})
	t.Run("limit range defaults", func(t *testing.T) {
		// A LimitRange in the namespace fills in the request; one elsewhere does not.
		availExpect(t, "hpa-metric-without-request", target+hpaHead+`  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
    - type: Resource #!HorizontalPodAutoscaler/web #!HorizontalPodAutoscaler/web #!HorizontalPodAutoscaler/web
      resource: {name: memory, target: {type: Utilization, averageUtilization: 70}}
---
apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: shop}
spec:
  limits: [{type: Container, defaultRequest: {cpu: 50m}}]
---
apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: other}
spec:
  limits: [{type: Container, defaultRequest: {memory: 64Mi}}]
`)
	})
	t.Run("pod-level resources and missing target", func(t *testing.T) {
		availExpect(t, "hpa-metric-without-request", `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      resources: {requests: {cpu: 500m}}
      containers: [{name: app, image: a:1}]
---
`+hpaHead+`---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: ghost, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: ghost}
  minReplicas: 2
  maxReplicas: 5
`)
	})
}

func TestAvailabilityHPAReplicasConflict(t *testing.T) {
	res := availExpect(t, "hpa-replicas-conflict", `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 3 #!Deployment/web
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: a:1}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: app, image: a:1}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: other}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: app, image: a:1}]}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 5
---
# A second autoscaler on the same target: still one finding.
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web-memory, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 5
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  minReplicas: 2
  maxReplicas: 5
`)
	if m := availMessage(t, res, "web"); !strings.Contains(m, "HorizontalPodAutoscaler/web scales Deployment/web") {
		t.Errorf("message: %s", m)
	}
}

func TestAvailabilitySingleReplica(t *testing.T) {
	availExpect(t, "single-replica", `apiVersion: apps/v1
kind: Deployment
metadata: {name: one, namespace: shop}
spec:
  replicas: 1 #!Deployment/one
  selector: {matchLabels: {app: one}}
  template:
    metadata: {labels: {app: one}}
    spec: {containers: [{name: app, image: a:1}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec: #!StatefulSet/db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: a:1}]}
---
# HPA-managed without replicas.
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: app, image: a:1}]}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  minReplicas: 2
  maxReplicas: 5
---
# An autoscaler in another namespace does not scale it.
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: other}
spec: #!Deployment/api
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: app, image: a:1}]}
---
# KEDA creates the autoscaler at run time.
apiVersion: apps/v1
kind: Deployment
metadata: {name: consumer, namespace: shop}
spec:
  selector: {matchLabels: {app: consumer}}
  template:
    metadata: {labels: {app: consumer}}
    spec: {containers: [{name: app, image: a:1}]}
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: consumer, namespace: shop}
spec:
  scaleTargetRef: {name: consumer}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: off, namespace: shop}
spec:
  replicas: 0
  selector: {matchLabels: {app: off}}
  template:
    metadata: {labels: {app: off}}
    spec: {containers: [{name: app, image: a:1}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: two, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: two}}
  template:
    metadata: {labels: {app: two}}
    spec: {containers: [{name: app, image: a:1}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: shop}
spec:
  template:
    spec: {restartPolicy: Never, containers: [{name: m, image: a:1}]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: shop}
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec: {restartPolicy: Never, containers: [{name: r, image: a:1}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: shop}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: a, image: a:1}]}
`)
}

func TestAvailabilityMissingTopologySpread(t *testing.T) {
	availExpect(t, "missing-topology-spread", `apiVersion: apps/v1
kind: Deployment
metadata: {name: bare}
spec:
  replicas: 3
  selector: {matchLabels: {app: bare}}
  template:
    metadata: {labels: {app: bare}}
    spec: #!Deployment/bare
      containers: [{name: app, image: a:1}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: spread}
spec:
  replicas: 3
  selector: {matchLabels: {app: spread}}
  template:
    metadata: {labels: {app: spread}}
    spec:
      topologySpreadConstraints:
        - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {app: spread}}}
      containers: [{name: app, image: a:1}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: anti}
spec:
  replicas: 3
  selector: {matchLabels: {app: anti}}
  template:
    metadata: {labels: {app: anti}}
    spec:
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm: {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: anti}}}
      containers: [{name: app, image: a:1}]
---
# Pod affinity pulls replicas together: it is no spreading.
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: together}
spec:
  replicas: 2
  selector: {matchLabels: {app: together}}
  template:
    metadata: {labels: {app: together}}
    spec: #!StatefulSet/together
      affinity:
        podAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: cache}}}
      containers: [{name: app, image: a:1}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: scaled}
spec:
  selector: {matchLabels: {app: scaled}}
  template:
    metadata: {labels: {app: scaled}}
    spec: {containers: [{name: app, image: a:1}]} #!Deployment/scaled
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: scaled}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: scaled}
  minReplicas: 2
  maxReplicas: 5
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: one}
spec:
  replicas: 1
  selector: {matchLabels: {app: one}}
  template:
    metadata: {labels: {app: one}}
    spec: {containers: [{name: app, image: a:1}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: a, image: a:1}]}
`)
}

func TestAvailabilityRollingUpdateUnsafe(t *testing.T) {
	const pod = `
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec: {containers: [{name: app, image: a:1}]}
`
	res := availExpect(t, "rolling-update-unsafe", `apiVersion: apps/v1
kind: Deployment
metadata: {name: recreate}
spec:
  replicas: 2
  strategy:
    type: Recreate #!Deployment/recreate`+pod+`---
apiVersion: apps/v1
kind: Deployment
metadata: {name: recreate-one}
spec:
  replicas: 1
  strategy: {type: Recreate}`+pod+`---
apiVersion: apps/v1
kind: Deployment
metadata: {name: all}
spec:
  replicas: 4
  strategy:
    rollingUpdate:
      maxUnavailable: "100%" #!Deployment/all`+pod+`---
apiVersion: apps/v1
kind: Deployment
metadata: {name: count}
spec:
  replicas: 3
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 3 #!Deployment/count`+pod+`---
apiVersion: apps/v1
kind: Deployment
metadata: {name: fine}
spec:
  replicas: 3
  strategy:
    rollingUpdate: {maxUnavailable: 2, maxSurge: "50%"}`+pod+`---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ninety}
spec:
  replicas: 3
  strategy:
    rollingUpdate: {maxUnavailable: "90%"}`+pod+`---
# Scaled by an autoscaler without replicas: its minReplicas (3) is compared.
apiVersion: apps/v1
kind: Deployment
metadata: {name: scaled}
spec:
  strategy:
    rollingUpdate:
      maxUnavailable: 3 #!Deployment/scaled`+pod+`---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: scaled}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: scaled}
  minReplicas: 3
  maxReplicas: 9
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: sts}
spec:
  replicas: 3
  updateStrategy: {type: OnDelete}`+pod)
	if m := availMessage(t, res, "all"); !strings.Contains(m, "maxUnavailable 100% lets a rollout take all 4 pods of Deployment/all down") {
		t.Errorf("message: %s", m)
	}
}

// BenchmarkAvailabilityRules runs every availability rule over one unit of
// 20,000 objects (Deployments with a PDB, an HPA and a LimitRange each) in
// 50 namespaces: the cost must grow with the unit, not with its square.
func BenchmarkAvailabilityRules(b *testing.B) {
	var subjects []*Subject
	for i := 0; i < 5000; i++ {
		ns := fmt.Sprintf("team-%d", i%50)
		for _, doc := range []string{
			fmt.Sprintf(`{apiVersion: apps/v1, kind: Deployment, metadata: {name: web-%[1]d, namespace: %[2]s},
  spec: {selector: {matchLabels: {app: web-%[1]d}}, template: {metadata: {labels: {app: web-%[1]d, team: %[2]s}},
  spec: {containers: [{name: app, image: a:1, resources: {requests: {cpu: 1}}}]}}}}`, i, ns),
			fmt.Sprintf(`{apiVersion: policy/v1, kind: PodDisruptionBudget, metadata: {name: web-%[1]d, namespace: %[2]s},
  spec: {minAvailable: 1, selector: {matchLabels: {app: web-%[1]d, team: %[2]s}}}}`, i, ns),
			fmt.Sprintf(`{apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler, metadata: {name: web-%[1]d, namespace: %[2]s},
  spec: {scaleTargetRef: {kind: Deployment, name: web-%[1]d}, minReplicas: 2, maxReplicas: 5}}`, i, ns),
			fmt.Sprintf(`{apiVersion: v1, kind: LimitRange, metadata: {name: lr-%[1]d, namespace: %[2]s},
  spec: {limits: [{type: Container, max: {memory: 1Gi}}]}}`, i, ns),
		} {
			var n yaml.Node
			if err := yaml.Unmarshal([]byte(doc), &n); err != nil {
				b.Fatal(err)
			}
			m := n.Content[0]
			js, err := manifest.ToJSON(m)
			if err != nil {
				b.Fatal(err)
			}
			md := manifest.MappingGet(m, "metadata")
			subjects = append(subjects, NewSubject(&manifest.Object{
				APIVersion: manifest.ScalarString(manifest.MappingGet(m, "apiVersion")),
				Kind:       manifest.ScalarString(manifest.MappingGet(m, "kind")),
				Name:       manifest.ScalarString(manifest.MappingGet(md, "name")),
				Namespace:  ns, Node: m, JSON: js,
				Locator: manifest.NodeLocator{File: "unit.yaml", Root: m},
			}))
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		set := NewSet(subjects)
		for _, r := range availabilityRules {
			r.CheckSet(set)
		}
	}
}
