package rules

import (
	"fmt"
	"strings"
	"testing"
)

// netUnit builds the Set of a multi-document YAML stream, as the loader
// would for one unit, with locators so results resolve to lines of the stream.
func netUnit(t *testing.T, src string) *Set {
	t.Helper()
	return setFromYAML(t, src)
}

// netResults runs rule id over the unit, whether it checks objects or sets.
func netResults(t *testing.T, id, src string) []Result {
	t.Helper()
	r, ok := ByID(id)
	if !ok {
		t.Fatalf("rule %s is not registered", id)
	}
	set := netUnit(t, src)
	if r.CheckSet != nil {
		return r.CheckSet(set)
	}
	var out []Result
	for _, s := range set.Subjects {
		for _, res := range r.Check(s) {
			res.Object = s.Object
			out = append(out, res)
		}
	}
	return out
}

// netRun renders each result as "Kind/name line path".
func netRun(t *testing.T, id, src string) []string {
	t.Helper()
	var out []string
	for _, res := range netResults(t, id, src) {
		if res.Object == nil {
			t.Fatalf("%s: result without an object: %+v", id, res)
		}
		loc, _ := res.Object.Locator.Locate(res.Path)
		out = append(out, fmt.Sprintf("%s/%s %d %s", res.Object.Kind, res.Object.Name, loc.Line, res.Path))
	}
	return out
}

func netExpect(t *testing.T, id, src string, want ...string) {
	t.Helper()
	got := netRun(t, id, src)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\ngot:\n  %s\nwant:\n  %s", id, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// netMessage returns the only result's message.
func netMessage(t *testing.T, id, src string) string {
	t.Helper()
	res := netResults(t, id, src)
	if len(res) != 1 {
		t.Fatalf("%s: want one result, got %d: %+v", id, len(res), res)
	}
	return res[0].Message
}

func netMessageHas(t *testing.T, msg string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("message %q lacks %q", msg, p)
		}
	}
}

// netDeploy is a Deployment of namespace ns whose pod template has labels and
// one container with the given ports block (indented for a container).
func netDeploy(kind, name, ns, labels, ports string) string {
	meta := "metadata:\n  name: " + name + "\n"
	if ns != "" {
		meta += "  namespace: " + ns + "\n"
	}
	return "apiVersion: apps/v1\nkind: " + kind + "\n" + meta +
		"spec:\n  template:\n    metadata:\n      labels:\n" + indentNet(labels, 8) +
		"    spec:\n      containers:\n        - name: app\n          image: ghcr.io/acme/app:1.0.0\n" + ports
}

func indentNet(block string, n int) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(block, "\n"), "\n") {
		b.WriteString(strings.Repeat(" ", n) + l + "\n")
	}
	return b.String()
}

const netHTTPPort = "          ports:\n            - name: http\n              containerPort: 8080\n"

const netService = `apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector:
    app: web
  ports:
    - name: http
      port: 80
      targetPort: http
---
`

func TestServiceSelectsNothing(t *testing.T) {
	const id = "service-selects-nothing"
	t.Run("matching pod template", func(t *testing.T) {
		netExpect(t, id, netService+netDeploy("Deployment", "web", "shop", "app: web\ntier: front", netHTTPPort))
	})
	t.Run("label typo", func(t *testing.T) {
		netExpect(t, id, netService+netDeploy("Deployment", "web", "shop", "app: wbe", netHTTPPort),
			"Service/web 7 spec.selector")
	})
	t.Run("helm-style selector with a label the pods lack", func(t *testing.T) {
		src := `apiVersion: v1
kind: Service
metadata:
  name: shop-web
spec:
  selector:
    app.kubernetes.io/name: web
    app.kubernetes.io/instance: shop
    app.kubernetes.io/version: "1.4.2"
  ports:
    - port: 80
---
` + netDeploy("Deployment", "shop-web", "", "app.kubernetes.io/name: web\napp.kubernetes.io/instance: shop\nhelm.sh/chart: web-0.3.1", netHTTPPort)
		netExpect(t, id, src, "Service/shop-web 6 spec.selector")
		netMessageHas(t, netMessage(t, id, src), "app.kubernetes.io/version=1.4.2", `namespace "default"`, "in this unit")
	})
	t.Run("pods in another namespace do not match", func(t *testing.T) {
		src := netService + netDeploy("Deployment", "web", "web", "app: web", netHTTPPort)
		netExpect(t, id, src, "Service/web 7 spec.selector")
		netMessageHas(t, netMessage(t, id, src), `namespace "shop"`, `pod templates in namespace "web" do`)
	})
	t.Run("no namespace is the default namespace", func(t *testing.T) {
		src := strings.Replace(netService, "  namespace: shop\n", "", 1) + netDeploy("Deployment", "web", "default", "app: web", netHTTPPort)
		netExpect(t, id, src)
	})
	t.Run("StatefulSet behind a headless Service", func(t *testing.T) {
		src := strings.Replace(netService, "spec:\n", "spec:\n  clusterIP: None\n", 1) +
			netDeploy("StatefulSet", "db", "shop", "app: web", netHTTPPort)
		netExpect(t, id, src)
	})
	t.Run("Job and CronJob pods are pods", func(t *testing.T) {
		netExpect(t, id, netService+netDeploy("Job", "once", "shop", "app: web", ""))
		cron := strings.Replace(netService, "app: web", "app: report", 1) + `apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
  namespace: shop
spec:
  jobTemplate:
    spec:
      template:
        metadata:
          labels:
            app: report
        spec:
          containers:
            - name: report
              image: ghcr.io/acme/report:1.0.0
`
		netExpect(t, id, cron)
	})
	t.Run("Services without a selector are skipped", func(t *testing.T) {
		src := `apiVersion: v1
kind: Service
metadata:
  name: db
  namespace: shop
spec:
  ports:
    - port: 5432
---
apiVersion: v1
kind: Service
metadata:
  name: legacy
  namespace: shop
spec:
  type: ExternalName
  externalName: db.example.com
  selector:
    app: legacy
---
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: fn
  namespace: shop
spec:
  template:
    spec:
      containers:
        - image: ghcr.io/acme/fn:1.0.0
---
` + netDeploy("Deployment", "web", "shop", "app: web", netHTTPPort)
		netExpect(t, id, src)
	})
	t.Run("unit without pod templates is not judged", func(t *testing.T) {
		netExpect(t, id, strings.TrimSuffix(netService, "---\n"))
	})
}

func TestServiceTargetPortMissing(t *testing.T) {
	const id = "service-target-port-missing"
	svc := func(ports string) string {
		return "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  selector:\n    app: web\n  ports:\n" + ports + "---\n"
	}
	t.Run("named port declared", func(t *testing.T) {
		netExpect(t, id, svc("    - port: 80\n      targetPort: http\n")+netDeploy("Deployment", "web", "shop", "app: web", netHTTPPort))
	})
	t.Run("named port not declared", func(t *testing.T) {
		src := svc("    - name: http\n      port: 80\n      targetPort: web\n") + netDeploy("Deployment", "web", "shop", "app: web", netHTTPPort)
		netExpect(t, id, src, "Service/web 12 spec.ports[0].targetPort")
		netMessageHas(t, netMessage(t, id, src), `port "http" (80) targets the named port "web"`, `Deployment "web": http=8080`)
	})
	t.Run("unset targetPort means the port number", func(t *testing.T) {
		src := svc("    - name: http\n      port: 80\n    - name: alt\n      port: 8080\n") + netDeploy("Deployment", "web", "shop", "app: web", netHTTPPort)
		netExpect(t, id, src, "Service/web 10 spec.ports[0].targetPort")
		netMessageHas(t, netMessage(t, id, src), "targets port 80", "nothing listens")
	})
	t.Run("numbered port declared, also as a string", func(t *testing.T) {
		netExpect(t, id, svc("    - port: 80\n      targetPort: 8080\n    - port: 81\n      targetPort: \"8080\"\n")+
			netDeploy("Deployment", "web", "shop", "app: web", netHTTPPort))
	})
	t.Run("container without ports is not judged by number", func(t *testing.T) {
		netExpect(t, id, svc("    - port: 80\n      targetPort: 9000\n")+netDeploy("Deployment", "web", "shop", "app: web", ""))
	})
	t.Run("container without ports has no names", func(t *testing.T) {
		src := svc("    - port: 80\n      targetPort: http\n") + netDeploy("Deployment", "web", "shop", "app: web", "")
		netExpect(t, id, src, "Service/web 11 spec.ports[0].targetPort")
		netMessageHas(t, netMessage(t, id, src), `Deployment "web": none`)
	})
	t.Run("named port of another protocol", func(t *testing.T) {
		src := svc("    - name: dns\n      port: 53\n      targetPort: dns\n") + netDeploy("Deployment", "web", "shop", "app: web",
			"          ports:\n            - name: dns\n              containerPort: 53\n              protocol: UDP\n")
		netExpect(t, id, src, "Service/web 12 spec.ports[0].targetPort")
		netMessageHas(t, netMessage(t, id, src), "over TCP", "declares it for UDP")
		netExpect(t, id, strings.Replace(src, "targetPort: dns\n", "targetPort: dns\n      protocol: UDP\n", 1))
	})
	t.Run("sidecar ports count, plain init container ports do not", func(t *testing.T) {
		pod := func(restart string) string {
			return `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  labels:
    app: web
spec:
  initContainers:
    - name: proxy
      image: ghcr.io/acme/proxy:1.0.0
` + restart + `      ports:
        - name: proxy
          containerPort: 15001
  containers:
    - name: app
      image: ghcr.io/acme/app:1.0.0
      ports:
        - name: http
          containerPort: 8080
`
		}
		ports := "    - port: 80\n      targetPort: proxy\n"
		netExpect(t, id, svc(ports)+pod("      restartPolicy: Always\n"))
		netExpect(t, id, svc(ports)+pod(""), "Service/web 11 spec.ports[0].targetPort")
	})
	t.Run("one of several selected workloads is enough", func(t *testing.T) {
		netExpect(t, id, svc("    - port: 80\n      targetPort: metrics\n")+
			netDeploy("Deployment", "web", "shop", "app: web", netHTTPPort)+"---\n"+
			netDeploy("Deployment", "web-canary", "shop", "app: web", "          ports:\n            - name: metrics\n              containerPort: 9090\n"))
	})
	t.Run("headless Service of a StatefulSet", func(t *testing.T) {
		src := strings.Replace(svc("    - name: pg\n      port: 5432\n      targetPort: postgres\n"), "spec:\n", "spec:\n  clusterIP: None\n", 1) +
			netDeploy("StatefulSet", "db", "shop", "app: web", "          ports:\n            - name: pg\n              containerPort: 5432\n")
		netExpect(t, id, src, "Service/web 13 spec.ports[0].targetPort")
	})
	t.Run("Service selecting nothing, or across namespaces, is left to service-selects-nothing", func(t *testing.T) {
		netExpect(t, id, svc("    - port: 80\n      targetPort: web\n")+netDeploy("Deployment", "web", "other", "app: web", netHTTPPort))
	})
}

const netBackendServices = `apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector:
    app: web
  ports:
    - name: http
      port: 80
---
apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: backend
spec:
  selector:
    app: api
  ports:
    - port: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: docs
  namespace: shop
spec:
  type: ExternalName
  externalName: docs.example.com
---
`

func netIngress(backends string) string {
	return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: shop
spec:
  tls:
    - hosts: [shop.example.com]
      secretName: shop-tls
  rules:
    - host: shop.example.com
      http:
        paths:
` + backends
}

func netPath(service, portField string) string {
	return "          - path: /\n            pathType: Prefix\n            backend:\n              service:\n" +
		"                name: " + service + "\n                port:\n                  " + portField + "\n"
}

func TestIngressBackendMissing(t *testing.T) {
	const id = "ingress-backend-missing"
	t.Run("defined Service and port, by number and name", func(t *testing.T) {
		netExpect(t, id, netBackendServices+netIngress(netPath("web", "number: 80")+netPath("web", "name: http")+netPath("docs", "number: 443")))
	})
	t.Run("unknown Service", func(t *testing.T) {
		netExpect(t, id, netBackendServices+netIngress(netPath("shop-web", "number: 80")),
			"Ingress/shop 50 spec.rules[0].http.paths[0].backend.service.name")
	})
	t.Run("Service in another namespace", func(t *testing.T) {
		src := netBackendServices + netIngress(netPath("api", "number: 8080"))
		netExpect(t, id, src, "Ingress/shop 50 spec.rules[0].http.paths[0].backend.service.name")
		netMessageHas(t, netMessage(t, id, src), `not defined in namespace "shop" in this unit`, `namespace "backend"`)
	})
	t.Run("port number and name the Service lacks", func(t *testing.T) {
		src := netBackendServices + netIngress(netPath("web", "number: 8080")+netPath("web", "name: https"))
		netExpect(t, id, src,
			"Ingress/shop 52 spec.rules[0].http.paths[0].backend.service.port.number",
			"Ingress/shop 59 spec.rules[0].http.paths[1].backend.service.port.name")
		netMessageHas(t, netResults(t, id, src)[0].Message, `Service "web" has no port 8080 (its ports: http=80)`)
	})
	t.Run("default backend", func(t *testing.T) {
		src := netBackendServices + `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: fallback
  namespace: shop
spec:
  defaultBackend:
    service:
      name: web
      port:
        number: 8080
`
		netExpect(t, id, src, "Ingress/fallback 43 spec.defaultBackend.service.port.number")
	})
	t.Run("resource backends and v1beta1 Ingresses are not checked", func(t *testing.T) {
		netExpect(t, id, netBackendServices+netIngress(
			"          - path: /static\n            pathType: Prefix\n            backend:\n              resource:\n"+
				"                apiGroup: k8s.example.com\n                kind: StorageBucket\n                name: assets\n")+
			"---\napiVersion: networking.k8s.io/v1beta1\nkind: Ingress\nmetadata:\n  name: old\n  namespace: shop\nspec:\n"+
			"  backend:\n    serviceName: nowhere\n    servicePort: 80\n")
	})
	t.Run("unit without Services is not judged", func(t *testing.T) {
		netExpect(t, id, netIngress(netPath("web", "number: 80")))
	})
}

func TestIngressWithoutTLS(t *testing.T) {
	const id = "ingress-without-tls"
	ing := func(spec string) string {
		return "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: shop\nspec:\n" + spec
	}
	rules := "  rules:\n    - host: shop.example.com\n    - host: api.example.com\n    - host: a.b.example.com\n    - http: {}\n"
	t.Run("no tls", func(t *testing.T) {
		src := ing(rules)
		netExpect(t, id, src, "Ingress/shop 5 spec.tls")
		netMessageHas(t, netMessage(t, id, src), "shop.example.com, api.example.com, a.b.example.com are served over plain HTTP")
	})
	t.Run("empty tls list", func(t *testing.T) {
		netExpect(t, id, ing("  tls: []\n"+rules), "Ingress/shop 6 spec.tls")
	})
	t.Run("hosts outside every tls entry", func(t *testing.T) {
		netExpect(t, id, ing("  tls:\n    - hosts: [SHOP.example.com]\n      secretName: shop-tls\n"+rules),
			"Ingress/shop 11 spec.rules[1].host",
			"Ingress/shop 12 spec.rules[2].host")
	})
	t.Run("wildcard covers one label", func(t *testing.T) {
		netExpect(t, id, ing("  tls:\n    - hosts: [\"*.example.com\"]\n"+rules),
			"Ingress/shop 11 spec.rules[2].host")
	})
	t.Run("tls entry without hosts covers every host", func(t *testing.T) {
		netExpect(t, id, ing("  tls:\n    - secretName: default-tls\n"+rules))
	})
	t.Run("certificate from a cloud annotation", func(t *testing.T) {
		src := strings.Replace(ing(rules), "  name: shop\n", "  name: shop\n  annotations:\n    alb.ingress.kubernetes.io/certificate-arn: arn:aws:acm:eu-west-1:1:certificate/x\n", 1)
		netExpect(t, id, src)
	})
	t.Run("v1beta1 Ingress", func(t *testing.T) {
		netExpect(t, id, strings.Replace(ing(rules), "networking.k8s.io/v1", "extensions/v1beta1", 1), "Ingress/shop 5 spec.tls")
	})
}

func netPolicy(name, ns, podSelector string) string {
	return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: " + name + "\n  namespace: " + ns +
		"\nspec:\n  podSelector:" + podSelector + "\n  policyTypes: [Ingress]\n---\n"
}

func TestMissingNetworkPolicy(t *testing.T) {
	const id = "missing-network-policy"
	web := netDeploy("Deployment", "web", "shop", "app: web", netHTTPPort)
	t.Run("no policy", func(t *testing.T) {
		src := web
		netExpect(t, id, src, "Deployment/web 9 spec.template.metadata.labels")
		netMessageHas(t, netMessage(t, id, src), `namespace "shop" in this unit`, `Deployment "web" (labels: app=web)`)
	})
	t.Run("policy selecting the pods", func(t *testing.T) {
		netExpect(t, id, netPolicy("web", "shop", "\n    matchLabels:\n      app: web")+web)
	})
	t.Run("empty podSelector selects every pod of its namespace only", func(t *testing.T) {
		netExpect(t, id, netPolicy("deny", "shop", " {}")+web)
		netExpect(t, id, netPolicy("deny", "other", " {}")+web, "Deployment/web 18 spec.template.metadata.labels")
	})
	t.Run("matchExpressions", func(t *testing.T) {
		in := "\n    matchExpressions:\n      - {key: app, operator: In, values: [web, api]}"
		notIn := "\n    matchExpressions:\n      - {key: app, operator: NotIn, values: [web]}"
		netExpect(t, id, netPolicy("p", "shop", in)+web)
		netExpect(t, id, netPolicy("p", "shop", notIn)+web, "Deployment/web 20 spec.template.metadata.labels")
	})
	t.Run("each kind points at its pod labels", func(t *testing.T) {
		src := `apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
  namespace: shop
spec:
  jobTemplate:
    spec:
      template:
        metadata:
          labels:
            app: report
        spec:
          containers:
            - name: report
              image: ghcr.io/acme/report:1.0.0
---
apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: shop
spec:
  containers:
    - name: sh
      image: ghcr.io/acme/debug:1.0.0
`
		netExpect(t, id, src,
			"CronJob/report 11 spec.jobTemplate.spec.template.metadata.labels",
			"Pod/debug 20 metadata.labels")
		msgs := netResults(t, id, src)
		netMessageHas(t, msgs[1].Message, "(labels: none)")
	})
	t.Run("host network pods and PodTemplates are skipped", func(t *testing.T) {
		src := strings.Replace(web, "    spec:\n", "    spec:\n      hostNetwork: true\n", 1) + "---\n" +
			"apiVersion: v1\nkind: PodTemplate\nmetadata:\n  name: tpl\n  namespace: shop\ntemplate:\n  metadata:\n    labels:\n      app: x\n" +
			"  spec:\n    containers:\n      - name: x\n        image: ghcr.io/acme/x:1.0.0\n"
		netExpect(t, id, src)
	})
	t.Run("policies of other engines count as coverage", func(t *testing.T) {
		cilium := "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  endpointSelector: {}\n---\n"
		netExpect(t, id, cilium+web)
		netExpect(t, id, strings.Replace(cilium, "namespace: shop", "namespace: other", 1)+web, "Deployment/web 17 spec.template.metadata.labels")
		calico := "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  selector: app == 'web'\n---\n"
		netExpect(t, id, calico+web)
		global := "apiVersion: crd.projectcalico.org/v1\nkind: GlobalNetworkPolicy\nmetadata:\n  name: deny\nspec:\n  selector: all()\n---\n"
		netExpect(t, id, global+web)
	})
}

func TestNetworkPolicySelectsNothing(t *testing.T) {
	const id = "network-policy-selects-nothing"
	web := netDeploy("Deployment", "web", "shop", "app: web\ntier: front", netHTTPPort)
	t.Run("selects the pods", func(t *testing.T) {
		netExpect(t, id, netPolicy("web", "shop", "\n    matchLabels:\n      app: web")+web)
	})
	t.Run("label typo", func(t *testing.T) {
		netExpect(t, id, netPolicy("web", "shop", "\n    matchLabels:\n      app: wbe")+web, "NetworkPolicy/web 7 spec.podSelector")
	})
	t.Run("empty podSelector is never reported", func(t *testing.T) {
		netExpect(t, id, netPolicy("deny", "other", " {}")+web)
	})
	t.Run("policy in another namespace than its pods", func(t *testing.T) {
		src := netPolicy("web", "default", "\n    matchLabels:\n      app: web") + web
		netExpect(t, id, src, "NetworkPolicy/web 7 spec.podSelector")
		netMessageHas(t, netMessage(t, id, src), `namespace "default" in this unit`, `namespace "shop" do`)
	})
	t.Run("matchExpressions", func(t *testing.T) {
		netExpect(t, id, netPolicy("p", "shop", "\n    matchExpressions:\n      - {key: tier, operator: Exists}")+web)
		netExpect(t, id, netPolicy("p", "shop", "\n    matchExpressions:\n      - {key: tier, operator: DoesNotExist}")+web,
			"NetworkPolicy/p 7 spec.podSelector")
	})
	t.Run("invalid selector and unit without pods are not judged", func(t *testing.T) {
		netExpect(t, id, netPolicy("p", "shop", "\n    matchExpressions:\n      - {key: tier, operator: Bogus}")+web)
		netExpect(t, id, netPolicy("p", "shop", "\n    matchLabels:\n      app: wbe"))
	})
}

func TestLoadBalancerUnrestricted(t *testing.T) {
	const id = "loadbalancer-unrestricted"
	lb := func(annotations, spec string) string {
		return "apiVersion: v1\nkind: Service\nmetadata:\n  name: edge\n" + annotations + "spec:\n  type: LoadBalancer\n" + spec +
			"  selector:\n    app: edge\n  ports:\n    - port: 443\n"
	}
	netExpect(t, id, lb("", ""), "Service/edge 6 spec.type")
	netExpect(t, id, lb("", "  loadBalancerSourceRanges:\n    - 10.0.0.0/8\n"))
	netExpect(t, id, lb("", "  loadBalancerSourceRanges:\n    - 10.0.0.0/8\n    - 0.0.0.0/0\n"), "Service/edge 9 spec.loadBalancerSourceRanges[1]")
	netExpect(t, id, lb("  annotations:\n    service.beta.kubernetes.io/load-balancer-source-ranges: 10.0.0.0/8, 192.168.0.0/16\n", ""))
	netExpect(t, id, lb("  annotations:\n    service.beta.kubernetes.io/load-balancer-source-ranges: \"::/0\"\n", ""),
		"Service/edge 6 metadata.annotations[\"service.beta.kubernetes.io/load-balancer-source-ranges\"]")
	for _, a := range []string{
		"cloud.google.com/load-balancer-type: Internal",
		"networking.gke.io/load-balancer-type: \"Internal\"",
		"service.beta.kubernetes.io/aws-load-balancer-internal: \"true\"",
		"service.beta.kubernetes.io/aws-load-balancer-internal: 0.0.0.0/0",
		"service.beta.kubernetes.io/aws-load-balancer-scheme: internal",
		"service.beta.kubernetes.io/azure-load-balancer-internal: \"true\"",
	} {
		netExpect(t, id, lb("  annotations:\n    "+a+"\n", ""))
	}
	netExpect(t, id, lb("  annotations:\n    service.beta.kubernetes.io/azure-load-balancer-internal: \"false\"\n", ""), "Service/edge 8 spec.type")
	netExpect(t, id, lb("  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing\n", ""), "Service/edge 8 spec.type")
	netExpect(t, id, strings.Replace(lb("", ""), "LoadBalancer", "NodePort", 1))
}
