package rules

// Rules about a chart's values.schema.json. The Helm renderer checks values
// against the schema itself, offline, and reports these findings at the
// values-file line (violations) or the schema line (refused $refs).
var helmSchemaRules = []*Rule{
	{
		ID:       "values-schema-violation",
		Category: "helm",
		Severity: Error,
		Summary:  "Values do not satisfy the chart's values.schema.json",
		Doc: Doc{
			Why: "A chart's values.schema.json is the chart author's contract for its values. `helm " +
				"install` and `helm upgrade` validate the merged values (chart defaults, every -f file and " +
				"--set) against it and refuse to render when they do not match, so a pipeline that " +
				"lints fine fails at deploy time. A type slip such as `replicaCount: \"3\"` or a " +
				"misspelt enum value is caught here, before it reaches a cluster. A schema that is not " +
				"valid JSON, or that kready cannot check in bounded time, is reported under this rule " +
				"too: Helm would refuse or hang on it as well.",
			Fix: "Change the value at the reported path to what the schema asks for (the message names " +
				"the expected type, allowed values or missing property). If the schema itself is wrong, " +
				"fix values.schema.json in the chart rather than disabling the rule.",
			Bad: "# values.schema.json: replicaCount is an integer, service.type one of ClusterIP, NodePort\n" +
				"replicaCount: \"3\"\n" +
				"service:\n  type: Loadbalancer\n",
			Good: "replicaCount: 3\n" +
				"service:\n  type: NodePort\n",
			Helm: "# values from the command line are checked too: --set-string replicaCount=3 gives a\n" +
				"# string the schema refuses, --set replicaCount=3 gives the integer it wants\n" +
				"replicaCount: 3\n",
		},
		Renderer: "helm",
	},
	{
		ID:       "values-schema-remote-ref",
		Category: "helm",
		Severity: Warning,
		Summary:  "values.schema.json refers to a schema outside the chart, which kready does not fetch",
		Doc: Doc{
			Why: "Since Helm 3.19 the schema check follows `$ref`s to http(s) URLs and reads `file://` and " +
				"absolute paths from the machine running Helm. Installs then depend on a third-party " +
				"server being up and unchanged, can hang for the 15 s fetch timeout on a restricted " +
				"network, and the validation result depends on files outside the chart. kready never " +
				"fetches or reads them: it checks the rest of the schema and treats the referenced part " +
				"as accepting anything, so values in that part were not checked.",
			Fix: "Vendor the referenced schema into the chart (for example `schemas/k8s-resources.json`) " +
				"and refer to it with a relative `$ref`, or inline it under `$defs`/`definitions` and " +
				"refer to it with `#/$defs/...`.",
			Bad: "{\n  \"properties\": {\n    \"resources\": {\n" +
				"      \"$ref\": \"https://schemas.example.com/k8s/resources.json\"\n    }\n  }\n}\n",
			Good: "{\n  \"properties\": {\n    \"resources\": {\"$ref\": \"#/$defs/resources\"}\n  },\n" +
				"  \"$defs\": {\n    \"resources\": {\"type\": \"object\"}\n  }\n}\n",
			Helm: "# or vendor the file into the chart and refer to it relative to values.schema.json\n" +
				"# web/schemas/resources.json, copied from schemas.example.com\n" +
				"\"resources\": {\"$ref\": \"schemas/resources.json\"}\n",
		},
		Renderer: "helm",
	},
}
