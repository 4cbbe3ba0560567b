package rules

import (
	"fmt"
	"strings"
	"testing"
)

// secretSubject builds a Subject from one YAML document, located in secrets.yaml.
func secretSubject(t *testing.T, src string) *Subject {
	t.Helper()
	return subjectFromYAML(t, "secrets.yaml", "", src)
}

// secretFindings runs secret-in-env on src and renders each result as
// "file:line path: message".
func secretFindings(t *testing.T, src string) []string {
	t.Helper()
	r, ok := ByID("secret-in-env")
	if !ok {
		t.Fatal("secret-in-env is not registered")
	}
	s := secretSubject(t, src)
	var out []string
	for _, res := range r.Check(s) {
		loc, _ := s.Object.Locator.Locate(res.Path)
		out = append(out, fmt.Sprintf("%s:%d %s: %s", loc.File, loc.Line, res.Path, res.Message))
	}
	return out
}

func TestSecretInEnvDocRecommendsSecretKeyRef(t *testing.T) {
	r, _ := ByID("secret-in-env")
	if !strings.Contains(r.Doc.Fix, "secretKeyRef") || !strings.Contains(r.Doc.Good, "secretKeyRef") {
		t.Errorf("doc does not recommend valueFrom.secretKeyRef: %+v", r.Doc)
	}
}

func TestEnvWords(t *testing.T) {
	for name, want := range map[string]string{
		"DB_PASSWORD":        "db password",
		"dbPassword":         "db password",
		"APIKey":             "api key",
		"apiKey":             "api key",
		"db-password.v2":     "db password v 2",
		"OAUTH2_CLIENT_ID":   "oauth 2 client id",
		"__PRIVATE__KEY__":   "private key",
		"AWSSecretAccessKey": "aws secret access key",
	} {
		if got := strings.Join(envWords(name), " "); got != want {
			t.Errorf("envWords(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestEnvNameKind(t *testing.T) {
	credential := []string{
		"PASSWORD", "DB_PASSWORD", "POSTGRES_PASSWORD", "MYSQL_ROOT_PASSWORD", "PGPASSWORD", "db_passwd",
		"RABBITMQ_DEFAULT_PASS", "SMTP_PASS", "MYSQL_PWD", "JWT_SECRET", "CLIENT_SECRET", "client_secret",
		"SECRET_KEY_BASE", "DJANGO_SECRET_KEY", "GITHUB_TOKEN", "authToken", "API_KEY", "apiKey", "APIKEY",
		"STRIPE_API_KEY", "AWS_SECRET_ACCESS_KEY", "ACCESS_KEY", "PRIVATE_KEY", "TLS_PRIVATE_KEY",
		"GOOGLE_APPLICATION_CREDENTIALS_JSON", "REGISTRY_CREDENTIALS", "BASIC_AUTH", "REDIS_AUTH",
		"VAULT_SECRET_ID", "ENCRYPTION_KEY", "SSH_PASSPHRASE", "PASSWORD2",
	}
	connection := []string{"DATABASE_URL", "SENTRY_DSN", "DSN", "MONGODB_URI", "CONNECTION_STRING", "DB_CONN_STR", "ConnectionString", "TOKEN_URL", "AUTH_URL"}
	other := []string{
		"PWD", "OLDPWD", "PASSWORD_FILE", "DB_PASSWORD_PATH", "SECRETS_DIR", "TLS_SECRET_NAME", "DB_SECRET_REF",
		"AUTH_ENABLED", "PASSWORD_MIN_LENGTH", "AUTH_MODE", "PASS_THROUGH", "CACHE_KEY", "PRIMARY_KEY",
		"AWS_ACCESS_KEY_ID", "MAX_TOKENS", "OPENAI_MAX_TOKENS", "TOKEN_TTL_SECONDS", "ENABLE_AUTH", "REQUIRE_PASSWORD",
		"KEY", "USERNAME", "LOG_LEVEL", "AUTHOR", "OAUTH_ISSUER", "TOKENIZER", "API_KEY_HEADER", "", "___",
	}
	for _, tc := range []struct {
		names []string
		want  envKind
	}{{credential, envCredential}, {connection, envConnection}, {other, envOther}} {
		for _, name := range tc.names {
			if got := envNameKind(name); got != tc.want {
				t.Errorf("envNameKind(%q) = %d, want %d", name, got, tc.want)
			}
		}
	}
}

func TestPlaceholderValue(t *testing.T) {
	for v, want := range map[string]bool{
		"$(DB_PASSWORD)":                      true,
		"prefix-$(DB_PASSWORD)":               true,
		"$$(DB_PASSWORD)":                     false, // escaped: Kubernetes passes the text through
		"${DB_PASSWORD}":                      true,
		"${DB_PASSWORD:-x}":                   true,
		"{{ .Values.password }}":              true,
		"<your-password>":                     true,
		"****":                                true,
		"xxxxxxxx":                            true,
		"XXX":                                 true,
		"true":                                true,
		"False":                               true,
		"/run/secrets/db":                     true,
		"   ":                                 true,
		"hunter2":                             false,
		"changeme":                            false,
		"x1":                                  false,
		"<abc":                                false,
		"-----BEGIN PRIVATE KEY-----\nMIIE\n": false,
	} {
		if got := placeholderValue(v); got != want {
			t.Errorf("placeholderValue(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestEmbeddedPassword(t *testing.T) {
	for v, want := range map[string]bool{
		"postgres://app:hunter2@db:5432/app":                         true,
		"redis://:hunter2@redis:6379/0":                              true,
		"mongodb://app:hunter2@m1:27017,m2:27017/app?replicaSet=rs0": true,
		"app:hunter2@tcp(mysql:3306)/app":                            true,
		"Server=db;Database=app;User Id=app;Password=hunter2;":       true,
		"jdbc:postgresql://db:5432/app?user=app&password=hunter2":    true,
		"host=db user=app pwd=hunter2":                               true,
		"postgres://app:$(DB_PASSWORD)@db:5432/app":                  false,
		"postgres://app:${DB_PASSWORD}@db:5432/app":                  false,
		"postgres://app:<password>@db:5432/app":                      false,
		"postgres://app@db:5432/app":                                 false,
		"postgres://db:5432/app":                                     false,
		"https://abc123@o0.ingest.sentry.io/42":                      false,
		"https://example.com/login?next=/user:x@y":                   false,
		"Server=db;Database=app;Integrated Security=true;Password=;": false,
		"Server=db;Password=$(DB_PASSWORD)":                          false,
	} {
		if got := embeddedPassword(v); got != want {
			t.Errorf("embeddedPassword(%q) = %v, want %v", v, got, want)
		}
	}
}

// secretDeployment sets one env var per case; line numbers in
// TestSecretInEnv refer to this text.
const secretDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          env:
            - name: PGPASSWORD
              value: "hunter2-init"
      containers:
        - name: app
          env:
            - name: DB_PASSWORD
              value: hunter2
            - name: DB_PASSWORD_FILE
              value: /run/secrets/db
            - name: API_KEY
              valueFrom:
                secretKeyRef:
                  name: web
                  key: api-key
            - name: JWT_SECRET
              value: $(SHARED_JWT)
            - name: DATABASE_URL
              value: postgres://app:hunter2@db:5432/app
            - name: CACHE_URL
              value: redis://cache:6379/0
            - name: LOG_LEVEL
              value: debug
            - name: GITHUB_TOKEN
              value: ""
            - name: ADMIN_PASSWORD
              value: "<set me>"
            - name: STRIPE_API_KEY
              value: |
                sk_live_abc
        - name: sidecar
          env:
            - name: AUTH_ENABLED
              value: "true"
            - name: clientSecret
              value: s3cr3t
`

func TestSecretInEnv(t *testing.T) {
	got := secretFindings(t, secretDeployment)
	want := []string{
		`secrets.yaml:17 spec.template.spec.containers[0].env[0].value: container "app" sets env var "DB_PASSWORD" to a literal value; reference a Secret with valueFrom.secretKeyRef`,
		`secrets.yaml:28 spec.template.spec.containers[0].env[4].value: container "app" sets env var "DATABASE_URL" to a literal connection string with an embedded password; reference a Secret with valueFrom.secretKeyRef`,
		`secrets.yaml:38 spec.template.spec.containers[0].env[9].value: container "app" sets env var "STRIPE_API_KEY" to a literal value; reference a Secret with valueFrom.secretKeyRef`,
		`secrets.yaml:45 spec.template.spec.containers[1].env[1].value: container "sidecar" sets env var "clientSecret" to a literal value; reference a Secret with valueFrom.secretKeyRef`,
		`secrets.yaml:12 spec.template.spec.initContainers[0].env[0].value: init container "migrate" sets env var "PGPASSWORD" to a literal value; reference a Secret with valueFrom.secretKeyRef`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range got {
		for _, v := range []string{"hunter2", "s3cr3t", "sk_live"} {
			if strings.Contains(f, v) {
				t.Errorf("finding prints the secret value %q: %s", v, f)
			}
		}
	}
}
