package rules

import (
	"testing"
)

func workloadSubject(t *testing.T, doc string) *Subject {
	t.Helper()
	return subjectFromYAML(t, "w.yaml", "", doc)
}

// A value that a Kubernetes parser rejects (quantity "lots", port true) must
// not hide the rest of the pod spec.
func TestNewSubjectSurvivesInvalidValues(t *testing.T) {
	s := workloadSubject(t, `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      image: a:1
      resources: {requests: {cpu: lots, memory: 1Gi}}
      livenessProbe: {httpGet: {port: true}}
    - name: b
      image: b:1
`)
	cs := s.Pod.Containers(false, false)
	if len(cs) != 2 || cs[1].Name != "b" {
		t.Fatalf("containers after an invalid quantity: %d", len(cs))
	}
	if _, ok := cs[0].Resources.Requests["cpu"]; ok {
		t.Error("invalid cpu quantity kept")
	}
	if q := cs[0].Resources.Requests["memory"]; q.String() != "1Gi" {
		t.Errorf("valid memory request lost: %q", q.String())
	}
}

func TestPodShapes(t *testing.T) {
	for _, tc := range []struct {
		doc, spec string
		batch     bool
	}{
		{"kind: Deployment\nspec: {template: {spec: {containers: [{name: a}]}}}", "spec.template.spec", false},
		{"kind: Job\nspec: {template: {spec: {containers: [{name: a}]}}}", "spec.template.spec", true},
		{"kind: CronJob\nspec: {jobTemplate: {spec: {template: {spec: {containers: [{name: a}]}}}}}", "spec.jobTemplate.spec.template.spec", true},
		{"kind: Pod\nspec: {restartPolicy: Never, containers: [{name: a}]}", "spec", true},
		{"kind: Pod\nspec: {containers: [{name: a}]}", "spec", false},
		{"kind: Rollout\nspec: {template: {spec: {containers: [{name: a}]}}}", "spec.template.spec", false},
		{"kind: PodTemplate\ntemplate: {spec: {containers: [{name: a}]}}", "template.spec", false},
	} {
		s := workloadSubject(t, "apiVersion: v1\n"+tc.doc)
		if s.Pod == nil {
			t.Errorf("%s: no pod found", tc.doc)
			continue
		}
		if got := s.Pod.SpecPath.String(); got != tc.spec || s.Pod.Batch != tc.batch {
			t.Errorf("%s: spec path %s batch %v, want %s %v", tc.doc, got, s.Pod.Batch, tc.spec, tc.batch)
		}
		if len(s.Pod.Spec.Containers) != 1 {
			t.Errorf("%s: containers not decoded", tc.doc)
		}
	}
	if s := workloadSubject(t, "apiVersion: v1\nkind: ConfigMap\ndata: {a: b}"); s.Pod != nil {
		t.Error("ConfigMap has a pod")
	}
}
