package rules

import (
	"fmt"
	"path"
)

// A runtime socket volume fires both host-path-volume and docker-socket-mount: distinct concerns.
var hostRules = []*Rule{
	{
		ID:       "host-network",
		Category: "security",
		Severity: Warning,
		Summary:  "Pod uses the node's network namespace",
		Doc: Doc{
			Why: "With hostNetwork the pod shares the node's network stack: it can bind any port on the " +
				"node's interfaces, reach services listening on localhost (the kubelet, node-local " +
				"agents) and sniff node traffic, and NetworkPolicies no longer isolate it. Two replicas " +
				"using the same port cannot run on the same node.",
			Fix: "Remove hostNetwork and expose the pod through a Service. Only node-level networking " +
				"agents (CNI plugins, node exporters that must see host interfaces) need it; disable the " +
				"rule for those objects.",
			Bad:  "spec:\n  hostNetwork: true\n  containers:\n    - name: agent\n      image: ghcr.io/acme/agent:1.4.2\n",
			Good: "spec:\n  containers:\n    - name: agent\n      image: ghcr.io/acme/agent:1.4.2\n",
			Helm: "hostNetwork: false\n",
		},
		Check: hostNamespaceCheck("hostNetwork", func(p *Pod) bool { return p.Spec.HostNetwork }, "network"),
	},
	{
		ID:       "host-pid",
		Category: "security",
		Severity: Error,
		Summary:  "Pod shares the node's process namespace",
		Doc: Doc{
			Why: "With hostPID the pod sees every process on the node, including other pods' processes " +
				"and their command lines and environment through /proc. Combined with any privilege it " +
				"can signal, trace or enter them, which amounts to control of the node.",
			Fix: "Remove hostPID. To share processes between containers of the same pod, use " +
				"shareProcessNamespace instead.",
			Bad:  "spec:\n  hostPID: true\n  containers:\n    - name: agent\n      image: ghcr.io/acme/agent:1.4.2\n",
			Good: "spec:\n  containers:\n    - name: agent\n      image: ghcr.io/acme/agent:1.4.2\n",
			Helm: "hostPID: false\n",
		},
		Check: hostNamespaceCheck("hostPID", func(p *Pod) bool { return p.Spec.HostPID }, "process"),
	},
	{
		ID:       "host-ipc",
		Category: "security",
		Severity: Error,
		Summary:  "Pod shares the node's IPC namespace",
		Doc: Doc{
			Why: "With hostIPC the pod shares System V IPC and POSIX shared memory with every process on " +
				"the node, so it can read or corrupt the shared memory segments of other workloads and " +
				"of host daemons.",
			Fix: "Remove hostIPC. Containers of the same pod already share an IPC namespace; use an " +
				"emptyDir with medium: Memory for shared memory between them.",
			Bad:  "spec:\n  hostIPC: true\n  containers:\n    - name: agent\n      image: ghcr.io/acme/agent:1.4.2\n",
			Good: "spec:\n  containers:\n    - name: agent\n      image: ghcr.io/acme/agent:1.4.2\n",
			Helm: "hostIPC: false\n",
		},
		Check: hostNamespaceCheck("hostIPC", func(p *Pod) bool { return p.Spec.HostIPC }, "IPC"),
	},
	{
		ID:       "host-path-volume",
		Category: "security",
		Severity: Warning,
		Summary:  "Pod mounts a directory or file of the node",
		Doc: Doc{
			Why: "A hostPath volume exposes the node's filesystem to the pod: a writable mount of the " +
				"wrong directory lets the pod alter node configuration, read other pods' data or escape " +
				"to the node. It also ties the pod to what one node happens to hold, so it behaves " +
				"differently after rescheduling.",
			Fix: "Use an emptyDir, configMap, secret or persistent volume instead. When a node agent " +
				"truly needs host files, mount the narrowest path read-only (readOnly: true on the " +
				"volumeMount) and disable the rule for that object.",
			Bad:  "volumes:\n  - name: logs\n    hostPath:\n      path: /var/log\n",
			Good: "volumes:\n  - name: logs\n    emptyDir: {}\n",
			Helm: "volumes:\n  - name: logs\n    emptyDir: {}\n",
		},
		Check: hostPathVolumes,
	},
	{
		ID:       "host-port",
		Category: "security",
		Severity: Warning,
		Summary:  "Container binds a port on the node",
		Doc: Doc{
			Why: "A hostPort binds the port on the node's interfaces, bypassing Services and " +
				"NetworkPolicies, and only one pod per node can hold it: extra replicas stay Pending and " +
				"rolling updates stall when no node has the port free.",
			Fix: "Remove hostPort and expose the container through a Service (NodePort or LoadBalancer " +
				"when it must be reachable from outside the cluster).",
			Bad:  "ports:\n  - name: http\n    containerPort: 8080\n    hostPort: 8080\n",
			Good: "ports:\n  - name: http\n    containerPort: 8080\n",
			Helm: "service:\n  type: ClusterIP\n  port: 8080\n",
		},
		Check: hostPorts,
	},
	{
		ID:       "docker-socket-mount",
		Category: "security",
		Severity: Error,
		Summary:  "Pod mounts the container runtime socket",
		Doc: Doc{
			Why: "The container runtime socket (Docker, containerd, CRI-O) accepts commands to start " +
				"privileged containers, mount the node's root filesystem and inspect every container on " +
				"the node. A pod that can reach it controls the node, whatever its own securityContext " +
				"says. Mounting /var/run or /run hands over the socket too. Such a volume is also " +
				"reported by host-path-volume, which is about node filesystem access in general; this " +
				"rule is the more severe concern and stays on when that one is disabled.",
			Fix: "Do not mount the runtime socket. Build images with a daemonless builder (BuildKit " +
				"rootless, kaniko) and collect container metadata from the Kubernetes API or the kubelet " +
				"instead.",
			Bad:  "volumes:\n  - name: docker\n    hostPath:\n      path: /var/run/docker.sock\n",
			Good: "volumes:\n  - name: cache\n    emptyDir: {}\n",
			Helm: "volumes:\n  - name: cache\n    emptyDir: {}\n",
		},
		Check: runtimeSocketMounts,
	},
}

func hostNamespaceCheck(field string, on func(*Pod) bool, what string) func(*Subject) []Result {
	return func(s *Subject) []Result {
		if s.Pod == nil || !on(s.Pod) {
			return nil
		}
		return []Result{{
			Path:    s.Pod.SpecPath.Key(field),
			Message: fmt.Sprintf("pod shares the node's %s namespace (%s: true)", what, field),
		}}
	}
}

func hostPathVolumes(s *Subject) []Result {
	if s.Pod == nil {
		return nil
	}
	var out []Result
	for i, v := range s.Pod.Spec.Volumes {
		if v.HostPath == nil {
			continue
		}
		msg := fmt.Sprintf("volume %s mounts host path %s", quote(v.Name), quote(v.HostPath.Path))
		if v.HostPath.Path == "" {
			msg = fmt.Sprintf("volume %s is a hostPath volume without a path", quote(v.Name))
		}
		out = append(out, Result{
			Path:    s.Pod.SpecPath.Key("volumes").Index(i).Key("hostPath"),
			Message: msg,
		})
	}
	return out
}

// Ephemeral containers are skipped: the API rejects ports on them.
func hostPorts(s *Subject) []Result {
	if s.Pod == nil {
		return nil
	}
	var out []Result
	for _, c := range s.Pod.Containers(true, false) {
		for j, p := range c.Ports {
			if p.HostPort <= 0 {
				continue
			}
			proto := p.Protocol
			if proto == "" {
				proto = "TCP"
			}
			out = append(out, Result{
				Path: c.Path.Key("ports").Index(j).Key("hostPort"),
				Message: fmt.Sprintf("%s binds host port %d/%s (containerPort %d)", c.Describe(),
					p.HostPort, proto, p.ContainerPort),
			})
		}
	}
	return out
}

// runtimeSockets are the sockets of the common container runtimes.
var runtimeSockets = map[string]bool{
	"/var/run/docker.sock":                true,
	"/run/docker.sock":                    true,
	"/var/run/containerd/containerd.sock": true,
	"/run/containerd/containerd.sock":     true,
	"/var/run/crio/crio.sock":             true,
	"/run/crio/crio.sock":                 true,
	"/var/run/cri-dockerd.sock":           true,
	"/run/cri-dockerd.sock":               true,
}

// runtimeSocketDirs are directories that hold a runtime socket, so mounting
// them exposes it.
var runtimeSocketDirs = map[string]bool{
	"/var/run":            true,
	"/run":                true,
	"/var/run/docker":     true,
	"/run/containerd":     true,
	"/var/run/containerd": true,
	"/run/docker":         true,
	"/var/run/crio":       true,
	"/run/crio":           true,
	"/":                   true,
	"/var":                true,
}

func runtimeSocketMounts(s *Subject) []Result {
	if s.Pod == nil {
		return nil
	}
	var out []Result
	for i, v := range s.Pod.Spec.Volumes {
		if v.HostPath == nil || v.HostPath.Path == "" {
			continue
		}
		// path.Clean folds trailing and doubled slashes and dot segments.
		p := path.Clean(v.HostPath.Path)
		var msg string
		switch {
		case runtimeSockets[p]:
			msg = fmt.Sprintf("volume %s mounts the container runtime socket %s", quote(v.Name), p)
		case runtimeSocketDirs[p]:
			msg = fmt.Sprintf("volume %s mounts %s, which holds the container runtime socket", quote(v.Name), p)
		default:
			continue
		}
		out = append(out, Result{
			Path:    s.Pod.SpecPath.Key("volumes").Index(i).Key("hostPath", "path"),
			Message: msg,
		})
	}
	return out
}
