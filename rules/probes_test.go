package rules

import (
	"strings"
	"testing"
)

// probeSubject builds a Subject from one YAML object, as the loader would.
func probeSubject(t *testing.T, src string) *Subject {
	t.Helper()
	return subjectFromYAML(t, "probes.yaml", "", src)
}

// probeRun runs rule id on src and returns the finding paths.
func probeRun(t *testing.T, id, src string) ([]string, []Result) {
	t.Helper()
	r, ok := ByID(id)
	if !ok {
		t.Fatalf("rule %s is not registered", id)
	}
	if r.Category != "probes" {
		t.Errorf("rule %s: category %q, want probes", id, r.Category)
	}
	res := r.Check(probeSubject(t, src))
	paths := make([]string, 0, len(res))
	for _, x := range res {
		paths = append(paths, x.Path.String())
	}
	return paths, res
}

func probeExpect(t *testing.T, id, src string, want ...string) []Result {
	t.Helper()
	got, res := probeRun(t, id, src)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s: got paths %q, want %q", id, got, want)
	}
	return res
}

const probeDeployHead = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
`

// probeDeploy wraps a pod spec body (indented for spec.template.spec) in a Deployment.
func probeDeploy(body string) string { return probeDeployHead + body }

func TestMissingProbes(t *testing.T) {
	bare := probeDeploy(`      containers:
        - name: app
          image: ghcr.io/acme/web:1.4.2
`)
	probeExpect(t, "missing-readiness-probe", bare, "spec.template.spec.containers[0].readinessProbe")
	probeExpect(t, "missing-liveness-probe", bare, "spec.template.spec.containers[0].livenessProbe")
	res := probeExpect(t, "missing-startup-probe", bare, "spec.template.spec.containers[0].startupProbe")
	if len(res) == 1 && res[0].Message != `container "app" has no startup probe` {
		t.Errorf("message %q", res[0].Message)
	}

	// Only the container that lacks the probe is reported, at its own index.
	mixed := probeDeploy(`      containers:
        - name: app
          readinessProbe:
            tcpSocket:
              port: 8080
        - name: proxy
`)
	res = probeExpect(t, "missing-readiness-probe", mixed, "spec.template.spec.containers[1].readinessProbe")
	if len(res) == 1 && !strings.Contains(res[0].Message, `container "proxy"`) {
		t.Errorf("message %q does not name the container", res[0].Message)
	}
	probeExpect(t, "missing-liveness-probe", mixed,
		"spec.template.spec.containers[0].livenessProbe", "spec.template.spec.containers[1].livenessProbe")

	// Init, sidecar and ephemeral containers are never required to have probes.
	others := `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  initContainers:
    - name: migrate
    - name: mesh
      restartPolicy: Always
  containers:
    - name: app
      readinessProbe:
        tcpSocket:
          port: 8080
      livenessProbe:
        tcpSocket:
          port: 8080
      startupProbe:
        tcpSocket:
          port: 8080
  ephemeralContainers:
    - name: debug
`
	for _, id := range []string{"missing-readiness-probe", "missing-liveness-probe", "missing-startup-probe"} {
		probeExpect(t, id, others)
	}

	batch := map[string]string{
		"Job": `apiVersion: batch/v1
kind: Job
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: task
`,
		"CronJob": `apiVersion: batch/v1
kind: CronJob
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: task
`,
		"Pod Never":     "apiVersion: v1\nkind: Pod\nspec:\n  restartPolicy: Never\n  containers:\n    - name: task\n",
		"Pod OnFailure": "apiVersion: v1\nkind: Pod\nspec:\n  restartPolicy: OnFailure\n  containers:\n    - name: task\n",
	}
	for name, src := range batch {
		for _, id := range []string{"missing-readiness-probe", "missing-liveness-probe", "missing-startup-probe"} {
			if got, _ := probeRun(t, id, src); len(got) != 0 {
				t.Errorf("%s on %s: got %q, want nothing", id, name, got)
			}
		}
	}

	// A Pod that restarts (the default policy) is long-running.
	pod := "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: app\n"
	probeExpect(t, "missing-readiness-probe", pod, "spec.containers[0].readinessProbe")
	always := "apiVersion: v1\nkind: Pod\nspec:\n  restartPolicy: Always\n  containers:\n    - name: app\n"
	probeExpect(t, "missing-liveness-probe", always, "spec.containers[0].livenessProbe")

	// Objects without a pod are ignored.
	probeExpect(t, "missing-readiness-probe", "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: b\n")
}

// probePair renders a container with the given readiness and liveness handlers.
func probePair(ports, readiness, liveness string) string {
	return probeDeploy(`      containers:
        - name: app
` + ports + `          readinessProbe:
` + readiness + `          livenessProbe:
` + liveness)
}

func TestIdenticalLivenessReadiness(t *testing.T) {
	const id = "identical-liveness-readiness"
	const at = "spec.template.spec.containers[0].livenessProbe"
	ports := "          ports:\n            - name: http\n              containerPort: 8080\n"
	health := "            httpGet:\n              path: /health\n              port: http\n"

	res := probeExpect(t, id, probePair(ports, health, health), at)
	if len(res) == 1 && res[0].Message != `container "app": liveness and readiness probes use the same check (httpGet /health on port 8080)` {
		t.Errorf("message %q", res[0].Message)
	}

	// Timing fields differ, the handler does not: still the same check.
	timed := health + "            periodSeconds: 30\n            failureThreshold: 10\n"
	probeExpect(t, id, probePair(ports, health, timed), at)

	// A named port and its number address the same listener.
	numbered := "            httpGet:\n              path: /health\n              port: 8080\n"
	probeExpect(t, id, probePair(ports, health, numbered), at)

	// Defaults: scheme HTTP, path "/", protocol HTTP1.
	defaulted := "            httpGet:\n              port: http\n"
	explicit := "            httpGet:\n              path: /\n              port: http\n              scheme: HTTP\n"
	probeExpect(t, id, probePair(ports, defaulted, explicit), at)

	// Header order does not matter, header values do.
	h1 := "            httpGet:\n              path: /h\n              port: http\n              httpHeaders:\n" +
		"                - name: A\n                  value: \"1\"\n                - name: B\n                  value: \"2\"\n"
	h2 := "            httpGet:\n              path: /h\n              port: http\n              httpHeaders:\n" +
		"                - name: B\n                  value: \"2\"\n                - name: A\n                  value: \"1\"\n"
	h3 := "            httpGet:\n              path: /h\n              port: http\n              httpHeaders:\n" +
		"                - name: B\n                  value: \"3\"\n                - name: A\n                  value: \"1\"\n"
	probeExpect(t, id, probePair(ports, h1, h2), at)
	probeExpect(t, id, probePair(ports, h1, h3))

	different := []struct{ name, readiness, liveness string }{
		{"path", health, "            httpGet:\n              path: /healthz\n              port: http\n"},
		{"scheme", health, "            httpGet:\n              path: /health\n              port: http\n              scheme: HTTPS\n"},
		{"port", health, "            httpGet:\n              path: /health\n              port: 9090\n"},
		{"host", health, "            httpGet:\n              path: /health\n              port: http\n              host: 127.0.0.1\n"},
		{"handler type", health, "            tcpSocket:\n              port: http\n"},
		{"exec", "            exec:\n              command: [\"check\", \"--ready\"]\n", "            exec:\n              command: [\"check\", \"--live\"]\n"},
		{"grpc service", "            grpc:\n              port: 9000\n              service: ready\n", "            grpc:\n              port: 9000\n"},
	}
	for _, d := range different {
		if got, _ := probeRun(t, id, probePair(ports, d.readiness, d.liveness)); len(got) != 0 {
			t.Errorf("%s differs: got %q, want nothing", d.name, got)
		}
	}

	same := []struct{ name, handler string }{
		{"tcpSocket", "            tcpSocket:\n              port: http\n"},
		{"grpc", "            grpc:\n              port: 9000\n"},
	}
	for _, s := range same {
		if got, _ := probeRun(t, id, probePair(ports, s.handler, s.handler)); len(got) != 1 || got[0] != at {
			t.Errorf("same %s: got %q, want %q", s.name, got, at)
		}
	}
	// An empty grpc service is the default service.
	probeExpect(t, id, probePair(ports, "            grpc:\n              port: 9000\n              service: \"\"\n",
		"            grpc:\n              port: 9000\n"), at)

	// Exec commands may carry credentials: the message must not repeat them.
	secret := "            exec:\n              command: [\"mysqladmin\", \"ping\", \"-pHunter2\"]\n"
	res = probeExpect(t, id, probePair(ports, secret, secret), at)
	if len(res) == 1 && strings.Contains(res[0].Message, "Hunter2") {
		t.Errorf("message leaks the exec command: %q", res[0].Message)
	}

	// One probe alone, or a probe without any handler, is not a pair to compare.
	probeExpect(t, id, probeDeploy("      containers:\n        - name: app\n          livenessProbe:\n"+health))
	probeExpect(t, id, probePair(ports, "            periodSeconds: 5\n", "            periodSeconds: 5\n"))

	// Batch pods do not serve traffic, so readiness has no rotation to leave.
	job := strings.Replace(probePair(ports, health, health), "kind: Deployment", "kind: Job", 1)
	probeExpect(t, id, job)
}

func TestProbePortNotExposed(t *testing.T) {
	const id = "probe-port-not-exposed"
	ports := "          ports:\n            - name: http\n              containerPort: 8080\n"

	container := func(ports, probes string) string {
		return probeDeploy("      containers:\n        - name: app\n" + ports + probes)
	}

	// A named port that is not declared can never resolve.
	res := probeExpect(t, id, container(ports, "          readinessProbe:\n            httpGet:\n              path: /ready\n              port: web\n"),
		"spec.template.spec.containers[0].readinessProbe.httpGet.port")
	if len(res) == 1 && res[0].Message != `container "app": readiness probe httpGet port "web" is not a named port of the container (declared: http=8080); the probe cannot succeed` {
		t.Errorf("message %q", res[0].Message)
	}
	probeExpect(t, id, container("", "          livenessProbe:\n            tcpSocket:\n              port: http\n"),
		"spec.template.spec.containers[0].livenessProbe.tcpSocket.port")
	// Names are case-sensitive.
	probeExpect(t, id, container(ports, "          livenessProbe:\n            tcpSocket:\n              port: HTTP\n"),
		"spec.template.spec.containers[0].livenessProbe.tcpSocket.port")

	// Declared names and numbers are fine.
	probeExpect(t, id, container(ports, "          readinessProbe:\n            httpGet:\n              port: http\n"+
		"          livenessProbe:\n            tcpSocket:\n              port: 8080\n"))

	// An undeclared number is reported only when the container declares ports.
	res = probeExpect(t, id, container(ports, "          startupProbe:\n            httpGet:\n              path: /\n              port: 9090\n"),
		"spec.template.spec.containers[0].startupProbe.httpGet.port")
	if len(res) == 1 && !strings.Contains(res[0].Message, "port 9090 is not among the container's ports") {
		t.Errorf("message %q", res[0].Message)
	}
	probeExpect(t, id, container("", "          startupProbe:\n            httpGet:\n              path: /\n              port: 9090\n"))
	// Digits written as a string are a number to the kubelet.
	probeExpect(t, id, container(ports, "          readinessProbe:\n            tcpSocket:\n              port: \"9090\"\n"),
		"spec.template.spec.containers[0].readinessProbe.tcpSocket.port")
	probeExpect(t, id, container(ports, "          readinessProbe:\n            tcpSocket:\n              port: \"8080\"\n"))

	// A probe of another host may use a number the container does not declare,
	// but a name is always resolved against the container.
	probeExpect(t, id, container(ports, "          livenessProbe:\n            httpGet:\n              host: 10.0.0.1\n              port: 9090\n"))
	probeExpect(t, id, container(ports, "          livenessProbe:\n            httpGet:\n              host: 10.0.0.1\n              port: admin\n"),
		"spec.template.spec.containers[0].livenessProbe.httpGet.port")

	// grpc ports are numbers.
	probeExpect(t, id, container(ports, "          readinessProbe:\n            grpc:\n              port: 9000\n"),
		"spec.template.spec.containers[0].readinessProbe.grpc.port")
	probeExpect(t, id, container("          ports:\n            - name: grpc\n              containerPort: 9000\n",
		"          readinessProbe:\n            grpc:\n              port: 9000\n"))

	// All three probes of one container, in liveness, readiness, startup order.
	probeExpect(t, id, container(ports,
		"          readinessProbe:\n            httpGet:\n              port: a\n"+
			"          livenessProbe:\n            httpGet:\n              port: b\n"+
			"          startupProbe:\n            tcpSocket:\n              port: c\n"),
		"spec.template.spec.containers[0].livenessProbe.httpGet.port",
		"spec.template.spec.containers[0].readinessProbe.httpGet.port",
		"spec.template.spec.containers[0].startupProbe.tcpSocket.port")

	// Sidecars (restartPolicy Always) are checked; other init containers are not.
	sidecars := probeDeploy(`      initContainers:
        - name: setup
          readinessProbe:
            tcpSocket:
              port: nope
        - name: mesh
          restartPolicy: Always
          ports:
            - name: admin
              containerPort: 15000
          readinessProbe:
            httpGet:
              path: /ready
              port: admin
          livenessProbe:
            httpGet:
              path: /live
              port: status
      containers:
        - name: app
`)
	res = probeExpect(t, id, sidecars, "spec.template.spec.initContainers[1].livenessProbe.httpGet.port")
	if len(res) == 1 && !strings.HasPrefix(res[0].Message, `init container "mesh": liveness probe`) {
		t.Errorf("message %q", res[0].Message)
	}

	// Batch pods are checked too: a broken probe fails there as well.
	job := strings.Replace(container(ports, "          livenessProbe:\n            tcpSocket:\n              port: web\n"),
		"kind: Deployment", "kind: Job", 1)
	probeExpect(t, id, job, "spec.template.spec.containers[0].livenessProbe.tcpSocket.port")
}
