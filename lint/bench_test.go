package lint_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/kready/kready/lint"
	"github.com/kready/kready/render"
	"github.com/kready/kready/report"
	"github.com/kready/kready/rules"
)

// benchDeployment is a realistic Deployment with a few findings (no memory
// limit, a :latest sidecar, a credential-looking env value).
const benchDeployment = `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-%[1]d
  namespace: team-%[2]d
  labels:
    app.kubernetes.io/name: web-%[1]d
    app.kubernetes.io/part-of: shop
spec:
  replicas: 3
  selector:
    matchLabels:
      app.kubernetes.io/name: web-%[1]d
  template:
    metadata:
      labels:
        app.kubernetes.io/name: web-%[1]d
      annotations:
        prometheus.io/scrape: "true"
    spec:
      serviceAccountName: web
      securityContext:
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: app
          image: ghcr.io/acme/web:1.4.%[1]d
          ports:
            - name: http
              containerPort: 8080
          env:
            - name: LOG_LEVEL
              value: info
            - name: DB_PASSWORD
              value: hunter2-%[1]d
          readinessProbe:
            httpGet:
              path: /ready
              port: http
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              cpu: 500m
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
        - name: proxy
          image: envoyproxy/envoy:latest
          resources:
            requests: {cpu: 50m, memory: 64Mi}
            limits: {cpu: 200m, memory: 64Mi}
`

// writeBenchFile writes n Deployments into one multi-document file.
func writeBenchFile(b *testing.B, n int) (string, int64) {
	b.Helper()
	var sb strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, benchDeployment, i, i%20)
	}
	path := filepath.Join(b.TempDir(), "deployments.yaml")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return path, int64(sb.Len())
}

// BenchmarkPlain10kDeployments measures the whole pipeline on one file of
// 10,000 Deployments: read, parse, rules, locate, JSON output.
func BenchmarkPlain10kDeployments(b *testing.B) {
	path, size := writeBenchFile(b, 10_000)
	all, err := rules.Select(nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	var objectRules []*rules.Rule
	for _, r := range all {
		if r.CheckSet == nil {
			objectRules = append(objectRules, r)
		}
	}
	// The CLI runs with GOGC=300 (cmd/kready tuneGC); measure the same.
	defer debug.SetGCPercent(debug.SetGCPercent(300))
	for _, set := range []struct {
		name  string
		rules []*rules.Rule
	}{{"object-rules", objectRules}, {"all-rules", all}} {
		b.Run(set.name, func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				rep := lint.Run(render.Load([]string{path}, render.Options{}), set.rules)
				if len(rep.Findings) == 0 || len(rep.Errors) > 0 {
					b.Fatalf("findings %d, errors %d", len(rep.Findings), len(rep.Errors))
				}
				if err := (report.JSON{}).Write(io.Discard, rep); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkUnit20kObjects lints one unit of 20,000 related objects (5,000
// each of Deployment, Service, PodDisruptionBudget and
// HorizontalPodAutoscaler over 50 namespaces) with every rule, the
// cross-object ones included, to keep those linear in the unit's size.
func BenchmarkUnit20kObjects(b *testing.B) {
	var sb strings.Builder
	for i := 0; i < 5000; i++ {
		ns := fmt.Sprintf("team-%d", i%50)
		fmt.Fprintf(&sb, benchDeployment, i, i%50)
		fmt.Fprintf(&sb, `---
apiVersion: v1
kind: Service
metadata: {name: web-%[1]d, namespace: %[2]s}
spec:
  selector: {app.kubernetes.io/name: web-%[1]d}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web-%[1]d, namespace: %[2]s}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app.kubernetes.io/name: web-%[1]d}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web-%[1]d, namespace: %[2]s}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web-%[1]d}
  minReplicas: 2
  maxReplicas: 10
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}}]
`, i, ns)
	}
	path := filepath.Join(b.TempDir(), "unit.yaml")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	rs, err := rules.Select(nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer debug.SetGCPercent(debug.SetGCPercent(300))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep := lint.Run(render.Load([]string{path}, render.Options{}), rs)
		if rep.Objects != 20_000 || len(rep.Errors) > 0 {
			b.Fatalf("objects %d, errors %d", rep.Objects, len(rep.Errors))
		}
	}
}
