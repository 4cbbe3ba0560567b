package rules

import (
	"strings"
	"testing"
)

// rbacRole wraps rule items in a Role named r in namespace shop.
func rbacRole(kind, rulesYAML string) string {
	return "apiVersion: rbac.authorization.k8s.io/v1\nkind: " + kind + "\nmetadata:\n  name: r\n  namespace: shop\nrules:\n" + rulesYAML
}

func rbacContains(t *testing.T, msgs []string, wants ...string) {
	t.Helper()
	if len(msgs) != len(wants) {
		t.Errorf("%d messages, want %d:\n  %s", len(msgs), len(wants), strings.Join(msgs, "\n  "))
		return
	}
	for i, m := range msgs {
		if !strings.Contains(m, wants[i]) {
			t.Errorf("message %q does not contain %q", m, wants[i])
		}
	}
}

func TestRBACWildcard(t *testing.T) {
	src := rbacRole("ClusterRole", `  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list"]
  - apiGroups: ["*"]
    resources:
      - deployments
      - "*"
    verbs:
      - get
      - "*"
  - apiGroups: ["apps"]
    resources: ["deployments/*"]
    verbs: ["get"]
  - nonResourceURLs: ["/metrics"]
    verbs: ["get"]
`)
	msgs := refExpect(t, "rbac-wildcard", src,
		"ClusterRole/r:16 rules[1].verbs[1]",
		"ClusterRole/r:18 rules[2].resources[0]",
	)
	rbacContains(t, msgs, "rules[1] uses a wildcard in verbs, resources and apiGroups", "rules[2] uses a wildcard in resources")
	// Other kinds, and kinds of the same name in other API groups, are not RBAC roles.
	refExpect(t, "rbac-wildcard", strings.Replace(src, "kind: ClusterRole", "kind: PrometheusRule", 1))
	refExpect(t, "rbac-wildcard", strings.Replace(src, "rbac.authorization.k8s.io/v1", "iam.example.com/v1", 1))
}

func TestClusterAdminBinding(t *testing.T) {
	src := `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ci
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: ServiceAccount
    name: deployer
    namespace: ci
  - kind: Group
    name: system:masters
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: shop-admin
  namespace: shop
roleRef:
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: ServiceAccount
    name: web
  - kind: User
    name: alice@example.com
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: own-role
  namespace: shop
roleRef:
  kind: Role
  name: cluster-admin
subjects: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: admins
roleRef:
  kind: ClusterRole
  name: admin
subjects: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: empty
roleRef:
  kind: ClusterRole
  name: cluster-admin
`
	msgs := refExpect(t, "cluster-admin-binding", src,
		"ClusterRoleBinding/ci:8 roleRef.name",
		"RoleBinding/shop-admin:23 roleRef.name",
		"ClusterRoleBinding/empty:55 roleRef.name",
	)
	rbacContains(t, msgs,
		`full control of the cluster, to ServiceAccount "ci/deployer", Group "system:masters"`,
		`full control of namespace "shop", to ServiceAccount "shop/web", User "alice@example.com"`,
		"to no subjects yet",
	)
}

func TestRBACSecretsRead(t *testing.T) {
	src := rbacRole("Role", `  - apiGroups: [""]
    resources: ["configmaps", "secrets"]
    verbs: ["get", "watch"]
  - apiGroups: ["apps"]
    resources: ["secrets"]
    verbs: ["get"]
  - apiGroups: [""]
    resources: ["secrets"]
    resourceNames: ["web-tls"]
    verbs: ["get"]
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["create", "delete"]
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: ["list"]
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["*"]
`)
	msgs := refExpect(t, "rbac-secrets-read", src,
		"Role/r:7 rules[0]",
		"Role/r:20 rules[4]",
		"Role/r:23 rules[5]",
	)
	rbacContains(t, msgs,
		`rules[0] lets its subjects read Secrets (get, watch) in namespace "shop"`,
		"rules[4] lets its subjects read Secrets (list)",
		"rules[5] lets its subjects read Secrets (get, list, watch)",
	)
	msgs = refExpect(t, "rbac-secrets-read", rbacRole("ClusterRole", "  - apiGroups: [\"\"]\n    resources: [secrets]\n    verbs: [list]\n"),
		"ClusterRole/r:7 rules[0]")
	rbacContains(t, msgs, "wherever the ClusterRole is bound")
}

func TestRBACPodExec(t *testing.T) {
	src := rbacRole("Role", `  - apiGroups: [""]
    resources: ["pods", "pods/exec", "pods/portforward"]
    verbs: ["create"]
  - apiGroups: [""]
    resources: ["pods/log"]
    verbs: ["get"]
  - apiGroups: [""]
    resources: ["pods/exec"]
    verbs: ["list"]
  - apiGroups: ["apps"]
    resources: ["*"]
    verbs: ["*"]
  - apiGroups: [""]
    resources: ["pods/*"]
    verbs: ["get"]
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: ["*"]
`)
	msgs := refExpect(t, "rbac-pod-exec", src,
		"Role/r:7 rules[0]",
		"Role/r:19 rules[4]",
		"Role/r:22 rules[5]",
	)
	rbacContains(t, msgs,
		"rules[0] allows pods/exec and pods/portforward",
		"rules[4] allows pods/exec, pods/attach and pods/portforward",
		"rules[5] allows pods/exec, pods/attach and pods/portforward",
	)
}

const rbacServiceAccountUnit = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: default
  namespace: quiet
automountServiceAccountToken: false
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
  namespace: billing
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: api
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: unset
  namespace: shop
spec:
  template:
    spec:
      containers: [{name: app}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: explicit-default
  namespace: shop
spec:
  template:
    spec:
      serviceAccountName: default
      containers: [{name: app}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: no-token
  namespace: shop
spec:
  template:
    spec:
      automountServiceAccountToken: false
      containers: [{name: app}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: quiet-namespace
  namespace: quiet
spec:
  template:
    spec:
      containers: [{name: app}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: quiet-but-on
  namespace: quiet
spec:
  template:
    spec:
      automountServiceAccountToken: true
      containers: [{name: app}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: wrong-namespace
  namespace: shop
spec:
  template:
    spec:
      serviceAccountName: web
      containers: [{name: app}]
---
apiVersion: batch/v1
kind: Job
metadata:
  name: own
  namespace: default
spec:
  template:
    spec:
      serviceAccount: api
      containers: [{name: app}]
---
apiVersion: v1
kind: Pod
metadata:
  name: legacy
spec:
  serviceAccount: ghost
  containers: [{name: app}]
`

func TestDefaultServiceAccount(t *testing.T) {
	msgs := refExpect(t, "default-service-account", rbacServiceAccountUnit,
		"Deployment/unset:26 spec.template.spec.serviceAccountName",
		"Deployment/explicit-default:37 spec.template.spec.serviceAccountName",
		"Deployment/quiet-but-on:68 spec.template.spec.serviceAccountName",
	)
	rbacContains(t, msgs, `namespace "shop"`, `namespace "shop"`, `namespace "quiet"`)
}

func TestServiceAccountMissing(t *testing.T) {
	msgs := refExpect(t, "service-account-missing", rbacServiceAccountUnit,
		"Deployment/wrong-namespace:80 spec.template.spec.serviceAccountName",
		"Pod/legacy:99 spec.serviceAccount",
	)
	rbacContains(t, msgs,
		`pod uses ServiceAccount "web", which is not defined in this unit (one of that name is defined in namespace "billing"`,
		`pod uses ServiceAccount "ghost", which is not defined in this unit; unless it exists in namespace "default"`,
	)
}

func TestNamespaceWithoutPodSecurity(t *testing.T) {
	src := `apiVersion: v1
kind: Namespace
metadata:
  name: bare
---
apiVersion: v1
kind: Namespace
metadata:
  name: warn-only
  labels:
    pod-security.kubernetes.io/warn: restricted
---
apiVersion: v1
kind: Namespace
metadata:
  name: enforced
  labels:
    pod-security.kubernetes.io/enforce: baseline
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: not-a-namespace
`
	msgs := refExpect(t, "namespace-without-pod-security", src,
		"Namespace/bare:3 metadata.labels",
		"Namespace/warn-only:10 metadata.labels",
	)
	rbacContains(t, msgs, `Namespace "bare" has no pod-security.kubernetes.io/enforce label`,
		`Namespace "warn-only" has no pod-security.kubernetes.io/enforce label`)
}
