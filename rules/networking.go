package rules

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kready/kready/manifest"
)

var networkingRules = []*Rule{
	{
		ID:       "service-selects-nothing",
		Category: "networking",
		Severity: Warning,
		Summary:  "Service selector matches no pod template in its namespace in this unit",
		Doc: Doc{
			Why: "A Service routes to the pods whose labels include every key and value of its selector, " +
				"in its own namespace only. When no pod template of the unit carries those labels, the " +
				"Service has no endpoints and every connection to it is refused, usually because a label " +
				"was renamed on one side, a chart's selector labels include one that the pod template " +
				"lacks, or the workload lives in another namespace. The rule only sees the unit: pods " +
				"created elsewhere (another chart, an operator) cannot be seen, so a unit that holds no " +
				"pod template at all is not checked, and Services without a selector (ExternalName, " +
				"manually managed Endpoints) are skipped.",
			Fix: "Make the selector a subset of the pod template's labels, in the same namespace. In charts, " +
				"generate both from one selector-labels helper so they cannot drift apart.",
			Bad: "kind: Service\nspec:\n  selector:\n    app: web-frontend\n---\nkind: Deployment\nspec:\n" +
				"  template:\n    metadata:\n      labels:\n        app: web\n",
			Good: "kind: Service\nspec:\n  selector:\n    app: web\n---\nkind: Deployment\nspec:\n" +
				"  template:\n    metadata:\n      labels:\n        app: web\n",
			Helm: "# templates/service.yaml\nselector:\n  {{- include \"app.selectorLabels\" . | nindent 4 }}\n" +
				"# templates/deployment.yaml\ntemplate:\n  metadata:\n    labels:\n" +
				"      {{- include \"app.selectorLabels\" . | nindent 8 }}\n",
		},
		CheckSet: serviceSelectsNothing,
	},
	{
		ID:       "service-target-port-missing",
		Category: "networking",
		Severity: Error,
		Summary:  "Service targetPort is not exposed by the pods it selects",
		Doc: Doc{
			Why: "A Service forwards each port to its targetPort on the selected pods (the port number " +
				"itself when targetPort is unset). A named targetPort that no selected container " +
				"declares leaves the Service port without endpoints; a number that no container declares " +
				"sends traffic to a port nothing listens on. Either way requests fail although the pods " +
				"are healthy. Named ports must match a container port's name and protocol. Kubernetes " +
				"does not require containers to declare their ports, so a numbered targetPort is not " +
				"judged when a selected container declares no ports at all. Only Services whose " +
				"selector matches pod templates of the unit are checked.",
			Fix: "Point targetPort at a port the containers declare, preferably by name so the Service " +
				"follows the container if its port number changes, or declare the port in the container.",
			Bad: "# Service\nports:\n  - port: 80\n    targetPort: http\n# container\nports:\n" +
				"  - name: web\n    containerPort: 8080\n",
			Good: "# Service\nports:\n  - port: 80\n    targetPort: http\n# container\nports:\n" +
				"  - name: http\n    containerPort: 8080\n",
			Helm: "service:\n  port: 80\n  targetPort: http\n",
		},
		CheckSet: serviceTargetPortMissing,
	},
	{
		ID:       "ingress-backend-missing",
		Category: "networking",
		Severity: Warning,
		Summary:  "Ingress backend Service or port is not defined in this unit",
		Doc: Doc{
			Why: "An Ingress routes each path to a Service and port in its own namespace. When the Service " +
				"does not exist, or does not define the port by number or name, the controller answers " +
				"503 or 404 for that path. The rule checks networking.k8s.io/v1 Ingresses against the " +
				"Services of the unit; a Service created outside the unit cannot be seen, so a unit " +
				"without any Service is not checked.",
			Fix: "Reference a Service that the unit defines in the Ingress's namespace, and a port that " +
				"Service lists in spec.ports (by its number or its name).",
			Bad:  "backend:\n  service:\n    name: web\n    port:\n      number: 8080 # the Service listens on 80\n",
			Good: "backend:\n  service:\n    name: web\n    port:\n      name: http\n",
			Helm: "ingress:\n  hosts:\n    - host: shop.example.com\n      paths:\n        - path: /\n" +
				"          pathType: Prefix\nservice:\n  port: 80\n",
		},
		CheckSet: ingressBackendMissing,
	},
	{
		ID:       "ingress-without-tls",
		Category: "networking",
		Severity: Warning,
		Summary:  "Ingress serves hosts without TLS",
		Doc: Doc{
			Why: "An Ingress without a tls section serves its hosts over plain HTTP: credentials, session " +
				"cookies and data cross the network in clear and can be altered in transit. A host listed " +
				"in the rules but in no tls entry is served without the certificate meant for it. A tls " +
				"entry without hosts covers every host, and a wildcard host covers one label. Ingresses " +
				"that get their certificate from a cloud annotation (AWS ALB certificate-arn, GCE " +
				"pre-shared or managed certificates, Azure Application Gateway) are not checked.",
			Fix: "Add a tls entry listing every host of the rules with the Secret that holds its " +
				"certificate (cert-manager can issue it), and redirect HTTP to HTTPS in the controller.",
			Bad: "spec:\n  rules:\n    - host: shop.example.com\n      http:\n        paths: [...]\n",
			Good: "spec:\n  tls:\n    - hosts: [shop.example.com]\n      secretName: shop-tls\n  rules:\n" +
				"    - host: shop.example.com\n      http:\n        paths: [...]\n",
			Helm: "ingress:\n  tls:\n    - secretName: shop-tls\n      hosts:\n        - shop.example.com\n",
		},
		Check: ingressWithoutTLS,
	},
	{
		ID:       "missing-network-policy",
		Category: "networking",
		Severity: Warning,
		Summary:  "No NetworkPolicy in this unit selects the workload's pods",
		Doc: Doc{
			Why: "Pods that no NetworkPolicy selects accept connections from every pod in the cluster and " +
				"may connect anywhere, so one compromised pod can reach them all. A policy selects the " +
				"pods of its own namespace that match its podSelector; an empty podSelector selects " +
				"them all. Policies created outside the unit (by a platform team, per namespace) cannot " +
				"be seen, hence the wording \"in this unit\". Pods on the host network are not checked " +
				"(NetworkPolicy does not apply to them), and a namespace holding Cilium, Calico or admin " +
				"network policies of the unit counts as covered, because their selectors are not " +
				"evaluated here.",
			Fix: "Add a NetworkPolicy in the workload's namespace whose podSelector matches the pod " +
				"template's labels, allowing only the traffic the workload needs; a default-deny policy " +
				"with podSelector: {} is a good base.",
			Bad: "kind: Deployment\nmetadata:\n  namespace: shop\nspec:\n  template:\n    metadata:\n" +
				"      labels:\n        app: web\n",
			Good: "kind: NetworkPolicy\nmetadata:\n  namespace: shop\nspec:\n  podSelector:\n    matchLabels:\n" +
				"      app: web\n  policyTypes: [Ingress]\n  ingress:\n    - from:\n        - podSelector:\n" +
				"            matchLabels:\n              app: gateway\n",
			Helm: "networkPolicy:\n  enabled: true\n",
		},
		CheckSet: missingNetworkPolicy,
	},
	{
		ID:       "network-policy-selects-nothing",
		Category: "networking",
		Severity: Warning,
		Summary:  "NetworkPolicy podSelector matches no pod template in its namespace in this unit",
		Doc: Doc{
			Why: "A NetworkPolicy applies only to the pods of its namespace that match its podSelector. " +
				"When no pod template of the unit matches, the policy protects nothing while the pods it " +
				"was written for stay open, usually because of a label typo or a policy placed in the " +
				"wrong namespace. An empty podSelector selects every pod and is not reported, and a unit " +
				"that holds no pod template at all is not checked (its pods are defined elsewhere).",
			Fix: "Make the podSelector match the labels of the pod template it is meant for, and put the " +
				"policy in that workload's namespace.",
			Bad:  "podSelector:\n  matchLabels:\n    app: wbe\n",
			Good: "podSelector:\n  matchLabels:\n    app: web\n",
			Helm: "networkPolicy:\n  podSelector:\n    matchLabels:\n      app.kubernetes.io/name: web\n",
		},
		CheckSet: networkPolicySelectsNothing,
	},
	{
		ID:       "loadbalancer-unrestricted",
		Category: "networking",
		Severity: Info,
		Summary:  "LoadBalancer Service accepts traffic from any address",
		Doc: Doc{
			Why: "A Service of type LoadBalancer gets an address that the cloud provider usually makes " +
				"public, and without source ranges anyone on the internet can reach it. That is right " +
				"for a public entry point and a surprise for an admin UI, a database or an internal API. " +
				"Services restricted by spec.loadBalancerSourceRanges (or the " +
				"service.beta.kubernetes.io/load-balancer-source-ranges annotation) or marked internal " +
				"by a well-known cloud annotation are not reported; a range of 0.0.0.0/0 or ::/0 is. " +
				"Off by default, because a public entry point such as an ingress controller is open on " +
				"purpose: enable it to review which load balancers face the internet.",
			Fix: "List the client networks in spec.loadBalancerSourceRanges, or make the load balancer " +
				"internal with your cloud's annotation; for HTTP, prefer a ClusterIP Service behind an " +
				"Ingress.",
			Bad: "spec:\n  type: LoadBalancer\n",
			Good: "metadata:\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-scheme: internal\n" +
				"spec:\n  type: LoadBalancer\n",
			Helm: "service:\n  type: LoadBalancer\n  loadBalancerSourceRanges:\n    - 10.0.0.0/8\n",
		},
		Check: loadBalancerUnrestricted,
	},
}

// netPods indexes the unit's pod templates once per check, by namespace and
// by namespace/label/value, so that matching a selector only looks at the
// pods that carry one of its required labels.
type netPods struct {
	byNS    map[string][]*Subject
	byLabel map[netLabel][]*Subject
}

type netLabel struct{ ns, key, value string }

func netIndexPods(set *Set) *netPods {
	ix := &netPods{byNS: map[string][]*Subject{}, byLabel: map[netLabel][]*Subject{}}
	for _, sub := range set.Workloads() {
		ns := Namespace(sub)
		ix.byNS[ns] = append(ix.byNS[ns], sub)
		for k, v := range sub.Pod.Meta.Labels {
			l := netLabel{ns, k, v}
			ix.byLabel[l] = append(ix.byLabel[l], sub)
		}
	}
	return ix
}

// match returns the pod templates of namespace ns whose labels sel matches,
// in unit order.
func (ix *netPods) match(ns string, sel labels.Selector) []*Subject {
	candidates := ix.byNS[ns]
	reqs, _ := sel.Requirements()
	for _, r := range reqs {
		op := r.Operator()
		if op != selection.Equals && op != selection.DoubleEquals && (op != selection.In || r.Values().Len() != 1) {
			continue
		}
		// Every match carries this label and value: start from the shortest such list.
		if c := ix.byLabel[netLabel{ns, r.Key(), r.Values().UnsortedList()[0]}]; len(c) < len(candidates) {
			candidates = c
		}
	}
	var out []*Subject
	for _, sub := range candidates {
		if sel.Matches(labels.Set(sub.Pod.Meta.Labels)) {
			out = append(out, sub)
		}
	}
	return out
}

// otherNamespaces names the namespaces other than ns holding a match, for
// messages about objects placed in the wrong namespace.
func (ix *netPods) otherNamespaces(ns string, sel labels.Selector) []string {
	var out []string
	for other := range ix.byNS {
		if other != ns && len(ix.match(other, sel)) > 0 {
			out = append(out, strconv.Quote(other))
		}
	}
	sort.Strings(out)
	return out
}

// netNothingSelected explains an empty match for selector-holding objects.
func netNothingSelected(what string, ix *netPods, ns string, sel labels.Selector) string {
	msg := fmt.Sprintf("%s selects no pods: no pod template in namespace %q in this unit has the labels %s", what, ns, sel)
	if other := ix.otherNamespaces(ns, sel); len(other) > 0 {
		msg += fmt.Sprintf(" (pod templates in namespace %s do, but selection never crosses namespaces)", strings.Join(other, ", "))
	}
	return msg
}

// netCoreService returns the Service view of a core v1 Service, or nil for any
// other object (Knative Services share the kind).
func netCoreService(sub *Subject) *corev1.Service {
	if sub.Object.Kind != "Service" || sub.Object.APIVersion != "v1" {
		return nil
	}
	return As[corev1.Service](sub)
}

// netServiceSelector returns the selector of a Service that routes to pods, or nil
// for Services without one (ExternalName ignores its selector).
func netServiceSelector(svc *corev1.Service) labels.Selector {
	if svc == nil || svc.Spec.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	return MapSelector(svc.Spec.Selector)
}

func netDescribe(sub *Subject) string { return sub.Object.Kind + " " + quote(sub.Object.Name) }

func serviceSelectsNothing(set *Set) []Result {
	pods := netIndexPods(set)
	if len(pods.byNS) == 0 {
		// No pod template anywhere in the unit: the pods are defined elsewhere.
		return nil
	}
	var out []Result
	for _, sub := range set.OfKind("Service") {
		sel := netServiceSelector(netCoreService(sub))
		if sel == nil {
			continue
		}
		ns := Namespace(sub)
		if len(pods.match(ns, sel)) > 0 {
			continue
		}
		out = append(out, Result{
			Object:  sub.Object,
			Path:    manifest.Path{{Key: "spec"}, {Key: "selector"}},
			Message: netNothingSelected("Service "+quote(sub.Object.Name), pods, ns, sel),
		})
	}
	return out
}

func serviceTargetPortMissing(set *Set) []Result {
	pods := netIndexPods(set)
	var out []Result
	for _, sub := range set.OfKind("Service") {
		svc := netCoreService(sub)
		sel := netServiceSelector(svc)
		if sel == nil {
			continue
		}
		selected := pods.match(Namespace(sub), sel)
		if len(selected) == 0 {
			continue
		}
		for i, p := range svc.Spec.Ports {
			if msg := netUnexposedTarget(p, selected); msg != "" {
				out = append(out, Result{
					Object:  sub.Object,
					Path:    manifest.Path{{Key: "spec"}, {Key: "ports"}, {Index: i, IsIndex: true}, {Key: "targetPort"}},
					Message: msg,
				})
			}
		}
	}
	return out
}

// netUnexposedTarget explains why no selected container exposes the Service
// port's target, or returns "" when one does or it cannot be judged.
func netUnexposedTarget(p corev1.ServicePort, selected []*Subject) string {
	target := p.TargetPort
	if (target.Type == intstr.Int && target.IntVal == 0) || (target.Type == intstr.String && target.StrVal == "") {
		if p.Port == 0 {
			return ""
		}
		target = intstr.FromInt32(p.Port)
	}
	proto := netProtocol(p.Protocol)
	var otherProto []string
	var declared []string
	containers := 0
	for _, sub := range selected {
		var ports []string
		for _, c := range probedContainers(sub) {
			containers++
			if n, ok := portNumber(target); ok {
				if len(c.Ports) == 0 {
					// Declaring ports is optional: this container may listen on n.
					return ""
				}
				for _, cp := range c.Ports {
					if int(cp.ContainerPort) == n {
						return ""
					}
				}
			} else {
				for _, cp := range c.Ports {
					if cp.Name != target.StrVal {
						continue
					}
					if netProtocol(cp.Protocol) == proto {
						return ""
					}
					otherProto = append(otherProto, fmt.Sprintf("%s declares it for %s", netDescribe(sub), netProtocol(cp.Protocol)))
				}
			}
			for _, cp := range c.Ports {
				if cp.Name != "" {
					ports = append(ports, fmt.Sprintf("%s=%d", cp.Name, cp.ContainerPort))
				} else {
					ports = append(ports, strconv.Itoa(int(cp.ContainerPort)))
				}
			}
		}
		if len(ports) == 0 {
			ports = []string{"none"}
		}
		declared = append(declared, fmt.Sprintf("%s: %s", netDescribe(sub), strings.Join(ports, ", ")))
	}
	if containers == 0 {
		// Pod templates whose containers could not be read say nothing.
		return ""
	}
	port := netServicePortName(p)
	if len(otherProto) > 0 {
		return fmt.Sprintf("%s targets the named port %q over %s, but %s; the port has no endpoints",
			port, target.StrVal, proto, strings.Join(otherProto, "; "))
	}
	if _, ok := portNumber(target); ok {
		return fmt.Sprintf("%s targets port %s, which no container of the selected pods declares (%s); traffic reaches a port nothing listens on",
			port, target.String(), strings.Join(declared, "; "))
	}
	return fmt.Sprintf("%s targets the named port %q, which no container of the selected pods declares (%s); the port has no endpoints",
		port, target.StrVal, strings.Join(declared, "; "))
}

func netServicePortName(p corev1.ServicePort) string {
	if p.Name != "" {
		return fmt.Sprintf("port %q (%d)", p.Name, p.Port)
	}
	return fmt.Sprintf("port %d", p.Port)
}

// netProtocol applies the TCP default of Service and container ports.
func netProtocol(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

func ingressBackendMissing(set *Set) []Result {
	// Namespaces holding each Service name, for the wrong-namespace hint.
	serviceNamespaces := map[string][]string{}
	for _, sub := range set.OfKind("Service") {
		if netCoreService(sub) != nil {
			serviceNamespaces[sub.Object.Name] = append(serviceNamespaces[sub.Object.Name], strconv.Quote(Namespace(sub)))
		}
	}
	if len(serviceNamespaces) == 0 {
		// No Service anywhere in the unit: the backends are defined elsewhere.
		return nil
	}
	var out []Result
	for _, sub := range set.OfKind("Ingress") {
		if sub.Object.APIVersion != "networking.k8s.io/v1" {
			continue
		}
		ing := As[networkingv1.Ingress](sub)
		ns := Namespace(sub)
		for _, b := range netIngressBackends(ing) {
			ref := b.backend.Service
			if ref == nil || ref.Name == "" {
				continue
			}
			svcSub := set.Find("Service", ns, ref.Name)
			if svcSub == nil {
				msg := fmt.Sprintf("Service %q is not defined in namespace %q in this unit", ref.Name, ns)
				if others := serviceNamespaces[ref.Name]; len(others) > 0 {
					msg += fmt.Sprintf(" (a Service of that name is defined in namespace %s, but an Ingress routes only within its own namespace)", strings.Join(others, ", "))
				}
				out = append(out, Result{Object: sub.Object, Path: b.path.Key("service", "name"), Message: msg})
				continue
			}
			svc := netCoreService(svcSub)
			if svc == nil || (svc.Spec.Type == corev1.ServiceTypeExternalName && len(svc.Spec.Ports) == 0) {
				continue
			}
			if field, msg := netMissingServicePort(ref, svc); msg != "" {
				out = append(out, Result{Object: sub.Object, Path: b.path.Key("service", "port", field), Message: msg})
			}
		}
	}
	return out
}

// netMissingServicePort returns the backend port field and a message when the
// port is not among the Service's ports, or "" when it is or names no port.
func netMissingServicePort(ref *networkingv1.IngressServiceBackend, svc *corev1.Service) (field, msg string) {
	var have []string
	for _, sp := range svc.Spec.Ports {
		if (ref.Port.Number != 0 && sp.Port == ref.Port.Number) || (ref.Port.Number == 0 && ref.Port.Name != "" && sp.Name == ref.Port.Name) {
			return "", ""
		}
		if sp.Name != "" {
			have = append(have, fmt.Sprintf("%s=%d", sp.Name, sp.Port))
		} else {
			have = append(have, strconv.Itoa(int(sp.Port)))
		}
	}
	list := "it defines no ports"
	if len(have) > 0 {
		list = "its ports: " + strings.Join(have, ", ")
	}
	switch {
	case ref.Port.Number != 0:
		return "number", fmt.Sprintf("Service %q has no port %d (%s)", ref.Name, ref.Port.Number, list)
	case ref.Port.Name != "":
		return "name", fmt.Sprintf("Service %q has no port named %q (%s)", ref.Name, ref.Port.Name, list)
	}
	return "", ""
}

type netIngressBackend struct {
	path    manifest.Path
	backend networkingv1.IngressBackend
}

// netIngressBackends lists the default backend and every path's backend with
// the path of its backend field.
func netIngressBackends(ing *networkingv1.Ingress) []netIngressBackend {
	var out []netIngressBackend
	spec := manifest.Path{{Key: "spec"}}
	if ing.Spec.DefaultBackend != nil {
		out = append(out, netIngressBackend{spec.Key("defaultBackend"), *ing.Spec.DefaultBackend})
	}
	for i, r := range ing.Spec.Rules {
		if r.HTTP == nil {
			continue
		}
		for j, p := range r.HTTP.Paths {
			out = append(out, netIngressBackend{spec.Key("rules").Index(i).Key("http", "paths").Index(j).Key("backend"), p.Backend})
		}
	}
	return out
}

// netTLSAnnotations give an Ingress a certificate outside spec.tls.
var netTLSAnnotations = []string{
	"alb.ingress.kubernetes.io/certificate-arn",
	"ingress.gcp.kubernetes.io/pre-shared-cert",
	"networking.gke.io/managed-certificates",
	"appgw.ingress.kubernetes.io/appgw-ssl-certificate",
}

func ingressWithoutTLS(s *Subject) []Result {
	o := s.Object
	if o.Kind != "Ingress" || !(strings.HasPrefix(o.APIVersion, "networking.k8s.io/") || strings.HasPrefix(o.APIVersion, "extensions/")) {
		return nil
	}
	// v1beta1 Ingresses keep tls and rules[].host where v1 does.
	ing := As[networkingv1.Ingress](s)
	for _, a := range netTLSAnnotations {
		if ing.Annotations[a] != "" {
			return nil
		}
	}
	if len(ing.Spec.TLS) == 0 {
		var hosts []string
		for _, r := range ing.Spec.Rules {
			if r.Host != "" && !slices.Contains(hosts, r.Host) {
				hosts = append(hosts, r.Host)
			}
		}
		what := "its traffic is"
		switch len(hosts) {
		case 0:
		case 1:
			what = hosts[0] + " is"
		default:
			what = strings.Join(hosts, ", ") + " are"
		}
		return []Result{{
			Path:    manifest.Path{{Key: "spec"}, {Key: "tls"}},
			Message: fmt.Sprintf("Ingress %q has no tls section: %s served over plain HTTP", o.Name, what),
		}}
	}
	var out []Result
	for i, r := range ing.Spec.Rules {
		if r.Host == "" || netTLSCovers(ing.Spec.TLS, r.Host) {
			continue
		}
		out = append(out, Result{
			Path:    manifest.Path{{Key: "spec"}, {Key: "rules"}, {Index: i, IsIndex: true}, {Key: "host"}},
			Message: fmt.Sprintf("host %q is in no tls entry of Ingress %q: it is served over plain HTTP or with a certificate for other names", r.Host, o.Name),
		})
	}
	return out
}

// netTLSCovers says whether a tls entry covers host: by name, by a wildcard
// one label deep, or by listing no hosts (the controller's default).
func netTLSCovers(tls []networkingv1.IngressTLS, host string) bool {
	host = strings.ToLower(host)
	for _, t := range tls {
		if len(t.Hosts) == 0 {
			return true
		}
		for _, h := range t.Hosts {
			h = strings.ToLower(h)
			if h == host {
				return true
			}
			if rest, ok := strings.CutPrefix(h, "*."); ok {
				if dot := strings.IndexByte(host, '.'); dot > 0 && host[dot+1:] == rest {
					return true
				}
			}
		}
	}
	return false
}

// netCoreNetworkPolicy reports whether sub is a Kubernetes NetworkPolicy (Calico
// has a kind of the same name with another selector language).
func netCoreNetworkPolicy(sub *Subject) bool {
	o := sub.Object
	return o.Kind == "NetworkPolicy" && (strings.HasPrefix(o.APIVersion, "networking.k8s.io/") || strings.HasPrefix(o.APIVersion, "extensions/"))
}

// Namespaced and cluster-wide policy kinds of other engines, whose selectors
// are not evaluated: their presence counts as coverage.
var (
	netOpaqueNamespacedPolicies = map[string]bool{"CiliumNetworkPolicy": true, "NetworkPolicy": true}
	netOpaqueClusterPolicies    = map[string]bool{
		"CiliumClusterwideNetworkPolicy": true, "GlobalNetworkPolicy": true,
		"AdminNetworkPolicy": true, "BaselineAdminNetworkPolicy": true, "ClusterNetworkPolicy": true,
	}
)

func missingNetworkPolicy(set *Set) []Result {
	pods := netIndexPods(set)
	// Namespaces whose every pod is covered: an empty podSelector, or a
	// policy of another engine.
	allCovered := map[string]bool{}
	covered := map[*Subject]bool{}
	for _, sub := range set.Subjects {
		o := sub.Object
		switch {
		case netCoreNetworkPolicy(sub):
			ps := As[networkingv1.NetworkPolicy](sub).Spec.PodSelector
			if netSelectorEmpty(ps) {
				allCovered[Namespace(sub)] = true
				continue
			}
			if sel := Selector(&ps); sel != nil {
				for _, p := range pods.match(Namespace(sub), sel) {
					covered[p] = true
				}
			}
		case netOpaqueClusterPolicies[o.Kind]:
			return nil
		case netOpaqueNamespacedPolicies[o.Kind]:
			allCovered[Namespace(sub)] = true
		}
	}
	var out []Result
	for _, sub := range set.Workloads() {
		if sub.Object.Kind == "PodTemplate" || sub.Pod.Spec.HostNetwork {
			continue
		}
		ns := Namespace(sub)
		if allCovered[ns] || covered[sub] {
			continue
		}
		shown := labels.Set(sub.Pod.Meta.Labels).String()
		if shown == "" {
			shown = "none"
		}
		out = append(out, Result{
			Object: sub.Object,
			Path:   sub.Pod.MetaPath.Key("labels"),
			Message: fmt.Sprintf("no NetworkPolicy in namespace %q in this unit selects the pods of %s (labels: %s); they accept connections from any pod",
				ns, netDescribe(sub), shown),
		})
	}
	return out
}

func networkPolicySelectsNothing(set *Set) []Result {
	pods := netIndexPods(set)
	if len(pods.byNS) == 0 {
		// No pod template anywhere in the unit: the pods are defined elsewhere.
		return nil
	}
	var out []Result
	for _, sub := range set.OfKind("NetworkPolicy") {
		if !netCoreNetworkPolicy(sub) {
			continue
		}
		ps := As[networkingv1.NetworkPolicy](sub).Spec.PodSelector
		if netSelectorEmpty(ps) {
			continue
		}
		sel := Selector(&ps)
		if sel == nil {
			continue
		}
		ns := Namespace(sub)
		if len(pods.match(ns, sel)) > 0 {
			continue
		}
		out = append(out, Result{
			Object:  sub.Object,
			Path:    manifest.Path{{Key: "spec"}, {Key: "podSelector"}},
			Message: netNothingSelected("NetworkPolicy "+quote(sub.Object.Name), pods, ns, sel),
		})
	}
	return out
}

// netInternalLoadBalancer recognises the annotations that keep a cloud load
// balancer on private addresses, by key and lower-cased value.
var netInternalLoadBalancer = map[string]func(v string) bool{
	"cloud.google.com/load-balancer-type":                                netValueIs("internal"),
	"networking.gke.io/load-balancer-type":                               netValueIs("internal"),
	"service.beta.kubernetes.io/aws-load-balancer-internal":              func(v string) bool { return v != "" && v != "false" },
	"service.beta.kubernetes.io/aws-load-balancer-scheme":                netValueIs("internal"),
	"service.beta.kubernetes.io/azure-load-balancer-internal":            netValueIs("true"),
	"service.beta.kubernetes.io/oci-load-balancer-internal":              netValueIs("true"),
	"service.beta.kubernetes.io/openstack-internal-load-balancer":        netValueIs("true"),
	"service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type":     netValueIs("private"),
	"service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type": netValueIs("intranet"),
}

func netValueIs(want string) func(string) bool { return func(v string) bool { return v == want } }

const netSourceRangesAnnotation = "service.beta.kubernetes.io/load-balancer-source-ranges"

func loadBalancerUnrestricted(s *Subject) []Result {
	svc := netCoreService(s)
	if svc == nil || svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
		return nil
	}
	for k, v := range svc.Annotations {
		if internal, ok := netInternalLoadBalancer[k]; ok && internal(strings.ToLower(strings.TrimSpace(v))) {
			return nil
		}
	}
	ranges := svc.Spec.LoadBalancerSourceRanges
	path := manifest.Path{{Key: "spec"}, {Key: "loadBalancerSourceRanges"}}
	if len(ranges) == 0 {
		if a := strings.TrimSpace(svc.Annotations[netSourceRangesAnnotation]); a != "" {
			ranges = strings.Split(a, ",")
			path = manifest.Path{{Key: "metadata"}, {Key: "annotations"}, {Key: netSourceRangesAnnotation}}
		}
	}
	if len(ranges) == 0 {
		return []Result{{
			Path:    manifest.Path{{Key: "spec"}, {Key: "type"}},
			Message: fmt.Sprintf("LoadBalancer Service %q has no loadBalancerSourceRanges and no internal annotation: it accepts traffic from any address", s.Object.Name),
		}}
	}
	for i, r := range ranges {
		r = strings.TrimSpace(r)
		if r != "0.0.0.0/0" && r != "::/0" {
			continue
		}
		at := path
		if path[0].Key == "spec" {
			at = path.Index(i)
		}
		return []Result{{
			Path:    at,
			Message: fmt.Sprintf("LoadBalancer Service %q allows source range %s, which is every address", s.Object.Name, r),
		}}
	}
	return nil
}

// netSelectorEmpty is true for a selector with no requirements.
func netSelectorEmpty(ls metav1.LabelSelector) bool {
	return len(ls.MatchLabels) == 0 && len(ls.MatchExpressions) == 0
}
