package rules

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/kready/kready/manifest"
)

var referenceRules = []*Rule{
	{
		ID:       "secret-ref-missing",
		Category: "secrets",
		Severity: Warning,
		Summary:  "Pod reads a Secret, or a key of one, that the unit does not define",
		Doc: Doc{
			Why: "A container whose env or envFrom names a missing Secret stays in " +
				"CreateContainerConfigError, and a pod mounting one waits in ContainerCreating; a " +
				"missing key fails the same way. A missing image pull Secret turns into ImagePullBackOff " +
				"on a private registry. These failures show only at rollout, often in the one " +
				"environment where the Secret was forgotten. The Secret may be created outside this " +
				"unit (by hand, by another chart or by a controller), so the finding says what the unit " +
				"does not define rather than what the cluster lacks. Secrets that a Job of the unit names " +
				"in its arguments, or that a Role of the unit allowed to create Secrets names, are taken " +
				"as created at run time.",
			Fix: "Define the Secret in the same namespace as the pod (through Sealed Secrets, External " +
				"Secrets or another secret manager, which this rule recognises), correct the name or " +
				"key, or mark a reference the pod can do without optional: true.",
			Bad: "env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef:\n" +
				"        name: web-db        # no Secret web-db in this namespace\n        key: password\n",
			Good: "env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef:\n" +
				"        name: web-db\n        key: password\n---\napiVersion: external-secrets.io/v1\n" +
				"kind: ExternalSecret\nmetadata:\n  name: web-db\n  namespace: shop\nspec:\n" +
				"  secretStoreRef:\n    name: vault\n    kind: ClusterSecretStore\n" +
				"  data:\n    - secretKey: password\n      remoteRef:\n        key: shop/web-db\n",
			Helm: "# charts that create the Secret themselves usually take the name of an existing one\n" +
				"existingSecret: web-db\n",
		},
		CheckSet: refMissingCheck("Secret"),
	},
	{
		ID:       "configmap-ref-missing",
		Category: "secrets",
		Severity: Warning,
		Summary:  "Pod reads a ConfigMap, or a key of one, that the unit does not define",
		Doc: Doc{
			Why: "A container whose env or envFrom names a missing ConfigMap stays in " +
				"CreateContainerConfigError, and a pod mounting one waits in ContainerCreating; a " +
				"missing key fails the same way. The ConfigMap may be created outside this unit, so the " +
				"finding says what the unit does not define rather than what the cluster lacks.",
			Fix: "Define the ConfigMap in the same namespace as the pod, correct the name or key, or " +
				"mark a reference the pod can do without optional: true.",
			Bad: "volumes:\n  - name: config\n    configMap:\n      name: web-config\n      items:\n" +
				"        - key: app.yaml     # web-config has only settings.yaml\n          path: app.yaml\n",
			Good: "volumes:\n  - name: config\n    configMap:\n      name: web-config\n      items:\n" +
				"        - key: settings.yaml\n          path: app.yaml\n",
			Helm: "# create the ConfigMap with the chart, or name one that exists\nconfigMap:\n  create: true\n  name: web-config\n",
		},
		CheckSet: refMissingCheck("ConfigMap"),
	},
	{
		ID:       "plaintext-secret",
		Category: "secrets",
		Severity: Warning,
		Summary:  "Secret with values is committed to the repository",
		Doc: Doc{
			Why: "The data of a Secret is base64-encoded, not encrypted: anyone who can read the " +
				"repository, a fork, a CI log or a packaged chart can read the credential. Rotating it " +
				"takes a commit, and the old value stays in the history.",
			Fix: "Keep the value out of Git: commit a SealedSecret (encrypted for one cluster), an " +
				"ExternalSecret or a CSI SecretProviderClass that fetches it from a secret manager, or " +
				"have the chart take an existing Secret's name. Treat the committed value as exposed " +
				"and rotate it.",
			Bad: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: web-db\ntype: Opaque\n" +
				"stringData:\n  password: s3cr3t-hunter2\n",
			Good: "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: web-db\n" +
				"spec:\n  encryptedData:\n    password: AgBy8hCF...  # sealed with kubeseal\n",
			Helm: "# let the chart use a Secret created outside it\nexistingSecret: web-db\n",
		},
		Check: plaintextSecret,
	},
	{
		ID:       "sensitive-configmap-key",
		Category: "secrets",
		Severity: Warning,
		Summary:  "ConfigMap holds what looks like a credential",
		Doc: Doc{
			Why: "ConfigMaps are meant for configuration anyone on the team may read: they are not " +
				"encrypted at rest, are granted in broad read roles (view, most operators) and are " +
				"printed in logs and dashboards. A password, token or private key stored in one leaks " +
				"through all of those, besides the repository it was committed to.",
			Fix: "Move the value into a Secret created by a secret manager and mount or reference it " +
				"from there; keep only non-secret settings in the ConfigMap. Treat the committed value " +
				"as exposed and rotate it.",
			Bad:  "kind: ConfigMap\ndata:\n  LOG_LEVEL: info\n  DB_PASSWORD: s3cr3t-hunter2\n",
			Good: "kind: ConfigMap\ndata:\n  LOG_LEVEL: info\n  DB_PASSWORD_FILE: /run/secrets/db/password\n",
			Helm: "# values that end up in a ConfigMap: reference a Secret instead\nexistingSecret: web-db\nconfig:\n  LOG_LEVEL: info\n",
		},
		Check: sensitiveConfigMapKey,
	},
	{
		ID:       "service-account-token-automount",
		Category: "secrets",
		Severity: Info,
		Summary:  "Pod mounts a Kubernetes API token it may not need",
		Doc: Doc{
			Why: "Unless the pod or its service account sets automountServiceAccountToken: false, " +
				"every container gets a token for the API server at " +
				"/var/run/secrets/kubernetes.io/serviceaccount. Most applications never call the API, " +
				"but anyone who gets code execution in the container can use the token with whatever " +
				"rights the service account has, now or after someone binds a role to it. Pods whose " +
				"spec or service account sets it true on purpose, and pods whose service account is bound " +
				"to a role in this unit, are left alone: they evidently call the API.",
			Fix: "Set automountServiceAccountToken: false in the pod spec, or on the ServiceAccount so " +
				"that every pod using it inherits it. A pod that does call the API sets it true.",
			Bad: "spec:\n  containers:\n    - name: app\n      image: ghcr.io/acme/web:1.4.2\n",
			Good: "spec:\n  automountServiceAccountToken: false\n  containers:\n    - name: app\n" +
				"      image: ghcr.io/acme/web:1.4.2\n",
			Helm: "serviceAccount:\n  automount: false\n",
		},
		CheckSet: tokenAutomount,
	},
}

// refPodRef is one reference from a pod to a Secret or ConfigMap.
type refPodRef struct {
	kind     string // Secret or ConfigMap
	name     string
	namePath manifest.Path
	keys     []refKey
	what     string // how the pod uses it: `container "app" env DB_PASSWORD`
	optional bool
	pull     bool // an image pull Secret, which cannot be optional
}

type refKey struct {
	key  string
	path manifest.Path
}

// refPodRefs lists the pod's references to Secrets and ConfigMaps in spec order.
func refPodRefs(p *Pod) []refPodRef {
	var out []refPodRef
	for _, c := range p.Containers(true, true) {
		for i, e := range c.Env {
			if e.ValueFrom == nil {
				continue
			}
			base := c.Path.Key("env").Index(i).Key("valueFrom")
			what := fmt.Sprintf("%s env %s", c.Describe(), e.Name)
			if r := e.ValueFrom.SecretKeyRef; r != nil {
				p := base.Key("secretKeyRef")
				out = append(out, refPodRef{kind: "Secret", name: r.Name, namePath: p.Key("name"),
					keys: []refKey{{r.Key, p.Key("key")}}, what: what, optional: refTrue(r.Optional)})
			}
			if r := e.ValueFrom.ConfigMapKeyRef; r != nil {
				p := base.Key("configMapKeyRef")
				out = append(out, refPodRef{kind: "ConfigMap", name: r.Name, namePath: p.Key("name"),
					keys: []refKey{{r.Key, p.Key("key")}}, what: what, optional: refTrue(r.Optional)})
			}
		}
		for i, e := range c.EnvFrom {
			base := c.Path.Key("envFrom").Index(i)
			what := c.Describe() + " envFrom"
			if r := e.SecretRef; r != nil {
				out = append(out, refPodRef{kind: "Secret", name: r.Name, namePath: base.Key("secretRef", "name"),
					what: what, optional: refTrue(r.Optional)})
			}
			if r := e.ConfigMapRef; r != nil {
				out = append(out, refPodRef{kind: "ConfigMap", name: r.Name, namePath: base.Key("configMapRef", "name"),
					what: what, optional: refTrue(r.Optional)})
			}
		}
	}
	for i, v := range p.Spec.Volumes {
		base := p.SpecPath.Key("volumes").Index(i)
		what := "volume " + quote(v.Name)
		if r := v.Secret; r != nil {
			out = append(out, refPodRef{kind: "Secret", name: r.SecretName, namePath: base.Key("secret", "secretName"),
				keys: refItemKeys(r.Items, base.Key("secret")), what: what, optional: refTrue(r.Optional)})
		}
		if r := v.ConfigMap; r != nil {
			out = append(out, refPodRef{kind: "ConfigMap", name: r.Name, namePath: base.Key("configMap", "name"),
				keys: refItemKeys(r.Items, base.Key("configMap")), what: what, optional: refTrue(r.Optional)})
		}
		if v.Projected == nil {
			continue
		}
		for j, src := range v.Projected.Sources {
			sp := base.Key("projected", "sources").Index(j)
			if r := src.Secret; r != nil {
				out = append(out, refPodRef{kind: "Secret", name: r.Name, namePath: sp.Key("secret", "name"),
					keys: refItemKeys(r.Items, sp.Key("secret")), what: what, optional: refTrue(r.Optional)})
			}
			if r := src.ConfigMap; r != nil {
				out = append(out, refPodRef{kind: "ConfigMap", name: r.Name, namePath: sp.Key("configMap", "name"),
					keys: refItemKeys(r.Items, sp.Key("configMap")), what: what, optional: refTrue(r.Optional)})
			}
		}
	}
	for i, r := range p.Spec.ImagePullSecrets {
		out = append(out, refPodRef{kind: "Secret", name: r.Name, namePath: p.SpecPath.Key("imagePullSecrets").Index(i).Key("name"),
			what: "imagePullSecrets", pull: true})
	}
	return out
}

func refItemKeys(items []corev1.KeyToPath, base manifest.Path) []refKey {
	out := make([]refKey, len(items))
	for j, it := range items {
		out[j] = refKey{it.Key, base.Key("items").Index(j).Key("key")}
	}
	return out
}

func refTrue(b *bool) bool { return b != nil && *b }

// refDataFields are the key/value maps of Secrets and ConfigMaps, kept raw so
// that a malformed value neither fails the decode nor needs to be read.
type refDataFields struct {
	Type       string                     `json:"type"`
	Data       map[string]json.RawMessage `json:"data"`
	StringData map[string]json.RawMessage `json:"stringData"`
	BinaryData map[string]json.RawMessage `json:"binaryData"`
}

// refDefined is a Secret or ConfigMap the unit defines; keys is nil when
// its keys are not known from the manifest (a controller fills them in).
type refDefined struct {
	keys map[string]bool
}

// refIndex holds the Secrets or ConfigMaps of a unit by namespace and name.
type refIndex struct {
	kind    string
	defined map[[2]string]*refDefined // namespace, name
	where   map[string][]string       // name → namespaces defining it
	// managed are Secrets that a Job or Role of the unit evidently creates
	// at run time (webhook certificate generators, password initialisers).
	managed map[[2]string]bool
}

func (x *refIndex) add(ns, name string, d *refDefined) {
	if name == "" {
		return
	}
	k := [2]string{normalNamespace(ns), name}
	if _, dup := x.defined[k]; dup {
		return
	}
	x.defined[k] = d
	x.where[name] = append(x.where[name], k[0])
}

// refSecretProducers are custom resources that create a Secret: the API group
// of their apiVersion, their kind, and where they name the Secret.
var refSecretProducers = []struct {
	group, kind string
	names       func(p *refProducerView, s *Subject) []string
}{
	{"bitnami.com", "SealedSecret", func(_ *refProducerView, s *Subject) []string { return []string{s.Object.Name} }},
	{"external-secrets.io", "ExternalSecret", func(p *refProducerView, s *Subject) []string {
		return []string{cmp.Or(p.Spec.Target.Name, s.Object.Name)}
	}},
	{"cert-manager.io", "Certificate", func(p *refProducerView, _ *Subject) []string { return []string{p.Spec.SecretName} }},
	{"secrets-store.csi.x-k8s.io", "SecretProviderClass", func(p *refProducerView, _ *Subject) []string {
		var out []string
		for _, o := range p.Spec.SecretObjects {
			out = append(out, o.SecretName)
		}
		return out
	}},
	{"secrets.hashicorp.com", "VaultStaticSecret", refDestinationName},
	{"secrets.hashicorp.com", "VaultDynamicSecret", refDestinationName},
	{"secrets.hashicorp.com", "VaultPKISecret", refDestinationName},
	{"onepassword.com", "OnePasswordItem", func(_ *refProducerView, s *Subject) []string { return []string{s.Object.Name} }},
}

func refDestinationName(p *refProducerView, _ *Subject) []string {
	return []string{p.Spec.Destination.Name}
}

// refProducerView is the union of the fields refSecretProducers read.
type refProducerView struct {
	Spec struct {
		SecretName string `json:"secretName"`
		Target     struct {
			Name string `json:"name"`
		} `json:"target"`
		Destination struct {
			Name string `json:"name"`
		} `json:"destination"`
		SecretObjects []struct {
			SecretName string `json:"secretName"`
		} `json:"secretObjects"`
	} `json:"spec"`
}

// refPublishedConfigMaps are put into every namespace by the control plane:
// Kubernetes itself, Istio's istiod, OpenShift's service CA operator.
var refPublishedConfigMaps = map[string]bool{
	"kube-root-ca.crt":         true,
	"istio-ca-root-cert":       true,
	"openshift-service-ca.crt": true,
}

func newRefIndex(set *Set, kind string) *refIndex {
	x := &refIndex{kind: kind, defined: map[[2]string]*refDefined{}, where: map[string][]string{}}
	for _, sub := range set.OfKind(kind) {
		d := As[refDataFields](sub)
		obj := &refDefined{}
		// A service account token Secret is filled in by the token controller.
		known := d.Data != nil || d.StringData != nil || d.BinaryData != nil
		if known && d.Type != string(corev1.SecretTypeServiceAccountToken) {
			obj.keys = map[string]bool{}
			for _, m := range []map[string]json.RawMessage{d.Data, d.StringData, d.BinaryData} {
				for k := range m {
					obj.keys[k] = true
				}
			}
		}
		x.add(sub.Object.Namespace, sub.Object.Name, obj)
	}
	if kind != "Secret" {
		return x
	}
	x.managed = refManagedSecrets(set)
	for _, p := range refSecretProducers {
		for _, sub := range set.OfKind(p.kind) {
			if group, _, _ := strings.Cut(sub.Object.APIVersion, "/"); group != p.group {
				continue
			}
			for _, name := range p.names(As[refProducerView](sub), sub) {
				x.add(sub.Object.Namespace, name, &refDefined{})
			}
		}
	}
	return x
}

// refManagedSecrets finds Secrets created at run time by something in the
// unit: a Job or CronJob whose command or arguments name the Secret
// (--secret-name=NAME), or a Role that may create Secrets and names this one.
func refManagedSecrets(set *Set) map[[2]string]bool {
	out := map[[2]string]bool{}
	for _, w := range set.Workloads() {
		if !w.Pod.Batch {
			continue
		}
		ns := Namespace(w)
		for _, c := range w.Pod.Containers(true, false) {
			for _, arg := range slices.Concat(c.Command, c.Args) {
				for _, field := range strings.Fields(arg) {
					if _, v, ok := strings.Cut(field, "="); ok {
						field = v
					}
					out[[2]string{ns, strings.Trim(field, `"'`)}] = true
				}
			}
		}
	}
	for _, role := range set.OfKind("Role") {
		if !rbacKind(role, "Role") {
			continue
		}
		// RBAC cannot limit create by name, so a creator's Role pairs an
		// unnamed create with access to the Secrets it then reads by name.
		creates := false
		var names []string
		for _, r := range As[rbacv1.ClusterRole](role).Rules {
			if !rbacCoreGroup(r) || !slices.Contains(r.Resources, "secrets") {
				continue
			}
			creates = creates || len(rbacGrantedVerbs(r, "create")) > 0
			names = append(names, r.ResourceNames...)
		}
		if !creates {
			continue
		}
		for _, name := range names {
			out[[2]string{Namespace(role), name}] = true
		}
	}
	return out
}

// refMissingCheck reports references to objects of kind that the unit does
// not define, and to keys that defined objects do not have.
func refMissingCheck(kind string) func(*Set) []Result {
	return func(set *Set) []Result {
		var idx *refIndex
		var out []Result
		for _, w := range set.Workloads() {
			ns := Namespace(w)
			for _, r := range refPodRefs(w.Pod) {
				if r.kind != kind || r.optional || r.name == "" || kind == "ConfigMap" && refPublishedConfigMaps[r.name] {
					continue
				}
				if idx == nil {
					idx = newRefIndex(set, kind)
				}
				d := idx.defined[[2]string{ns, r.name}]
				if d == nil && idx.managed[[2]string{ns, r.name}] {
					continue
				}
				if d == nil {
					out = append(out, Result{Object: w.Object, Path: r.namePath, Message: refMissingMessage(idx, r, ns)})
					continue
				}
				if d.keys == nil {
					continue
				}
				for _, k := range r.keys {
					if k.key == "" || d.keys[k.key] {
						continue
					}
					out = append(out, Result{Object: w.Object, Path: k.path, Message: fmt.Sprintf(
						"%s reads key %q of %s %q, which has no such key (it has %s); the pod will not start until the key exists",
						r.what, k.key, kind, r.name, refKeyList(d.keys))})
				}
			}
		}
		return out
	}
}

func refMissingMessage(idx *refIndex, r refPodRef, ns string) string {
	elsewhere := ""
	if others := idx.where[r.name]; len(others) > 0 {
		elsewhere = fmt.Sprintf(" (a %s of that name is defined in namespace %s, but pods can only read their own namespace's)",
			idx.kind, strings.Join(refQuoteAll(others), ", "))
	}
	if r.pull {
		return fmt.Sprintf("imagePullSecrets names Secret %q, which is not defined in this unit%s; unless it exists in namespace %q, pulls from a private registry will fail",
			r.name, elsewhere, ns)
	}
	return fmt.Sprintf("%s reads %s %q, which is not defined in this unit%s; unless it exists in namespace %q the pod will not start (or mark the reference optional: true)",
		r.what, idx.kind, r.name, elsewhere, ns)
}

func refQuoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = quote(s)
	}
	return out
}

// refKeyList names up to eight keys in order, for messages.
func refKeyList(keys map[string]bool) string {
	if len(keys) == 0 {
		return "no keys"
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	more := ""
	if len(names) > 8 {
		more = fmt.Sprintf(" and %d more", len(names)-8)
		names = names[:8]
	}
	return strings.Join(refQuoteAll(names), ", ") + more
}

// refRawText is the text of a data value: a JSON string's contents, "" for
// null, and the literal for anything else (a number written unquoted).
func refRawText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if string(raw) == "null" {
		return ""
	}
	return string(raw)
}

// refCommitted reports whether a Secret value is a real value in the
// manifest rather than empty or a placeholder filled in at deploy time.
func refCommitted(v string) bool {
	return strings.TrimSpace(v) != "" && !placeholderValue(v)
}

func plaintextSecret(s *Subject) []Result {
	if s.Object.Kind != "Secret" {
		return nil
	}
	d := As[refDataFields](s)
	var keys []string
	field := ""
	for _, f := range []struct {
		name   string
		m      map[string]json.RawMessage
		base64 bool
	}{{"data", d.Data, true}, {"stringData", d.StringData, false}} {
		for k, raw := range f.m {
			v := refRawText(raw)
			if f.base64 {
				// Undecodable data is still a committed value; decoded, it may be a placeholder.
				if dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v)); err == nil {
					v = string(dec)
				}
			}
			if refCommitted(v) {
				keys = append(keys, k)
				if field == "" {
					field = f.name
				}
			}
		}
	}
	if field == "" {
		return nil
	}
	set := map[string]bool{}
	for _, k := range keys {
		set[k] = true
	}
	return []Result{{
		Path: manifest.Path{{Key: field}},
		Message: fmt.Sprintf("Secret %q is committed with values in clear (keys %s): base64 is an encoding, not encryption; "+
			"commit a SealedSecret or an ExternalSecret, or create it from a secret manager, instead", s.Object.Name, refKeyList(set)),
	}}
}

var (
	// refPEMPrivateKey matches the header of any PEM private key block.
	refPEMPrivateKey = regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----`)
	// refSettingLine is one `name = value` or `name: value` line of a
	// configuration file (properties, .env, INI, TOML, YAML, JSON).
	refSettingLine = regexp.MustCompile(`^\s*(?:export\s+)?["']?([A-Za-z_][A-Za-z0-9_.\-]*)["']?\s*[=:]\s*(.*?)\s*,?\s*$`)
)

func sensitiveConfigMapKey(s *Subject) []Result {
	if s.Object.Kind != "ConfigMap" {
		return nil
	}
	d := As[refDataFields](s)
	var out []Result
	for _, f := range []struct {
		name   string
		m      map[string]json.RawMessage
		binary bool
	}{{"data", d.Data, false}, {"binaryData", d.BinaryData, true}} {
		keys := make([]string, 0, len(f.m))
		for k := range f.m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := refRawText(f.m[k])
			var reason string
			if f.binary {
				if dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v)); err == nil && refPEMPrivateKey.Match(dec) {
					reason = "holds a PEM private key"
				}
			} else {
				reason = refConfigValueReason(k, v)
			}
			if reason == "" {
				continue
			}
			out = append(out, Result{
				Path: manifest.Path{{Key: f.name}, {Key: k}},
				Message: fmt.Sprintf("ConfigMap %q key %q %s; ConfigMaps are not protected like Secrets: move the value to a Secret",
					s.Object.Name, k, reason),
			})
		}
	}
	return out
}

// refConfigValueReason says why the ConfigMap entry key: v holds a credential,
// or returns "". It never quotes the value.
func refConfigValueReason(key, v string) string {
	if refPEMPrivateKey.MatchString(v) {
		return "holds a PEM private key"
	}
	// A one-line value is judged by its key's name; a file by its settings.
	if !strings.Contains(strings.TrimSpace(v), "\n") {
		switch refNameKind(key) {
		case envCredential:
			if !placeholderValue(v) {
				return "is named like a credential and has a literal value"
			}
		case envConnection:
			if embeddedPassword(v) {
				return "holds a connection string with an embedded password"
			}
		}
	}
	for _, line := range strings.Split(v, "\n") {
		if reason := refSettingReason(line); reason != "" {
			return reason
		}
	}
	return ""
}

// refNameKind classifies a configuration key like an environment variable
// name, except that existingSecret-style keys name an object, not a value.
func refNameKind(name string) envKind {
	if slices.Contains(envWords(name), "existing") {
		return envOther
	}
	return envNameKind(name)
}

// refSettingReason judges one line of a configuration file.
func refSettingReason(line string) string {
	t := strings.TrimSpace(line)
	if t == "" || strings.HasPrefix(t, "#") || strings.HasPrefix(t, ";") || strings.HasPrefix(t, "//") {
		return ""
	}
	if m := refSettingLine.FindStringSubmatch(t); m != nil {
		name, val := m[1], strings.Trim(m[2], `"'`)
		switch refNameKind(name) {
		case envCredential:
			// An empty value or a block start ({, [, |, >) opens nested settings.
			if strings.TrimSpace(val) != "" && !strings.ContainsAny(val[:1], "{[|>&*") && !placeholderValue(val) {
				return fmt.Sprintf("sets %q to a literal value", name)
			}
		case envConnection:
			if embeddedPassword(val) {
				return fmt.Sprintf("sets %q to a connection string with an embedded password", name)
			}
		}
	}
	for _, m := range passwordParam.FindAllStringSubmatch(t, -1) {
		if !placeholderValue(m[1]) {
			return "contains a password= parameter with a literal value"
		}
	}
	return ""
}

// saOfPod names the pod's service account and the path to edit.
func saOfPod(p *Pod) (string, manifest.Path) {
	switch {
	case p.Spec.ServiceAccountName != "":
		return p.Spec.ServiceAccountName, p.SpecPath.Key("serviceAccountName")
	case p.Spec.DeprecatedServiceAccount != "":
		return p.Spec.DeprecatedServiceAccount, p.SpecPath.Key("serviceAccount")
	}
	return "default", p.SpecPath.Key("serviceAccountName")
}

// saAutomountDisabled reports whether the pod gets no API token: the pod says
// so, or leaves it to a service account in the unit that says so.
func saAutomountDisabled(set *Set, w *Subject, saName string) bool {
	if v := w.Pod.Spec.AutomountServiceAccountToken; v != nil {
		return !*v
	}
	if sa := set.Find("ServiceAccount", Namespace(w), saName); sa != nil {
		v := As[corev1.ServiceAccount](sa).AutomountServiceAccountToken
		return v != nil && !*v
	}
	return false
}

// saBound lists the service accounts that a RoleBinding or
// ClusterRoleBinding of the unit grants a role to, by namespace and name.
func saBound(set *Set) map[[2]string]bool {
	out := map[[2]string]bool{}
	for _, b := range set.OfKind("RoleBinding", "ClusterRoleBinding") {
		if !rbacKind(b, "RoleBinding", "ClusterRoleBinding") {
			continue
		}
		for _, sub := range As[rbacv1.ClusterRoleBinding](b).Subjects {
			if sub.Kind != "ServiceAccount" {
				continue
			}
			ns := sub.Namespace
			if ns == "" && b.Object.Kind == "RoleBinding" {
				ns = b.Object.Namespace
			}
			out[[2]string{normalNamespace(ns), sub.Name}] = true
		}
	}
	return out
}

func tokenAutomount(set *Set) []Result {
	var bound map[[2]string]bool
	var out []Result
	for _, w := range set.Workloads() {
		p := w.Pod
		// Either value set on the pod is a deliberate choice; true means it calls the API.
		if p.Spec.AutomountServiceAccountToken != nil {
			continue
		}
		name, _ := saOfPod(p)
		sa := set.Find("ServiceAccount", Namespace(w), name)
		if sa != nil && As[corev1.ServiceAccount](sa).AutomountServiceAccountToken != nil {
			continue
		}
		if bound == nil {
			bound = saBound(set)
		}
		if bound[[2]string{Namespace(w), name}] {
			continue
		}
		var why string
		switch {
		case sa != nil:
			why = fmt.Sprintf("neither the pod nor ServiceAccount %q sets automountServiceAccountToken: false", name)
		case name == "default":
			why = `the pod uses the "default" service account and does not set automountServiceAccountToken: false`
		default:
			why = fmt.Sprintf("the pod does not set automountServiceAccountToken: false, and ServiceAccount %q is not defined in this unit", name)
		}
		out = append(out, Result{
			Object: w.Object,
			Path:   p.SpecPath.Key("automountServiceAccountToken"),
			Message: fmt.Sprintf("every container gets a Kubernetes API token: %s; set it false unless the app calls the API",
				why),
		})
	}
	return out
}
