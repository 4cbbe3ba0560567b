package rules

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// refUnit builds a Set from a multi-document YAML string located in
// unit.yaml, so results can be checked down to the line.
func refUnit(t *testing.T, src string) *Set {
	t.Helper()
	return setFromYAML(t, src)
}

// refRun runs rule id over the unit (per object for object rules) and
// renders each result as "Kind/name:line path", with the messages alongside.
func refRun(t *testing.T, id, src string) (at, msgs []string) {
	t.Helper()
	r, ok := ByID(id)
	if !ok {
		t.Fatalf("rule %s is not registered", id)
	}
	set := refUnit(t, src)
	var results []Result
	if r.CheckSet != nil {
		results = r.CheckSet(set)
	} else {
		for _, s := range set.Subjects {
			for _, res := range r.Check(s) {
				res.Object = s.Object
				results = append(results, res)
			}
		}
	}
	for _, res := range results {
		if res.Object == nil {
			t.Fatalf("%s: result without an object: %+v", id, res)
		}
		loc, _ := res.Object.Locator.Locate(res.Path)
		at = append(at, fmt.Sprintf("%s/%s:%d %s", res.Object.Kind, res.Object.Name, loc.Line, res.Path))
		msgs = append(msgs, res.Message)
	}
	return at, msgs
}

// refExpect runs rule id and compares the located results with want.
func refExpect(t *testing.T, id, src string, want ...string) []string {
	t.Helper()
	at, msgs := refRun(t, id, src)
	if strings.Join(at, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\ngot:\n  %s\nwant:\n  %s\nmessages:\n  %s", id, strings.Join(at, "\n  "),
			strings.Join(want, "\n  "), strings.Join(msgs, "\n  "))
	}
	return msgs
}

const refSecretsUnit = `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: billing
stringData:
  password: ""
---
apiVersion: v1
kind: Secret
metadata:
  name: tls
  namespace: shop
type: kubernetes.io/tls
data:
  tls.crt: ""
---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: ext
  namespace: shop
spec:
  target:
    name: ext-target
---
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: sealed
  namespace: shop
---
apiVersion: v1
kind: Secret
metadata:
  name: sa-token
  namespace: shop
type: kubernetes.io/service-account-token
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      imagePullSecrets:
        - name: regcred
      containers:
        - name: app
          env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: db
                  key: password
            - name: MAYBE
              valueFrom:
                secretKeyRef:
                  name: absent
                  key: x
                  optional: true
            - name: EXT
              valueFrom:
                secretKeyRef:
                  name: ext-target
                  key: anything
            - name: TOKEN
              valueFrom:
                secretKeyRef:
                  name: sa-token
                  key: token
          envFrom:
            - secretRef:
                name: env-extra
            - secretRef:
                name: sealed
      volumes:
        - name: tls
          secret:
            secretName: tls
            items:
              - key: tls.crt
                path: tls.crt
              - key: tls.key
                path: tls.key
        - name: proj
          projected:
            sources:
              - secret:
                  name: proj
              - configMap:
                  name: kube-root-ca.crt
              - secret:
                  name: proj-optional
                  optional: true
`

func TestSecretRefMissing(t *testing.T) {
	msgs := refExpect(t, "secret-ref-missing", refSecretsUnit,
		"Deployment/web:56 spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name",
		"Deployment/web:76 spec.template.spec.containers[0].envFrom[0].secretRef.name",
		"Deployment/web:86 spec.template.spec.volumes[0].secret.items[1].key",
		"Deployment/web:92 spec.template.spec.volumes[1].projected.sources[0].secret.name",
		"Deployment/web:49 spec.template.spec.imagePullSecrets[0].name",
	)
	if len(msgs) != 5 {
		return
	}
	for _, want := range []string{
		`container "app" env DB_PASSWORD reads Secret "db", which is not defined in this unit (a Secret of that name is defined in namespace "billing"`,
		`container "app" envFrom reads Secret "env-extra", which is not defined in this unit; unless it exists in namespace "shop"`,
		`volume "tls" reads key "tls.key" of Secret "tls", which has no such key (it has "tls.crt")`,
		`volume "proj" reads Secret "proj", which is not defined in this unit`,
		`imagePullSecrets names Secret "regcred", which is not defined in this unit`,
	} {
		found := false
		for _, m := range msgs {
			found = found || strings.Contains(m, want)
		}
		if !found {
			t.Errorf("no message contains %q in:\n  %s", want, strings.Join(msgs, "\n  "))
		}
	}
}

const refConfigMapsUnit = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  app.yaml: "a: 1"
binaryData:
  logo.png: aGk=
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: billing
data:
  other.yaml: "b: 2"
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: default
spec:
  containers:
    - name: app
      env:
        - name: MODE
          valueFrom:
            configMapKeyRef:
              name: settings
              key: mode
      envFrom:
        - configMapRef:
            name: env-config
        - configMapRef:
            name: settings
  volumes:
    - name: config
      configMap:
        name: settings
        items:
          - key: app.yaml
            path: app.yaml
          - key: logo.png
            path: logo.png
          - key: other.yaml
            path: other.yaml
    - name: optional
      configMap:
        name: absent
        optional: true
    - name: root-ca
      configMap:
        name: kube-root-ca.crt
    - name: mesh-ca
      configMap:
        name: istio-ca-root-cert
---
apiVersion: v1
kind: Pod
metadata:
  name: billing-web
  namespace: billing
spec:
  containers:
    - name: app
      env:
        - name: MODE
          valueFrom:
            configMapKeyRef:
              name: settings
              key: other.yaml
`

func TestConfigMapRefMissing(t *testing.T) {
	// No namespace and "default" are one namespace; billing's settings has
	// other.yaml but the default namespace's does not.
	msgs := refExpect(t, "configmap-ref-missing", refConfigMapsUnit,
		"Pod/web:31 spec.containers[0].env[0].valueFrom.configMapKeyRef.key",
		"Pod/web:34 spec.containers[0].envFrom[0].configMapRef.name",
		"Pod/web:46 spec.volumes[0].configMap.items[2].key",
	)
	if len(msgs) == 3 && !strings.Contains(msgs[0], `(it has "app.yaml", "logo.png")`) {
		t.Errorf("message does not list the keys: %s", msgs[0])
	}
	// The Secret rule does not look at ConfigMap references.
	refExpect(t, "secret-ref-missing", refConfigMapsUnit)
}

func TestRefMissingSecretWithoutData(t *testing.T) {
	// A Secret without data fields may be filled in by a controller: its
	// keys are unknown, so only its existence is checked.
	refExpect(t, "secret-ref-missing", `apiVersion: v1
kind: Secret
metadata:
  name: filled-later
  annotations:
    replicator.v1.mittwald.de/replicate-from: ops/db
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: web
spec:
  secretName: web-tls
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: report
              env:
                - name: PASSWORD
                  valueFrom:
                    secretKeyRef:
                      name: filled-later
                      key: password
              volumeMounts:
                - name: tls
                  mountPath: /tls
          volumes:
            - name: tls
              secret:
                secretName: web-tls
                items:
                  - key: tls.key
                    path: key.pem
`)
}

func TestPlaintextSecret(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString
	for _, tt := range []struct {
		name, body string
		want       []string
	}{
		{"data", "type: Opaque\ndata:\n  user: " + b64([]byte("app")) + "\n  password: " + b64([]byte("hunter2")) + "\n",
			[]string{"Secret/s:6 data"}},
		{"stringData only", "stringData:\n  password: hunter2\n", []string{"Secret/s:5 stringData"}},
		{"empty data, literal stringData", "data:\n  a: \"\"\nstringData:\n  token: hunter2\n", []string{"Secret/s:7 stringData"}},
		{"empty values from a chart", "stringData:\n  password: \"\"\n  user: \"\"\n", nil},
		{"null values", "data:\n  password:\n", nil},
		{"placeholders filled at deploy time", "stringData:\n  password: ${DB_PASSWORD}\n  token: '{{ .token }}'\n", nil},
		{"base64 of a placeholder", "data:\n  password: " + b64([]byte("${DB_PASSWORD}")) + "\n", nil},
		{"service account token", "type: kubernetes.io/service-account-token\n", nil},
		{"no data", "type: Opaque\n", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			msgs := refExpect(t, "plaintext-secret", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n"+tt.body, tt.want...)
			for _, m := range msgs {
				if strings.Contains(m, "hunter2") || strings.Contains(m, b64([]byte("hunter2"))) {
					t.Errorf("message prints the value: %s", m)
				}
				if !strings.Contains(m, `"password"`) && !strings.Contains(m, `"token"`) {
					t.Errorf("message does not name the keys: %s", m)
				}
			}
		})
	}
	// Only Secrets: a ConfigMap with the same data is another rule's business.
	refExpect(t, "plaintext-secret", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  password: hunter2\n")
}

func TestSensitiveConfigMapKey(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString
	src := `apiVersion: v1
kind: ConfigMap
metadata:
  name: web
data:
  LOG_LEVEL: info
  DB_PASSWORD: hunter2
  API_TOKEN: ${API_TOKEN}
  TOKEN_TTL: 5m
  DATABASE_URL: postgres://app:hunter2@db:5432/app
  CACHE_URL: redis://cache:6379
  application.properties: |
    server.port=8080
    # spring.datasource.password=example
    spring.datasource.password=hunter2
  config.yaml: |
    auth:
      password: ""
      tokenTTL: 5m
      secretName: web-db
      clientSecret: ${CLIENT_SECRET}
  settings.json: |
    {"jdbc": "jdbc:sqlserver://db;user=app;password=hunter2", "debug": false}
  tls.key: |
    -----BEGIN EC PRIVATE KEY-----
    MHcCAQEEIB
    -----END EC PRIVATE KEY-----
  ca.crt: |
    -----BEGIN CERTIFICATE-----
    MIIB
    -----END CERTIFICATE-----
binaryData:
  key.pem: ` + b64([]byte("-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n")) + `
  logo.png: ` + b64([]byte("\x89PNG")) + `
`
	msgs := refExpect(t, "sensitive-configmap-key", src,
		// Keys in sorted order, as the object's map gives no other.
		"ConfigMap/web:10 data.DATABASE_URL",
		"ConfigMap/web:7 data.DB_PASSWORD",
		`ConfigMap/web:12 data["application.properties"]`,
		`ConfigMap/web:22 data["settings.json"]`,
		`ConfigMap/web:24 data["tls.key"]`,
		`ConfigMap/web:33 binaryData["key.pem"]`,
	)
	wants := []string{
		`key "DATABASE_URL" holds a connection string with an embedded password`,
		`key "DB_PASSWORD" is named like a credential`,
		`key "application.properties" sets "spring.datasource.password" to a literal value`,
		`key "settings.json" contains a password= parameter`,
		`key "tls.key" holds a PEM private key`,
		`key "key.pem" holds a PEM private key`,
	}
	if len(msgs) != len(wants) {
		return
	}
	for i, m := range msgs {
		if !strings.Contains(m, wants[i]) {
			t.Errorf("message %q does not contain %q", m, wants[i])
		}
		if strings.Contains(m, "hunter2") || strings.Contains(m, "MHcCAQEEIB") {
			t.Errorf("message prints the value: %s", m)
		}
	}
}

func TestConfigValueReasonNestedAndQuoted(t *testing.T) {
	for v, want := range map[string]string{
		"password:\n  file: /run/secrets/db\n":     "",
		"DB_PASSWORD=\"hunter2\"\n":                `sets "DB_PASSWORD" to a literal value`,
		"export API_KEY='abc123'\n":                `sets "API_KEY" to a literal value`,
		"\"secret\": \"abc\",\n":                   `sets "secret" to a literal value`,
		"existingSecret: web-db\n":                 "",
		"secret: *anchor\npassword: true\n":        "",
		"enable_password: yes\npassword_min: 8\n":  "",
		"url: postgres://app:${PW}@db/app\nx: 1\n": "",
	} {
		if got := refConfigValueReason("config", v); got != want {
			t.Errorf("refConfigValueReason(%q) = %q, want %q", v, got, want)
		}
	}
}

const refAutomountUnit = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: quiet
  namespace: billing
automountServiceAccountToken: false
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: quiet
  namespace: shop
automountServiceAccountToken: false
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: loud
  namespace: shop
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: operator
  namespace: shop
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: api-client
  namespace: shop
automountServiceAccountToken: true
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: operator
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: operator
subjects:
  - kind: ServiceAccount
    name: operator
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: default-sa
  namespace: shop
spec:
  template:
    spec:
      containers: [{name: app}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: pod-off
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
  name: pod-on
  namespace: shop
spec:
  template:
    spec:
      automountServiceAccountToken: true
      containers: [{name: app}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: sa-off
  namespace: shop
spec:
  template:
    spec:
      serviceAccountName: quiet
      containers: [{name: app}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: sa-on
  namespace: shop
spec:
  template:
    spec:
      serviceAccountName: loud
      containers: [{name: app}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: bound
  namespace: shop
spec:
  template:
    spec:
      serviceAccountName: operator
      containers: [{name: app}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: sa-explicit-on
  namespace: shop
spec:
  template:
    spec:
      serviceAccountName: api-client
      containers: [{name: app}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: other-namespace
  namespace: payments
spec:
  template:
    spec:
      serviceAccountName: quiet
      containers: [{name: app}]
`

func TestServiceAccountTokenAutomount(t *testing.T) {
	msgs := refExpect(t, "service-account-token-automount", refAutomountUnit,
		"Deployment/default-sa:54 spec.template.spec.automountServiceAccountToken",
		"Deployment/sa-on:97 spec.template.spec.automountServiceAccountToken",
		"Deployment/other-namespace:130 spec.template.spec.automountServiceAccountToken",
	)
	wants := []string{
		`the pod uses the "default" service account`,
		`neither the pod nor ServiceAccount "loud" sets automountServiceAccountToken: false`,
		`ServiceAccount "quiet" is not defined in this unit`,
	}
	if len(msgs) != len(wants) {
		return
	}
	for i, m := range msgs {
		if !strings.Contains(m, wants[i]) {
			t.Errorf("message %q does not contain %q", m, wants[i])
		}
	}
}

func TestSecretRefCreatedAtRunTime(t *testing.T) {
	// A certificate generator Job, and a Role that may create Secrets and
	// names one, count as creating it, in their own namespace only; a Role
	// that only reads a named Secret, and a long-running Deployment naming a
	// Secret in its arguments, do not.
	refExpect(t, "secret-ref-missing", `apiVersion: batch/v1
kind: Job
metadata:
  name: admission-create
  namespace: shop
spec:
  template:
    spec:
      restartPolicy: OnFailure
      containers:
        - name: create
          args: ["create", "--namespace=shop", "--secret-name=web-admission"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: redis-init
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["create"]
  - apiGroups: [""]
    resources: ["secrets"]
    resourceNames: ["web-redis"]
    verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: reader
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    resourceNames: ["web-db"]
    verbs: ["get"]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: app
          args: ["--tls-secret=web-self"]
          env:
            - name: REDIS_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: web-redis
                  key: auth
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: web-db
                  key: password
      volumes:
        - name: admission
          secret:
            secretName: web-admission
        - name: self
          secret:
            secretName: web-self
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: billing
spec:
  template:
    spec:
      containers:
        - name: app
      volumes:
        - name: admission
          secret:
            secretName: web-admission
`,
		"Deployment/web:59 spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef.name",
		"Deployment/web:67 spec.template.spec.volumes[1].secret.secretName",
		"Deployment/web:82 spec.template.spec.volumes[0].secret.secretName",
	)
}
