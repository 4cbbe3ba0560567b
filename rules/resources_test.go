package rules

import (
	"fmt"
	"strings"
	"testing"
)

// resourceSubject builds a Subject from one YAML document, located in resources.yaml.
func resourceSubject(t *testing.T, src string) *Subject {
	t.Helper()
	return subjectFromYAML(t, "resources.yaml", "", src)
}

var resourceRuleIDs = []string{"missing-cpu-request", "missing-memory-request", "missing-cpu-limit", "missing-memory-limit", "limit-below-request"}

// resourceFindings runs every resource rule on src and renders each result as
// "file:line rule path: message", in rule order.
func resourceFindings(t *testing.T, src string) []string {
	t.Helper()
	s := resourceSubject(t, src)
	var out []string
	for _, id := range resourceRuleIDs {
		r, ok := ByID(id)
		if !ok {
			t.Fatalf("rule %s is not registered", id)
		}
		for _, res := range r.Check(s) {
			loc, _ := s.Object.Locator.Locate(res.Path)
			out = append(out, fmt.Sprintf("%s:%d %s %s: %s", loc.File, loc.Line, id, res.Path, res.Message))
		}
	}
	return out
}

func assertResourceFindings(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestResourcesLimitImpliesRequest(t *testing.T) {
	const src = `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
    - name: app
      image: ghcr.io/acme/web:1.4.2
      resources:
        limits:
          cpu: 500m
          memory: 256Mi
    - name: requests-only
      image: ghcr.io/acme/web:1.4.2
      resources:
        requests:
          cpu: 100m
          memory: 128Mi
`
	assertResourceFindings(t, resourceFindings(t, src), []string{
		`resources.yaml:15 missing-cpu-limit spec.containers[1].resources.limits.cpu: container "requests-only" has no CPU limit`,
		`resources.yaml:15 missing-memory-limit spec.containers[1].resources.limits.memory: container "requests-only" has no memory limit`,
	})
}

func TestResourcesMissingEverything(t *testing.T) {
	const src = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: ghcr.io/acme/web-migrate:1.4.2
      containers:
        - name: app
          image: ghcr.io/acme/web:1.4.2
          resources:
            requests:
              memory: 128Mi
      ephemeralContainers:
        - name: debug
          image: busybox:1.36
`
	assertResourceFindings(t, resourceFindings(t, src), []string{
		`resources.yaml:15 missing-cpu-request spec.template.spec.containers[0].resources.requests.cpu: container "app" has no CPU request`,
		`resources.yaml:9 missing-cpu-request spec.template.spec.initContainers[0].resources.requests.cpu: init container "migrate" has no CPU request`,
		`resources.yaml:9 missing-memory-request spec.template.spec.initContainers[0].resources.requests.memory: init container "migrate" has no memory request`,
		`resources.yaml:14 missing-cpu-limit spec.template.spec.containers[0].resources.limits.cpu: container "app" has no CPU limit`,
		`resources.yaml:9 missing-cpu-limit spec.template.spec.initContainers[0].resources.limits.cpu: init container "migrate" has no CPU limit`,
		`resources.yaml:14 missing-memory-limit spec.template.spec.containers[0].resources.limits.memory: container "app" has no memory limit`,
		`resources.yaml:9 missing-memory-limit spec.template.spec.initContainers[0].resources.limits.memory: init container "migrate" has no memory limit`,
	})
}

func TestResourcesPodLevel(t *testing.T) {
	// Pod-level limits cover every container's requests and limits.
	const limits = `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  resources:
    limits:
      cpu: "2"
      memory: 1Gi
  initContainers:
    - name: setup
      image: ghcr.io/acme/setup:1.0.0
  containers:
    - name: app
      image: ghcr.io/acme/web:1.4.2
    - name: sidecar
      image: ghcr.io/acme/proxy:2.1.0
`
	assertResourceFindings(t, resourceFindings(t, limits), nil)

	// Pod-level requests cover requests only; limits are still missing.
	const requests = `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  resources:
    requests:
      cpu: "1"
      memory: 512Mi
  containers:
    - name: app
      image: ghcr.io/acme/web:1.4.2
`
	assertResourceFindings(t, resourceFindings(t, requests), []string{
		`resources.yaml:11 missing-cpu-limit spec.containers[0].resources.limits.cpu: container "app" has no CPU limit`,
		`resources.yaml:11 missing-memory-limit spec.containers[0].resources.limits.memory: container "app" has no memory limit`,
	})

	// A pod-level value for one resource says nothing about the other.
	const cpuOnly = `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  resources:
    limits:
      cpu: "1"
  containers:
    - name: app
      image: ghcr.io/acme/web:1.4.2
`
	assertResourceFindings(t, resourceFindings(t, cpuOnly), []string{
		`resources.yaml:10 missing-memory-request spec.containers[0].resources.requests.memory: container "app" has no memory request`,
		`resources.yaml:10 missing-memory-limit spec.containers[0].resources.limits.memory: container "app" has no memory limit`,
	})
}

func TestResourcesLimitBelowRequest(t *testing.T) {
	const src = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  template:
    spec:
      initContainers:
        - name: init
          image: ghcr.io/acme/db-init:1.0.0
          resources:
            requests:
              cpu: 200m
              memory: 1Gi
            limits:
              cpu: 200m
              memory: 512Mi
      containers:
        - name: db
          image: ghcr.io/acme/db:16.2.0
          resources:
            requests:
              cpu: 1500m
              memory: 1Gi
            limits:
              cpu: "1"
              memory: 1024Mi
        - name: exporter
          image: ghcr.io/acme/exporter:0.15.0
          resources:
            requests:
              cpu: "1"
              memory: 512Mi
            limits:
              cpu: 1500m
              memory: 1Gi
        - name: equal
          image: ghcr.io/acme/exporter:0.15.0
          resources:
            requests:
              cpu: "0.5"
              memory: 1Gi
            limits:
              cpu: 500m
              memory: "1073741824"
`
	assertResourceFindings(t, resourceFindings(t, src), []string{
		`resources.yaml:26 limit-below-request spec.template.spec.containers[0].resources.limits.cpu: container "db": cpu limit 1 is below its request 1500m`,
		`resources.yaml:17 limit-below-request spec.template.spec.initContainers[0].resources.limits.memory: init container "init": memory limit 512Mi is below its request 1Gi`,
	})
}

func TestResourcesIgnoreObjectsWithoutPods(t *testing.T) {
	const src = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
    - port: 80
`
	assertResourceFindings(t, resourceFindings(t, src), nil)
}
