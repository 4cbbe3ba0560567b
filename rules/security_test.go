package rules

import (
	"fmt"
	"strings"
	"testing"
)

// securitySubject carries a locator so results can be checked down to the line.
func securitySubject(t *testing.T, doc string) *Subject {
	t.Helper()
	return subjectFromYAML(t, "sec.yaml", "sec", doc)
}

// securityCheck renders results as "line path: message" so one string pins all three.
func securityCheck(t *testing.T, id, doc string) []string {
	t.Helper()
	r, ok := ByID(id)
	if !ok {
		t.Fatalf("rule %s is not registered", id)
	}
	s := securitySubject(t, doc)
	var out []string
	for _, res := range r.Check(s) {
		loc, _ := s.Object.Locator.Locate(res.Path)
		out = append(out, fmt.Sprintf("%d %s: %s", loc.Line, res.Path, res.Message))
	}
	return out
}

func securityExpect(t *testing.T, id, doc string, want ...string) {
	t.Helper()
	got := securityCheck(t, id, doc)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\ngot:\n  %s\nwant:\n  %s", id, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// securityPod keeps line numbers predictable: five header lines, then the pod securityContext.
func securityPod(podSC, containers string) string {
	doc := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n"
	if podSC != "" {
		doc += "  securityContext:\n" + indentLines(podSC, 4)
	}
	return doc + containers
}

func indentLines(s string, n int) string {
	pad := strings.Repeat(" ", n)
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = pad + l
	}
	return strings.Join(lines, "\n") + "\n"
}

func TestSeccompDocSaysLegacyAnnotationsIgnored(t *testing.T) {
	if r, _ := ByID("missing-seccomp-profile"); !strings.Contains(r.Doc.Why, "seccomp.security.alpha.kubernetes.io") {
		t.Error("missing-seccomp-profile: Why must say the legacy annotations are not honoured")
	}
}

func TestRunAsRootPodLevelNonRootCoversEveryContainer(t *testing.T) {
	doc := securityPod("runAsNonRoot: true\n", `  containers:
    - name: app
      image: a:1
  initContainers:
    - name: init
      image: a:1
  ephemeralContainers:
    - name: debug
      image: a:1
`)
	securityExpect(t, "run-as-root", doc)
}

func TestRunAsRootPodLevelUserZero(t *testing.T) {
	// Line 8 is the pod's runAsUser; the init container overrides it.
	doc := securityPod("runAsNonRoot: true\nrunAsUser: 0\n", `  containers:
    - name: app
      image: a:1
  initContainers:
    - name: init
      image: a:1
      securityContext:
        runAsUser: 1000
`)
	securityExpect(t, "run-as-root", doc,
		`8 spec.securityContext.runAsUser: container "app" inherits runAsUser: 0 from the pod securityContext while runAsNonRoot is true; the kubelet will refuse to start it`)
}

func TestRunAsRootContainerOverrides(t *testing.T) {
	doc := securityPod("runAsNonRoot: true\n", `  containers:
    - name: app
      image: a:1
      securityContext:
        runAsNonRoot: false
    - name: side
      image: a:1
      securityContext:
        runAsUser: 0
        runAsNonRoot: false
`)
	securityExpect(t, "run-as-root", doc,
		`12 spec.containers[0].securityContext.runAsNonRoot: container "app" sets runAsNonRoot: false, so nothing stops it running as root`,
		`16 spec.containers[1].securityContext.runAsUser: container "side" sets runAsUser: 0 and runs as root`)
}

func TestRunAsRootContainerOverridesPodFalse(t *testing.T) {
	doc := securityPod("runAsNonRoot: false\n", `  containers:
    - name: app
      image: a:1
      securityContext:
        runAsNonRoot: true
    - name: side
      image: a:1
`)
	securityExpect(t, "run-as-root", doc,
		`7 spec.securityContext.runAsNonRoot: container "side" inherits runAsNonRoot: false from the pod securityContext, so nothing stops it running as root`)
}

func TestRunAsRootUnset(t *testing.T) {
	// A missing runAsNonRoot resolves to securityContext, else to the "- name:" line.
	doc := securityPod("", `  containers:
    - name: app
      image: a:1
    - name: side
      image: a:1
      securityContext:
        readOnlyRootFilesystem: true
  ephemeralContainers:
    - name: debug
      image: a:1
`)
	securityExpect(t, "run-as-root", doc,
		`7 spec.containers[0].securityContext.runAsNonRoot: container "app" may run as root: neither it nor the pod sets runAsNonRoot: true or a non-zero runAsUser`,
		`11 spec.containers[1].securityContext.runAsNonRoot: container "side" may run as root: neither it nor the pod sets runAsNonRoot: true or a non-zero runAsUser`,
		`14 spec.ephemeralContainers[0].securityContext.runAsNonRoot: ephemeral container "debug" may run as root: neither it nor the pod sets runAsNonRoot: true or a non-zero runAsUser`)
}

func TestRunAsRootNonZeroUserIsEnough(t *testing.T) {
	doc := securityPod("runAsUser: 10001\n", `  containers:
    - name: app
      image: a:1
    - name: side
      image: a:1
      securityContext:
        runAsUser: 2000
`)
	securityExpect(t, "run-as-root", doc)
}

func TestRunAsRootExplicitFalseWithNonZeroUser(t *testing.T) {
	// A non-zero runAsUser keeps the process off UID 0 whatever runAsNonRoot says.
	doc := securityPod("runAsUser: 10001\n", `  containers:
    - name: app
      image: a:1
      securityContext:
        runAsNonRoot: false
`)
	securityExpect(t, "run-as-root", doc)
}

func TestRunAsRootCronJobInitContainer(t *testing.T) {
	doc := `apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          securityContext:
            runAsNonRoot: true
          initContainers:
            - name: fetch
              image: a:1
              securityContext:
                runAsUser: 0
          containers:
            - name: job
              image: a:1
`
	securityExpect(t, "run-as-root", doc,
		`18 spec.jobTemplate.spec.template.spec.initContainers[0].securityContext.runAsUser: init container "fetch" sets runAsUser: 0 while runAsNonRoot is true; the kubelet will refuse to start it`)
}

func TestPrivilegeEscalationAllowed(t *testing.T) {
	doc := securityPod("", `  containers:
    - name: unset
      image: a:1
    - name: allowed
      image: a:1
      securityContext:
        allowPrivilegeEscalation: true
    - name: denied
      image: a:1
      securityContext:
        allowPrivilegeEscalation: false
  initContainers:
    - name: init
      image: a:1
      securityContext:
        runAsUser: 1000
`)
	securityExpect(t, "privilege-escalation-allowed", doc,
		`7 spec.containers[0].securityContext.allowPrivilegeEscalation: container "unset" does not set allowPrivilegeEscalation: false`,
		`12 spec.containers[1].securityContext.allowPrivilegeEscalation: container "allowed" sets allowPrivilegeEscalation: true`,
		`20 spec.initContainers[0].securityContext.allowPrivilegeEscalation: init container "init" does not set allowPrivilegeEscalation: false`)
}

func TestPrivilegedContainer(t *testing.T) {
	doc := securityPod("", `  containers:
    - name: plain
      image: a:1
      securityContext:
        privileged: false
    - name: priv
      image: a:1
      securityContext:
        privileged: true
  ephemeralContainers:
    - name: debug
      image: a:1
      securityContext:
        privileged: yes
`)
	// "yes" is a YAML 1.1 boolean, as kubectl reads it.
	securityExpect(t, "privileged-container", doc,
		`14 spec.containers[1].securityContext.privileged: container "priv" runs privileged, with full access to the node`,
		`19 spec.ephemeralContainers[0].securityContext.privileged: ephemeral container "debug" runs privileged, with full access to the node`)
}

func TestWritableRootFilesystem(t *testing.T) {
	doc := securityPod("", `  containers:
    - name: unset
      image: a:1
      securityContext:
        runAsUser: 1000
    - name: writable
      image: a:1
      securityContext:
        readOnlyRootFilesystem: false
    - name: readonly
      image: a:1
      securityContext:
        readOnlyRootFilesystem: true
`)
	securityExpect(t, "writable-root-filesystem", doc,
		`9 spec.containers[0].securityContext.readOnlyRootFilesystem: container "unset" does not set readOnlyRootFilesystem: true`,
		`14 spec.containers[1].securityContext.readOnlyRootFilesystem: container "writable" sets readOnlyRootFilesystem: false`)
}

func TestCapabilitiesNotDropped(t *testing.T) {
	doc := securityPod("", `  containers:
    - name: none
      image: a:1
    - name: some
      image: a:1
      securityContext:
        capabilities:
          drop: ["NET_RAW", "CHOWN"]
    - name: addonly
      image: a:1
      securityContext:
        capabilities:
          add: ["NET_BIND_SERVICE"]
    - name: lower
      image: a:1
      securityContext:
        capabilities:
          drop:
            - NET_RAW
            - all
`)
	securityExpect(t, "capabilities-not-dropped", doc,
		`7 spec.containers[0].securityContext.capabilities.drop: container "none" does not drop ALL capabilities`,
		`13 spec.containers[1].securityContext.capabilities.drop: container "some" does not drop ALL capabilities`,
		`17 spec.containers[2].securityContext.capabilities.drop: container "addonly" does not drop ALL capabilities`)
}

func TestDangerousCapability(t *testing.T) {
	doc := securityPod("", `  containers:
    - name: app
      image: a:1
      securityContext:
        capabilities:
          drop: ["ALL"]
          add:
            - NET_BIND_SERVICE
            - cap_sys_admin
            - Net_Raw
            - CHOWN
            - CAP_BPF
            - " perfmon "
  initContainers:
    - name: init
      image: a:1
      securityContext:
        capabilities:
          add: ["ALL"]
`)
	securityExpect(t, "dangerous-capability", doc,
		`14 spec.containers[0].securityContext.capabilities.add[1]: container "app" adds capability SYS_ADMIN`,
		`15 spec.containers[0].securityContext.capabilities.add[2]: container "app" adds capability NET_RAW`,
		`17 spec.containers[0].securityContext.capabilities.add[4]: container "app" adds capability BPF`,
		`18 spec.containers[0].securityContext.capabilities.add[5]: container "app" adds capability PERFMON`,
		`24 spec.initContainers[0].securityContext.capabilities.add[0]: init container "init" adds capability ALL`)
}

func TestDangerousCapabilityList(t *testing.T) {
	for _, name := range []string{"ALL", "SYS_ADMIN", "NET_ADMIN", "NET_RAW", "SYS_PTRACE", "SYS_MODULE",
		"SYS_RAWIO", "DAC_READ_SEARCH", "BPF", "SYS_BOOT", "SYS_TIME", "MAC_ADMIN", "MAC_OVERRIDE", "PERFMON"} {
		doc := securityPod("", "  containers:\n    - name: app\n      image: a:1\n      securityContext:\n"+
			"        capabilities:\n          add: [\"CAP_"+strings.ToLower(name)+"\"]\n")
		if got := securityCheck(t, "dangerous-capability", doc); len(got) != 1 || !strings.HasSuffix(got[0], "adds capability "+name) {
			t.Errorf("%s: got %q", name, got)
		}
	}
	for _, name := range []string{"NET_BIND_SERVICE", "CHOWN", "SETUID", "KILL", "SYS_NICE"} {
		doc := securityPod("", "  containers:\n    - name: app\n      image: a:1\n      securityContext:\n"+
			"        capabilities:\n          add: [\""+name+"\"]\n")
		if got := securityCheck(t, "dangerous-capability", doc); len(got) != 0 {
			t.Errorf("%s: got %q", name, got)
		}
	}
}

func TestMissingSeccompProfile(t *testing.T) {
	doc := securityPod("seccompProfile:\n  type: Unconfined\n", `  containers:
    - name: inherits
      image: a:1
    - name: local
      image: a:1
      securityContext:
        seccompProfile:
          type: Localhost
          localhostProfile: profiles/app.json
    - name: runtime
      image: a:1
      securityContext:
        seccompProfile:
          type: RuntimeDefault
  initContainers:
    - name: empty
      image: a:1
      securityContext:
        seccompProfile: {}
`)
	securityExpect(t, "missing-seccomp-profile", doc,
		`8 spec.securityContext.seccompProfile.type: container "inherits" inherits seccompProfile type Unconfined from the pod securityContext; use RuntimeDefault or Localhost`,
		`27 spec.initContainers[0].securityContext.seccompProfile.type: init container "empty" sets a seccompProfile without a type`)
}

func TestMissingSeccompProfileContainerOverridesPod(t *testing.T) {
	doc := securityPod("seccompProfile:\n  type: RuntimeDefault\n", `  containers:
    - name: inherits
      image: a:1
    - name: loose
      image: a:1
      securityContext:
        seccompProfile:
          type: Unconfined
`)
	securityExpect(t, "missing-seccomp-profile", doc,
		`16 spec.containers[1].securityContext.seccompProfile.type: container "loose" sets seccompProfile type Unconfined; use RuntimeDefault or Localhost`)
}

func TestMissingSeccompProfileIgnoresLegacyAnnotations(t *testing.T) {
	doc := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: legacy
spec:
  template:
    metadata:
      annotations:
        seccomp.security.alpha.kubernetes.io/pod: runtime/default
        container.seccomp.security.alpha.kubernetes.io/app: runtime/default
    spec:
      containers:
        - name: app
          image: a:1
          securityContext:
            runAsNonRoot: true
`
	securityExpect(t, "missing-seccomp-profile", doc,
		`15 spec.template.spec.containers[0].securityContext.seccompProfile: container "app" has no seccomp profile, neither its own nor the pod's`)
}

// Windows pods cannot set the Linux-only fields, so only privileged-container looks at them.
func TestSecurityRulesSkipWindowsPods(t *testing.T) {
	doc := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: win
spec:
  template:
    spec:
      os:
        name: windows
      securityContext:
        runAsUser: 0
      containers:
        - name: app
          image: a:1
          securityContext:
            privileged: true
            allowPrivilegeEscalation: true
            readOnlyRootFilesystem: false
            capabilities:
              add: ["SYS_ADMIN"]
            seccompProfile:
              type: Unconfined
`
	for _, id := range []string{"run-as-root", "privilege-escalation-allowed", "writable-root-filesystem",
		"capabilities-not-dropped", "dangerous-capability", "missing-seccomp-profile"} {
		securityExpect(t, id, doc)
	}
	securityExpect(t, "privileged-container", doc,
		`16 spec.template.spec.containers[0].securityContext.privileged: container "app" runs privileged, with full access to the node`)

	// The same pod on Linux is reported by every rule.
	linux := strings.Replace(doc, "name: windows", "name: linux", 1)
	for _, r := range securityRules {
		if got := securityCheck(t, r.ID, linux); len(got) == 0 {
			t.Errorf("%s: silent on the Linux pod", r.ID)
		}
	}
}

func TestSecurityRulesIgnoreObjectsWithoutPods(t *testing.T) {
	doc := `apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
data:
  securityContext: "privileged: true"
`
	for _, r := range securityRules {
		securityExpect(t, r.ID, doc)
	}
}
