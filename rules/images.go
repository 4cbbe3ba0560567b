package rules

import (
	"fmt"
	"strings"
)

var imageRules = []*Rule{
	{
		ID:       "image-tag-latest",
		Category: "images",
		Severity: Warning,
		Summary:  "Container image uses the latest tag or no tag",
		Doc: Doc{
			Why: "An image without a tag pulls \"latest\", and \"latest\" moves every time someone pushes. " +
				"Two replicas of the same Deployment can then run different code, a node restart can " +
				"silently upgrade a pod, and a rollback to the previous manifest does not bring back the " +
				"previous image. Incidents become hard to reproduce because nobody knows what was running.",
			Fix: "Reference an immutable version tag (ghcr.io/acme/web:1.4.2), ideally one produced by " +
				"your release process, or pin the image by digest.",
			Bad:  "containers:\n  - name: app\n    image: ghcr.io/acme/web:latest\n",
			Good: "containers:\n  - name: app\n    image: ghcr.io/acme/web:1.4.2\n",
			Helm: "image:\n  repository: ghcr.io/acme/web\n  tag: \"1.4.2\"\n",
		},
		Check: imageTagLatest,
	},
	{
		ID:       "image-not-pinned-by-digest",
		Category: "images",
		Severity: Info,
		Summary:  "Container image is not pinned by digest",
		Optional: true,
		Doc: Doc{
			Why: "Tags are mutable: a registry user can push different content under 1.4.2, and a " +
				"compromised registry or a careless re-tag changes what your pods run without any " +
				"change to the manifest. A digest names exactly one image, so every node runs the same " +
				"bytes and supply-chain checks (signatures, scans) apply to what actually runs.",
			Fix: "Append the image digest to the reference (ghcr.io/acme/web:1.4.2@sha256:...), usually " +
				"by having CI or a tool such as your image updater resolve tags to digests.",
			Bad: "containers:\n  - name: app\n    image: ghcr.io/acme/web:1.4.2\n",
			Good: "containers:\n  - name: app\n    image: ghcr.io/acme/web:1.4.2@sha256:" +
				"4f1c2b0e9d8a7c6b5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d\n",
			Helm: "image:\n  repository: ghcr.io/acme/web\n  tag: \"1.4.2\"\n" +
				"  digest: sha256:4f1c2b0e9d8a7c6b5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d\n",
		},
		Check: imageNotPinned,
	},
}

// imageRef is a container image reference split into the parts rules use.
type imageRef struct {
	Tag    string // "" when the reference has no tag
	Digest string // "" when the reference has no valid digest
}

// parseImage splits name[:tag][@digest]. The tag is whatever follows the last
// ':' after the last '/', so a registry port (registry.local:5000/app) is not
// mistaken for a tag.
func parseImage(image string) imageRef {
	var ref imageRef
	name := image
	if at := strings.IndexByte(image, '@'); at >= 0 {
		name = image[:at]
		if d := image[at+1:]; validDigest(d) {
			ref.Digest = d
		}
	}
	last := name[strings.LastIndexByte(name, '/')+1:]
	if colon := strings.LastIndexByte(last, ':'); colon >= 0 {
		ref.Tag = last[colon+1:]
	}
	return ref
}

// validDigest follows the OCI digest grammar (algorithm ":" encoded) without
// checking lengths: a malformed digest fails at pull time, not silently.
func validDigest(d string) bool {
	algo, enc, ok := strings.Cut(d, ":")
	if !ok || algo == "" || enc == "" {
		return false
	}
	for _, r := range algo {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || strings.ContainsRune("+._-", r)) {
			return false
		}
	}
	for _, r := range enc {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("=_-", r)) {
			return false
		}
	}
	return true
}

// imageContainers are every container whose image a pod pulls.
func imageContainers(s *Subject) []Container {
	if s.Pod == nil {
		return nil
	}
	return s.Pod.Containers(true, true)
}

func imageTagLatest(s *Subject) []Result {
	var out []Result
	for _, c := range imageContainers(s) {
		image := strings.TrimSpace(c.Image)
		if image == "" {
			continue
		}
		ref := parseImage(image)
		if ref.Digest != "" {
			continue
		}
		var msg string
		switch {
		case ref.Tag == "":
			msg = fmt.Sprintf("%s uses image %s without a tag, which pulls the moving \"latest\"", c.Describe(), quote(image))
		case strings.EqualFold(ref.Tag, "latest"):
			msg = fmt.Sprintf("%s uses image %s with the moving tag %s", c.Describe(), quote(image), quote(ref.Tag))
		default:
			continue
		}
		out = append(out, Result{Path: c.Path.Key("image"), Message: msg})
	}
	return out
}

func imageNotPinned(s *Subject) []Result {
	var out []Result
	for _, c := range imageContainers(s) {
		image := strings.TrimSpace(c.Image)
		if image == "" || parseImage(image).Digest != "" {
			continue
		}
		out = append(out, Result{
			Path:    c.Path.Key("image"),
			Message: fmt.Sprintf("%s uses image %s, which is not pinned by digest", c.Describe(), quote(image)),
		})
	}
	return out
}
