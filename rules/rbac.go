package rules

import (
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/kready/kready/manifest"
)

var rbacRules = []*Rule{
	{
		ID:       "rbac-wildcard",
		Category: "rbac",
		Severity: Warning,
		Summary:  "Role rule grants \"*\" verbs, resources or API groups",
		Doc: Doc{
			Why: "A wildcard grants everything that exists now and everything added later: \"*\" verbs " +
				"include escalate, bind and impersonate, which let the subject raise its own rights; " +
				"\"*\" resources include Secrets and pods/exec; \"*\" API groups include every CRD an " +
				"operator installs next year. Nobody reviewing the Role can tell what it actually allows.",
			Fix: "List the API groups, resources and verbs the workload uses. `kubectl auth can-i " +
				"--list --as=system:serviceaccount:NS:NAME` and the API server's audit log show what " +
				"it calls.",
			Bad: "rules:\n  - apiGroups: [\"*\"]\n    resources: [\"*\"]\n    verbs: [\"*\"]\n",
			Good: "rules:\n  - apiGroups: [\"apps\"]\n    resources: [\"deployments\"]\n" +
				"    verbs: [\"get\", \"list\", \"watch\"]\n",
			Helm: "rbac:\n  create: true\n  rules:\n    - apiGroups: [\"apps\"]\n      resources: [\"deployments\"]\n      verbs: [\"get\", \"list\", \"watch\"]\n",
		},
		Check: rbacWildcard,
	},
	{
		ID:       "cluster-admin-binding",
		Category: "rbac",
		Severity: Error,
		Summary:  "Binding grants the cluster-admin ClusterRole",
		Doc: Doc{
			Why: "cluster-admin allows every verb on every resource. Bound by a ClusterRoleBinding it " +
				"makes its subjects owners of the cluster: a leaked token of a bound service account, " +
				"or code execution in a pod using it, is a full cluster compromise. Bound by a " +
				"RoleBinding it still grants full control of the namespace, its Secrets and its RBAC.",
			Fix: "Bind a Role or ClusterRole that lists what the subjects use. For people, bind the " +
				"built-in admin, edit or view ClusterRoles per namespace; keep cluster-admin for " +
				"break-glass access outside the application's manifests.",
			Bad: "kind: ClusterRoleBinding\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n" +
				"  kind: ClusterRole\n  name: cluster-admin\nsubjects:\n  - kind: ServiceAccount\n" +
				"    name: deployer\n    namespace: ci\n",
			Good: "kind: RoleBinding\nmetadata:\n  namespace: shop\nroleRef:\n" +
				"  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: deployer\nsubjects:\n" +
				"  - kind: ServiceAccount\n    name: deployer\n    namespace: ci\n",
			Helm: "# a chart that binds cluster-admin usually lets values narrow it\nrbac:\n  clusterAdmin: false\n  create: true\n",
		},
		Check: clusterAdminBinding,
	},
	{
		ID:       "rbac-secrets-read",
		Category: "rbac",
		Severity: Warning,
		Summary:  "Role rule lets its subjects read Secrets",
		Doc: Doc{
			Why: "get, list or watch on secrets returns their decoded contents: database passwords, TLS " +
				"keys and the tokens of other service accounts, which may carry more rights than the " +
				"reader. list and watch return every Secret of the namespace (or of the cluster, through " +
				"a ClusterRoleBinding) at once. Rules limited with resourceNames are left alone.",
			Fix: "Mount the Secrets the workload needs instead of reading them through the API. If it " +
				"must read them, name them with resourceNames and grant get only.",
			Bad: "rules:\n  - apiGroups: [\"\"]\n    resources: [\"secrets\"]\n    verbs: [\"get\", \"list\", \"watch\"]\n",
			Good: "rules:\n  - apiGroups: [\"\"]\n    resources: [\"secrets\"]\n" +
				"    resourceNames: [\"web-tls\"]\n    verbs: [\"get\"]\n",
			Helm: "rbac:\n  create: true\n  # read only the Secrets the workload needs\n  secretNames: [web-db]\n",
		},
		Check: rbacSecretsRead,
	},
	{
		ID:       "rbac-pod-exec",
		Category: "rbac",
		Severity: Warning,
		Summary:  "Role rule allows exec, attach or port-forward into pods",
		Doc: Doc{
			Why: "pods/exec and pods/attach run commands in any container the subject can reach, with " +
				"that container's service account token, mounted Secrets and network position; " +
				"pods/portforward reaches ports that no Service exposes. Exec is an interactive backdoor " +
				"that bypasses the deployment pipeline. Opening the stream takes create, and older API " +
				"servers also accept get for WebSocket clients, so both count.",
			Fix: "Remove the subresources from roles bound to workloads and CI. Grant exec to people " +
				"through a separate, audited Role bound only when needed.",
			Bad:  "rules:\n  - apiGroups: [\"\"]\n    resources: [\"pods\", \"pods/exec\"]\n    verbs: [\"get\", \"create\"]\n",
			Good: "rules:\n  - apiGroups: [\"\"]\n    resources: [\"pods\"]\n    verbs: [\"get\", \"list\"]\n",
			Helm: "rbac:\n  create: true\n  extraRules: []  # no pods/exec, pods/attach or pods/portforward\n",
		},
		Check: rbacPodExec,
	},
	{
		ID:       "default-service-account",
		Category: "rbac",
		Severity: Info,
		Summary:  "Pod runs as the namespace's default service account",
		Doc: Doc{
			Why: "Every pod that names no service account shares the namespace's default one, so a role " +
				"bound to it for one workload is granted to all of them, and audit logs cannot tell the " +
				"workloads apart. Pods that get no API token (automountServiceAccountToken: false on the " +
				"pod, or on a default ServiceAccount the unit defines) are left alone.",
			Fix: "Create a ServiceAccount for the workload and set serviceAccountName; or, if it never " +
				"calls the API, set automountServiceAccountToken: false.",
			Bad: "spec:\n  containers:\n    - name: app\n      image: ghcr.io/acme/web:1.4.2\n",
			Good: "spec:\n  serviceAccountName: web\n  containers:\n    - name: app\n" +
				"      image: ghcr.io/acme/web:1.4.2\n---\napiVersion: v1\nkind: ServiceAccount\n" +
				"metadata:\n  name: web\nautomountServiceAccountToken: false\n",
			Helm: "serviceAccount:\n  create: true\n",
		},
		CheckSet: defaultServiceAccount,
	},
	{
		ID:       "service-account-missing",
		Category: "rbac",
		Severity: Warning,
		Summary:  "Pod names a ServiceAccount the unit does not define",
		Doc: Doc{
			Why: "The API server refuses to create a pod whose service account does not exist: the " +
				"Deployment's ReplicaSet reports FailedCreate and no pod appears. The ServiceAccount may " +
				"be created outside this unit (by another chart, or by the platform team), so the " +
				"finding says what the unit does not define rather than what the cluster lacks.",
			Fix: "Define the ServiceAccount in the same namespace as the pod, or correct the name. In a " +
				"chart, create it with the workload unless it is meant to be provided.",
			Bad:  "spec:\n  serviceAccountName: web   # no ServiceAccount web in this namespace\n",
			Good: "spec:\n  serviceAccountName: web\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n",
			Helm: "serviceAccount:\n  create: true\n  name: web\n",
		},
		CheckSet: serviceAccountMissing,
	},
	{
		ID:       "namespace-without-pod-security",
		Category: "security",
		Severity: Warning,
		Summary:  "Namespace does not enforce a Pod Security Standard",
		Doc: Doc{
			Why: "Pod Security Admission enforces a level in a namespace only when the namespace carries " +
				"the pod-security.kubernetes.io/enforce label (or the cluster configures a default). " +
				"Without it, anyone who may create pods there can create privileged pods, host mounts " +
				"and host namespaces, which is a path to the node.",
			Fix: "Label the namespace with pod-security.kubernetes.io/enforce: restricted (or baseline " +
				"where restricted is not yet possible), and pin the version with " +
				"pod-security.kubernetes.io/enforce-version. A namespace that must run privileged " +
				"agents says so with enforce: privileged.",
			Bad: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
			Good: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n" +
				"    pod-security.kubernetes.io/enforce: restricted\n" +
				"    pod-security.kubernetes.io/enforce-version: latest\n",
			Helm: "namespace:\n  create: true\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n",
		},
		Check: namespaceWithoutPodSecurity,
	},
}

// rbacKind reports whether s is an RBAC object of one of kinds; other API
// groups have kinds of the same names with other shapes.
func rbacKind(s *Subject, kinds ...string) bool {
	group, _, _ := strings.Cut(s.Object.APIVersion, "/")
	return group == rbacv1.GroupName && slices.Contains(kinds, s.Object.Kind)
}

// rbacPolicyRules returns the rules of a Role or ClusterRole, or nil for other kinds.
func rbacPolicyRules(s *Subject) []rbacv1.PolicyRule {
	if !rbacKind(s, "Role", "ClusterRole") {
		return nil
	}
	return As[rbacv1.ClusterRole](s).Rules
}

var rbacRulesPath = manifest.Path{{Key: "rules"}}

func rbacWildcard(s *Subject) []Result {
	var out []Result
	for i, r := range rbacPolicyRules(s) {
		var fields []string
		var at manifest.Path
		for _, f := range []struct {
			name   string
			values []string
		}{{"verbs", r.Verbs}, {"resources", r.Resources}, {"apiGroups", r.APIGroups}} {
			j := slices.IndexFunc(f.values, func(v string) bool { return strings.Contains(v, "*") })
			if j < 0 {
				continue
			}
			fields = append(fields, f.name)
			if at == nil {
				at = rbacRulesPath.Index(i).Key(f.name).Index(j)
			}
		}
		if at == nil {
			continue
		}
		out = append(out, Result{Path: at, Message: fmt.Sprintf(
			"rules[%d] uses a wildcard in %s: it grants whatever exists now or is added later; list what the subjects use",
			i, rbacJoinAnd(fields))})
	}
	return out
}

// rbacJoinAnd joins words as "a", "a and b", "a, b and c".
func rbacJoinAnd(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// rbacScope says where a Role's or ClusterRole's grant applies, for messages.
func rbacScope(s *Subject) string {
	if s.Object.Kind == "Role" {
		return "in namespace " + quote(Namespace(s))
	}
	return "wherever the ClusterRole is bound (cluster-wide through a ClusterRoleBinding)"
}

// rbacCoreGroup reports whether a rule's API groups include the core group.
func rbacCoreGroup(r rbacv1.PolicyRule) bool {
	return slices.Contains(r.APIGroups, "") || slices.Contains(r.APIGroups, "*")
}

// rbacGrantedVerbs returns the verbs of wanted that r grants, "*" standing for all.
func rbacGrantedVerbs(r rbacv1.PolicyRule, wanted ...string) []string {
	if slices.Contains(r.Verbs, "*") {
		return wanted
	}
	var out []string
	for _, v := range wanted {
		if slices.Contains(r.Verbs, v) {
			out = append(out, v)
		}
	}
	return out
}

func rbacSecretsRead(s *Subject) []Result {
	var out []Result
	for i, r := range rbacPolicyRules(s) {
		// resourceNames confine the grant to Secrets someone chose.
		if len(r.ResourceNames) > 0 || !rbacCoreGroup(r) {
			continue
		}
		if !slices.Contains(r.Resources, "secrets") && !slices.Contains(r.Resources, "*") {
			continue
		}
		verbs := rbacGrantedVerbs(r, "get", "list", "watch")
		if len(verbs) == 0 {
			continue
		}
		out = append(out, Result{Path: rbacRulesPath.Index(i), Message: fmt.Sprintf(
			"rules[%d] lets its subjects read Secrets (%s) %s; mount the Secrets the workload needs, or name them with resourceNames",
			i, strings.Join(verbs, ", "), rbacScope(s))})
	}
	return out
}

// rbacExecSubresources are the pod subresources that open a stream into a container.
var rbacExecSubresources = []string{"pods/exec", "pods/attach", "pods/portforward"}

func rbacPodExec(s *Subject) []Result {
	var out []Result
	for i, r := range rbacPolicyRules(s) {
		if !rbacCoreGroup(r) {
			continue
		}
		var subs []string
		if slices.Contains(r.Resources, "*") || slices.Contains(r.Resources, "pods/*") {
			subs = rbacExecSubresources
		} else {
			for _, sub := range rbacExecSubresources {
				if slices.Contains(r.Resources, sub) {
					subs = append(subs, sub)
				}
			}
		}
		if len(subs) == 0 || len(rbacGrantedVerbs(r, "create", "get")) == 0 {
			continue
		}
		out = append(out, Result{Path: rbacRulesPath.Index(i), Message: fmt.Sprintf(
			"rules[%d] allows %s %s: its subjects can run commands in, or connect to, those pods' containers",
			i, rbacJoinAnd(subs), rbacScope(s))})
	}
	return out
}

func clusterAdminBinding(s *Subject) []Result {
	if !rbacKind(s, "ClusterRoleBinding", "RoleBinding") {
		return nil
	}
	b := As[rbacv1.ClusterRoleBinding](s)
	if b.RoleRef.Kind != "ClusterRole" || b.RoleRef.Name != "cluster-admin" {
		return nil
	}
	grant := "full control of the cluster"
	if s.Object.Kind == "RoleBinding" {
		grant = "full control of namespace " + quote(Namespace(s))
	}
	var subjects []string
	for _, sub := range b.Subjects {
		name := sub.Name
		if sub.Kind == "ServiceAccount" {
			ns := sub.Namespace
			if ns == "" && s.Object.Kind == "RoleBinding" {
				ns = Namespace(s)
			}
			name = normalNamespace(ns) + "/" + sub.Name
		}
		subjects = append(subjects, sub.Kind+" "+quote(name))
	}
	who := "no subjects yet"
	if len(subjects) > 0 {
		who = strings.Join(subjects, ", ")
	}
	return []Result{{
		Path: manifest.Path{{Key: "roleRef"}, {Key: "name"}},
		Message: fmt.Sprintf("binds ClusterRole cluster-admin, %s, to %s; bind a role that lists what they use",
			grant, who),
	}}
}

func defaultServiceAccount(set *Set) []Result {
	var out []Result
	for _, w := range set.Workloads() {
		name, path := saOfPod(w.Pod)
		if name != "default" || saAutomountDisabled(set, w, name) {
			continue
		}
		out = append(out, Result{Object: w.Object, Path: path, Message: fmt.Sprintf(
			"pod runs as the \"default\" service account of namespace %q, shared by every pod there that names none; "+
				"give the workload its own ServiceAccount, or set automountServiceAccountToken: false", Namespace(w))})
	}
	return out
}

func serviceAccountMissing(set *Set) []Result {
	var where map[string][]string
	var out []Result
	for _, w := range set.Workloads() {
		name, path := saOfPod(w.Pod)
		ns := Namespace(w)
		if name == "default" || set.Find("ServiceAccount", ns, name) != nil {
			continue
		}
		if where == nil {
			where = map[string][]string{}
			for _, sa := range set.OfKind("ServiceAccount") {
				where[sa.Object.Name] = append(where[sa.Object.Name], Namespace(sa))
			}
		}
		elsewhere := ""
		if others := where[name]; len(others) > 0 {
			elsewhere = fmt.Sprintf(" (one of that name is defined in namespace %s, but a pod can only use its own namespace's)",
				strings.Join(refQuoteAll(others), ", "))
		}
		out = append(out, Result{Object: w.Object, Path: path, Message: fmt.Sprintf(
			"pod uses ServiceAccount %q, which is not defined in this unit%s; unless it exists in namespace %q, no pod will be created",
			name, elsewhere, ns)})
	}
	return out
}

const rbacPodSecurityEnforce = "pod-security.kubernetes.io/enforce"

func namespaceWithoutPodSecurity(s *Subject) []Result {
	if s.Object.Kind != "Namespace" {
		return nil
	}
	var v struct {
		Metadata struct {
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
	}
	decodeLenient(s.Object.JSON, &v)
	if _, ok := v.Metadata.Labels[rbacPodSecurityEnforce]; ok {
		return nil
	}
	return []Result{{
		Path: manifest.Path{{Key: "metadata"}, {Key: "labels"}},
		Message: fmt.Sprintf("Namespace %q has no %s label: Pod Security Admission lets any pod in, privileged ones included, "+
			"unless the cluster sets a default; label it restricted (or baseline)", s.Object.Name, rbacPodSecurityEnforce),
	}}
}
