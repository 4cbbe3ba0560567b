package rules

import "fmt"

var yamlRules = []*Rule{
	{
		ID:       "duplicate-key",
		Category: "yaml",
		Severity: Error,
		Summary:  "A key is given twice in one mapping",
		Doc: Doc{
			Why: "When a key appears twice, kubectl's and Helm's YAML readers silently keep the last " +
				"value, so the first one is dead text that reviewers still read and trust; the API " +
				"server rejects the object outright under strict field validation (kubectl's default " +
				"since Kubernetes 1.27). Duplicates usually come from a merge conflict or from a " +
				"template that writes a key both literally and through toYaml.",
			Fix: "Keep one of the two entries. kready lints the object as the readers see it, with " +
				"the last value, and points at the key that wins.",
			Bad:  "securityContext:\n  runAsNonRoot: true\n  readOnlyRootFilesystem: true\n  runAsNonRoot: false\n",
			Good: "securityContext:\n  runAsNonRoot: true\n  readOnlyRootFilesystem: true\n",
			Helm: "# a template that renders a key twice, e.g. a literal key plus the same key from\n" +
				"# {{ toYaml .Values.podLabels }}: drop one of the two sources\n",
		},
		Check: duplicateKeys,
	},
}

func duplicateKeys(s *Subject) []Result {
	var out []Result
	for _, p := range s.Object.Duplicates {
		key := p[len(p)-1].Key
		out = append(out, Result{
			Path:    p,
			Message: fmt.Sprintf("key %q is given twice in one mapping; the last value wins and strict validation rejects the object", key),
		})
	}
	return out
}
