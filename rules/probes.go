package rules

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var probeRules = []*Rule{
	{
		ID:       "missing-readiness-probe",
		Category: "probes",
		Severity: Warning,
		Summary:  "Container has no readiness probe",
		Doc: Doc{
			Why: "Without a readiness probe a pod receives traffic as soon as its containers start, " +
				"before the application has opened its listeners or warmed its caches, so every rollout " +
				"and restart produces a burst of failed requests. It also keeps an overloaded or " +
				"disconnected pod in the Service's endpoints, where it keeps failing requests. " +
				"Batch pods (Jobs, CronJobs, Pods that never restart) and init containers are not checked.",
			Fix: "Add a readinessProbe that succeeds only when the container can serve requests, " +
				"typically an HTTP endpoint on the serving port that checks the process's own state.",
			Bad: "containers:\n  - name: app\n    image: ghcr.io/acme/app:1.4.2\n    ports:\n" +
				"      - name: http\n        containerPort: 8080\n",
			Good: "containers:\n  - name: app\n    image: ghcr.io/acme/app:1.4.2\n    ports:\n" +
				"      - name: http\n        containerPort: 8080\n    readinessProbe:\n      httpGet:\n" +
				"        path: /ready\n        port: http\n      periodSeconds: 5\n",
			Helm: "readinessProbe:\n  httpGet:\n    path: /ready\n    port: http\n  periodSeconds: 5\n",
		},
		Check: missingProbeCheck("readinessProbe", "readiness", func(c Container) bool { return c.ReadinessProbe != nil }),
	},
	{
		ID:       "missing-liveness-probe",
		Category: "probes",
		Severity: Warning,
		Summary:  "Container has no liveness probe",
		Doc: Doc{
			Why: "A process that deadlocks or wedges without exiting looks healthy to Kubernetes unless " +
				"a liveness probe checks it; the pod then stays up doing nothing until someone notices. " +
				"A liveness probe lets the kubelet restart the container automatically. Batch pods " +
				"(Jobs, CronJobs, Pods that never restart) and init containers are not checked.",
			Fix: "Add a livenessProbe that checks only the process itself (not its databases or " +
				"downstream services), with a failureThreshold generous enough to ride out a GC pause.",
			Bad: "containers:\n  - name: app\n    image: ghcr.io/acme/app:1.4.2\n    ports:\n" +
				"      - name: http\n        containerPort: 8080\n",
			Good: "containers:\n  - name: app\n    image: ghcr.io/acme/app:1.4.2\n    ports:\n" +
				"      - name: http\n        containerPort: 8080\n    livenessProbe:\n      httpGet:\n" +
				"        path: /healthz\n        port: http\n      failureThreshold: 3\n",
			Helm: "livenessProbe:\n  httpGet:\n    path: /healthz\n    port: http\n  failureThreshold: 3\n",
		},
		Check: missingProbeCheck("livenessProbe", "liveness", func(c Container) bool { return c.LivenessProbe != nil }),
	},
	{
		ID:       "identical-liveness-readiness",
		Category: "probes",
		Severity: Warning,
		Summary:  "Liveness and readiness probes check the same thing",
		Doc: Doc{
			Why: "Readiness answers \"should this pod get traffic now?\" and liveness answers \"is this " +
				"process beyond repair?\". When both call the same endpoint, a blip in a shared " +
				"dependency (database, cache, downstream API) fails liveness too, and the kubelet " +
				"restarts every replica at once instead of just taking them out of rotation, turning a " +
				"brief outage into a crash loop. Handlers are compared after defaults are applied and " +
				"named ports are resolved.",
			Fix: "Give liveness its own, cheaper check that covers only the process itself (for " +
				"example /healthz answering from memory) and keep dependency checks in the readiness " +
				"endpoint.",
			Bad: "readinessProbe:\n  httpGet:\n    path: /health\n    port: http\nlivenessProbe:\n" +
				"  httpGet:\n    path: /health\n    port: http\n",
			Good: "readinessProbe:\n  httpGet:\n    path: /ready\n    port: http\nlivenessProbe:\n" +
				"  httpGet:\n    path: /healthz\n    port: http\n",
			Helm: "readinessProbe:\n  httpGet:\n    path: /ready\n    port: http\nlivenessProbe:\n" +
				"  httpGet:\n    path: /healthz\n    port: http\n",
		},
		Check: identicalLivenessReadiness,
	},
	{
		ID:       "probe-port-not-exposed",
		Category: "probes",
		Severity: Warning,
		Summary:  "A probe targets a port the container does not declare",
		Doc: Doc{
			Why: "A probe on a named port that the container does not declare in ports[] cannot be " +
				"resolved, so the probe fails on every attempt: the pod never becomes ready, or the " +
				"kubelet restarts it forever. A numbered port that is not declared usually means the " +
				"probe was left behind when the serving port changed. Kubernetes does not require " +
				"numbered ports to be declared, so a numbered probe port is only reported when the " +
				"container declares at least one port and none of them matches (a container that " +
				"declares no ports is not checked for numbers, nor is an httpGet/tcpSocket probe that " +
				"sets host to another address). Liveness, readiness and startup probes of regular and " +
				"sidecar containers are checked, including grpc ports.",
			Fix: "Point the probe at a port listed in the container's ports[], by name where possible " +
				"so the probe follows the port if it changes, or declare the port the probe uses.",
			Bad: "ports:\n  - name: http\n    containerPort: 8080\nreadinessProbe:\n  httpGet:\n" +
				"    path: /ready\n    port: web\n",
			Good: "ports:\n  - name: http\n    containerPort: 8080\nreadinessProbe:\n  httpGet:\n" +
				"    path: /ready\n    port: http\n",
			Helm: "readinessProbe:\n  httpGet:\n    path: /ready\n    port: http\n",
		},
		Check: probePortNotExposed,
	},
	{
		ID:       "missing-startup-probe",
		Category: "probes",
		Severity: Info,
		Summary:  "Container has no startup probe",
		Optional: true,
		Doc: Doc{
			Why: "A liveness probe starts counting as soon as the container starts. A slow starter " +
				"(JVM warm-up, cache loading, migrations on boot) that takes longer than " +
				"initialDelaySeconds plus failureThreshold × periodSeconds is killed by its own liveness " +
				"probe before it is up, and loops in CrashLoopBackOff, typically only under load or on a " +
				"cold node. A startup probe holds off liveness and readiness until the application has " +
				"started, so liveness can stay strict without a long initial delay. Off by default: " +
				"fast-starting containers do not need one.",
			Fix: "Add a startupProbe on the same endpoint as liveness with a failureThreshold × " +
				"periodSeconds that covers the slowest start you expect.",
			Bad: "livenessProbe:\n  httpGet:\n    path: /healthz\n    port: http\n  initialDelaySeconds: 120\n",
			Good: "startupProbe:\n  httpGet:\n    path: /healthz\n    port: http\n  periodSeconds: 5\n" +
				"  failureThreshold: 60\nlivenessProbe:\n  httpGet:\n    path: /healthz\n    port: http\n",
			Helm: "startupProbe:\n  httpGet:\n    path: /healthz\n    port: http\n  periodSeconds: 5\n" +
				"  failureThreshold: 60\n",
		},
		Check: missingProbeCheck("startupProbe", "startup", func(c Container) bool { return c.StartupProbe != nil }),
	},
}

// servingContainers are the regular containers of a long-running pod: the
// ones that receive traffic and are restarted by the kubelet.
func servingContainers(s *Subject) []Container {
	if s.Pod == nil || s.Pod.Batch {
		return nil
	}
	return s.Pod.Containers(false, false)
}

// probedContainers are the containers that may carry probes: regular
// containers and sidecars (init containers with restartPolicy Always).
func probedContainers(s *Subject) []Container {
	if s.Pod == nil {
		return nil
	}
	var out []Container
	for _, c := range s.Pod.Containers(true, false) {
		if c.Init && (c.RestartPolicy == nil || *c.RestartPolicy != corev1.ContainerRestartPolicyAlways) {
			continue
		}
		out = append(out, c)
	}
	return out
}

func missingProbeCheck(key, label string, has func(Container) bool) func(*Subject) []Result {
	return func(s *Subject) []Result {
		var out []Result
		for _, c := range servingContainers(s) {
			if has(c) {
				continue
			}
			out = append(out, Result{
				Path:    c.Path.Key(key),
				Message: fmt.Sprintf("%s has no %s probe", c.Describe(), label),
			})
		}
		return out
	}
}

func identicalLivenessReadiness(s *Subject) []Result {
	var out []Result
	for _, c := range servingContainers(s) {
		if c.LivenessProbe == nil || c.ReadinessProbe == nil {
			continue
		}
		l := normalHandler(c, c.LivenessProbe.ProbeHandler)
		r := normalHandler(c, c.ReadinessProbe.ProbeHandler)
		if l == "" || l != r {
			continue
		}
		out = append(out, Result{
			Path:    c.Path.Key("livenessProbe"),
			Message: fmt.Sprintf("%s: liveness and readiness probes use the same check (%s)", c.Describe(), describeHandler(c, c.LivenessProbe.ProbeHandler)),
		})
	}
	return out
}

// normalHandler renders a probe handler with defaults applied and named ports
// resolved, so that two handlers that probe the same thing render alike. It
// returns "" for a probe without a handler.
func normalHandler(c Container, h corev1.ProbeHandler) string {
	var parts []string
	if h.Exec != nil {
		parts = append(parts, "exec "+strconv.Quote(strings.Join(h.Exec.Command, "\x00")))
	}
	if g := h.HTTPGet; g != nil {
		scheme := string(g.Scheme)
		if scheme == "" {
			scheme = string(corev1.URISchemeHTTP)
		}
		path := g.Path
		if path == "" {
			path = "/"
		}
		proto := string(corev1.HTTPProtocolHTTP1)
		if g.Protocol != nil && *g.Protocol != "" {
			proto = string(*g.Protocol)
		}
		headers := make([]string, 0, len(g.HTTPHeaders))
		for _, hd := range g.HTTPHeaders {
			headers = append(headers, strings.ToLower(hd.Name)+"="+hd.Value)
		}
		sort.Strings(headers)
		parts = append(parts, fmt.Sprintf("httpGet %s %s:%s%s %s %q", scheme, g.Host,
			resolvedPort(c, g.Port), path, proto, headers))
	}
	if t := h.TCPSocket; t != nil {
		parts = append(parts, fmt.Sprintf("tcpSocket %s:%s", t.Host, resolvedPort(c, t.Port)))
	}
	if g := h.GRPC; g != nil {
		service := ""
		if g.Service != nil {
			service = *g.Service
		}
		mode := string(corev1.GRPCProbeModePlaintext)
		if g.Mode != nil && *g.Mode != "" {
			mode = string(*g.Mode)
		}
		parts = append(parts, fmt.Sprintf("grpc :%d %q %s", g.Port, service, mode))
	}
	return strings.Join(parts, "; ")
}

// describeHandler names a handler for messages. Exec commands are not printed
// because they may carry credentials.
func describeHandler(c Container, h corev1.ProbeHandler) string {
	switch {
	case h.HTTPGet != nil:
		path := h.HTTPGet.Path
		if path == "" {
			path = "/"
		}
		return fmt.Sprintf("httpGet %s on port %s", path, resolvedPort(c, h.HTTPGet.Port))
	case h.TCPSocket != nil:
		return "tcpSocket on port " + resolvedPort(c, h.TCPSocket.Port)
	case h.GRPC != nil:
		return fmt.Sprintf("grpc on port %d", h.GRPC.Port)
	}
	return "exec command"
}

// resolvedPort renders a probe port as a number when it is one or names a
// declared port, and as the name otherwise.
func resolvedPort(c Container, p intstr.IntOrString) string {
	if n, ok := portNumber(p); ok {
		return strconv.Itoa(n)
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return strconv.Itoa(int(cp.ContainerPort))
		}
	}
	return p.StrVal
}

// portNumber reads a probe port as a number; the kubelet also accepts digits
// written as a string.
func portNumber(p intstr.IntOrString) (int, bool) {
	if p.Type == intstr.Int {
		return int(p.IntVal), true
	}
	n, err := strconv.Atoi(p.StrVal)
	return n, err == nil
}

var probeKinds = []struct{ key, label string }{
	{"livenessProbe", "liveness"},
	{"readinessProbe", "readiness"},
	{"startupProbe", "startup"},
}

func probeOf(c Container, key string) *corev1.Probe {
	switch key {
	case "livenessProbe":
		return c.LivenessProbe
	case "readinessProbe":
		return c.ReadinessProbe
	case "startupProbe":
		return c.StartupProbe
	}
	return nil
}

func probePortNotExposed(s *Subject) []Result {
	var out []Result
	for _, c := range probedContainers(s) {
		for _, k := range probeKinds {
			p := probeOf(c, k.key)
			if p == nil {
				continue
			}
			if g := p.HTTPGet; g != nil {
				if msg := undeclaredPort(c, g.Port, g.Host); msg != "" {
					out = append(out, Result{
						Path:    c.Path.Key(k.key, "httpGet", "port"),
						Message: fmt.Sprintf("%s: %s probe httpGet %s", c.Describe(), k.label, msg),
					})
				}
			}
			if t := p.TCPSocket; t != nil {
				if msg := undeclaredPort(c, t.Port, t.Host); msg != "" {
					out = append(out, Result{
						Path:    c.Path.Key(k.key, "tcpSocket", "port"),
						Message: fmt.Sprintf("%s: %s probe tcpSocket %s", c.Describe(), k.label, msg),
					})
				}
			}
			if g := p.GRPC; g != nil && g.Port != 0 {
				if msg := undeclaredPort(c, intstr.FromInt32(g.Port), ""); msg != "" {
					out = append(out, Result{
						Path:    c.Path.Key(k.key, "grpc", "port"),
						Message: fmt.Sprintf("%s: %s probe grpc %s", c.Describe(), k.label, msg),
					})
				}
			}
		}
	}
	return out
}

// undeclaredPort explains why probe port p does not match the container's
// ports, or returns "" when it does (or cannot be judged).
func undeclaredPort(c Container, p intstr.IntOrString, host string) string {
	if n, ok := portNumber(p); ok {
		// Numbered ports need not be declared, and a probe of another host
		// does not target this container's listeners.
		if n == 0 || len(c.Ports) == 0 || host != "" {
			return ""
		}
		for _, cp := range c.Ports {
			if int(cp.ContainerPort) == n {
				return ""
			}
		}
		return fmt.Sprintf("port %d is not among the container's ports (%s)", n, declaredPorts(c))
	}
	if p.StrVal == "" {
		return ""
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return ""
		}
	}
	if len(c.Ports) == 0 {
		return fmt.Sprintf("port %q is not a named port of the container, which declares no ports; the probe cannot succeed", p.StrVal)
	}
	return fmt.Sprintf("port %q is not a named port of the container (%s); the probe cannot succeed", p.StrVal, declaredPorts(c))
}

// declaredPorts lists the container's ports as name=number for messages.
func declaredPorts(c Container) string {
	var out []string
	for _, cp := range c.Ports {
		if cp.Name != "" {
			out = append(out, fmt.Sprintf("%s=%d", cp.Name, cp.ContainerPort))
		} else {
			out = append(out, strconv.Itoa(int(cp.ContainerPort)))
		}
	}
	return "declared: " + strings.Join(out, ", ")
}
