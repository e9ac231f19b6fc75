package patcher

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// TestDefaultHostNetworkPorts checks the API server's defaulting of hostPort
// on the host network as the engine applies it before evaluation.
func TestDefaultHostNetworkPorts(t *testing.T) {
	ports := func(ps ...corev1.ContainerPort) []corev1.Container {
		return []corev1.Container{{Name: "c", Ports: ps}}
	}
	for _, tc := range []struct {
		name              string
		spec              corev1.PodSpec
		containers, inits []int32 // hostPorts after defaulting
	}{{
		name:       "host network: containerPort becomes hostPort",
		spec:       corev1.PodSpec{HostNetwork: true, Containers: ports(corev1.ContainerPort{ContainerPort: 80}, corev1.ContainerPort{ContainerPort: 443})},
		containers: []int32{80, 443},
	}, {
		name:       "host network: an explicit hostPort is kept",
		spec:       corev1.PodSpec{HostNetwork: true, Containers: ports(corev1.ContainerPort{ContainerPort: 80, HostPort: 8080})},
		containers: []int32{8080},
	}, {
		name:       "host network: init containers too",
		spec:       corev1.PodSpec{HostNetwork: true, InitContainers: ports(corev1.ContainerPort{ContainerPort: 9000})},
		containers: nil,
		inits:      []int32{9000},
	}, {
		name:       "pod network: nothing is defaulted",
		spec:       corev1.PodSpec{Containers: ports(corev1.ContainerPort{ContainerPort: 80})},
		containers: []int32{0},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			spec := tc.spec.DeepCopy()
			defaultPod(spec)
			var got, gotInit []int32
			for _, c := range spec.Containers {
				for _, p := range c.Ports {
					got = append(got, p.HostPort)
				}
			}
			for _, c := range spec.InitContainers {
				for _, p := range c.Ports {
					gotInit = append(gotInit, p.HostPort)
				}
			}
			if !equalInt32(got, tc.containers) || !equalInt32(gotInit, tc.inits) {
				t.Errorf("hostPorts: containers %v, init %v; want %v, %v", got, gotInit, tc.containers, tc.inits)
			}
		})
	}
}

func equalInt32(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// deployment builds a Deployment whose pod spec body is given flush left.
func deployment(spec string) string {
	var b strings.Builder
	b.WriteString("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ingress\n  namespace: ingress-nginx\nspec:\n  template:\n    spec:\n")
	for _, l := range strings.Split(strings.TrimRight(spec, "\n"), "\n") {
		b.WriteString("      " + l + "\n")
	}
	return b.String()
}

// TestHostNetworkPortsEvaluated runs Fix and Check on workloads on the host
// network: a containerPort there is a hostPort for Pod Security, which is
// proposed (never removed), and located at the port that causes it.
func TestHostNetworkPortsEvaluated(t *testing.T) {
	const ingress = `hostNetwork: true
containers:
- name: controller
  image: ingress-nginx/controller
  ports:
  - name: http
    containerPort: 80
  - name: https
    containerPort: 443
`
	runFixCases(t, []fixCase{{
		name:   "ingress controller on the host network",
		opts:   Options{Level: "baseline"},
		src:    deployment(ingress),
		remain: []string{"hostNamespaces", "hostPorts"},
	}, {
		name: "ingress controller at restricted: fixed where it can be, ports proposed",
		src:  deployment(ingress),
		changes: []string{
			"capabilities_restricted spec.template.spec.containers[name=controller].securityContext.capabilities.drop null->[ALL]",
			"capabilities_restricted spec.template.spec.containers[name=controller].securityContext.capabilities.add null->[NET_BIND_SERVICE]",
			"seccompProfile_restricted spec.template.spec.securityContext.seccompProfile.type null->RuntimeDefault",
			"runAsNonRoot spec.template.spec.securityContext.runAsNonRoot null->true",
			"allowPrivilegeEscalation spec.template.spec.containers[name=controller].securityContext.allowPrivilegeEscalation null->false",
		},
		remain: []string{"hostNamespaces", "hostPorts"},
		values: map[string]string{
			"spec.template.spec.containers[name=controller].ports[0].containerPort": "80",
			"spec.template.spec.containers[name=controller].ports[0].hostPort":      "<absent>",
		},
	}, {
		name: "an init container's port on the host network",
		opts: Options{Level: "baseline"},
		src: pod(`hostNetwork: true
initContainers:
- name: init
  image: a
  ports: [{containerPort: 9000}]
containers:
- name: a
  image: a
`),
		remain: []string{"hostNamespaces", "hostPorts"},
	}, {
		name: "hostPort 0 on the host network is defaulted too",
		opts: Options{Level: "baseline"},
		src: pod(`hostNetwork: true
containers:
- name: a
  image: a
  ports: [{containerPort: 53, hostPort: 0}]
`),
		remain: []string{"hostNamespaces", "hostPorts"},
	}, {
		name: "host network without ports",
		opts: Options{Level: "baseline"},
		src: pod(`hostNetwork: true
containers:
- name: a
  image: a
`),
		remain: []string{"hostNamespaces"},
	}, {
		name: "containerPort on the pod network is no hostPort",
		opts: Options{Level: "baseline"},
		src: pod(`containers:
- name: a
  image: a
  ports: [{containerPort: 80}]
`),
	}})

	// The report points at the port that the API server turns into a hostPort.
	res, err := Check("ingress.yaml", []byte(deployment(ingress)), Options{Level: "baseline"})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, r := range res.Workloads[0].Remaining {
		if r.Check != "hostPorts" {
			continue
		}
		found = true
		if want := "spec.template.spec.containers[name=controller].ports[0].containerPort"; r.Field != want || r.Line != 15 {
			t.Errorf("hostPorts at %s line %d, want %s line 15", r.Field, r.Line, want)
		}
		if r.Fixable || r.Proposal == nil || r.Proposal.Level != "privileged" || r.Proposal.Namespace != "ingress-nginx" {
			t.Errorf("hostPorts: fixable %v, proposal %+v; want a privileged exemption of ingress-nginx", r.Fixable, r.Proposal)
		}
		if !strings.Contains(r.Why, "80") || !strings.Contains(r.Why, "443") {
			t.Errorf("hostPorts why %q does not name ports 80 and 443", r.Why)
		}
	}
	if !found {
		t.Errorf("hostPorts not reported: %+v", res.Workloads[0].Remaining)
	}
}

// TestToPodFrom checks that evaluating a template from the decoded document
// gives what decoding the template node gives, and that a path that does
// not lead to a mapping falls back to the node.
func TestToPodFrom(t *testing.T) {
	src := `kind: List
items:
- apiVersion: batch/v1
  kind: CronJob
  metadata: {name: c}
  spec:
    jobTemplate:
      spec:
        template:
          metadata: {labels: {a: b}}
          spec:
            hostNetwork: true
            containers: [{name: x, image: y, ports: [{containerPort: 80}], securityContext: {runAsUser: 0}}]
            volumes: [{name: v}]
- kind: Pod
  metadata: {name: p}
  spec: {containers: [{name: x, image: y}]}
`
	e, err := NewEngine(Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.load("list.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.targets) != 2 || p.values[0] == nil {
		t.Fatalf("%d targets, decoded document %v", len(p.targets), p.values[0] != nil)
	}
	for _, tg := range p.targets {
		want, err := toPod(tg.tmpl, tg.prefix)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := valueAt(p.values[tg.doc], tg.prefix); !ok {
			t.Errorf("%s: not found in the decoded document", tg.prefix)
		}
		got, err := toPodFrom(p.values[tg.doc], tg.tmpl, tg.prefix)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: from the document %+v, from the node %+v", tg.prefix, got.Spec, want.Spec)
		}
	}
	for _, bad := range []string{"items[9].spec", "items[x]", "items.spec", "kind", "items[0].spec.jobTemplate.nothing"} {
		if v, ok := valueAt(p.values[0], bad); ok {
			t.Errorf("valueAt(%q) = %v, want not found", bad, v)
		}
	}
}
