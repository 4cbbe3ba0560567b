package rules

import (
	"fmt"
	"strings"
	"testing"
)

// hostSubject builds a Subject from one YAML document, with a locator so
// results can be checked down to the line.
func hostSubject(t *testing.T, doc string) *Subject {
	t.Helper()
	return subjectFromYAML(t, "host.yaml", "t", doc)
}

// hostRun runs rule id on doc and renders each result as "line path: message".
func hostRun(t *testing.T, id, doc string) []string {
	t.Helper()
	r, ok := ByID(id)
	if !ok {
		t.Fatalf("rule %s is not registered", id)
	}
	s := hostSubject(t, doc)
	var out []string
	for _, res := range r.Check(s) {
		loc, _ := s.Object.Locator.Locate(res.Path)
		out = append(out, fmt.Sprintf("%d %s: %s", loc.Line, res.Path, res.Message))
	}
	return out
}

func hostExpect(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

const hostAgent = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  template:
    spec:
      hostNetwork: true
      hostPID: yes
      hostIPC: false
      containers:
        - name: agent
          image: ghcr.io/acme/agent:1.4.2
`

func TestHostNamespaces(t *testing.T) {
	hostExpect(t, hostRun(t, "host-network", hostAgent),
		"8 spec.template.spec.hostNetwork: pod shares the node's network namespace (hostNetwork: true)")
	// yes is a YAML 1.1 boolean that kubectl reads as true.
	hostExpect(t, hostRun(t, "host-pid", hostAgent),
		"9 spec.template.spec.hostPID: pod shares the node's process namespace (hostPID: true)")
	hostExpect(t, hostRun(t, "host-ipc", hostAgent))
}

func TestHostNamespacesPodAndCronJob(t *testing.T) {
	pod := `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  hostIPC: true
  containers:
    - name: app
      image: ghcr.io/acme/app:1.4.2
`
	hostExpect(t, hostRun(t, "host-ipc", pod),
		"6 spec.hostIPC: pod shares the node's IPC namespace (hostIPC: true)")
	cron := `apiVersion: batch/v1
kind: CronJob
metadata:
  name: c
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          hostNetwork: true
          containers:
            - name: job
              image: ghcr.io/acme/job:1.4.2
`
	hostExpect(t, hostRun(t, "host-network", cron),
		"12 spec.jobTemplate.spec.template.spec.hostNetwork: pod shares the node's network namespace (hostNetwork: true)")
}

func TestHostRulesIgnoreObjectsWithoutPods(t *testing.T) {
	cm := `apiVersion: v1
kind: ConfigMap
metadata:
  name: c
data:
  hostNetwork: "true"
`
	for _, id := range []string{"host-network", "host-pid", "host-ipc", "host-path-volume", "host-port", "docker-socket-mount"} {
		hostExpect(t, hostRun(t, id, cm))
	}
}

const hostVolumes = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  template:
    spec:
      containers:
        - name: agent
          image: ghcr.io/acme/agent:1.4.2
      volumes:
        - name: scratch
          emptyDir: {}
        - name: logs
          hostPath:
            path: /var/log
            type: Directory
        - name: docker
          hostPath:
            path: /var/run/docker.sock/
        - name: run
          hostPath:
            path: //run
        - name: broken
          hostPath: {}
        - name: defaulted
          hostPath: null
`

func TestHostPathVolume(t *testing.T) {
	hostExpect(t, hostRun(t, "host-path-volume", hostVolumes),
		`15 spec.template.spec.volumes[1].hostPath: volume "logs" mounts host path "/var/log"`,
		`19 spec.template.spec.volumes[2].hostPath: volume "docker" mounts host path "/var/run/docker.sock/"`,
		`22 spec.template.spec.volumes[3].hostPath: volume "run" mounts host path "//run"`,
		`25 spec.template.spec.volumes[4].hostPath: volume "broken" is a hostPath volume without a path`)
}

func TestDockerSocketMountAlsoHostPath(t *testing.T) {
	hostExpect(t, hostRun(t, "docker-socket-mount", hostVolumes),
		`20 spec.template.spec.volumes[2].hostPath.path: volume "docker" mounts the container runtime socket /var/run/docker.sock`,
		`23 spec.template.spec.volumes[3].hostPath.path: volume "run" mounts /run, which holds the container runtime socket`)
}

func TestDockerSocketMountPaths(t *testing.T) {
	cases := map[string]bool{
		"/var/run/docker.sock":                 true,
		"/run/docker.sock":                     true,
		"/var/run/containerd/containerd.sock":  true,
		"/run/containerd/containerd.sock":      true,
		"/var/run/crio/crio.sock":              true,
		"/run/crio/crio.sock":                  true,
		"/var/run/cri-dockerd.sock":            true,
		"/var/run":                             true,
		"/run":                                 true,
		"/var/run/docker":                      true,
		"/run/containerd":                      true,
		"/var/run/containerd":                  true,
		"/var/run/":                            true,
		"/run/containerd//":                    true,
		"/var/lib/../run/docker.sock":          true,
		"/var/run/./crio/crio.sock":            true,
		"/var/run/secrets":                     false,
		"/var/lib/docker":                      false,
		"/var/log":                             false,
		"/runner":                              false,
		"/var/run/docker.sock.bak":             false,
		"var/run/docker.sock":                  false,
		"/home/ci/var/run/docker.sock":         false,
		"/var/run/containerd/containerd.sock2": false,
	}
	for p, want := range cases {
		doc := "kind: Pod\nspec:\n  containers:\n    - name: app\n      image: ghcr.io/acme/app:1.4.2\n" +
			"  volumes:\n    - name: v\n      hostPath:\n        path: " + p + "\n"
		got := hostRun(t, "docker-socket-mount", doc)
		if (len(got) == 1) != want || len(got) > 1 {
			t.Errorf("path %q: got %q, want finding: %v", p, got, want)
			continue
		}
		if want && !strings.HasPrefix(got[0], "9 spec.volumes[0].hostPath.path: ") {
			t.Errorf("path %q: finding at %q, want line 9 spec.volumes[0].hostPath.path", p, got[0])
		}
	}
}

func TestHostPort(t *testing.T) {
	doc := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      initContainers:
        - name: setup
          image: ghcr.io/acme/setup:1.4.2
          ports:
            - containerPort: 53
              hostPort: 5353
              protocol: UDP
      containers:
        - name: app
          image: ghcr.io/acme/app:1.4.2
          ports:
            - name: http
              containerPort: 8080
            - name: metrics
              containerPort: 9090
              hostPort: 0
            - name: admin
              containerPort: 8081
              hostPort: 18081
      ephemeralContainers:
        - name: debug
          image: ghcr.io/acme/debug:1.4.2
          ports:
            - containerPort: 7000
              hostPort: 7000
`
	hostExpect(t, hostRun(t, "host-port", doc),
		`26 spec.template.spec.containers[0].ports[2].hostPort: container "app" binds host port 18081/TCP (containerPort 8081)`,
		`13 spec.template.spec.initContainers[0].ports[0].hostPort: init container "setup" binds host port 5353/UDP (containerPort 53)`)
}
