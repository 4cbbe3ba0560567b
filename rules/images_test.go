package rules

import (
	"fmt"
	"strings"
	"testing"
)

// imageSubject builds a Subject from one YAML document, located in images.yaml.
func imageSubject(t *testing.T, src string) *Subject {
	t.Helper()
	return subjectFromYAML(t, "images.yaml", "", src)
}

// imageFindings runs rule id on src and renders each result as
// "file:line path: message".
func imageFindings(t *testing.T, id, src string) []string {
	t.Helper()
	r, ok := ByID(id)
	if !ok {
		t.Fatalf("rule %s is not registered", id)
	}
	s := imageSubject(t, src)
	var out []string
	for _, res := range r.Check(s) {
		loc, _ := s.Object.Locator.Locate(res.Path)
		out = append(out, fmt.Sprintf("%s:%d %s: %s", loc.File, loc.Line, res.Path, res.Message))
	}
	return out
}

func TestParseImage(t *testing.T) {
	const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for _, tc := range []struct {
		image, tag, digest string
	}{
		{"nginx", "", ""},
		{"nginx:1.27", "1.27", ""},
		{"nginx:latest", "latest", ""},
		{"registry.local:5000/app", "", ""},
		{"registry.local:5000/team/app:2.0.1", "2.0.1", ""},
		{"localhost:5000/app:latest", "latest", ""},
		{"nginx@" + digest, "", digest},
		{"nginx:latest@" + digest, "latest", digest},
		{"registry.local:5000/app@" + digest, "", digest},
		{"nginx@latest", "", ""},
		{"nginx@sha256:", "", ""},
		{"nginx@SHA256:abc", "", ""},
	} {
		got := parseImage(tc.image)
		if got.Tag != tc.tag || got.Digest != tc.digest {
			t.Errorf("parseImage(%q) = tag %q digest %q, want tag %q digest %q", tc.image, got.Tag, got.Digest, tc.tag, tc.digest)
		}
	}
}

// imagePod has one container per interesting image reference; line numbers
// in the tests below refer to this text.
const imagePod = `apiVersion: v1
kind: Pod
metadata:
  name: images
spec:
  initContainers:
    - name: setup
      image: busybox
  containers:
    - name: latest
      image: nginx:latest
    - name: versioned
      image: nginx:1.27.3
    - name: port-only
      image: registry.local:5000/app
    - name: port-and-tag
      image: registry.local:5000/app:2.0.1
    - name: pinned-latest
      image: nginx:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    - name: digest-only
      image: nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    - name: empty
      image: ""
    - name: no-image
    - name: upper
      image: ghcr.io/acme/web:LATEST
  ephemeralContainers:
    - name: debug
      image: busybox:latest
`

func TestImageTagLatest(t *testing.T) {
	got := imageFindings(t, "image-tag-latest", imagePod)
	want := []string{
		`images.yaml:11 spec.containers[0].image: container "latest" uses image "nginx:latest" with the moving tag "latest"`,
		`images.yaml:15 spec.containers[2].image: container "port-only" uses image "registry.local:5000/app" without a tag, which pulls the moving "latest"`,
		`images.yaml:26 spec.containers[8].image: container "upper" uses image "ghcr.io/acme/web:LATEST" with the moving tag "LATEST"`,
		`images.yaml:8 spec.initContainers[0].image: init container "setup" uses image "busybox" without a tag, which pulls the moving "latest"`,
		`images.yaml:29 spec.ephemeralContainers[0].image: ephemeral container "debug" uses image "busybox:latest" with the moving tag "latest"`,
	}
	assertImageFindings(t, got, want)
}

func TestImageNotPinnedByDigest(t *testing.T) {
	got := imageFindings(t, "image-not-pinned-by-digest", imagePod)
	want := []string{
		`images.yaml:11 spec.containers[0].image: container "latest" uses image "nginx:latest", which is not pinned by digest`,
		`images.yaml:13 spec.containers[1].image: container "versioned" uses image "nginx:1.27.3", which is not pinned by digest`,
		`images.yaml:15 spec.containers[2].image: container "port-only" uses image "registry.local:5000/app", which is not pinned by digest`,
		`images.yaml:17 spec.containers[3].image: container "port-and-tag" uses image "registry.local:5000/app:2.0.1", which is not pinned by digest`,
		`images.yaml:26 spec.containers[8].image: container "upper" uses image "ghcr.io/acme/web:LATEST", which is not pinned by digest`,
		`images.yaml:8 spec.initContainers[0].image: init container "setup" uses image "busybox", which is not pinned by digest`,
		`images.yaml:29 spec.ephemeralContainers[0].image: ephemeral container "debug" uses image "busybox:latest", which is not pinned by digest`,
	}
	assertImageFindings(t, got, want)
}

func TestImageRulesInCronJob(t *testing.T) {
	const src = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: report
              image: ghcr.io/acme/report
`
	assertImageFindings(t, imageFindings(t, "image-tag-latest", src), []string{
		`images.yaml:14 spec.jobTemplate.spec.template.spec.containers[0].image: container "report" uses image "ghcr.io/acme/report" without a tag, which pulls the moving "latest"`,
	})
}

func TestImageRulesIgnoreObjectsWithoutPods(t *testing.T) {
	const src = `apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
data:
  image: nginx:latest
`
	for _, id := range []string{"image-tag-latest", "image-not-pinned-by-digest"} {
		if got := imageFindings(t, id, src); len(got) != 0 {
			t.Errorf("%s on a ConfigMap: %q", id, got)
		}
	}
}

func assertImageFindings(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
