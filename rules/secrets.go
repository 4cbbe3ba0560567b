package rules

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

var secretRules = []*Rule{
	{
		ID:       "secret-in-env",
		Category: "secrets",
		Severity: Error,
		Summary:  "Credential-like environment variable has a literal value",
		Doc: Doc{
			Why: "A literal value in a manifest is stored in Git, copied into every fork, CI log and chart " +
				"package, and shown by `kubectl get -o yaml` to anyone who may read the workload. A " +
				"leaked repository leaks the credential, and rotating it takes a code change and a " +
				"redeploy. Secrets are kept apart from the workload, can be encrypted at rest, are guarded " +
				"by their own RBAC and can be rotated on their own.",
			Fix: "Move the value into a Secret (created by an external secret manager such as External " +
				"Secrets, Vault or Sealed Secrets rather than committed in clear) and reference it with " +
				"valueFrom.secretKeyRef. Treat the committed value as exposed and rotate it.",
			Bad: "env:\n  - name: DB_PASSWORD\n    value: s3cr3t-hunter2\n",
			Good: "env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef:\n" +
				"        name: web-db\n        key: password\n",
			Helm: "# many charts take the name of a Secret created outside the chart\n" +
				"existingSecret: web-db\n" +
				"extraEnv:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef:\n" +
				"        name: web-db\n        key: password\n",
		},
		Check: secretInEnv,
	},
}

func secretInEnv(s *Subject) []Result {
	if s.Pod == nil {
		return nil
	}
	var out []Result
	for _, c := range s.Pod.Containers(true, true) {
		for i, e := range c.Env {
			if e.ValueFrom != nil || strings.TrimSpace(e.Value) == "" {
				continue
			}
			var why string
			switch envNameKind(e.Name) {
			case envCredential:
				if placeholderValue(e.Value) {
					continue
				}
				why = "to a literal value"
			case envConnection:
				if !embeddedPassword(e.Value) {
					continue
				}
				why = "to a literal connection string with an embedded password"
			default:
				continue
			}
			out = append(out, Result{
				Path: c.Path.Key("env").Index(i).Key("value"),
				Message: fmt.Sprintf("%s sets env var %s %s; reference a Secret with valueFrom.secretKeyRef",
					c.Describe(), quote(e.Name), why),
			})
		}
	}
	return out
}

type envKind int

const (
	envOther envKind = iota
	envCredential
	envConnection
)

func wordSet(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

var (
	// credentialWords name the credential itself wherever they appear.
	credentialWords = wordSet("passphrase", "secret", "secrets", "token", "credential", "credentials",
		"creds", "apikey", "accesskey", "secretkey", "privatekey", "clientsecret", "authtoken",
		"accesstoken", "refreshtoken", "bearertoken", "sessiontoken")
	// trailingCredentialWords are too common inside other names (PASS_THROUGH,
	// AUTH_URL) to count anywhere but at the end.
	trailingCredentialWords = wordSet("pass", "pwd", "auth")
	// keyKinds turn a following KEY into a credential (API_KEY, but not CACHE_KEY).
	keyKinds = wordSet("api", "access", "secret", "private", "encryption", "signing", "sign", "master",
		"hmac", "jwt", "session", "license", "account", "storage", "ssh", "tls", "client", "app",
		"crypto", "cipher", "aes", "shared", "subscription", "auth")
	// qualifiers after the credential word mean the variable describes the
	// credential (where it lives, how long it lasts) rather than holding it.
	qualifiers = wordSet("file", "files", "path", "paths", "dir", "directory", "name", "names", "ref",
		"reference", "enabled", "enable", "disabled", "length", "len", "size", "ttl", "expiry",
		"expires", "expiration", "lifetime", "timeout", "duration", "age", "seconds", "secs", "minutes",
		"hours", "days", "url", "uri", "endpoint", "host", "hostname", "port", "header", "type", "mode",
		"policy", "method", "algorithm", "alg", "format", "encoding", "version", "user", "username",
		"login", "issuer", "audience", "scope", "scopes", "prefix", "namespace", "mount", "volume",
		"location", "provider", "store", "backend", "source", "manager", "engine", "arn", "project",
		"region", "count", "max", "min", "required", "rotation", "strategy", "field", "label",
		"pattern", "regex", "kind", "env", "var")
	// switches before the credential word mean the variable toggles or bounds
	// a feature (ENABLE_AUTH, MAX_TOKEN_AGE).
	switches = wordSet("enable", "enabled", "disable", "disabled", "use", "require", "required", "skip",
		"allow", "no", "without", "max", "min", "num", "number")
	// connectionWords end names whose values may carry credentials inline.
	connectionWords = wordSet("dsn", "url", "uri", "urls", "uris", "connectionstring", "connstring",
		"connstr")
)

// envNameKind classifies an environment variable name by its words.
func envNameKind(name string) envKind {
	words := envWords(name)
	n := len(words)
	if n == 0 {
		return envOther
	}
	last := -1
	for i, w := range words {
		switch {
		case credentialWords[w], strings.Contains(w, "password"), strings.Contains(w, "passwd"):
			last = i
		case w == "key" && i > 0 && keyKinds[words[i-1]]:
			last = i
		case i == n-1 && trailingCredentialWords[w] && (w != "pwd" || n > 1):
			last = i // a bare PWD is the shell's working directory
		}
	}
	if last >= 0 && credentialName(words, last) {
		return envCredential
	}
	if connectionWords[words[n-1]] {
		return envConnection
	}
	if n > 1 && (words[n-2] == "connection" || words[n-2] == "conn") && (words[n-1] == "string" || words[n-1] == "str") {
		return envConnection
	}
	return envOther
}

// credentialName reports whether words, whose last credential word is at
// last, hold the credential rather than describe or toggle it.
func credentialName(words []string, last int) bool {
	for _, w := range words[:last] {
		if switches[w] {
			return false
		}
	}
	for j, w := range words[last+1:] {
		// AWS_ACCESS_KEY_ID names a key; VAULT_SECRET_ID is the secret.
		if qualifiers[w] || w == "id" && j == 0 && words[last] == "key" {
			return false
		}
	}
	return true
}

// envWords splits a variable name into lower-case words at separators,
// camelCase humps and letter/digit boundaries: dbPassword, DB_PASSWORD and
// db-password all give [db password].
func envWords(name string) []string {
	var words []string
	rs := []rune(name)
	start := -1
	flush := func(end int) {
		if start >= 0 && end > start {
			words = append(words, strings.ToLower(string(rs[start:end])))
		}
		start = -1
	}
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush(i)
			continue
		}
		if start >= 0 {
			prev := rs[i-1]
			switch {
			case unicode.IsDigit(r) != unicode.IsDigit(prev):
				flush(i)
			case unicode.IsUpper(r) && unicode.IsLower(prev):
				flush(i)
			case unicode.IsUpper(r) && unicode.IsUpper(prev) && i+1 < len(rs) && unicode.IsLower(rs[i+1]):
				flush(i) // the K of APIKey starts a word
			}
		}
		if start < 0 {
			start = i
		}
	}
	flush(len(rs))
	return words
}

var (
	// kubeRef is Kubernetes' own $(VAR) expansion; ${VAR} and {{ }} are filled
	// by an entrypoint or a templating step before the value is used.
	kubeRef     = regexp.MustCompile(`\$\([A-Za-z_][A-Za-z0-9_.-]*\)`)
	shellRef    = regexp.MustCompile(`\$\{[^}]+\}`)
	templateRef = regexp.MustCompile(`\{\{.*?\}\}`)
)

// placeholderValue reports whether v is not a real credential: a reference
// to another variable, a template, an obvious placeholder, a boolean or a
// file path.
func placeholderValue(v string) bool {
	v = strings.TrimSpace(v)
	if v == "" || shellRef.MatchString(v) || templateRef.MatchString(v) {
		return true
	}
	for _, m := range kubeRef.FindAllStringIndex(v, -1) {
		if m[0] == 0 || v[m[0]-1] != '$' { // $$(VAR) is an escaped literal
			return true
		}
	}
	if strings.HasPrefix(v, "<") && strings.HasSuffix(v, ">") {
		return true
	}
	if strings.Trim(v, "*xX") == "" {
		return true
	}
	switch strings.ToLower(v) {
	case "true", "false", "yes", "no", "on", "off":
		return true
	}
	return strings.HasPrefix(v, "/")
}

// passwordParam finds password=... in key/value connection strings
// (Password=...; in ADO.NET, ?password=... in JDBC and libpq URLs).
var passwordParam = regexp.MustCompile(`(?i)(?:^|[;?&\s])(?:password|passwd|pwd|pass)\s*=\s*([^;&\s]*)`)

// embeddedPassword reports whether a URL or connection string carries a
// literal password: scheme://user:password@host, user:password@tcp(host)/db
// or a password= parameter.
func embeddedPassword(v string) bool {
	v = strings.TrimSpace(v)
	rest := v
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	if end := strings.IndexAny(rest, "/?#"); end >= 0 {
		rest = rest[:end]
	}
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		if _, pw, ok := strings.Cut(rest[:at], ":"); ok && !placeholderValue(pw) {
			return true
		}
	}
	for _, m := range passwordParam.FindAllStringSubmatch(v, -1) {
		if !placeholderValue(m[1]) {
			return true
		}
	}
	return false
}
