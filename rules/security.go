package rules

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/kready/kready/manifest"
)

var securityRules = []*Rule{
	{
		ID:       "run-as-root",
		Category: "security",
		Severity: Warning,
		Summary:  "Container may run as root (UID 0)",
		Doc: Doc{
			Why: "A process running as UID 0 inside a container is root on the node's kernel: one " +
				"container-escape bug or a writable host mount turns an application compromise into a node " +
				"compromise. Many images still default to root, so only runAsNonRoot: true (checked by the " +
				"kubelet at start) or an explicit non-zero runAsUser guarantees otherwise. runAsUser: 0 " +
				"together with runAsNonRoot: true is reported too: the kubelet refuses to start that container.",
			Fix: "Set runAsNonRoot: true in the pod securityContext (it applies to every container that does " +
				"not override it) and, if the image has no numeric non-root USER, a non-zero runAsUser. " +
				"Remove container-level runAsNonRoot: false and runAsUser: 0 overrides. Windows pods " +
				"(spec.os.name: windows) are not checked.",
			Bad: "securityContext:\n  runAsUser: 0\ncontainers:\n  - name: app\n    image: ghcr.io/acme/app:1.4.2\n",
			Good: "securityContext:\n  runAsNonRoot: true\n  runAsUser: 10001\ncontainers:\n  - name: app\n" +
				"    image: ghcr.io/acme/app:1.4.2\n",
			Helm: "podSecurityContext:\n  runAsNonRoot: true\n  runAsUser: 10001\n",
		},
		Check: runAsRoot,
	},
	{
		ID:       "privilege-escalation-allowed",
		Category: "security",
		Severity: Warning,
		Summary:  "Container does not set allowPrivilegeEscalation: false",
		Doc: Doc{
			Why: "Unless allowPrivilegeEscalation is false, the kernel's no_new_privs flag is not set and a " +
				"process can gain privileges through setuid binaries or file capabilities in the image. " +
				"The default is to allow it, so an attacker who lands in the container can often become root " +
				"in it even when it starts as a non-root user.",
			Fix: "Set securityContext.allowPrivilegeEscalation: false on every container. It cannot be " +
				"combined with privileged: true or CAP_SYS_ADMIN, which imply escalation.",
			Bad:  "containers:\n  - name: app\n    image: ghcr.io/acme/app:1.4.2\n",
			Good: "containers:\n  - name: app\n    image: ghcr.io/acme/app:1.4.2\n    securityContext:\n      allowPrivilegeEscalation: false\n",
			Helm: "securityContext:\n  allowPrivilegeEscalation: false\n",
		},
		Check: privilegeEscalation,
	},
	{
		ID:       "privileged-container",
		Category: "security",
		Severity: Error,
		Summary:  "Container runs privileged",
		Doc: Doc{
			Why: "A privileged container gets every capability, all host devices and no seccomp or AppArmor " +
				"confinement: it is effectively root on the node. Anyone who compromises it owns the node and " +
				"every other pod scheduled there.",
			Fix: "Remove privileged: true. Grant the specific capability the workload needs in " +
				"capabilities.add instead, or move node-level work to a dedicated, audited DaemonSet.",
			Bad:  "securityContext:\n  privileged: true\n",
			Good: "securityContext:\n  privileged: false\n  allowPrivilegeEscalation: false\n",
			Helm: "securityContext:\n  privileged: false\n",
		},
		Check: privilegedContainer,
	},
	{
		ID:       "writable-root-filesystem",
		Category: "security",
		Severity: Warning,
		Summary:  "Container root filesystem is writable",
		Doc: Doc{
			Why: "A writable root filesystem lets an attacker drop tools, modify binaries or plant " +
				"persistence inside the running container, and lets the application itself write state that " +
				"silently disappears on restart. A read-only root makes every write location explicit.",
			Fix: "Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir volume at each path " +
				"the application must write to (for example /tmp or a cache directory).",
			Bad: "containers:\n  - name: app\n    image: ghcr.io/acme/app:1.4.2\n",
			Good: "containers:\n  - name: app\n    image: ghcr.io/acme/app:1.4.2\n    securityContext:\n" +
				"      readOnlyRootFilesystem: true\n    volumeMounts:\n      - name: tmp\n        mountPath: /tmp\n" +
				"volumes:\n  - name: tmp\n    emptyDir: {}\n",
			Helm: "securityContext:\n  readOnlyRootFilesystem: true\n",
		},
		Check: writableRootFilesystem,
	},
	{
		ID:       "capabilities-not-dropped",
		Category: "security",
		Severity: Warning,
		Summary:  "Container does not drop all Linux capabilities",
		Doc: Doc{
			Why: "Container runtimes grant a default set of capabilities (such as NET_RAW, CHOWN, SETUID and " +
				"DAC_OVERRIDE) that most applications never use. Each one widens what an attacker can do " +
				"after getting code execution, for example NET_RAW allows crafting packets to spoof traffic " +
				"on the pod network.",
			Fix: "Set capabilities.drop: [\"ALL\"] and add back only what the application needs " +
				"(typically nothing, or NET_BIND_SERVICE to bind ports below 1024).",
			Bad:  "securityContext:\n  capabilities:\n    drop: [\"NET_RAW\"]\n",
			Good: "securityContext:\n  capabilities:\n    drop: [\"ALL\"]\n",
			Helm: "securityContext:\n  capabilities:\n    drop: [\"ALL\"]\n",
		},
		Check: capabilitiesNotDropped,
	},
	{
		ID:       "dangerous-capability",
		Category: "security",
		Severity: Error,
		Summary:  "Container adds a dangerous Linux capability",
		Doc: Doc{
			Why: "Capabilities such as SYS_ADMIN, SYS_MODULE, SYS_PTRACE, BPF or NET_ADMIN give a container " +
				"kernel-level powers: mounting filesystems, loading kernel modules, reading other processes' " +
				"memory or reconfiguring the node's network. Most are a short step from full node compromise, " +
				"and adding ALL is as bad as privileged.",
			Fix: "Remove the capability from capabilities.add. If a component truly needs it (a CNI plugin, " +
				"a node agent), isolate it in its own namespace with a narrowly scoped admission exception.",
			Bad:  "securityContext:\n  capabilities:\n    drop: [\"ALL\"]\n    add: [\"SYS_ADMIN\"]\n",
			Good: "securityContext:\n  capabilities:\n    drop: [\"ALL\"]\n    add: [\"NET_BIND_SERVICE\"]\n",
			Helm: "securityContext:\n  capabilities:\n    drop: [\"ALL\"]\n    add: [\"NET_BIND_SERVICE\"]\n",
		},
		Check: dangerousCapability,
	},
	{
		ID:       "missing-seccomp-profile",
		Category: "security",
		Severity: Warning,
		Summary:  "Container runs without a seccomp profile",
		Doc: Doc{
			Why: "Without a seccomp profile a container can make every system call the kernel offers, " +
				"including rarely used ones behind many container-escape exploits. Kubernetes runs containers " +
				"Unconfined unless a profile is set. The legacy seccomp.security.alpha.kubernetes.io " +
				"annotations were removed from Kubernetes and are not honoured here.",
			Fix: "Set seccompProfile.type: RuntimeDefault in the pod securityContext (containers inherit it " +
				"unless they override it), or Localhost with a profile installed on the nodes. Remove " +
				"Unconfined overrides.",
			Bad:  "securityContext:\n  runAsNonRoot: true\n",
			Good: "securityContext:\n  runAsNonRoot: true\n  seccompProfile:\n    type: RuntimeDefault\n",
			Helm: "podSecurityContext:\n  seccompProfile:\n    type: RuntimeDefault\n",
		},
		Check: missingSeccompProfile,
	},
}

// dangerousCapabilities are capabilities that give kernel- or node-level power.
var dangerousCapabilities = map[string]bool{
	"ALL": true, "SYS_ADMIN": true, "NET_ADMIN": true, "NET_RAW": true, "SYS_PTRACE": true,
	"SYS_MODULE": true, "SYS_RAWIO": true, "DAC_READ_SEARCH": true, "BPF": true, "SYS_BOOT": true,
	"SYS_TIME": true, "MAC_ADMIN": true, "MAC_OVERRIDE": true, "PERFMON": true,
}

// securityContainers includes ephemeral containers: they share the node's kernel like the others.
func securityContainers(s *Subject) []Container {
	if s.Pod == nil {
		return nil
	}
	return s.Pod.Containers(true, true)
}

// linuxContainers skips Windows pods, which cannot set the Linux-only fields.
func linuxContainers(s *Subject) []Container {
	if s.Pod == nil || s.Pod.Spec.OS != nil && s.Pod.Spec.OS.Name == corev1.Windows {
		return nil
	}
	return securityContainers(s)
}

// contextPath is the path of a key in the container's securityContext.
func contextPath(c Container, keys ...string) manifest.Path {
	return c.Path.Key("securityContext").Key(keys...)
}

// podContextPath is the path of a key in the pod's securityContext.
func podContextPath(p *Pod, keys ...string) manifest.Path {
	return p.SpecPath.Key("securityContext").Key(keys...)
}

// setting tells the reader which securityContext to edit: the container's or the pod's.
func setting(fromPod bool, what string) string {
	if fromPod {
		return "inherits " + what + " from the pod securityContext"
	}
	return "sets " + what
}

// runAsSettings keeps the path of each effective key so findings point where the edit belongs.
type runAsSettings struct {
	user        *int64
	userPath    manifest.Path
	userFromPod bool
	nonRoot     *bool
	nonPath     manifest.Path
	nonFromPod  bool
}

func effectiveRunAs(p *Pod, c Container) runAsSettings {
	var r runAsSettings
	if sc := c.SecurityContext; sc != nil {
		if sc.RunAsUser != nil {
			r.user, r.userPath = sc.RunAsUser, contextPath(c, "runAsUser")
		}
		if sc.RunAsNonRoot != nil {
			r.nonRoot, r.nonPath = sc.RunAsNonRoot, contextPath(c, "runAsNonRoot")
		}
	}
	if psc := p.Spec.SecurityContext; psc != nil {
		if r.user == nil && psc.RunAsUser != nil {
			r.user, r.userPath, r.userFromPod = psc.RunAsUser, podContextPath(p, "runAsUser"), true
		}
		if r.nonRoot == nil && psc.RunAsNonRoot != nil {
			r.nonRoot, r.nonPath, r.nonFromPod = psc.RunAsNonRoot, podContextPath(p, "runAsNonRoot"), true
		}
	}
	return r
}

func runAsRoot(s *Subject) []Result {
	var out []Result
	for _, c := range linuxContainers(s) {
		r := effectiveRunAs(s.Pod, c)
		switch {
		case r.user != nil && *r.user == 0:
			msg := fmt.Sprintf("%s %s and runs as root", c.Describe(), setting(r.userFromPod, "runAsUser: 0"))
			if r.nonRoot != nil && *r.nonRoot {
				msg = fmt.Sprintf("%s %s while runAsNonRoot is true; the kubelet will refuse to start it",
					c.Describe(), setting(r.userFromPod, "runAsUser: 0"))
			}
			out = append(out, Result{Path: r.userPath, Message: msg})
		case r.nonRoot != nil && !*r.nonRoot && r.user == nil: // a non-zero runAsUser still keeps it off UID 0
			out = append(out, Result{
				Path: r.nonPath,
				Message: fmt.Sprintf("%s %s, so nothing stops it running as root",
					c.Describe(), setting(r.nonFromPod, "runAsNonRoot: false")),
			})
		case r.nonRoot == nil && r.user == nil:
			out = append(out, Result{
				Path: contextPath(c, "runAsNonRoot"),
				Message: fmt.Sprintf("%s may run as root: neither it nor the pod sets runAsNonRoot: true or a non-zero runAsUser",
					c.Describe()),
			})
		}
	}
	return out
}

func privilegeEscalation(s *Subject) []Result {
	var out []Result
	for _, c := range linuxContainers(s) {
		sc := c.SecurityContext
		switch {
		case sc == nil || sc.AllowPrivilegeEscalation == nil:
			out = append(out, Result{
				Path:    contextPath(c, "allowPrivilegeEscalation"),
				Message: fmt.Sprintf("%s does not set allowPrivilegeEscalation: false", c.Describe()),
			})
		case *sc.AllowPrivilegeEscalation:
			out = append(out, Result{
				Path:    contextPath(c, "allowPrivilegeEscalation"),
				Message: fmt.Sprintf("%s sets allowPrivilegeEscalation: true", c.Describe()),
			})
		}
	}
	return out
}

func privilegedContainer(s *Subject) []Result {
	var out []Result
	for _, c := range securityContainers(s) {
		if sc := c.SecurityContext; sc != nil && sc.Privileged != nil && *sc.Privileged {
			out = append(out, Result{
				Path:    contextPath(c, "privileged"),
				Message: fmt.Sprintf("%s runs privileged, with full access to the node", c.Describe()),
			})
		}
	}
	return out
}

func writableRootFilesystem(s *Subject) []Result {
	var out []Result
	for _, c := range linuxContainers(s) {
		sc := c.SecurityContext
		if sc != nil && sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem {
			continue
		}
		msg := fmt.Sprintf("%s does not set readOnlyRootFilesystem: true", c.Describe())
		if sc != nil && sc.ReadOnlyRootFilesystem != nil {
			msg = fmt.Sprintf("%s sets readOnlyRootFilesystem: false", c.Describe())
		}
		out = append(out, Result{Path: contextPath(c, "readOnlyRootFilesystem"), Message: msg})
	}
	return out
}

func capabilitiesNotDropped(s *Subject) []Result {
	var out []Result
	for _, c := range linuxContainers(s) {
		var drop []corev1.Capability
		if sc := c.SecurityContext; sc != nil && sc.Capabilities != nil {
			drop = sc.Capabilities.Drop
		}
		all := false
		for _, d := range drop {
			if strings.EqualFold(string(d), "ALL") {
				all = true
				break
			}
		}
		if all {
			continue
		}
		out = append(out, Result{
			Path:    contextPath(c, "capabilities", "drop"),
			Message: fmt.Sprintf("%s does not drop ALL capabilities", c.Describe()),
		})
	}
	return out
}

// capabilityName folds cap_sys_admin and SYS_ADMIN together, as container runtimes do.
func capabilityName(c corev1.Capability) string {
	n := strings.ToUpper(strings.TrimSpace(string(c)))
	return strings.TrimPrefix(n, "CAP_")
}

func dangerousCapability(s *Subject) []Result {
	var out []Result
	for _, c := range linuxContainers(s) {
		sc := c.SecurityContext
		if sc == nil || sc.Capabilities == nil {
			continue
		}
		for i, a := range sc.Capabilities.Add {
			name := capabilityName(a)
			if !dangerousCapabilities[name] {
				continue
			}
			out = append(out, Result{
				Path:    contextPath(c, "capabilities", "add").Index(i),
				Message: fmt.Sprintf("%s adds capability %s", c.Describe(), name),
			})
		}
	}
	return out
}

func missingSeccompProfile(s *Subject) []Result {
	var out []Result
	for _, c := range linuxContainers(s) {
		profile, at, fromPod := effectiveSeccomp(s.Pod, c)
		if profile == nil {
			out = append(out, Result{
				Path:    contextPath(c, "seccompProfile"),
				Message: fmt.Sprintf("%s has no seccomp profile, neither its own nor the pod's", c.Describe()),
			})
			continue
		}
		switch profile.Type {
		case corev1.SeccompProfileTypeRuntimeDefault, corev1.SeccompProfileTypeLocalhost:
			continue
		case "":
			out = append(out, Result{
				Path:    at.Key("type"),
				Message: fmt.Sprintf("%s %s", c.Describe(), setting(fromPod, "a seccompProfile without a type")),
			})
		default:
			out = append(out, Result{
				Path: at.Key("type"),
				Message: fmt.Sprintf("%s %s; use RuntimeDefault or Localhost",
					c.Describe(), setting(fromPod, "seccompProfile type "+string(profile.Type))),
			})
		}
	}
	return out
}

// effectiveSeccomp applies Kubernetes' precedence: the container's profile, else the pod's.
func effectiveSeccomp(p *Pod, c Container) (*corev1.SeccompProfile, manifest.Path, bool) {
	if sc := c.SecurityContext; sc != nil && sc.SeccompProfile != nil {
		return sc.SeccompProfile, contextPath(c, "seccompProfile"), false
	}
	if psc := p.Spec.SecurityContext; psc != nil && psc.SeccompProfile != nil {
		return psc.SeccompProfile, podContextPath(p, "seccompProfile"), true
	}
	return nil, nil, false
}
