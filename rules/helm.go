package rules

// Rules about a chart's own metadata. The Helm renderer detects them while
// loading the chart and reports them at the Chart.yaml line.
var helmRules = []*Rule{
	{
		ID:       "chart-kube-version-mismatch",
		Category: "helm",
		Severity: Error,
		Summary:  "Chart.yaml kubeVersion excludes the Kubernetes version the chart is rendered for",
		Doc: Doc{
			Why: "`kubeVersion` in Chart.yaml is the chart author's statement of which clusters the chart " +
				"works on. `helm install` and `helm template` refuse a chart whose constraint excludes the " +
				"target cluster, so a pipeline that lints fine fails at deploy time. When the constraint " +
				"is right, the templates may use APIs or fields the target cluster does not have; when " +
				"it is stale, it blocks every install until someone edits it. kready renders for " +
				"--kube-version (default: the newest Kubernetes it knows) and reports the mismatch " +
				"instead of refusing, so the rest of the chart is still linted.",
			Fix: "Pass the version of the cluster you deploy to with --kube-version. If the chart really " +
				"supports that version, widen the constraint in Chart.yaml (remember the `-0` suffix so " +
				"pre-release and provider builds such as v1.31.2-gke.100 match); otherwise upgrade the " +
				"cluster or pick a chart release made for it.",
			Bad: "# Chart.yaml, linted with --kube-version 1.31\n" +
				"apiVersion: v2\nname: web\nversion: 1.4.2\n" +
				"kubeVersion: \"<1.25.0-0\"\n",
			Good: "apiVersion: v2\nname: web\nversion: 1.4.2\n" +
				"kubeVersion: \">=1.25.0-0\"\n",
			Helm: "# Chart.yaml of the chart, not values: widen the constraint to the versions you run\nkubeVersion: \">=1.27.0-0\"\n",
		},
		Renderer: "helm",
	},
}
